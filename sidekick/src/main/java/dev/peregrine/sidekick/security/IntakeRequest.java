package dev.peregrine.sidekick.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * The requests the intake's filter chain serves: {@code POST /} (alerts) and {@code POST /test}.
 * Matched by comparing two strings, not by a path pattern: this runs once per alert.
 */
final class IntakeRequest {
    private IntakeRequest() {}

    static final RequestMatcher ANY = IntakeRequest::isIntakeOrTest;
    static final RequestMatcher TEST = r -> "/test".equals(path(r));

    static boolean isIntake(HttpServletRequest request) {
        String path = path(request);
        return "POST".equals(request.getMethod()) && (path.equals("/") || path.isEmpty());
    }

    private static boolean isIntakeOrTest(HttpServletRequest request) {
        if (!"POST".equals(request.getMethod())) {
            return false;
        }
        String path = path(request);
        return path.equals("/") || path.isEmpty() || path.equals("/test");
    }

    private static String path(HttpServletRequest request) {
        String uri = request.getRequestURI();
        int context = request.getContextPath().length();
        return context == 0 ? uri : uri.substring(context);
    }
}
