package dev.peregrine.sidekick.dashboard.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.dashboard.DashboardEnabled;
import dev.peregrine.sidekick.spool.AlertLog;
import dev.peregrine.sidekick.store.AlertQuery;
import dev.peregrine.sidekick.store.AlertStore;
import dev.peregrine.sidekick.store.Cursor;
import dev.peregrine.sidekick.store.Dimension;
import dev.peregrine.sidekick.store.StoredAlert;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The dashboard's own alert API, a superset of Falcosidekick-UI's: every filter ({@link
 * AlertParams}), cursor paging that new alerts do not shift, counts by any dimension, a histogram
 * by priority, and one alert with its delivery per output.
 */
@RestController
@DashboardEnabled
@RequestMapping(path = "/api/alerts", produces = MediaType.APPLICATION_JSON_VALUE)
class AlertsApi {
    private static final int MAX_LIMIT = 1000;

    /**
     * A search's total is exact up to this many alerts, above it "more than" (as search engines
     * say it): counting every match of a common word over a month would cost more than the page.
     */
    static final int EXACT_TOTAL = 10_000;

    private final AlertStore store;
    private final AlertLog spool;
    private final Clock clock;

    AlertsApi(AlertStore store, AlertLog spool, Clock clock) {
        this.store = store;
        this.spool = spool;
        this.clock = clock;
    }

    /** One stored alert: the store's id, where it was routed, and the alert as Falco's JSON. */
    record AlertView(
            long id,
            List<String> outputs,
            String muted,
            @JsonRawValue String alert) {
        static AlertView of(StoredAlert s) {
            return new AlertView(s.id(), s.outputs(), s.muted(), s.body());
        }
    }

    /**
     * @param total alerts matching, all pages (left out with {@code total=false}); at most {@link
     *     #EXACT_TOTAL}
     * @param totalIsMore true when more than {@code total} alerts match (left out when the total is
     *     exact)
     * @param nextCursor pass as {@code cursor} for the next page; null on the last
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Page(List<AlertView> alerts, Long total, Boolean totalIsMore, String nextCursor) {}

    @GetMapping
    Page search(HttpServletRequest request) {
        Map<String, String[]> params = request.getParameterMap();
        AlertQuery q = AlertParams.query(params, false, clock);
        int limit = Math.clamp(AlertParams.integer(params, "limit", 50), 1, MAX_LIMIT);
        String cursorText = AlertParams.one(params, "cursor");
        Cursor cursor = cursorText == null ? null : Cursor.parse(cursorText);
        int offset = Math.max(0, AlertParams.integer(params, "offset", 0));
        List<StoredAlert> found = store.search(q, cursor, cursor == null ? offset : 0, limit);
        AlertStore.Total total = "false".equals(AlertParams.one(params, "total")) ? null : store.total(q, EXACT_TOTAL);
        String next = found.size() == limit ? found.getLast().cursor().toString() : null;
        return new Page(
                found.stream().map(AlertView::of).toList(),
                total == null ? null : total.count(),
                total != null && total.more() ? true : null,
                next);
    }

    record Detail(
            long id,
            List<String> outputs,
            String muted,
            @JsonRawValue String alert,
            Map<String, String> delivery) {}

    /**
     * One alert, with its delivery per output it was routed to: {@code delivered} (taken by the
     * output or folded into a dedup/group follow-up), {@code waiting}, or {@code dead: reason}.
     */
    @GetMapping("/{uuid}")
    ResponseEntity<Detail> one(@PathVariable String uuid) {
        return store.find(uuid)
                .map(s -> {
                    Map<String, String> pending = spool.statusOf(uuid);
                    Map<String, String> delivery = new TreeMap<>();
                    s.outputs().forEach(o -> delivery.put(o, pending.getOrDefault(o, "delivered")));
                    return ResponseEntity.ok(new Detail(s.id(), s.outputs(), s.muted(), s.body(), delivery));
                })
                .orElse(ResponseEntity.notFound().build());
    }

    /** Alerts per value of {@code by} (any filter dimension), most frequent first, {@code top} values. */
    @GetMapping("/counts")
    Map<String, Object> counts(HttpServletRequest request) {
        Map<String, String[]> params = request.getParameterMap();
        String by = AlertParams.one(params, "by");
        Dimension d = Dimension.named(by == null ? "" : by)
                .orElseThrow(() -> new IllegalArgumentException(
                        "by: one of priority, rule, source, hostname, tags, container, image, namespace, pod"));
        int top = Math.clamp(AlertParams.integer(params, "top", 10), 1, 1000);
        AlertQuery q = AlertParams.query(params, false, clock);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("by", d.column());
        body.put("counts", store.countBy(q, d, top));
        return body;
    }

    record Bar(Instant start, String priority, long count) {}

    /**
     * Alerts over time by priority. Without {@code from}/{@code since} the last 24 hours; without
     * {@code bucket} (a {@link Since} duration) the range in about 48 bars.
     */
    @GetMapping("/histogram")
    Map<String, Object> histogram(HttpServletRequest request) {
        Map<String, String[]> params = request.getParameterMap();
        AlertQuery q = AlertParams.query(params, false, clock);
        Instant until = q.until() == null ? clock.instant() : q.until();
        if (q.from() == null) {
            q = q.between(until.minus(Duration.ofHours(24)), q.until());
        }
        String bucketText = AlertParams.one(params, "bucket");
        Duration bucket = bucketText != null
                ? Since.parse(bucketText)
                : niceBucket(Duration.between(q.from(), until).dividedBy(48));
        if (bucket.toSeconds() < 1) {
            throw new IllegalArgumentException("bucket: at least one second");
        }
        List<Bar> bars = store.histogram(q, bucket.toSeconds() * 1_000_000).stream()
                .map(b -> new Bar(b.start(), b.priority().falcoName(), b.count()))
                .toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("from", q.from());
        body.put("until", until);
        body.put("bucketSeconds", bucket.toSeconds());
        body.put("bars", bars);
        return body;
    }

    /** Counts of the last hour and the last 24 hours, per priority. */
    @GetMapping("/summary")
    Map<String, Object> summary(HttpServletRequest request) {
        AlertQuery q = AlertParams.query(request.getParameterMap(), false, clock);
        Instant now = clock.instant();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("lastHour", window(q.between(now.minus(Duration.ofHours(1)), null)));
        body.put("lastDay", window(q.between(now.minus(Duration.ofDays(1)), null)));
        return body;
    }

    private Map<String, Object> window(AlertQuery q) {
        Map<String, Long> byPriority = store.countBy(q, Dimension.PRIORITY, Priority.values().length);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("total", byPriority.values().stream().mapToLong(Long::longValue).sum());
        w.put("byPriority", byPriority);
        return w;
    }

    private static Duration niceBucket(Duration d) {
        for (Duration step : List.of(
                Duration.ofSeconds(10),
                Duration.ofMinutes(1),
                Duration.ofMinutes(5),
                Duration.ofMinutes(15),
                Duration.ofMinutes(30),
                Duration.ofHours(1),
                Duration.ofHours(3),
                Duration.ofHours(6),
                Duration.ofHours(12))) {
            if (d.compareTo(step) <= 0) {
                return step;
            }
        }
        return Duration.ofDays(1);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", e.getMessage()));
    }
}
