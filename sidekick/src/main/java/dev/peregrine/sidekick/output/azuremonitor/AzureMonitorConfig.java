package dev.peregrine.sidekick.output.azuremonitor;

import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Azure Monitor's Logs Ingestion API, into a Log Analytics workspace (and so Microsoft Sentinel):
 * each alert one row of a data collection rule's stream, sent with a Microsoft Entra application's
 * token. (Falcosidekick has no released Azure Sentinel output; its pull request 1144 used the HTTP
 * Data Collector API, which Microsoft retired in September 2026.)
 *
 * @param tenantId the Entra tenant (directory) id
 * @param clientId the application (client) id, which has "Monitoring Metrics Publisher" on the rule
 * @param clientSecret its client secret
 * @param endpoint the data collection endpoint's logs ingestion URL, {@code https://<dce>.<region>.ingest.monitor.azure.com}
 * @param ruleId the data collection rule's immutable id, {@code dcr-...}
 * @param stream the rule's input stream, {@code Custom-FalcoAlerts_CL}
 * @param authority where tokens come from ({@code https://login.microsoftonline.com}; another cloud's)
 * @param timeout per request, connecting included
 * @param tls the CA to trust, for a proxy with a private CA
 */
@OutputType("azure-monitor")
public record AzureMonitorConfig(
        @NotBlank String tenantId,
        @NotBlank String clientId,
        @NotBlank String clientSecret,
        @NotNull URI endpoint,
        @NotBlank String ruleId,
        @DefaultValue("Custom-FalcoAlerts_CL") @NotBlank String stream,

        @DefaultValue("https://login.microsoftonline.com") @NotNull
        URI authority,

        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".endpoint", endpoint);
        HttpSender.checkUrl(context.key() + ".authority", authority);
        return new AzureMonitorOutput(this);
    }
}
