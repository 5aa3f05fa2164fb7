package dev.peregrine.detector.field;

/** A field that does not exist or whose argument is wrong. */
public final class FieldException extends RuntimeException {
    private final boolean unknownField;

    public FieldException(String message, boolean unknownField) {
        super(message);
        this.unknownField = unknownField;
    }

    /** True for the errors Falco downgrades to LOAD_UNKNOWN_FILTER warnings under skip-if-unknown-filter. */
    public boolean unknownField() {
        return unknownField;
    }
}
