package dev.peregrine.detector.rule;

/** Stops loading at the first error, as Falco's loader does; carries the code and the context. */
final class RuleLoadException extends RuntimeException {
    final LoadCode code;
    final Context context;

    RuleLoadException(LoadCode code, String message, Context context) {
        super(message);
        this.code = code;
        this.context = context;
    }
}
