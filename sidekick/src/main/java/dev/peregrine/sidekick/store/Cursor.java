package dev.peregrine.sidekick.store;

/**
 * A position in the newest-first order of alerts (time, then id): a page after it starts with the
 * next older alert, however many arrived meanwhile. Written as {@code TIME_ID}, opaque to clients.
 */
public record Cursor(long atMicros, long id) {

    public static Cursor parse(String text) {
        int sep = text.indexOf('_');
        try {
            if (sep > 0) {
                return new Cursor(Long.parseLong(text.substring(0, sep)), Long.parseLong(text.substring(sep + 1)));
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("not a cursor: '" + text + "' (use a next_cursor from an earlier page)");
    }

    @Override
    public String toString() {
        return atMicros + "_" + id;
    }
}
