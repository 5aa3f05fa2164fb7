package dev.peregrine.sidekick.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The page: one HTML document for every view ({@link DashboardRoutes#PAGES}), the view and its
 * filters in the URL's path and query so a view can be shared. Its {@code <base href>} is the
 * context path as the browser sees it (with a proxy's X-Forwarded-Prefix), so the bundle, the API
 * and the views resolve under any prefix.
 */
@RestController
@DashboardEnabled
class Pages {
    static final String INDEX = "/dashboard/index.html";
    private static final String BASE = "<base href=\"/\">";
    /** Everything from the sidekick itself; the bundle needs no inline script or style. */
    static final String POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    private final String index;

    Pages() {
        try (InputStream in = Pages.class.getResourceAsStream(INDEX)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's page is missing from the jar (" + INDEX
                        + "): build with Maven, which bundles sidekick/src/main/frontend");
            }
            index = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!index.contains(BASE)) {
            throw new IllegalStateException(INDEX + " lacks " + BASE);
        }
    }

    @GetMapping(
            path = {"/", "/outputs", "/detectors", "/mutes"},
            produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<String> page(HttpServletRequest request) {
        String base = HtmlUtils.htmlEscape(request.getContextPath() + "/");
        // Spring Security makes the CSRF token on first use: now, so its XSRF-TOKEN cookie comes
        // with the page, which sends it back in a header with every change it asks for.
        if (request.getAttribute(CsrfToken.class.getName()) instanceof CsrfToken csrf) {
            csrf.getToken();
        }
        return ResponseEntity.ok()
                .cacheControl(CacheControl.noStore())
                .header("Content-Security-Policy", POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "same-origin")
                .body(index.replace(BASE, "<base href=\"" + base + "\">"));
    }
}
