package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.AlertRejectedException;
import dev.peregrine.sidekick.spool.SpoolEntry;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * An alert as a delivery reads it from the spool: its uuid and Falco JSON at once, the parsed
 * {@link Alert} only when an output asks for it. An output whose body is that JSON (the webhook)
 * never pays for a parse.
 */
public final class SpooledAlert {
    private final SpoolEntry entry;
    private final Supplier<Instant> now;
    private Alert alert;

    public SpooledAlert(SpoolEntry entry, Supplier<Instant> now) {
        this.entry = entry;
        this.now = now;
    }

    public String uuid() {
        return entry.uuid();
    }

    /** Falco's JSON with the uuid, exactly as spooled. */
    public byte[] json() {
        return entry.payload();
    }

    /**
     * The parsed alert.
     *
     * @throws DeliveryException (permanent) when the spooled bytes are not an alert: sending
     *     again cannot help
     */
    public Alert alert() throws DeliveryException {
        if (alert == null) {
            try {
                alert = AlertJson.read(entry.payload(), now);
            } catch (AlertRejectedException e) {
                throw DeliveryException.permanent("unreadable spool entry: " + e.getMessage());
            }
        }
        return alert;
    }
}
