package dev.peregrine.sidekick.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;

/** Which paths belong to the dashboard (its pages, assets, API, login) rather than the intake. */
public final class DashboardRoutes {
    /** The page's views, one path level each, so relative asset URLs work under any prefix. */
    static final Set<String> PAGES = Set.of("/", "/outputs", "/detectors", "/mutes");

    private static final Set<String> EXACT = Set.of("/login", "/logout", "/favicon.svg");
    private static final Set<String> PREFIXES = Set.of("/api/", "/assets/", "/oauth2/", "/login/oauth2/");

    private DashboardRoutes() {}

    /** @param path the request path below the context path ("/" for the root) */
    static boolean isDashboard(String path) {
        if (PAGES.contains(path) || EXACT.contains(path)) {
            return true;
        }
        for (String p : PREFIXES) {
            if (path.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** The path below the context path, "/" for the root. */
    static String path(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return path.isEmpty() ? "/" : path;
    }

    /** Whether the intake's {@code POST /}, which shares the root path with the page. */
    static boolean isIntakePost(HttpServletRequest request, String path) {
        return "POST".equals(request.getMethod()) && path.equals("/");
    }

    /** Whether the dashboard serves {@code request} (its security chain then decides who may). */
    public static boolean isDashboard(HttpServletRequest request) {
        String path = path(request);
        return isDashboard(path) && !isIntakePost(request, path);
    }

    /** Whether the dashboard's JSON API (refused with 401, where a page is sent to the login). */
    public static boolean isApi(HttpServletRequest request) {
        return path(request).startsWith("/api/");
    }
}
