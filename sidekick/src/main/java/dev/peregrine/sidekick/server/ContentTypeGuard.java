package dev.peregrine.sidekick.server;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;

/**
 * Answers 415 to a request whose Content-Type is not one concrete media type ({@code *}/{@code *},
 * {@code application/*}, unparseable), before Spring MVC sees it: MVC fails on such a header with
 * an exception, that is a 500, when a handler reads the body (found by the fuzz suite:
 * {@code HEAD /actuator/prometheus} with {@code Content-Type: *}/{@code *}). The intake checks its
 * own Content-Type more strictly.
 */
final class ContentTypeGuard extends HttpFilter {
    private static final byte[] BODY =
            "{\"error\":\"Content-Type must be one media type, such as application/json\",\"reason\":\"unsupported_media_type\"}"
                    .getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String type = request.getContentType();
        if (type != null && !concrete(type)) {
            response.setStatus(415);
            response.setContentType("application/json");
            response.setContentLength(BODY.length);
            response.getOutputStream().write(BODY);
            return;
        }
        chain.doFilter(request, response);
    }

    static boolean concrete(String type) {
        try {
            MediaType t = MediaType.parseMediaType(type);
            return !t.isWildcardType() && !t.isWildcardSubtype();
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }
}
