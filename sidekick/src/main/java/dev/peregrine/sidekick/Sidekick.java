package dev.peregrine.sidekick;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The sidekick: receives alerts over HTTP (Falco's JSON) and gRPC, spools them, delivers them.
 * Its other commands ({@code --help}, {@code migrate}, {@code hash-password}, ...) are
 * {@link SidekickCommands}.
 */
@SpringBootApplication
public class Sidekick {
    public static void main(String[] args) {
        Integer exit = SidekickCommands.run(args, System.out, System.err);
        if (exit != null) {
            System.exit(exit);
        }
        SpringApplication.run(Sidekick.class, args);
    }
}
