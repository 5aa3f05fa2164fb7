package dev.peregrine.sidekick.output;

/**
 * The header HTTP outputs send each alert's uuid in. Receivers that deduplicate can key on it: an
 * alert delivered again (a crash before its removal from the spool was committed) keeps its uuid.
 */
public final class IdempotencyKey {
    public static final String HEADER = "Idempotency-Key";

    private IdempotencyKey() {}
}
