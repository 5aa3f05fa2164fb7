package dev.peregrine.sidekick.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.TempDirs;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * OIDC configured with Spring Boot's own keys: the login page offers the provider, and the
 * dashboard sends a browser to the provider's authorization endpoint with its client id, the
 * scopes and a redirect back to itself. The provider itself cannot exist here (no network), so
 * the exchange after it is not run; what its users may do is security.OidcRolesTest's.
 * With OIDC, no password is generated.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardOidcTest {
    static final Path spool = TempDirs.create("dashboard-oidc");
    static final String AUTHORIZE = "http://127.0.0.1:9/authorize";

    @Autowired
    DashboardPort dashboardPort;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        String reg = "spring.security.oauth2.client.registration.corp.";
        r.add(reg + "client-id", () -> "peregrine");
        r.add(reg + "client-secret", () -> "secret");
        r.add(reg + "authorization-grant-type", () -> "authorization_code");
        r.add(reg + "scope", () -> "openid,email");
        r.add(reg + "redirect-uri", () -> "{baseUrl}/login/oauth2/code/{registrationId}");
        String provider = "spring.security.oauth2.client.provider.corp.";
        r.add(provider + "authorization-uri", () -> AUTHORIZE);
        r.add(provider + "token-uri", () -> "http://127.0.0.1:9/token");
        r.add(provider + "jwk-set-uri", () -> "http://127.0.0.1:9/jwks");
        r.add(provider + "user-name-attribute", () -> "sub");
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    @Test
    void theLoginOffersTheProviderAndSendsThere(CapturedOutput output) throws Exception {
        Http ui = Http.local(dashboardPort.port());
        assertThat(ui.get("/api/alerts").statusCode()).isEqualTo(401);
        HttpResponse<String> login = ui.get("/login");
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("/oauth2/authorization/corp");

        HttpResponse<String> start = ui.get("/oauth2/authorization/corp");
        assertThat(start.statusCode()).isEqualTo(302);
        URI to = URI.create(start.headers().firstValue("Location").orElseThrow());
        assertThat(to.toString()).startsWith(AUTHORIZE + "?");
        Map<String, List<String>> q = UriComponentsBuilder.fromUri(to).build().getQueryParams();
        assertThat(q.get("client_id")).containsExactly("peregrine");
        assertThat(q.get("response_type")).containsExactly("code");
        assertThat(q.get("scope").getFirst()).contains("openid");
        assertThat(q.get("redirect_uri").getFirst())
                .isEqualTo("http://127.0.0.1:" + dashboardPort.port() + "/login/oauth2/code/corp");
        assertThat(q.get("state")).isNotEmpty();

        assertThat(output.getAll()).doesNotContain("generated password");
    }
}
