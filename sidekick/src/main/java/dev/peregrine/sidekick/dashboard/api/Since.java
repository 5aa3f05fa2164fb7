package dev.peregrine.sidekick.dashboard.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Falcosidekick-UI's {@code since}: a number and a unit ({@code 30s}, {@code 5min}, {@code 1h},
 * {@code 24h}, {@code 7d}, {@code 2w}, {@code 1M} for 30 days, {@code 1y} for 365), or a plain
 * number of seconds. Where Falcosidekick-UI stops the program on a bad value, this refuses the
 * request.
 */
final class Since {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([a-zA-Z]*)");

    private Since() {}

    /** @throws IllegalArgumentException naming the accepted forms */
    static Duration parse(String text) {
        Matcher m = FORM.matcher(text.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration unit = switch (m.group(2)) {
                case "", "s", "second", "seconds" -> Duration.ofSeconds(1);
                case "m", "min", "minute", "minutes" -> Duration.ofMinutes(1);
                case "h", "hour", "hours" -> Duration.ofHours(1);
                case "d", "day", "days" -> Duration.ofDays(1);
                case "w", "week", "weeks" -> Duration.ofDays(7);
                case "M", "month", "months" -> Duration.ofDays(30);
                case "y", "year", "years" -> Duration.ofDays(365);
                default -> null;
            };
            if (unit != null) {
                return unit.multipliedBy(n);
            }
        }
        throw new IllegalArgumentException("since: '" + text
                + "' is not a duration; use a number and a unit (s, min, h, d, w, M, y), e.g. 5min, 24h, 7d");
    }
}
