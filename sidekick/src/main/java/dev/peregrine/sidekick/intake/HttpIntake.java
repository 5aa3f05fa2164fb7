package dev.peregrine.sidekick.intake;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.AlertRejectedException;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.spool.SpoolFullException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Falco's http_output target, unchanged: POST / with Falco's JSON. Also Falcosidekick's
 * /ping, /healthz and /test. A 200 means the alert is on disk.
 */
@RestController
public class HttpIntake {
    /** Longer than any sane fsync; a spool that takes longer is reported as unavailable. */
    private static final Duration SPOOL_WAIT = Duration.ofSeconds(30);

    private final Intake intake;
    private final Rejections rejections;
    private final Clock clock;
    private final long maxBodyBytes;

    public HttpIntake(Intake intake, Rejections rejections, Clock clock, PeregrineProperties properties) {
        this.intake = intake;
        this.rejections = rejections;
        this.clock = clock;
        this.maxBodyBytes = properties.intake().maxBodySize().toBytes();
    }

    @PostMapping(path = "/", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Object>> receive(HttpServletRequest request) {
        Alert alert;
        try {
            alert = AlertJson.read(readBody(request), clock::instant);
        } catch (AlertRejectedException e) {
            HttpStatus status = e.kind().equals("body_too_large") ? HttpStatus.CONTENT_TOO_LARGE : HttpStatus.BAD_REQUEST;
            rejections.record("http", e.kind(), e.getMessage());
            intake.countRejected("http");
            return error(status, e.kind(), e.field(), e.getMessage());
        }
        return await(alert, intake::accept);
    }

    @PostMapping(path = "/test", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Object>> test() {
        Alert alert = new Alert(UUID.randomUUID().toString(), clock.instant(), "Test rule", Priority.DEBUG, "debug",
                "This is a test from the Peregrine sidekick", new TreeMap<>(Map.of("proc.name", "peregrine")),
                List.of("test"), "", null, Map.of());
        return await(alert, (a, input) -> intake.acceptTest(a));
    }

    @GetMapping(path = "/ping", produces = MediaType.TEXT_PLAIN_VALUE)
    public String ping() {
        return "pong\n";
    }

    /** Falcosidekick serves Prometheus metrics here; existing scrape configs keep working. */
    @GetMapping("/metrics")
    public void metrics(HttpServletRequest request, jakarta.servlet.http.HttpServletResponse response)
            throws IOException, jakarta.servlet.ServletException {
        request.getRequestDispatcher("/actuator/prometheus").forward(request, response);
    }

    @GetMapping(path = "/healthz", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, String> healthz() {
        return Map.of("status", "ok");
    }

    private interface Submit {
        java.util.concurrent.CompletableFuture<Intake.Result> submit(Alert alert, String input);
    }

    private ResponseEntity<Map<String, Object>> await(Alert alert, Submit submit) {
        try {
            Intake.Result result = submit.submit(alert, "http").get(SPOOL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("uuid", alert.uuid());
            body.put("status", result == Intake.Result.DUPLICATE ? "duplicate" : "accepted");
            return ResponseEntity.ok(body);
        } catch (SpoolFullException e) {
            rejections.record("http", "spool_full", e.getMessage());
            return unavailable("spool_full", e.getMessage());
        } catch (ExecutionException | TimeoutException e) {
            rejections.record("http", "spool_error", String.valueOf(e.getMessage()));
            return unavailable("spool_error", "the alert could not be written to the spool; retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable("shutting_down", "the sidekick is stopping; retry");
        }
    }

    private byte[] readBody(HttpServletRequest request) {
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw tooLarge(declared);
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (body.length > maxBodyBytes) {
                throw tooLarge(body.length);
            }
            return body;
        } catch (IOException e) {
            throw new AlertRejectedException("unreadable_body", null, "could not read the request body: " + e.getMessage());
        }
    }

    private AlertRejectedException tooLarge(long size) {
        return new AlertRejectedException("body_too_large", null,
                "request body of " + size + " bytes is over the limit of " + maxBodyBytes
                        + " bytes (peregrine.intake.max-body-size)");
    }

    private static ResponseEntity<Map<String, Object>> unavailable(String reason, String message) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "5")
                .body(errorBody(reason, null, message));
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String reason, String field, String message) {
        return ResponseEntity.status(status).body(errorBody(reason, field, message));
    }

    private static Map<String, Object> errorBody(String reason, String field, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("reason", reason);
        if (field != null) {
            body.put("field", field);
        }
        return body;
    }
}
