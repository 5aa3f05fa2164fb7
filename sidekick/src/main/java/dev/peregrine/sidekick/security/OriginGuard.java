package dev.peregrine.sidekick.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Refuses requests that change state when a web browser sends them on a page's behalf: the API
 * port serves no web pages, so such a request can only come from someone else's page trying to
 * use the operator's browser (cross-site request forgery). Browsers mark them with
 * {@code Origin} (every POST) and {@code Sec-Fetch-Site}; Falco, curl and Prometheus send neither.
 * No CORS headers are ever sent, so a browser does not even let a page read a GET's answer.
 */
final class OriginGuard extends HttpFilter {
    private final Refusals refusals;

    OriginGuard(Refusals refusals) {
        this.refusals = refusals;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!Refusals.isSafe(request) && fromWebPage(request)) {
            refusals.refuse(
                    request,
                    response,
                    403,
                    "cross_origin",
                    "requests sent by a web page (Origin: " + request.getHeader("Origin")
                            + ") are refused: this port takes no browser requests");
            return;
        }
        chain.doFilter(request, response);
    }

    private static boolean fromWebPage(HttpServletRequest request) {
        if (request.getHeader("Origin") != null) {
            return true;
        }
        String site = request.getHeader("Sec-Fetch-Site");
        return site != null && !site.equals("none");
    }
}
