package dev.peregrine.sidekick.dashboard.api;

import dev.peregrine.sidekick.dashboard.DashboardEnabled;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.store.AlertQuery;
import dev.peregrine.sidekick.store.AlertStore;
import dev.peregrine.sidekick.store.Dimension;
import dev.peregrine.sidekick.store.StoredAlert;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Falcosidekick-UI's API ({@code internal/api}), kept so its users' scripts and links keep
 * working: the same paths, query parameters ({@link AlertParams}) and JSON shapes: {@code
 * {"results": ..., "statistics": {"returned": n, "all": n, "distincts": n}}}, with {@code
 * returned} and {@code distincts} left out when zero as its Go structs do. Errors are 400 with
 * {@code {"message": ...}}, as its web framework writes them. A search's {@code all} is exact up
 * to {@link AlertsApi#EXACT_TOTAL} and that number above it (its shape has no "more than"); {@code
 * /events/count} is always exact.
 */
@RestController
@DashboardEnabled
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class FalcosidekickUiApi {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonMapper PRETTY =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    /** Falcosidekick-UI's default page size. */
    private static final int DEFAULT_LIMIT = 100;

    private static final int MAX_LIMIT = 10_000;

    private final AlertStore store;
    private final List<ConfiguredOutput> outputs;
    private final Clock clock;

    FalcosidekickUiApi(AlertStore store, List<ConfiguredOutput> outputs, Clock clock) {
        this.store = store;
        this.outputs = outputs;
        this.clock = clock;
    }

    @GetMapping("/events/search")
    ResponseEntity<String> search(HttpServletRequest request) {
        Map<String, String[]> params = request.getParameterMap();
        AlertQuery q = AlertParams.query(params, true, clock);
        int limit = AlertParams.integer(params, "limit", DEFAULT_LIMIT);
        limit = limit <= 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
        int page = Math.max(0, AlertParams.integer(params, "page", 1) - 1);
        List<StoredAlert> found = store.search(q, null, page * limit, limit);
        List<JsonNode> events = found.stream().map(a -> JSON.readTree(a.body())).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("results", events);
        body.put(
                "statistics",
                statistics(found.size(), store.total(q, AlertsApi.EXACT_TOTAL).count(), 0));
        return json(request, body);
    }

    @GetMapping("/events/count")
    ResponseEntity<String> count(HttpServletRequest request) {
        AlertQuery q = AlertParams.query(request.getParameterMap(), true, clock);
        return json(request, Map.of("statistics", statistics(0, store.count(q), 0)));
    }

    @GetMapping("/events/count/{groupby}")
    ResponseEntity<String> countBy(@PathVariable String groupby, HttpServletRequest request) {
        Dimension d = Dimension.named(groupby)
                .filter(x -> List.of(
                                Dimension.PRIORITY,
                                Dimension.RULE,
                                Dimension.SOURCE,
                                Dimension.HOSTNAME,
                                Dimension.TAGS)
                        .contains(x))
                .orElseThrow(() -> new IllegalArgumentException(
                        "wrong Group By field '" + groupby + "': priority, rule, source, hostname or tags"));
        AlertQuery q = AlertParams.query(request.getParameterMap(), true, clock);
        Map<String, Long> counts = store.countBy(q, d, MAX_LIMIT);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("results", counts);
        body.put(
                "statistics",
                statistics(
                        0, counts.values().stream().mapToLong(Long::longValue).sum(), counts.size()));
        return json(request, body);
    }

    /** The outputs alerts are delivered to (Falcosidekick reported its own to Falcosidekick-UI). */
    @GetMapping("/outputs")
    List<String> outputs() {
        return outputs.stream().map(ConfiguredOutput::name).toList();
    }

    @GetMapping("/healthz")
    Map<String, String> healthz() {
        return Map.of("status", "ok");
    }

    private static Map<String, Long> statistics(long returned, long all, long distincts) {
        Map<String, Long> s = new LinkedHashMap<>();
        if (returned != 0) {
            s.put("returned", returned);
        }
        if (distincts != 0) {
            s.put("distincts", distincts);
        }
        s.put("all", all);
        return s;
    }

    private static ResponseEntity<String> json(HttpServletRequest request, Object body) {
        JsonMapper mapper = "true".equals(request.getParameter("pretty")) ? PRETTY : JSON;
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(mapper.writeValueAsString(body));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("message", e.getMessage()));
    }
}
