package dev.peregrine.detector.rule;

/** A condition that parses but cannot be compiled (unknown field, bad operand, ...). */
public final class CompileException extends RuntimeException {
    private final boolean unknownField;

    public CompileException(String message, boolean unknownField) {
        super(message);
        this.unknownField = unknownField;
    }

    public boolean unknownField() {
        return unknownField;
    }
}
