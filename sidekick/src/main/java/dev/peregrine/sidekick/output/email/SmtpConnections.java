package dev.peregrine.sidekick.output.email;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Connected SMTP transports kept between mails, each used by one sender at a time: a mail on a
 * kept connection costs MAIL FROM, RCPT TO and DATA, not also TCP, EHLO, STARTTLS and AUTH.
 * Only a connection whose last mail went through is kept, so a server that restarted needs
 * nothing to recover; one idle for longer than {@link #MAX_IDLE_NANOS} is closed rather than
 * reused, as servers drop idle clients (Postfix after 300 s).
 */
final class SmtpConnections implements AutoCloseable {
    static final long MAX_IDLE_NANOS = 30_000_000_000L;

    private record Idle(Transport transport, long since) {}

    private final Session session;
    private final EmailConfig config;
    private final ConcurrentLinkedDeque<Idle> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    SmtpConnections(Session session, EmailConfig config) {
        this.session = session;
        this.config = config;
    }

    /** A connection kept from an earlier mail, most recent first; null when there is none. */
    Transport kept() {
        Idle kept;
        while ((kept = idle.pollFirst()) != null) {
            if (System.nanoTime() - kept.since() < MAX_IDLE_NANOS) {
                return kept.transport();
            }
            discard(kept.transport());
        }
        return null;
    }

    /** A new connection, authenticated when configured. */
    Transport open() throws MessagingException {
        Transport transport = session.getTransport();
        transport.connect(config.host(), config.port(), config.username(), config.password());
        return transport;
    }

    /** Keeps a connection whose mail went through, for the next one. */
    void keep(Transport transport) {
        idle.addFirst(new Idle(transport, System.nanoTime()));
        if (closed) {
            close();
        }
    }

    /** Closes a connection that is not to be used again. */
    void discard(Transport transport) {
        try {
            transport.close();
        } catch (MessagingException | RuntimeException e) {
            // a connection already broken: nothing left to close
        }
    }

    @Override
    public void close() {
        closed = true;
        Idle kept;
        while ((kept = idle.pollFirst()) != null) {
            discard(kept.transport());
        }
    }
}
