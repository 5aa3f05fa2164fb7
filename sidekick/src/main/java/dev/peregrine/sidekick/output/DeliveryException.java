package dev.peregrine.sidekick.output;

/**
 * An alert was not delivered. Retryable failures (connection refused, timeouts, 5xx, 429) are
 * retried until the output is back; permanent ones (the destination rejects the alert itself) are
 * moved to the spool's dead-letter table, counted and logged.
 */
public class DeliveryException extends Exception {
    private final boolean retryable;

    public DeliveryException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public static DeliveryException retryable(String message, Throwable cause) {
        return new DeliveryException(message, true, cause);
    }

    public static DeliveryException permanent(String message) {
        return new DeliveryException(message, false, null);
    }

    public boolean retryable() {
        return retryable;
    }
}
