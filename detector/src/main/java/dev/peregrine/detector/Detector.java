package dev.peregrine.detector;

/** Entry point of the detector's jar: dispatches to its commands. */
public final class Detector {
    private Detector() {}

    public static void main(String[] args) {
        System.err.println("usage: java -jar detector.jar <command> ...");
        System.err.println("The detector's commands arrive with the rules engine and capture.");
        System.exit(2);
    }
}
