package dev.peregrine.detector.anomaly;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Profiles on disk: one JSON file per profile in a directory, written whole to a temporary file
 * and moved over the old one, so a crash leaves the old or the new file, never half of one. The
 * event thread hands snapshots to {@link #saveLater}; one writer thread writes them. Export and
 * import move profiles between nodes as one bundle file.
 */
public final class ProfileStore implements AutoCloseable {
    static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** An export: the profiles of one node. */
    public record Bundle(int version, String exportedFrom, List<ProfileData> profiles) {}

    private final Path dir;
    /** Key → file, for every profile in the directory. */
    private final Map<String, Path> files = new ConcurrentHashMap<>();

    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "profile-writer");
        t.setDaemon(true);
        return t;
    });

    public ProfileStore(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f :
                    s.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                ProfileData d = read(f);
                if (d != null) files.put(d.key(), f);
            }
        }
    }

    public Path directory() {
        return dir;
    }

    public List<String> keys() {
        return List.copyOf(files.keySet());
    }

    /** All profiles, most recently seen first. */
    public List<ProfileData> all() {
        List<ProfileData> out = new ArrayList<>();
        for (Path f : files.values()) {
            ProfileData d = read(f);
            if (d != null) out.add(d);
        }
        out.sort(Comparator.comparingLong(ProfileData::lastSeenNs).reversed());
        return out;
    }

    public List<ProfileData> mostRecent(int n) {
        List<ProfileData> all = all();
        return all.subList(0, Math.min(n, all.size()));
    }

    /** The profile of {@code key}, or null. */
    public ProfileData load(String key) {
        Path f = files.get(key);
        return f == null ? null : read(f);
    }

    /** Writes the profiles on the writer thread. */
    public void saveLater(List<ProfileData> profiles) {
        writer.execute(() -> profiles.forEach(this::saveNow));
    }

    public void saveNow(ProfileData d) {
        Path f = files.computeIfAbsent(d.key(), k -> dir.resolve(fileName(k)));
        try {
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(d), StandardCharsets.UTF_8);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write profile " + f, e);
        }
    }

    /** Deletes the profile of {@code key}; false when there was none. */
    public boolean delete(String key) throws IOException {
        Path f = files.remove(key);
        return f != null && Files.deleteIfExists(f);
    }

    public void export(List<ProfileData> profiles, String node, Path out) throws IOException {
        Files.writeString(
                out, JSON.writeValueAsString(new Bundle(ProfileData.VERSION, node, profiles)), StandardCharsets.UTF_8);
    }

    /** Reads an export; a file that is not one is an error naming the file. */
    public static Bundle readBundle(Path in) throws IOException {
        try {
            Bundle b = JSON.readValue(Files.readString(in), Bundle.class);
            if (b.profiles() == null) throw new IOException(in + ": not a profile export (no \"profiles\")");
            if (b.version() != ProfileData.VERSION) {
                throw new IOException(in + ": profile export version " + b.version() + ", this detector reads "
                        + ProfileData.VERSION);
            }
            return b;
        } catch (JacksonException e) {
            throw new IOException(in + ": not a profile export: " + e.getOriginalMessage());
        }
    }

    /** Waits for pending writes. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ProfileData read(Path f) {
        try {
            return JSON.readValue(Files.readString(f), ProfileData.class);
        } catch (IOException | JacksonException e) {
            return null;
        }
    }

    /** Readable and unique: the key's safe characters, then a hash of the whole key. */
    static String fileName(String key) {
        String safe = key.replaceAll("[^A-Za-z0-9._-]+", "_");
        if (safe.length() > 80) safe = safe.substring(0, 80);
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return safe + "-" + HexFormat.of().formatHex(h, 0, 6) + ".json";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
