package dev.peregrine.detector.cli;

import dev.peregrine.detector.anomaly.AnomalySettings;
import dev.peregrine.detector.anomaly.ProfileData;
import dev.peregrine.detector.anomaly.ProfileStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code profiles list|show|reset|export|import}: the behaviour profiles in a profile directory
 * (the detector's {@code anomaly.directory}). Changes take effect when a detector next loads the
 * directory, i.e. at its start: a running detector keeps its profiles in memory and saves over them.
 */
final class ProfilesCommand {
    private ProfilesCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        Path dir = AnomalySettings.defaults().directory();
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--dir") && i + 1 < args.length) {
                dir = Path.of(args[++i]);
            } else {
                rest.add(args[i]);
            }
        }
        if (rest.isEmpty()) return usage(err);
        ProfileStore store = new ProfileStore(dir);
        try {
            switch (rest.getFirst()) {
                case "list" -> {
                    if (rest.size() != 1) return usage(err);
                    List<ProfileData> all = store.all();
                    out.printf(
                            "%-8s %8s %10s %7s %-20s %s%n", "STATE", "ITEMS", "EVENTS", "WINDOWS", "LAST SEEN", "KEY");
                    for (ProfileData d : all) {
                        out.printf(
                                "%-8s %8d %10d %7d %-20s %s%n",
                                d.learning() ? "learning" : "frozen",
                                d.items(),
                                d.events(),
                                d.windows() == null ? 0 : d.windows().size(),
                                time(d.lastSeenNs()),
                                d.key());
                    }
                    err.println(all.size() + " profiles in " + dir);
                    return 0;
                }
                case "show" -> {
                    if (rest.size() != 2) return usage(err);
                    ProfileData d = store.load(rest.get(1));
                    if (d == null) return missing(err, rest.get(1), dir);
                    out.println("key:       " + d.key());
                    out.println("state:     " + (d.learning() ? "learning" : "frozen"));
                    out.println("learning:  from " + time(d.learningStartedNs())
                            + (d.learning() ? "" : " to " + time(d.frozenNs())));
                    out.println("events:    " + d.events());
                    out.println("last seen: " + time(d.lastSeenNs()));
                    out.println("windows:   "
                            + (d.windows() == null ? 0 : d.windows().size()) + " of " + d.windowSeconds() + " s");
                    for (Map.Entry<String, List<String>> s : d.sets().entrySet()) {
                        out.println(s.getKey() + " (" + s.getValue().size()
                                + (d.saturated().contains(s.getKey()) ? ", full" : "") + "):");
                        s.getValue().forEach(item -> out.println("  " + item));
                    }
                    if (!d.reported().isEmpty()) {
                        out.println("reported as new:");
                        d.reported().forEach((item, ts) -> out.println("  " + item + "  (" + time(ts) + ")"));
                    }
                    return 0;
                }
                case "reset" -> {
                    if (rest.size() != 2) return usage(err);
                    if (!store.delete(rest.get(1))) return missing(err, rest.get(1), dir);
                    err.println("profiles: " + rest.get(1) + " deleted; it learns anew when the detector next starts");
                    return 0;
                }
                case "export" -> {
                    if (rest.size() < 2) return usage(err);
                    List<ProfileData> chosen = new ArrayList<>();
                    for (String key : rest.subList(2, rest.size())) {
                        ProfileData d = store.load(key);
                        if (d == null) return missing(err, key, dir);
                        chosen.add(d);
                    }
                    if (rest.size() == 2) chosen.addAll(store.all());
                    store.export(chosen, InetAddress.getLocalHost().getHostName(), Path.of(rest.get(1)));
                    err.println("profiles: " + chosen.size() + " exported to " + rest.get(1));
                    return 0;
                }
                case "import" -> {
                    if (rest.size() != 2) return usage(err);
                    ProfileStore.Bundle b = ProfileStore.readBundle(Path.of(rest.get(1)));
                    for (ProfileData d : b.profiles()) store.saveNow(d);
                    err.println("profiles: " + b.profiles().size() + " imported from " + rest.get(1) + " ("
                            + b.exportedFrom() + ") into " + dir);
                    return 0;
                }
                default -> {
                    return usage(err);
                }
            }
        } finally {
            store.close();
        }
    }

    private static String time(long ns) {
        return ns == 0 ? "-" : Instant.ofEpochSecond(0, ns).toString().replaceFirst("\\.\\d+Z$", "Z");
    }

    private static int missing(PrintStream err, String key, Path dir) {
        err.println("profiles: no profile '" + key + "' in " + dir + " (see profiles list)");
        return 1;
    }

    private static int usage(PrintStream err) {
        err.println("""
                usage: profiles [--dir DIR] list
                       profiles [--dir DIR] show KEY
                       profiles [--dir DIR] reset KEY
                       profiles [--dir DIR] export FILE [KEY...]    (all profiles without KEY)
                       profiles [--dir DIR] import FILE""");
        return 2;
    }
}
