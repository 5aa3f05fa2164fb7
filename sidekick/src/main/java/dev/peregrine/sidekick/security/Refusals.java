package dev.peregrine.sidekick.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a refused request is answered: a JSON body with the reason (the intake's error format),
 * counted in {@code peregrine_http_refusals_total{reason}}, the first of each reason logged.
 *
 * <p>A missing credential gets 401 with {@code WWW-Authenticate: Bearer}, never {@code Basic}: a
 * Basic challenge makes a browser ask for a password and then attach it to every later request
 * to this host, including ones a hostile web page makes it send. Clients (curl, Prometheus,
 * scripts) send their credentials without being asked.
 */
public final class Refusals implements AuthenticationEntryPoint, AccessDeniedHandler {
    private static final Logger log = LoggerFactory.getLogger(Refusals.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final MeterRegistry metrics;
    private final boolean hasAdmin;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    public Refusals(MeterRegistry metrics, boolean hasAdmin) {
        this.metrics = metrics;
        this.hasAdmin = hasAdmin;
    }

    /** No credential, or one that did not authenticate. */
    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        if (!hasAdmin && !isSafe(request) && !IntakeRequest.isIntake(request)) {
            refuse(
                    request,
                    response,
                    403,
                    "no_admin",
                    "no admin is configured, so operations that change state are off: give a user or token role"
                            + " admin under peregrine.security (docs/security.md)");
            return;
        }
        response.setHeader("WWW-Authenticate", "Bearer realm=\"peregrine\"");
        refuse(
                request,
                response,
                401,
                "unauthenticated",
                "this needs a credential: Authorization: Bearer TOKEN, or a user's name and password"
                        + " (HTTP basic); see docs/security.md"
                        + (hasAdmin ? "" : " (no user or token has role admin: admin-only routes are off)"));
    }

    /** Authenticated, but without the role the route needs. */
    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        refuse(request, response, 403, "forbidden", "this credential lacks the role this needs (docs/security.md)");
    }

    /** Answers {@code status} with {@code {"error": message, "reason": reason}}. */
    void refuse(HttpServletRequest request, HttpServletResponse response, int status, String reason, String message)
            throws IOException {
        counters.computeIfAbsent(
                        reason,
                        r -> Counter.builder("peregrine.http.refusals")
                                .tag("reason", r)
                                .description("HTTP requests refused by the sidekick's security, by reason")
                                .register(metrics))
                .increment();
        if (logged.add(reason)) {
            log.warn(
                    "refused {} {} from {} ({}): {} (further refusals for this reason are counted in"
                            + " peregrine_http_refusals_total, not logged)",
                    request.getMethod(),
                    request.getRequestURI(),
                    request.getRemoteAddr(),
                    reason,
                    message);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("reason", reason);
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    static boolean isSafe(HttpServletRequest request) {
        String m = request.getMethod();
        return m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS");
    }
}
