package dev.peregrine.sidekick.dashboard;

import java.util.Set;

/** Which paths belong to the dashboard (its pages, assets, API, login) rather than the intake. */
final class DashboardRoutes {
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
}
