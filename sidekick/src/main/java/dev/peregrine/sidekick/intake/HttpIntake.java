package dev.peregrine.sidekick.intake;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.AlertRejectedException;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.server.SlowClients;
import dev.peregrine.sidekick.spool.SpoolFullException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Falco's http_output target, unchanged: POST / with Falco's JSON; and Falcosidekick's
 * POST /test. A 200 means the alert is on disk.
 *
 * <p>A filter ahead of Spring MVC rather than a controller: this is the hot path, one request per
 * alert, and MVC's dispatch, observation and message conversion cost several times what reading
 * the alert does. It runs as the last filter of the intake's security chain
 * ({@code security.SidekickSecurity}), which has decided who may post. The other endpoints are
 * ordinary MVC ({@link SidekickEndpoints}).
 *
 * <p>Only {@code Content-Type: application/json} is read (what Falco sends with
 * {@code json_output: true}): a web page can make a browser post a form or text/plain to any
 * host without asking, but not JSON, which needs a CORS preflight this server never answers.
 */
public final class HttpIntake extends HttpFilter {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String JSON_TYPE = "application/json";

    private final Intake intake;
    private final Rejections rejections;
    private final Clock clock;
    private final long maxBodyBytes;
    private final Duration bodyTimeout;
    private final long minBodyRate;

    public HttpIntake(Intake intake, Rejections rejections, Clock clock, long maxBodyBytes) {
        this(intake, rejections, clock, maxBodyBytes, Duration.ofSeconds(10), 1024);
    }

    /**
     * @param bodyTimeout how long a body may take, plus a second per {@code minBodyRate} bytes
     * @param minBodyRate the slowest a body may arrive beyond {@code bodyTimeout}, in bytes per second
     */
    public HttpIntake(
            Intake intake,
            Rejections rejections,
            Clock clock,
            long maxBodyBytes,
            Duration bodyTimeout,
            long minBodyRate) {
        this.intake = intake;
        this.rejections = rejections;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyTimeout = bodyTimeout;
        this.minBodyRate = minBodyRate;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!"POST".equals(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        switch (path) {
            case "/", "" -> receive(request, response);
            case "/test" -> test(response);
            default -> chain.doFilter(request, response);
        }
    }

    private void receive(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String type = request.getContentType();
        if (!isJson(type)) {
            rejections.record("http", "unsupported_media_type", "Content-Type " + type);
            intake.countRejected("http");
            error(
                    response,
                    415,
                    "unsupported_media_type",
                    null,
                    "Content-Type must be application/json (Falco sends it with json_output: true), not "
                            + (type == null ? "none" : "'" + type + "'"));
            return;
        }
        AlertJson.Received received;
        try {
            received = AlertJson.receive(readBody(request), clock::instant);
        } catch (AlertRejectedException e) {
            int status = switch (e.kind()) {
                case "body_too_large" -> 413;
                case "body_too_slow" -> 408; // Tomcat closes the connection after a 408
                default -> 400;
            };
            rejections.record("http", e.kind(), e.getMessage());
            intake.countRejected("http");
            error(response, status, e.kind(), e.field(), e.getMessage());
            return;
        }
        Alert alert = received.alert();
        await(response, alert, () -> intake.accept(alert, "http", received.senderUuid()));
    }

    /** {@code application/json}, any case, with or without parameters ({@code ; charset=utf-8}). */
    static boolean isJson(String contentType) {
        int n = JSON_TYPE.length();
        if (contentType == null || !contentType.regionMatches(true, 0, JSON_TYPE, 0, n)) {
            return false;
        }
        if (contentType.length() == n) {
            return true;
        }
        char next = contentType.charAt(n);
        return next == ';' || next == ' ' || next == '\t';
    }

    private void test(HttpServletResponse response) throws IOException {
        Alert alert = new Alert(
                UUID.randomUUID().toString(),
                clock.instant(),
                "Test rule",
                Priority.DEBUG,
                "debug",
                "This is a test from the Peregrine sidekick",
                new TreeMap<>(Map.of("proc.name", "peregrine")),
                List.of("test"),
                "",
                null,
                Map.of());
        await(response, alert, () -> intake.acceptTest(alert));
    }

    /**
     * Spools the alert ({@code spooling} may refuse at once with {@link SpoolFullException}) and
     * answers once it is on disk.
     */
    private void await(HttpServletResponse response, Alert alert, Supplier<CompletableFuture<Intake.Result>> spooling)
            throws IOException {
        try {
            CompletableFuture<Intake.Result> written = spooling.get();
            // Untimed: every append's future completes, even when the spool fails (its writer
            // fails what it cannot commit). A timed wait on a virtual thread arms a timer per
            // request, which profiles showed at 4% of the sidekick's CPU.
            Intake.Result result = written.get();
            // uuids are [0-9a-f-]: no escaping needed.
            String body = "{\"uuid\":\"" + alert.uuid() + "\",\"status\":\""
                    + (result == Intake.Result.DUPLICATE ? "duplicate" : "accepted") + "\"}";
            write(response, 200, body.getBytes(StandardCharsets.US_ASCII));
        } catch (SpoolFullException e) {
            // Logged by the spool once per episode; a sender retrying thousands of alerts is not.
            rejections.count("http", "spool_full");
            unavailable(response, "spool_full", e.getMessage());
        } catch (IntakeFullException e) {
            // Logged once per episode by WaitingAlerts.
            rejections.count("http", "intake_full");
            unavailable(response, "intake_full", e.getMessage());
        } catch (ExecutionException e) {
            rejections.record("http", "spool_error", String.valueOf(e.getMessage()));
            unavailable(response, "spool_error", "the alert could not be written to the spool; retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable(response, "shutting_down", "the sidekick is stopping; retry");
        }
    }

    /**
     * The body, read to its end within the intake's deadline: {@code bodyTimeout} plus a second per
     * {@code minBodyRate} bytes received, checked as each read returns (Tomcat's connection timeout
     * bounds a single read), so a client trickling its body is cut off, not waited for.
     */
    private byte[] readBody(HttpServletRequest request) {
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw tooLarge(declared);
        }
        long started = System.nanoTime();
        try (InputStream in = request.getInputStream()) {
            // Tomcat stops at the declared length: a body of that size needs no copy.
            byte[] body = new byte[(int) (declared >= 0 ? declared : Math.min(8192, maxBodyBytes + 1))];
            int n = 0;
            while (true) {
                if (n == body.length) {
                    if (declared >= 0 || n > maxBodyBytes) {
                        break;
                    }
                    body = Arrays.copyOf(body, (int) Math.min(2L * body.length, maxBodyBytes + 1));
                }
                int read = in.read(body, n, body.length - n);
                if (read < 0) {
                    break;
                }
                n += read;
                if (System.nanoTime() - started > SlowClients.allowedBodyNanos(bodyTimeout, minBodyRate, n)) {
                    throw new AlertRejectedException(
                            "body_too_slow",
                            null,
                            "the request body arrived too slowly (" + n + " bytes in "
                                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                                    + " ms; peregrine.http.body-timeout and min-body-rate)");
                }
            }
            if (n > maxBodyBytes) {
                throw tooLarge(n);
            }
            return n == body.length ? body : Arrays.copyOf(body, n);
        } catch (IOException e) {
            throw new AlertRejectedException(
                    "unreadable_body", null, "could not read the request body: " + e.getMessage());
        }
    }

    private AlertRejectedException tooLarge(long size) {
        return new AlertRejectedException(
                "body_too_large",
                null,
                "request body of " + size + " bytes is over the limit of " + maxBodyBytes
                        + " bytes (peregrine.intake.max-body-size)");
    }

    private static void unavailable(HttpServletResponse response, String reason, String message) throws IOException {
        response.setHeader("Retry-After", "5");
        error(response, 503, reason, null, message);
    }

    private static void error(HttpServletResponse response, int status, String reason, String field, String message)
            throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("reason", reason);
        if (field != null) {
            body.put("field", field);
        }
        write(response, status, JSON.writeValueAsBytes(body));
    }

    private static void write(HttpServletResponse response, int status, byte[] body) throws IOException {
        response.setStatus(status);
        response.setContentType(JSON_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
