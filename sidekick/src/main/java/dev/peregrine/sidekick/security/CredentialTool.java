package dev.peregrine.sidekick.security;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * {@code java -jar sidekick.jar hash-password} and {@code new-token}: make what
 * {@code peregrine.security} stores, without starting the sidekick. Only hashes go into the
 * configuration; the password or token itself is shown once, here, and never logged.
 */
public final class CredentialTool {
    public static final String HASH_PASSWORD = "hash-password";
    public static final String NEW_TOKEN = "new-token";

    private CredentialTool() {}

    public static boolean handles(String[] args) {
        return args.length == 1 && (args[0].equals(HASH_PASSWORD) || args[0].equals(NEW_TOKEN));
    }

    /** Runs the command {@code args[0]}; returns the exit status. */
    public static int run(String[] args, Console console, InputStream in, PrintStream out, PrintStream err)
            throws IOException {
        if (args[0].equals(NEW_TOKEN)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            out.println("token:  " + token);
            out.println("sha256: " + HexFormat.of().formatHex(Accounts.sha256(token)));
            err.println("Give the token to the client (Authorization: Bearer TOKEN); put only the sha256 in"
                    + " peregrine.security.tokens.NAME.sha256, with NAME.roles.");
            return 0;
        }
        char[] password = readPassword(console, in, err);
        if (password == null || password.length == 0) {
            err.println("no password given");
            return 2;
        }
        try {
            out.println(Accounts.passwordEncoder().encode(new String(password)));
        } finally {
            Arrays.fill(password, '\0');
        }
        err.println("Put this in peregrine.security.users.NAME.password, with NAME.roles.");
        return 0;
    }

    /** From the terminal without echo, asked twice; or one line of standard input (scripts). */
    private static char[] readPassword(Console console, InputStream in, PrintStream err) throws IOException {
        if (console != null && console.isTerminal()) {
            char[] first = console.readPassword("Password: ");
            char[] again = console.readPassword("Again: ");
            if (first == null || !Arrays.equals(first, again)) {
                err.println("the two passwords differ");
                return null;
            }
            return first;
        }
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        return line == null ? null : line.toCharArray();
    }
}
