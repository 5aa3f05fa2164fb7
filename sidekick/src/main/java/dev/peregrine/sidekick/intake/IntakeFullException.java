package dev.peregrine.sidekick.intake;

/**
 * Too many accepted alerts wait to be made durable (by the spool's writer, or Kafka's acks): the
 * sender should retry later; nothing was taken. Keeps a storm of senders (every detector resending
 * its backlog after a sidekick restart) from filling the heap.
 */
public class IntakeFullException extends RuntimeException {
    public IntakeFullException(String message) {
        super(message);
    }
}
