package dev.peregrine.sidekick.security;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.config.UiProperties;
import dev.peregrine.sidekick.dashboard.DashboardEnabled;
import dev.peregrine.sidekick.dashboard.DashboardRoutes;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.authority.mapping.GrantedAuthoritiesMapper;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.core.oidc.user.OidcUserAuthority;
import org.springframework.security.oauth2.core.user.OAuth2UserAuthority;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;

/**
 * The dashboard's routes ({@link DashboardRoutes}, on its port or beside the intake): people log
 * in with a form (the users of {@code peregrine.security}, {@code peregrine.ui.user}) or through
 * OIDC when {@code spring.security.oauth2.client.registration.*} is configured, and get a session
 * cookie; scripts send the same credentials as on the API port ({@link CredentialsFilter}: a
 * bearer token, or HTTP basic). Reading needs role viewer, anything else admin. Browser requests
 * that change state carry a CSRF token (the page reads it from the {@code XSRF-TOKEN} cookie);
 * requests with an {@code Authorization} header need none, as a browser never adds one by itself
 * here (no Basic challenge is ever sent). The API is refused with 401, a page sends to the login.
 *
 * <p>With no user configured at all, nobody could log in: an {@code admin} with a password
 * generated at startup, printed once, logs in to the dashboard (only; the API port's admin
 * operations stay off, as {@link SidekickSecurity} says).
 */
@Configuration(proxyBeanMethods = false)
@DashboardEnabled
class DashboardSecurity {
    private static final Logger log = LoggerFactory.getLogger(DashboardSecurity.class);

    /** Before the intake's and the API's chains, which would match the dashboard's paths too. */
    static final int DASHBOARD_CHAIN_ORDER = SidekickSecurity.INTAKE_CHAIN_ORDER - 50;

    @Bean
    @Order(DASHBOARD_CHAIN_ORDER)
    SecurityFilterChain dashboardChain(
            HttpSecurity http,
            Accounts shared,
            SecuritySettings settings,
            PeregrineProperties properties,
            UiProperties ui,
            MeterRegistry metrics,
            ObjectProvider<ClientRegistrationRepository> oidc)
            throws Exception {
        Accounts accounts = shared;
        boolean oidcOn = oidc.getIfAvailable() != null;
        if (!shared.hasUsers() && !oidcOn) {
            String password = DashboardUsers.generatePassword();
            accounts = new Accounts(
                    DashboardUsers.withGeneratedAdmin(settings, password),
                    properties.intake().token());
            log.warn(
                    "dashboard: no user is configured (peregrine.security.users, peregrine.ui.user): log in as"
                            + " '{}' with the generated password {} (valid for the dashboard until the sidekick"
                            + " stops; printed once; configure users to replace it, docs/dashboard.md)",
                    DashboardUsers.GENERATED,
                    password);
        }
        Refusals refusals = new Refusals(metrics, accounts.hasAdmin());
        LoginUrlAuthenticationEntryPoint login = new LoginUrlAuthenticationEntryPoint("/login");
        // After a login, back to the page that sent there; never to an API call the page made.
        HttpSessionRequestCache pages = new HttpSessionRequestCache();
        pages.setRequestMatcher(r -> "GET".equals(r.getMethod()) && !DashboardRoutes.isApi(r));
        http.securityMatcher(DashboardRoutes::isDashboard)
                .authenticationManager(accounts.passwordLogin())
                .addFilterBefore(new CredentialsFilter(accounts, refusals), AnonymousAuthenticationFilter.class)
                .csrf(c -> c.spa().ignoringRequestMatchers(r -> r.getHeader("Authorization") != null))
                .formLogin(f -> f.permitAll())
                .logout(l -> l.permitAll())
                .httpBasic(b -> b.disable())
                .requestCache(c -> c.requestCache(pages))
                // Entry points "for" requests, not one for all: with that, Spring Security would
                // not serve its login page.
                .exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(refusals, DashboardRoutes::isApi)
                        .defaultAuthenticationEntryPointFor(login, r -> !DashboardRoutes.isApi(r))
                        .accessDeniedHandler(refusals))
                .authorizeHttpRequests(a -> a.dispatcherTypeMatchers(DispatcherType.FORWARD, DispatcherType.ERROR)
                        .permitAll()
                        // a liveness check for scripts and proxies, as Falcosidekick-UI's; it says nothing
                        .requestMatchers(HttpMethod.GET, "/api/v1/healthz")
                        .permitAll()
                        // the bundle and icon: the same for everyone, and nothing in them is secret
                        .requestMatchers(HttpMethod.GET, "/assets/**", "/favicon.svg")
                        .permitAll()
                        .requestMatchers(HttpMethod.GET, "/**")
                        .hasRole(Role.VIEWER.name())
                        .requestMatchers(HttpMethod.HEAD, "/**")
                        .hasRole(Role.VIEWER.name())
                        .anyRequest()
                        .hasRole(Role.ADMIN.name()));
        if (oidcOn) {
            GrantedAuthoritiesMapper roles = oidcRoles(ui.oidc());
            http.oauth2Login(o -> o.userInfoEndpoint(u -> u.userAuthoritiesMapper(roles)));
        }
        return http.build();
    }

    /** What people who log in through OIDC may do: peregrine.ui.oidc.roles, admin for its admins. */
    static GrantedAuthoritiesMapper oidcRoles(UiProperties.Oidc settings) {
        Set<Role> everyone = EnumSet.noneOf(Role.class);
        for (int i = 0; i < settings.roles().size(); i++) {
            try {
                everyone.add(Role.parse(settings.roles().get(i)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("peregrine.ui.oidc.roles[" + i + "]", e.getMessage());
            }
        }
        return (Collection<? extends GrantedAuthority> authorities) -> {
            Set<Role> roles = EnumSet.copyOf(everyone.isEmpty() ? EnumSet.of(Role.VIEWER) : everyone);
            for (GrantedAuthority a : authorities) {
                if (a instanceof OAuth2UserAuthority user && isAdmin(user, settings.admins())) {
                    roles.add(Role.ADMIN);
                }
            }
            List<GrantedAuthority> out = new ArrayList<>(authorities);
            roles.forEach(r -> out.add(new SimpleGrantedAuthority(r.authority())));
            return out;
        };
    }

    private static boolean isAdmin(OAuth2UserAuthority user, List<String> admins) {
        var claims = user instanceof OidcUserAuthority oidc && oidc.getIdToken() != null
                ? oidc.getIdToken().getClaims()
                : user.getAttributes();
        for (String claim : List.of("email", "preferred_username", "sub")) {
            Object value = claims.get(claim);
            if (value != null && admins.contains(value.toString())) {
                return true;
            }
        }
        return false;
    }
}
