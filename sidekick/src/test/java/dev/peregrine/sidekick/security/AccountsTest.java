package dev.peregrine.sidekick.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.testing.Credentials;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.GrantedAuthority;

class AccountsTest {
    static SecuritySettings settings(
            Map<String, SecuritySettings.User> users, Map<String, SecuritySettings.Token> tokens) {
        return new SecuritySettings(users, tokens, SecuritySettings.Access.OPEN, SecuritySettings.Access.OPEN);
    }

    @Test
    void everyProblemIsNamedByItsKey() {
        assertThatThrownBy(() -> new Accounts(
                        settings(
                                Map.of(
                                        "alice", new SecuritySettings.User("secret", List.of("admin")),
                                        "bob:x", new SecuritySettings.User(Credentials.bcrypt("pw"), List.of("admin")),
                                        "carol", new SecuritySettings.User(Credentials.bcrypt("pw"), List.of("root"))),
                                Map.of(
                                        "ci", new SecuritySettings.Token("the-token-itself", List.of("admin")),
                                        "prom", new SecuritySettings.Token(Credentials.sha256("t"), List.of()))),
                        null))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p)
                                .startsWith("peregrine.security.users.alice.password: must be a bcrypt hash")
                                .contains("hash-password"))
                        .anySatisfy(p -> assertThat(p).startsWith("peregrine.security.users.bob:x: user names"))
                        .anySatisfy(p -> assertThat(p)
                                .startsWith("peregrine.security.users.carol.roles[0]: unknown role 'root'"))
                        .anySatisfy(p -> assertThat(p)
                                .startsWith("peregrine.security.tokens.ci.sha256: must be the token's SHA-256"))
                        .anySatisfy(p -> assertThat(p)
                                .startsWith("peregrine.security.tokens.prom.roles: must name at least one")));
    }

    @Test
    void plainTextAndRetiredHashesAreNotPasswords() {
        for (String notBcrypt : List.of("{noop}secret", "{MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "{sha256}abc")) {
            assertThatThrownBy(() -> new Accounts(
                            settings(Map.of("alice", new SecuritySettings.User(notBcrypt, List.of("admin"))), Map.of()),
                            null))
                    .as(notBcrypt)
                    .isInstanceOf(ConfigException.class);
        }
    }

    @Test
    void tokensAndPasswordsAuthenticateWithTheirRoles() {
        Accounts accounts = new Accounts(
                settings(
                        Map.of("alice", new SecuritySettings.User(Credentials.bcrypt("pw"), List.of("viewer"))),
                        Map.of("prom", new SecuritySettings.Token(Credentials.sha256("tok"), List.of("metrics")))),
                "legacy");
        assertThat(accounts.byToken("tok").getAuthorities())
                .extracting(GrantedAuthority::getAuthority)
                .containsExactly("ROLE_METRICS");
        assertThat(accounts.byToken("legacy").getAuthorities())
                .extracting(GrantedAuthority::getAuthority)
                .containsExactly("ROLE_INTAKE");
        assertThat(accounts.byToken("TOK")).isNull();
        // Spring Security adds FACTOR_PASSWORD: how the user proved who they are.
        assertThat(accounts.byPassword("alice", "pw").getAuthorities())
                .extracting(GrantedAuthority::getAuthority)
                .contains("ROLE_VIEWER")
                .doesNotContain("ROLE_ADMIN", "ROLE_METRICS", "ROLE_INTAKE");
        assertThatThrownBy(() -> accounts.byPassword("alice", "PW")).isInstanceOf(BadCredentialsException.class);
        assertThatThrownBy(() -> accounts.byPassword("nobody", "pw")).isInstanceOf(BadCredentialsException.class);
        assertThat(accounts.hasAdmin()).isFalse();
        assertThat(accounts.anyoneCan(Role.METRICS)).isTrue();
        assertThat(accounts.anyoneCan(Role.INTAKE)).isTrue();
        assertThat(accounts.anyoneCan(Role.ADMIN)).isFalse();
    }

    @Test
    void theCommandLineToolMakesWhatTheSettingsTake() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(CredentialTool.run(
                        new String[] {"new-token"},
                        null,
                        inputOf(""),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        err))
                .isZero();
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        String token = lines[0].substring("token:  ".length());
        String sha256 = lines[1].substring("sha256: ".length());
        assertThat(token).hasSizeGreaterThanOrEqualTo(43);

        ByteArrayOutputStream hashed = new ByteArrayOutputStream();
        assertThat(CredentialTool.run(
                        new String[] {"hash-password"},
                        null,
                        inputOf("correct horse\n"),
                        new PrintStream(hashed, true, StandardCharsets.UTF_8),
                        err))
                .isZero();
        String hash = hashed.toString(StandardCharsets.UTF_8).trim();
        assertThat(hash).startsWith("{bcrypt}$2a$10$").doesNotContain("correct horse");

        Accounts accounts = new Accounts(
                settings(
                        Map.of("alice", new SecuritySettings.User(hash, List.of("admin"))),
                        Map.of("ci", new SecuritySettings.Token(sha256, List.of("admin")))),
                null);
        assertThat(accounts.byToken(token)).isNotNull();
        assertThat(accounts.byPassword("alice", "correct horse").isAuthenticated())
                .isTrue();
        assertThat(accounts.hasAdmin()).isTrue();
    }

    private static ByteArrayInputStream inputOf(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
