package dev.peregrine.sidekick.dashboard;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.ForwardedHeaderFilter;

/**
 * Keeps the two ports apart when the dashboard has its own: on it only dashboard routes answer,
 * on server.port none of them do (the intake's {@code POST /} aside, which shares the root path).
 * A dashboard request also has its {@code X-Forwarded-*} headers applied (when
 * peregrine.ui.forwarded-headers is on), so behind a proxy that serves it under {@code /prefix}
 * its redirects and links carry the prefix; the intake never trusts those headers.
 */
final class DashboardRouting extends HttpFilter {
    private final DashboardPort port;
    private final ForwardedHeaderFilter forwarded;

    DashboardRouting(DashboardPort port, boolean forwardedHeaders) {
        this.port = port;
        this.forwarded = forwardedHeaders ? new ForwardedHeaderFilter() : null;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        boolean dashboard = DashboardRoutes.isDashboard(request);
        if (port.separate() && port.received(request) != dashboard) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        if (forwarded != null && dashboard) {
            forwarded.doFilter(request, response, chain);
        } else {
            chain.doFilter(request, response);
        }
    }
}
