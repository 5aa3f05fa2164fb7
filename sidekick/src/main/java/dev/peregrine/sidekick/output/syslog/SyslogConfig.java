package dev.peregrine.sidekick.output.syslog;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Syslog: each alert as one RFC 5424 message, over UDP (RFC 5426), TCP with octet-counting
 * framing (RFC 6587) or TLS (RFC 5425). The message body is the alert's Falco JSON or a CEF line,
 * Falcosidekick's two formats.
 *
 * @param host the syslog server
 * @param port default 514 (udp, tcp) or 6514 (tls)
 * @param protocol {@code udp}, {@code tcp} or {@code tls}
 * @param format {@code json} (Falco JSON with the uuid) or {@code cef}
 * @param facility a facility name ({@code local0}, {@code daemon}, {@code kern}, ...) or number 0-23;
 *     the severity comes from the alert's priority
 * @param appName the APP-NAME field
 * @param hostname the HOSTNAME field; default: the alert's hostname (the machine Falco runs on)
 * @param structuredDataId when set, an SD-ELEMENT with this SD-ID carries uuid, rule, priority,
 *     source, hostname and tags; a private SD-ID is {@code name@<enterprise number>}
 * @param timeout connecting, the TLS handshake and each write
 * @param tls for {@code tls}: the CA to trust (default: the JVM's) and a client certificate
 */
@OutputType("syslog")
@FalcosidekickOutput(
        value = "syslog",
        keys = {"host", "port", "protocol", "format"})
public record SyslogConfig(
        @NotBlank String host,
        @Min(1) @Max(65535) Integer port,

        @DefaultValue("tcp") @Pattern(regexp = "(?i)udp|tcp|tls", message = "must be udp, tcp or tls")
        String protocol,

        @DefaultValue("json") @Pattern(regexp = "(?i)json|cef", message = "must be json or cef")
        String format,

        @DefaultValue("local0") String facility,
        @DefaultValue("falco") String appName,
        String hostname,
        String structuredDataId,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        String key = context.key();
        int facilityCode;
        try {
            facilityCode = SyslogOutput.facility(facility);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ".facility", e.getMessage());
        }
        if (!SyslogOutput.printableAscii(appName, 48)) {
            throw new ConfigException(
                    key + ".app-name",
                    "must be 1 to 48 printable ASCII characters without spaces," + " got '" + appName + "'");
        }
        if (hostname != null && !SyslogOutput.printableAscii(hostname, 255)) {
            throw new ConfigException(
                    key + ".hostname",
                    "must be 1 to 255 printable ASCII characters without spaces," + " got '" + hostname + "'");
        }
        if (structuredDataId != null && !SyslogOutput.validSdId(structuredDataId)) {
            throw new ConfigException(
                    key + ".structured-data-id",
                    "not an RFC 5424 SD-ID: 1 to 32 printable ASCII"
                            + " characters other than space, '=', ']' and '\"', with one '@' followed by an enterprise"
                            + " number (e.g. falco@32473), got '" + structuredDataId + "'");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigException(key + ".timeout", "must be positive, got " + timeout);
        }
        String proto = protocol.toLowerCase(Locale.ROOT);
        if (!proto.equals("tls") && tls.customized()) {
            throw new ConfigException(
                    key + ".tls", "TLS files are only used with protocol: tls (protocol is " + proto + ")");
        }
        int p = port != null ? port : proto.equals("tls") ? 6514 : 514;
        return new SyslogOutput(context.name(), this, proto, p, facilityCode);
    }
}
