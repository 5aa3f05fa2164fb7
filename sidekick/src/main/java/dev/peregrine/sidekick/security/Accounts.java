package dev.peregrine.sidekick.security;

import dev.peregrine.sidekick.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * The users and tokens of {@code peregrine.security}, checked at startup (every problem named by
 * its key) and used to authenticate requests. Passwords are bcrypt hashes, verified by Spring
 * Security; tokens are SHA-256 hashes: a token is long and random, so a fast hash is as safe as a
 * slow one for it, and checking one costs a microsecond, not the 50 ms of a bcrypt check, which
 * matters for a sender posting an alert per request.
 */
public final class Accounts {
    /** What the gRPC-era shared token is called in logs; it acts as a token with role intake. */
    static final String INTAKE_TOKEN_KEY = "peregrine.intake.token";

    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]?\\$\\d\\d\\$[./0-9A-Za-z]{53}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    /** A name must survive HTTP basic auth (no ':') and log lines. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]*");

    private final Map<String, UserDetails> users = new TreeMap<>();
    private final Map<String, Set<Role>> userRoles = new TreeMap<>();
    private final List<TokenEntry> tokens = new ArrayList<>();
    private final PasswordEncoder passwords = passwordEncoder();
    private final UserDetailsService userDetails;
    private final AuthenticationProvider passwordCheck;

    private record TokenEntry(String name, byte[] sha256, Set<Role> roles, List<GrantedAuthority> authorities) {}

    /**
     * @param intakeToken {@code peregrine.intake.token} (plain text, shared with gRPC), or null
     * @throws ConfigException listing every problem by key
     */
    public Accounts(SecuritySettings settings, String intakeToken) {
        List<String> problems = new ArrayList<>();
        settings.users().forEach((name, user) -> addUser(name, user, problems));
        settings.tokens().forEach((name, token) -> addToken(name, token, problems));
        if (intakeToken != null && !intakeToken.isBlank()) {
            tokens.add(entry(INTAKE_TOKEN_KEY, sha256(intakeToken), EnumSet.of(Role.INTAKE)));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        this.userDetails = new InMemoryUserDetailsManager(users.values());
        DaoAuthenticationProvider dao = new DaoAuthenticationProvider(userDetails);
        dao.setPasswordEncoder(passwords);
        this.passwordCheck = dao;
    }

    /**
     * The one password encoder: bcrypt only. Spring Security's default also matches {@code {noop}}
     * plain text and retired hashes (MD5, SHA-1), which must not be accepted here.
     */
    static PasswordEncoder passwordEncoder() {
        return new DelegatingPasswordEncoder("bcrypt", Map.of("bcrypt", new BCryptPasswordEncoder()));
    }

    private void addUser(String name, SecuritySettings.User user, List<String> problems) {
        String key = SecuritySettings.PREFIX + ".users." + name;
        if (!NAME.matcher(name).matches()) {
            problems.add(key + ": user names are letters, digits and . _ @ - (no ':' or spaces)");
            return;
        }
        String hash = user.password() == null ? "" : user.password().trim();
        if (hash.startsWith("{bcrypt}")) {
            hash = hash.substring("{bcrypt}".length());
        }
        if (!BCRYPT.matcher(hash).matches()) {
            problems.add(key + ".password: must be a bcrypt hash ({bcrypt}$2a$10$... or htpasswd -B's $2y$...),"
                    + " never the password itself; make one with: java -jar sidekick.jar hash-password");
        }
        Set<Role> roles = roles(key, user.roles(), problems);
        userRoles.put(name, roles);
        users.put(
                name,
                User.withUsername(name)
                        .password("{bcrypt}" + hash)
                        .authorities(authorities(roles))
                        .build());
    }

    private void addToken(String name, SecuritySettings.Token token, List<String> problems) {
        String key = SecuritySettings.PREFIX + ".tokens." + name;
        if (!NAME.matcher(name).matches()) {
            problems.add(key + ": token names are letters, digits and . _ @ -");
            return;
        }
        String hex = token.sha256() == null ? "" : token.sha256().trim();
        if (!SHA256_HEX.matcher(hex).matches()) {
            problems.add(key + ".sha256: must be the token's SHA-256 in hex (64 characters), never the token"
                    + " itself; make a token with: java -jar sidekick.jar new-token");
            return;
        }
        tokens.add(entry(name, HexFormat.of().parseHex(hex), roles(key, token.roles(), problems)));
    }

    private static Set<Role> roles(String key, List<String> names, List<String> problems) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        if (names.isEmpty()) {
            problems.add(key + ".roles: must name at least one role (admin, viewer, metrics, intake)");
        }
        for (int i = 0; i < names.size(); i++) {
            try {
                roles.add(Role.parse(names.get(i)));
            } catch (IllegalArgumentException e) {
                problems.add(key + ".roles[" + i + "]: " + e.getMessage());
            }
        }
        return roles;
    }

    private static TokenEntry entry(String name, byte[] sha256, Set<Role> roles) {
        return new TokenEntry(name, sha256, roles, authorities(roles));
    }

    private static List<GrantedAuthority> authorities(Set<Role> roles) {
        return roles.stream()
                .<GrantedAuthority>map(r -> new SimpleGrantedAuthority(r.authority()))
                .toList();
    }

    /** Users for Spring Security (a form login, HTTP basic), with their bcrypt hashes. */
    public UserDetailsService userDetailsService() {
        return userDetails;
    }

    /** Verifies the users' bcrypt hashes; the only encoder a login may use. */
    public PasswordEncoder passwords() {
        return passwords;
    }

    /** Whether anyone (a user or a token) has role admin: without one, admin operations are off. */
    public boolean hasAdmin() {
        return userRoles.values().stream().anyMatch(r -> r.contains(Role.ADMIN))
                || tokens.stream().anyMatch(t -> t.roles.contains(Role.ADMIN));
    }

    /** Whether some user or token can act as {@code role}, directly or through {@link Role#HIERARCHY}. */
    public boolean anyoneCan(Role role) {
        return userRoles.values().stream().anyMatch(r -> Role.reachable(r).contains(role))
                || tokens.stream().anyMatch(t -> Role.reachable(t.roles).contains(role));
    }

    /** Checks the users' passwords, for a login form. */
    public AuthenticationManager passwordLogin() {
        return new ProviderManager(passwordCheck);
    }

    /** Whether any user is configured (someone could log in to the dashboard). */
    public boolean hasUsers() {
        return !users.isEmpty();
    }

    public boolean isUser(String name) {
        return users.containsKey(name);
    }

    /** Counts for the startup summary. */
    public String summary() {
        return users.size()
                + (users.size() == 1 ? " user, " : " users, ")
                + tokens.size()
                + (tokens.size() == 1 ? " token" : " tokens");
    }

    /** The token's authentication, or null when no configured token has this value. */
    public Authentication byToken(String presented) {
        byte[] hash = sha256(presented);
        TokenEntry found = null;
        for (TokenEntry t : tokens) {
            // Compare against every token, so the time taken does not say which one was near.
            if (MessageDigest.isEqual(t.sha256, hash)) {
                found = t;
            }
        }
        return found == null
                ? null
                : UsernamePasswordAuthenticationToken.authenticated("token:" + found.name, null, found.authorities);
    }

    /**
     * A user's authentication.
     *
     * @throws AuthenticationException when the name or password is wrong (the time taken is the
     *     same whether the user exists or not)
     */
    public Authentication byPassword(String user, String password) {
        return passwordCheck.authenticate(UsernamePasswordAuthenticationToken.unauthenticated(user, password));
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
