package dev.peregrine.sidekick.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.UiProperties;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.authority.mapping.GrantedAuthoritiesMapper;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.user.OidcUserAuthority;

/** What people who log in to the dashboard through OIDC may do (peregrine.ui.oidc). */
class OidcRolesTest {
    static List<String> roles(GrantedAuthoritiesMapper mapper, String email, String username) {
        OidcIdToken token = OidcIdToken.withTokenValue("t")
                .subject("s-" + email)
                .claim("email", email)
                .claim("preferred_username", username)
                .build();
        return mapper
                .mapAuthorities(List.of(new OidcUserAuthority(token), new SimpleGrantedAuthority("OIDC_USER")))
                .stream()
                .map(GrantedAuthority::getAuthority)
                .toList();
    }

    @Test
    void everyoneGetsTheConfiguredRolesAndTheListedAdmins() {
        GrantedAuthoritiesMapper mapper = DashboardSecurity.oidcRoles(
                new UiProperties.Oidc(List.of("viewer"), List.of("alice@example.com", "carol")));
        assertThat(roles(mapper, "alice@example.com", "alice")).contains("ROLE_ADMIN", "ROLE_VIEWER");
        assertThat(roles(mapper, "carol@example.com", "carol")).contains("ROLE_ADMIN");
        assertThat(roles(mapper, "bob@example.com", "bob"))
                .contains("ROLE_VIEWER", "OIDC_USER")
                .doesNotContain("ROLE_ADMIN");
    }

    @Test
    void anUnknownRoleIsAConfigurationError() {
        assertThatThrownBy(() -> DashboardSecurity.oidcRoles(new UiProperties.Oidc(List.of("root"), List.of())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.ui.oidc.roles[0]")
                .hasMessageContaining("unknown role 'root'");
    }
}
