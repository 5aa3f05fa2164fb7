package dev.peregrine.detector.condition;

/** A condition that does not parse; the message is libsinsp's text for the same mistake. */
public final class ConditionSyntaxException extends RuntimeException {
    private final SourcePos pos;

    public ConditionSyntaxException(String message, SourcePos pos) {
        super(message);
        this.pos = pos;
    }

    public SourcePos pos() {
        return pos;
    }
}
