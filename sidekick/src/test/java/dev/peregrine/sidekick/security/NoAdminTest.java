package dev.peregrine.sidekick.security;

import static dev.peregrine.sidekick.testing.Credentials.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The defaults: a stock Falco can post, Prometheus can scrape, and with no admin configured
 * nothing can change state; there is no default or generated password to find.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class NoAdminTest {
    static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("spring.grpc.server.port", () -> "0");
    }

    @Test
    void theIntakeAndMetricsAreOpenAndNothingElseCanChange() throws Exception {
        Http http = new Http(port);
        assertThat(http.postJson("/", SampleAlerts.LINES.getFirst()).statusCode())
                .isEqualTo(200);
        assertThat(http.get("/metrics").statusCode()).isEqualTo(200);
        for (String path : new String[] {"/test", "/actuator/deadletters/stdout"}) {
            HttpResponse<String> r = http.postJson(path, "");
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(json.readTree(r.body()).get("reason").stringValue()).isEqualTo("no_admin");
            assertThat(http.postJson(path, "", "Authorization", bearer("anything"))
                            .statusCode())
                    .as(path)
                    .isEqualTo(401);
        }
    }
}
