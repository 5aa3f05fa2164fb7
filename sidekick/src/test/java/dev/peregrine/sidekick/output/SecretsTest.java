package dev.peregrine.sidekick.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {
    record Settings(
            URI url,
            URI webhookUrl,
            String password,
            String bearerToken,
            String username,
            Map<String, String> headers) {}

    @Test
    void urlsAreShownWithoutUserInfoQueryValuesOrFragment() {
        assertThat(Secrets.url(URI.create("https://bob:pw@siem.example:8443/in/x?token=abc&x=&y=1#frag")))
                .isEqualTo("https://***@siem.example:8443/in/x?token=***&x=***&y=***");
        assertThat(Secrets.url("nats://s3cr3t@nats:4222")).isEqualTo("nats://***@nats:4222");
        assertThat(Secrets.url("not a url")).isEqualTo("***");
    }

    @Test
    void credentialsAreFoundByTheirSettingsNamesAndMaskedInAnyText() {
        Secrets s = Secrets.of(new Settings(
                URI.create("https://u:urlpass@h/in?key=querysecret"),
                URI.create("https://hooks.slack.com/services/T0123456/B0123456/slackPathSecretXYZ"),
                "the-password",
                "bearer-secret",
                "alice-the-user",
                Map.of("Authorization", "Bearer header-secret", "X-Tenant", "tenant-name")));
        String text = String.join(
                " ",
                List.of(
                        "urlpass",
                        "querysecret",
                        "slackPathSecretXYZ",
                        "the-password",
                        "bearer-secret",
                        "header-secret",
                        "alice-the-user",
                        "tenant-name",
                        "services"));
        assertThat(s.mask(text)).isEqualTo("*** *** *** *** *** *** alice-the-user tenant-name services");
    }
}
