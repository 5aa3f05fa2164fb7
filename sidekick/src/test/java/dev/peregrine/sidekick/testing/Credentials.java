package dev.peregrine.sidekick.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/** What tests put in peregrine.security (hashes) and send (Authorization headers). */
public final class Credentials {
    private Credentials() {}

    public static String sha256(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A bcrypt hash at the lowest cost: the same format, made fast. */
    public static String bcrypt(String password) {
        return "{bcrypt}" + new BCryptPasswordEncoder(4).encode(password);
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
