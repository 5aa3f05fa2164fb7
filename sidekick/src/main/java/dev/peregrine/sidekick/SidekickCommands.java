package dev.peregrine.sidekick;

import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.Migration;
import dev.peregrine.sidekick.security.CredentialTool;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * What {@code sidekick.jar} does besides serving: {@code --help}, {@code --version},
 * {@code migrate}, and {@code hash-password} / {@code new-token} ({@link CredentialTool}). Anything else (no argument, or {@code --key=value} settings) starts the server.
 */
final class SidekickCommands {
    static final String HELP = """
            Usage: java -jar sidekick.jar [--KEY=VALUE]...       start the sidekick
                   java -jar sidekick.jar migrate [--out FILE] FALCOSIDEKICK_YAML
                   java -jar sidekick.jar hash-password | new-token
                   java -jar sidekick.jar --help | --version

            The sidekick receives Falco alerts (Falco's JSON over HTTP, detectors over gRPC), spools
            them durably and delivers them to its outputs (Slack, webhook, Kafka, email, ...).

            Commands:
              (none)          start the sidekick with the configuration below
              migrate FILE    convert a Falcosidekick config.yaml or Helm values file into an
                              application.yml on standard output, listing what could not be carried
                              over (also on standard error); exit 0 when everything carried over, 1
                              when something did not
                --out FILE    write the application.yml to FILE instead of standard output
              hash-password   ask for a password (or read one line of standard input) and print
                              its hash for peregrine.security.users.NAME.password
              new-token       make a random token; print it once, and its sha256 for
                              peregrine.security.tokens.NAME.sha256 (docs/security.md)
              -h, --help      this help
              --version       the sidekick's version

            Configuration: Spring Boot's. application.yml beside the jar or in the working directory,
            then --KEY=VALUE arguments, then environment variables (PEREGRINE_SPOOL_DIR for
            peregrine.spool.dir); Falcosidekick's variables (SLACK_WEBHOOKURL, ...) are read too.
            The settings most often given:
              --server.port=2801                   HTTP: Falco JSON on POST /, /metrics, /healthz
              --spring.grpc.server.port=2803       gRPC intake for detectors
              --peregrine.spool.dir=./var/spool    where alerts wait for delivery (SQLite, WAL)
              --peregrine.outputs.NAME.type=TYPE   declare an output; its keys: docs/outputs/TYPE.md
              --peregrine.config.unknown=warn      log settings nothing reads instead of refusing them
              --spring.config.additional-location=FILE   read another application.yml
            Every key: docs/configuration.md. From Falcosidekick: docs/migrating-from-falcosidekick.md.
            """;

    private SidekickCommands() {}

    /** The exit code of the command {@code args} names, or null when they start the server. */
    static Integer run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            return null;
        }
        return switch (args[0]) {
            case "-h", "--help", "help" -> {
                out.print(HELP);
                yield 0;
            }
            case "--version", "version" -> {
                String v = Sidekick.class.getPackage().getImplementationVersion();
                out.println("peregrine sidekick " + (v == null ? "(development build)" : v));
                yield 0;
            }
            case "migrate" -> migrate(args, out, err);
            case CredentialTool.HASH_PASSWORD, CredentialTool.NEW_TOKEN -> credentials(args, out, err);
            default -> null;
        };
    }

    private static int credentials(String[] args, PrintStream out, PrintStream err) {
        if (!CredentialTool.handles(args)) {
            err.println(args[0] + " takes no arguments (--help for more)");
            return 2;
        }
        try {
            return CredentialTool.run(args, System.console(), System.in, out, err);
        } catch (IOException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 1;
        }
    }

    private static int migrate(String[] args, PrintStream out, PrintStream err) {
        Path file = null;
        Path target = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    out.print(HELP);
                    return 0;
                }
                case "--out", "-o" -> {
                    if (i + 1 == args.length) {
                        return usage(err, "migrate: --out needs a file");
                    }
                    target = Path.of(args[++i]);
                }
                default -> {
                    if (args[i].startsWith("-") || file != null) {
                        return usage(err, "migrate: unexpected '" + args[i] + "'");
                    }
                    file = Path.of(args[i]);
                }
            }
        }
        if (file == null) {
            return usage(err, "migrate: which Falcosidekick config.yaml?");
        }
        Migration.Result result;
        try {
            result = Migration.convert(Files.readString(file, StandardCharsets.UTF_8), OutputCatalog.scan());
        } catch (IOException e) {
            err.println("migrate: cannot read " + file + ": " + e.getMessage());
            return 1;
        } catch (YAMLException e) {
            err.println("migrate: " + file + " is not YAML: " + e.getMessage());
            return 1;
        }
        String yaml = Migration.write(result, file.toString());
        if (target == null) {
            out.print(yaml);
        } else {
            try {
                Files.writeString(target, yaml, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("migrate: cannot write " + target + ": " + e.getMessage());
                return 1;
            }
        }
        List<String> report = Migration.report(result);
        if (report.isEmpty()) {
            err.println("migrate: every setting carried over" + (target == null ? "" : " into " + target));
            return 0;
        }
        err.println("migrate: " + report.size() + " setting(s) not carried over:");
        report.forEach(line -> err.println("  " + line));
        return 1;
    }

    private static int usage(PrintStream err, String message) {
        err.println(message);
        err.println("usage: java -jar sidekick.jar migrate [--out FILE] FALCOSIDEKICK_YAML   (--help for more)");
        return 2;
    }
}
