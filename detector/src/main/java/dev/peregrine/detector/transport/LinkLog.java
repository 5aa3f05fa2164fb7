package dev.peregrine.detector.transport;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * What the sidekick link says about itself: one line when its state changes, not one per retry.
 * A detector started before its sidekick says once that it waits, and once that it is connected;
 * a link that is lost says so once, and again only if the reason changes (a refused token after a
 * refused connection) or, as a reminder, every {@link #REMINDER} while it stays down. Every
 * attempt still shows at DEBUG.
 */
final class LinkLog {
    static final Duration REMINDER = Duration.ofMinutes(10);

    /** Where the lines go; System.Logger in the detector, a list in tests. */
    interface Sink {
        void log(Level level, String message);
    }

    private final String target;
    private final Sink sink;
    private final LongSupplier millis;
    private boolean everUp;
    private boolean up;
    private long downSince = -1;
    private long lastSaid;
    private String lastError;

    LinkLog(String target, Sink sink, LongSupplier millis) {
        this.target = target;
        this.sink = sink;
        this.millis = millis;
    }

    /** The link carries alerts (an ack came, or the stream stayed open). */
    synchronized void up(long waiting) {
        if (up) {
            return;
        }
        up = true;
        String backlog = waiting == 0 ? "" : "; sending the " + waiting + " alerts the node spool holds";
        if (everUp) {
            sink.log(Level.INFO, "sidekick link to " + target + " back after " + since() + backlog);
        } else {
            sink.log(Level.INFO, "connected to the sidekick at " + target + backlog);
        }
        everUp = true;
        lastError = null;
        downSince = -1;
    }

    /** A stream ended, or a connection attempt failed, for {@code error}. */
    synchronized void down(String error, long waiting) {
        long now = millis.getAsLong();
        if (downSince < 0) {
            downSince = now;
        }
        String spool = "; alerts wait in the node spool (" + waiting + ") and are sent when it is back";
        if (up) {
            up = false;
            say(Level.WARNING, now, error, "sidekick link to " + target + " lost: " + error + spool);
        } else if (!error.equals(lastError)) {
            say(
                    everUp || lastError != null ? Level.WARNING : Level.INFO,
                    now,
                    error,
                    (everUp
                                    ? "sidekick link to " + target + " still down: "
                                    : "waiting for the sidekick at " + target + ": ")
                            + error
                            + spool);
        } else if (now - lastSaid >= REMINDER.toMillis()) {
            say(Level.INFO, now, error, "still no sidekick at " + target + " after " + since() + ": " + error + spool);
        } else {
            sink.log(Level.DEBUG, "sidekick link to " + target + ": " + error);
        }
    }

    private void say(Level level, long now, String error, String message) {
        lastError = error;
        lastSaid = now;
        sink.log(level, message);
    }

    private String since() {
        long s = Math.max(0, (millis.getAsLong() - downSince) / 1000);
        return s < 120 ? s + " s" : (s / 60) + " min";
    }
}
