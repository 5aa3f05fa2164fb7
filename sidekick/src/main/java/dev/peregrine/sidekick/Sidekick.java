package dev.peregrine.sidekick;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The sidekick: receives alerts over HTTP (Falco's JSON) and gRPC, spools them, delivers them. */
@SpringBootApplication
public class Sidekick {
    public static void main(String[] args) {
        SpringApplication.run(Sidekick.class, args);
    }
}
