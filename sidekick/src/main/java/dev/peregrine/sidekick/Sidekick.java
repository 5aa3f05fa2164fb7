package dev.peregrine.sidekick;

import dev.peregrine.sidekick.security.CredentialTool;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The sidekick: receives alerts over HTTP (Falco's JSON) and gRPC, spools them, delivers them.
 * {@code hash-password} and {@code new-token} make credentials for {@code peregrine.security}
 * ({@link CredentialTool}) instead.
 */
@SpringBootApplication
public class Sidekick {
    public static void main(String[] args) throws Exception {
        if (CredentialTool.handles(args)) {
            System.exit(CredentialTool.run(args, System.console(), System.in, System.out, System.err));
        }
        SpringApplication.run(Sidekick.class, args);
    }
}
