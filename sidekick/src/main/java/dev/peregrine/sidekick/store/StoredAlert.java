package dev.peregrine.sidekick.store;

import java.util.List;

/**
 * One alert as the store returns it.
 *
 * @param id the store's own id, in the order alerts were stored
 * @param atMicros the alert's time (Falco's), microseconds since the epoch
 * @param body the alert as the sidekick spooled it (Falco's JSON, with its uuid)
 * @param outputs the outputs it was routed to
 * @param muted the id of the mute that held it back from its outputs, or null
 */
public record StoredAlert(long id, long atMicros, String body, List<String> outputs, String muted) {

    /** Where a page of results ends, for the next page: after this alert in (time, id) order. */
    public Cursor cursor() {
        return new Cursor(atMicros, id);
    }
}
