package dev.peregrine.sidekick.store;

/** The store could not be read or written; the message names the store and the cause. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
