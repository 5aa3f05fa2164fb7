package dev.peregrine.sidekick.security;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.config.UiProperties;
import dev.peregrine.sidekick.intake.HttpIntake;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.SingleResultAuthorizationManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.DefaultSecurityFilterChain;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.ExceptionTranslationFilter;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.access.intercept.RequestMatcherDelegatingAuthorizationManager;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.savedrequest.NullRequestCache;
import org.springframework.security.web.util.matcher.AnyRequestMatcher;

/**
 * Who may do what over HTTP, for every route, in one place. Two filter chains, tried in order:
 *
 * <ol>
 *   <li>the intake's ({@link #INTAKE_CHAIN_ORDER}): {@code POST /}, open or needing role intake
 *       ({@code peregrine.security.intake}); {@code POST /test}, role admin. Built by hand from
 *       a few filters, ending in {@link HttpIntake}: this is the per-alert hot path, and it needs
 *       neither sessions, nor headers written, nor an anonymous principal made per request;
 *   <li>the API's ({@link #API_CHAIN_ORDER}), everything else: probes and reads open, metrics
 *       open or needing role metrics ({@code peregrine.security.metrics}), every other change of
 *       state (actuator writes such as {@code POST /actuator/deadletters/NAME}) role admin.
 * </ol>
 *
 * Both refuse requests a web page makes a browser send ({@link OriginGuard}), authenticate the
 * same way ({@link CredentialsFilter}) and answer refusals alike ({@link Refusals}). The
 * dashboard's chain ({@link DashboardSecurity}) comes before both, for the dashboard's routes, and
 * shares {@link Accounts}' users, tokens and password encoder.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecuritySettings.class)
public class SidekickSecurity {
    private static final Logger log = LoggerFactory.getLogger(SidekickSecurity.class);

    public static final int INTAKE_CHAIN_ORDER = 100;
    /** Last: it matches every request. */
    public static final int API_CHAIN_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    @Bean
    Accounts accounts(SecuritySettings settings, PeregrineProperties properties, UiProperties ui, Environment env) {
        Accounts accounts = new Accounts(
                DashboardUsers.withUiUser(settings, ui.user()),
                properties.intake().token());
        checkSomeoneCanPass(settings, accounts, env);
        log.info(
                "security: intake {}; metrics {}; admin operations {} ({})",
                settings.intake() == SecuritySettings.Access.OPEN
                        ? "open to any sender that can reach the port"
                        : "needs a token or client certificate with role intake",
                settings.metrics() == SecuritySettings.Access.OPEN ? "open" : "need role metrics",
                accounts.hasAdmin() ? "need role admin" : "off (no user or token has role admin)",
                accounts.summary());
        return accounts;
    }

    /** A route that nobody could ever pass is a configuration mistake: say so at startup. */
    private static void checkSomeoneCanPass(SecuritySettings settings, Accounts accounts, Environment env) {
        String clientAuth = env.getProperty("server.ssl.client-auth", "none").toLowerCase(Locale.ROOT);
        boolean certificates = clientAuth.equals("want") || clientAuth.equals("need");
        if (settings.intake() == SecuritySettings.Access.AUTHENTICATED
                && !certificates
                && !accounts.anyoneCan(Role.INTAKE)) {
            throw new ConfigException(
                    SecuritySettings.PREFIX + ".intake",
                    "'authenticated', but no sender could authenticate: add a token with role intake under"
                            + " peregrine.security.tokens, or ask TLS clients for certificates (server.ssl.client-auth: want)");
        }
        if (settings.metrics() == SecuritySettings.Access.AUTHENTICATED && !accounts.anyoneCan(Role.METRICS)) {
            throw new ConfigException(
                    SecuritySettings.PREFIX + ".metrics",
                    "'authenticated', but no user or token has role metrics (or viewer, admin)");
        }
    }

    /** The users, for Spring Security; also stops Spring Boot from generating a password. */
    @Bean
    UserDetailsService userDetailsService(Accounts accounts) {
        return accounts.userDetailsService();
    }

    @Bean
    PasswordEncoder passwordEncoder(Accounts accounts) {
        return accounts.passwords();
    }

    @Bean
    static RoleHierarchy roleHierarchy() {
        return RoleHierarchyImpl.fromHierarchy(Role.HIERARCHY);
    }

    /**
     * Spring Security would otherwise record an observation (timers, spans) of every filter of
     * every request; the intake counts its own work in peregrine_intake_alerts_total.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    Refusals refusals(MeterRegistry metrics, Accounts accounts) {
        return new Refusals(metrics, accounts.hasAdmin());
    }

    @Bean
    @Order(INTAKE_CHAIN_ORDER)
    SecurityFilterChain intakeChain(
            SecuritySettings settings,
            Accounts accounts,
            Refusals refusals,
            RoleHierarchy roles,
            HttpIntake httpIntake) {
        AuthorizationManager<RequestAuthorizationContext> intake = settings.intake() == SecuritySettings.Access.OPEN
                ? SingleResultAuthorizationManager.permitAll()
                : role(Role.INTAKE, roles);
        AuthorizationManager<HttpServletRequest> access = RequestMatcherDelegatingAuthorizationManager.builder()
                .add(IntakeRequest.TEST, role(Role.ADMIN, roles))
                .add(AnyRequestMatcher.INSTANCE, intake)
                .build();
        ExceptionTranslationFilter refusing = new ExceptionTranslationFilter(refusals, new NullRequestCache());
        refusing.setAccessDeniedHandler(refusals);
        return new DefaultSecurityFilterChain(
                IntakeRequest.ANY,
                new OriginGuard(refusals),
                new CredentialsFilter(accounts, refusals),
                refusing,
                new AuthorizationFilter(access),
                httpIntake);
    }

    @Bean
    @Order(API_CHAIN_ORDER)
    SecurityFilterChain apiChain(
            HttpSecurity http, SecuritySettings settings, Accounts accounts, Refusals refusals, RoleHierarchy roles)
            throws Exception {
        AuthorizationManager<RequestAuthorizationContext> metrics = settings.metrics() == SecuritySettings.Access.OPEN
                ? SingleResultAuthorizationManager.permitAll()
                : role(Role.METRICS, roles);
        CredentialsFilter credentials = new CredentialsFilter(accounts, refusals);
        http
                // Credentials travel with each request, never in a cookie, so there is no session
                // for a forged request to ride on; OriginGuard refuses browser-sent writes anyway.
                .csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(c -> c.disable())
                .logout(l -> l.disable())
                .formLogin(f -> f.disable())
                .httpBasic(b -> b.disable())
                .addFilterBefore(credentials, AnonymousAuthenticationFilter.class)
                .addFilterBefore(new OriginGuard(refusals), CredentialsFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(refusals).accessDeniedHandler(refusals))
                .authorizeHttpRequests(a -> a
                        // /metrics forwards to /actuator/prometheus; an error page renders what
                        // the original request's rule already allowed.
                        .dispatcherTypeMatchers(DispatcherType.FORWARD, DispatcherType.ERROR)
                        .permitAll()
                        .requestMatchers(EndpointRequest.to("health", "info"))
                        .permitAll()
                        .requestMatchers(EndpointRequest.to("prometheus"))
                        .access(metrics)
                        .requestMatchers(HttpMethod.GET, "/metrics")
                        .access(metrics)
                        .requestMatchers(EndpointRequest.to("deadletters").withHttpMethod(HttpMethod.GET))
                        .permitAll()
                        // Any other actuator endpoint an operator exposes (env, heapdump, ...) may
                        // reveal secrets: admin only.
                        .requestMatchers(EndpointRequest.toAnyEndpoint())
                        .hasRole(Role.ADMIN.name())
                        .requestMatchers(HttpMethod.GET, "/**")
                        .permitAll()
                        .requestMatchers(HttpMethod.HEAD, "/**")
                        .permitAll()
                        .anyRequest()
                        .hasRole(Role.ADMIN.name()));
        return http.build();
    }

    private static AuthorizationManager<RequestAuthorizationContext> role(Role role, RoleHierarchy hierarchy) {
        AuthorityAuthorizationManager<RequestAuthorizationContext> m =
                AuthorityAuthorizationManager.hasRole(role.name());
        m.setRoleHierarchy(hierarchy);
        return m;
    }
}
