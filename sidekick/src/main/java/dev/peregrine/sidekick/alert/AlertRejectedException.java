package dev.peregrine.sidekick.alert;

/**
 * An alert that will never be accepted as sent. {@link #kind} is a short, fixed reason used as
 * a metric tag and for once-per-kind logging; the message names the field and the problem.
 */
public class AlertRejectedException extends RuntimeException {
    private final String kind;
    private final String field;

    public AlertRejectedException(String kind, String field, String reason) {
        super(field == null ? reason : field + ": " + reason);
        this.kind = kind;
        this.field = field;
    }

    public String kind() {
        return kind;
    }

    /** The offending field, or null when the problem is the whole request. */
    public String field() {
        return field;
    }
}
