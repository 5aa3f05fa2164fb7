package dev.peregrine.sidekick.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;

/**
 * Authenticates a request from what it carries, in one place for every route:
 *
 * <ul>
 *   <li>{@code Authorization: Bearer TOKEN}: a token of {@code peregrine.security.tokens};
 *   <li>{@code Authorization: Basic} (name and password): a user's password, or else a token as
 *       the password with any name. A stock Falco can send that: its {@code http_output.url}
 *       may carry {@code http://intake:TOKEN@host:2801/}, which libcurl sends as basic auth;
 *   <li>a client certificate that TLS verified against {@code server.ssl}'s trust store: role
 *       intake (Falco's {@code http_output.mtls}).
 * </ul>
 *
 * A credential that is sent but wrong is refused here with 401, whatever the route: a sender
 * with a wrong token is told so, not served as anonymous. No credential leaves the request
 * anonymous, for the route's rule to decide.
 */
final class CredentialsFilter extends HttpFilter {
    private static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";
    private static final List<SimpleGrantedAuthority> CERTIFICATE_ROLES =
            List.of(new SimpleGrantedAuthority(Role.INTAKE.authority()));

    private final Accounts accounts;
    private final Refusals refusals;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    CredentialsFilter(Accounts accounts, Refusals refusals) {
        this.accounts = accounts;
        this.refusals = refusals;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String header = request.getHeader("Authorization");
        Authentication authentication;
        if (header != null) {
            authentication = fromHeader(header);
            if (authentication == null) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"peregrine\", error=\"invalid_token\"");
                refusals.refuse(
                        request,
                        response,
                        401,
                        "bad_credentials",
                        "the credential in the Authorization header is not valid here");
                return;
            }
        } else if (request.getAttribute(CERTIFICATES) instanceof X509Certificate[] chainOfCertificates
                && chainOfCertificates.length > 0) {
            // TLS has verified the chain against server.ssl's trust store before we see it.
            X509Certificate leaf = chainOfCertificates[0];
            authentication = new PreAuthenticatedAuthenticationToken(
                    "certificate:" + leaf.getSubjectX500Principal().getName(), leaf, CERTIFICATE_ROLES);
        } else {
            chain.doFilter(request, response);
            return;
        }
        var context = contexts.createEmptyContext();
        context.setAuthentication(authentication);
        contexts.setContext(context);
        chain.doFilter(request, response);
    }

    /** The authentication the header proves, or null when it proves nothing. */
    private Authentication fromHeader(String header) {
        int space = header.indexOf(' ');
        if (space < 0) {
            return null;
        }
        String scheme = header.substring(0, space);
        String value = header.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return value.isEmpty() ? null : accounts.byToken(value);
        }
        if (!scheme.equalsIgnoreCase("Basic")) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String name = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        if (!accounts.isUser(name)) {
            Authentication token = accounts.byToken(password);
            if (token != null) {
                return token;
            }
        }
        try {
            return accounts.byPassword(name, password);
        } catch (AuthenticationException e) {
            return null;
        }
    }
}
