package dev.peregrine.sidekick.spool;

/** The spool's disk budget is used up: the sender should retry later; nothing was written. */
public class SpoolFullException extends RuntimeException {
    public SpoolFullException(long usedBytes, long maxBytes) {
        super("spool is full: " + usedBytes + " of " + maxBytes + " bytes used (peregrine.spool.max-bytes);"
                + " alerts are accepted again once outputs catch up");
    }
}
