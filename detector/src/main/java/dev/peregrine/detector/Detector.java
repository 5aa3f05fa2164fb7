package dev.peregrine.detector;

import dev.peregrine.detector.cli.Commands;

/** Entry point of the detector's jar: dispatches to its commands. */
public final class Detector {
    private Detector() {}

    public static void main(String[] args) {
        System.exit(Commands.run(args, System.in, System.out, System.err));
    }
}
