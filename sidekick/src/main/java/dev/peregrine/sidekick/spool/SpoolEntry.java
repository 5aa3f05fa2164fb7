package dev.peregrine.sidekick.spool;

/** One alert waiting in one output's queue. {@code id} orders entries within the spool. */
public record SpoolEntry(long id, String output, String uuid, long acceptedAtMillis, byte[] payload) {}
