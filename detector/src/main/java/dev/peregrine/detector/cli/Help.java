package dev.peregrine.detector.cli;

import dev.peregrine.detector.anomaly.AnomalySettings;
import dev.peregrine.detector.capture.Prerequisites;
import dev.peregrine.detector.live.LiveDetection;
import dev.peregrine.detector.node.NodeSettings;
import dev.peregrine.detector.transport.LinkSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The detector's commands and flags, described once: what {@code --help} prints and what shell
 * completion ({@link Completion}) offers. The commands read their flags themselves;
 * {@code HelpTest} checks that each flag described here is one they take.
 */
final class Help {
    /** What a value or an operand is, for completion: a file, a directory, or words to type. */
    enum Kind {
        FILE,
        DIR,
        TEXT
    }

    /**
     * @param names e.g. {@code -r}, {@code --rules}
     * @param value the value's name ({@code FILE}), or null for a switch
     */
    record Flag(List<String> names, String value, Kind kind, String description) {
        static Flag of(String names, String value, Kind kind, String description) {
            return new Flag(List.of(names.split(",\\s*")), value, kind, description);
        }

        static Flag onOff(String names, String description) {
            return of(names, null, Kind.TEXT, description);
        }
    }

    /**
     * @param path the words that name it ({@code rules validate})
     * @param operands what follows the flags ({@code FILE...}), or "" for nothing
     * @param operandKind what the operands are, for completion
     */
    record Command(
            String path, String operands, Kind operandKind, String summary, String description, List<Flag> flags) {
        String name() {
            return path.substring(path.lastIndexOf(' ') + 1);
        }
    }

    static final String JAR = "java -jar detector.jar";

    private static final Flag RULES = Flag.of(
            "-r, --rules",
            "FILE",
            Kind.FILE,
            "a Falco rules file; repeat for several, later files append to and override earlier ones (default:"
                    + " the bundled Falco stable rules)");
    private static final Flag SECONDS =
            Flag.of("--seconds", "N", Kind.TEXT, "stop after N seconds (default: until SIGTERM or Ctrl-C)");
    private static final Flag METRICS_PORT = Flag.of(
            "--metrics-port",
            "N",
            Kind.TEXT,
            "port of the Prometheus endpoint, http://HOST:N/metrics (default " + NodeSettings.DEFAULT_METRICS_PORT
                    + "; 0: any free port)");
    private static final Flag MAX_PROCESSES = Flag.of(
            "--max-processes",
            "N",
            Kind.TEXT,
            "most processes the process table holds (default " + NodeSettings.DEFAULT_MAX_PROCESSES + ")");
    private static final Flag HOSTNAME =
            Flag.of("--hostname", "NAME", Kind.TEXT, "the hostname alerts carry (default: this host's name)");
    private static final Flag CRI = Flag.of(
            "--cri",
            "SOCKET",
            Kind.FILE,
            "a Kubernetes CRI socket to ask about containers, besides the usual sockets of Docker, podman,"
                    + " containerd, CRI-O and k3s; repeatable");
    private static final Flag CONTAINER_WAIT = Flag.of(
            "--container-wait",
            "MS",
            Kind.TEXT,
            "how long a new container's events wait for its metadata from the engine at most, in milliseconds"
                    + " (default " + LiveDetection.DEFAULT_CONTAINER_WAIT.toMillis() + "; 0: never wait)");
    private static final Flag PROFILES_DIR = Flag.of(
            "--dir",
            "DIR",
            Kind.DIR,
            "the profile directory (default " + AnomalySettings.defaults().directory() + ", as run's)");

    static final List<Command> COMMANDS = List.of(
            new Command(
                    "run",
                    "",
                    Kind.TEXT,
                    "live capture (root): print alerts as Falco JSON lines and send them to the sidekick",
                    "Captures syscalls with eBPF, runs the rules on them and prints each alert as a Falco JSON line;"
                            + " with --sidekick also sends them there, through a node spool that keeps them until the"
                            + " sidekick acknowledged them. Needs root (or CAP_BPF and CAP_PERFMON).",
                    List.of(
                            RULES,
                            METRICS_PORT,
                            SECONDS,
                            MAX_PROCESSES,
                            HOSTNAME,
                            CRI,
                            CONTAINER_WAIT,
                            Flag.of(
                                    "--sidekick",
                                    "HOST:PORT",
                                    Kind.TEXT,
                                    "the sidekick's gRPC intake (its port 2803 by default), or several replicas,"
                                            + " comma-separated (each connection goes to one at random); without it"
                                            + " alerts only go to standard output"),
                            Flag.of(
                                    "--sidekick-ca",
                                    "PEM",
                                    Kind.FILE,
                                    "CA certificate that signed the sidekick's: talk TLS (default: plaintext)"),
                            Flag.of(
                                    "--sidekick-cert",
                                    "PEM",
                                    Kind.FILE,
                                    "client certificate, for a sidekick that requires mutual TLS (with"
                                            + " --sidekick-key)"),
                            Flag.of("--sidekick-key", "PEM", Kind.FILE, "the client certificate's private key"),
                            Flag.of(
                                    "--sidekick-token",
                                    "TOKEN",
                                    Kind.TEXT,
                                    "bearer token the sidekick asks for (its peregrine.intake.token); default"
                                            + " $PEREGRINE_TOKEN"),
                            Flag.of(
                                    "--sidekick-ack-deadline",
                                    "N",
                                    Kind.TEXT,
                                    "N seconds: how long a stream with alerts in flight may go without any ack from the sidekick before"
                                            + " it is ended and the link reconnects, resending what had no ack (default "
                                            + LinkSettings.DEFAULT_ACK_DEADLINE.toSeconds() + ")"),
                            Flag.of(
                                    "--spool-dir",
                                    "DIR",
                                    Kind.DIR,
                                    "where alerts wait until the sidekick acknowledged them (default "
                                            + NodeSettings.DEFAULT_SPOOL_DIR + ")"),
                            Flag.of(
                                    "--spool-max-bytes",
                                    "N",
                                    Kind.TEXT,
                                    "disk budget of that spool; past it the oldest alerts are dropped (default "
                                            + NodeSettings.DEFAULT_SPOOL_MAX_BYTES + ", "
                                            + (NodeSettings.DEFAULT_SPOOL_MAX_BYTES >> 20) + " MiB)"),
                            Flag.of(
                                    "--node-name",
                                    "NAME",
                                    Kind.TEXT,
                                    "Kubernetes node name alerts carry (default $NODE_NAME)"),
                            Flag.of(
                                    "--cluster-name",
                                    "NAME",
                                    Kind.TEXT,
                                    "cluster name alerts carry (default $CLUSTER_NAME)"),
                            Flag.onOff(
                                    "--anomaly",
                                    "also learn each workload's behaviour and alert on what departs from it, as"
                                            + " alerts with source anomaly (default: off; docs/anomaly.md)"),
                            Flag.of(
                                    "--anomaly-learning",
                                    "DURATION",
                                    Kind.TEXT,
                                    "how long each workload is learnt before it is compared, as 60s, 5m, 2h or 1d"
                                            + " (default "
                                            + AnomalySettings.defaults()
                                                    .learning()
                                                    .toMinutes()
                                            + "m); implies --anomaly"),
                            Flag.of(
                                    "--anomaly-config",
                                    "FILE",
                                    Kind.FILE,
                                    "a YAML file whose anomaly: section sets the model's settings over the defaults"
                                            + " (the flags above and below override it)"),
                            Flag.of(
                                    "--anomaly-dir",
                                    "DIR",
                                    Kind.DIR,
                                    "where the learnt profiles are saved and loaded (default "
                                            + AnomalySettings.defaults().directory() + ")"))),
            new Command(
                    "capture",
                    "",
                    Kind.TEXT,
                    "live capture (root): record events to a file, for replay",
                    "Captures syscalls with eBPF as run does, and records the events it captures in"
                            + " the JSON-lines format replay reads. Prints and sends no alert.",
                    List.of(
                            Flag.of("--out", "FILE", Kind.FILE, "where to record the events, as JSON lines (required)"),
                            RULES,
                            SECONDS,
                            METRICS_PORT,
                            MAX_PROCESSES,
                            HOSTNAME,
                            CRI,
                            CONTAINER_WAIT)),
            new Command(
                    "replay",
                    "",
                    Kind.TEXT,
                    "evaluate recorded events against rules, print Falco JSON alerts",
                    "Runs events recorded by capture (or written by hand, one JSON object a line) through the rules"
                            + " and prints each alert as a Falco JSON line, as run would have.",
                    List.of(
                            Flag.of("--events", "FILE", Kind.FILE, "the recorded events, JSON lines (required)"),
                            RULES,
                            Flag.onOff("--all-matches", "print an alert for every matching rule, not the first only"),
                            Flag.onOff(
                                    "--iso-time",
                                    "print times as ISO 8601 in the output line, as Falco's time_format_iso_8601"),
                            Flag.onOff(
                                    "--no-suggested-output",
                                    "leave out the container and k8s fields Falco appends to every output line (its"
                                            + " default append_output)"),
                            Flag.of(
                                    "--hostname",
                                    "NAME",
                                    Kind.TEXT,
                                    "the hostname alerts carry (default: this host's name)"))),
            new Command(
                    "rules validate",
                    "FILE...",
                    Kind.FILE,
                    "load rules files, report errors and warnings (exit 1 on error)",
                    "Loads the rules files as run would, and prints each error and warning with its file, line"
                            + " and item.",
                    List.of(Flag.onOff(
                            "--json",
                            "print one JSON document: successful, errors, warnings, and every rule with its canonical"
                                    + " condition"))),
            new Command(
                    "rules list",
                    "FILE...",
                    Kind.FILE,
                    "rule names, priorities, enabled state and tags",
                    "Prints one line per rule: name, priority, enabled or disabled, tags (tab-separated).",
                    List.of()),
            new Command(
                    "rules syscalls",
                    "[FILE...]",
                    Kind.FILE,
                    "syscall numbers the live capture sends up for these rules",
                    "Prints the in-kernel filter run sets for these rules (default: the bundled stable rules), as"
                            + " x86_64 syscall numbers, comma-separated.",
                    List.of()),
            new Command(
                    "condition parse",
                    "",
                    Kind.TEXT,
                    "syntax-check conditions read from standard input",
                    "Reads one condition a line from standard input and prints its canonical form, or the error"
                            + " with line and column; exit 1 when one is invalid.",
                    List.of(Flag.onOff(
                            "--jsonl",
                            "read {\"condition\": \"...\"} lines and answer {\"valid\", \"error\", \"canonical\"}"
                                    + " lines"))),
            new Command(
                    "profiles list",
                    "",
                    Kind.TEXT,
                    "the behaviour profiles on disk",
                    "Prints one line per profile: learning or frozen, items, events, windows, when last seen, its"
                            + " workload key.",
                    List.of(PROFILES_DIR)),
            new Command(
                    "profiles show",
                    "KEY",
                    Kind.TEXT,
                    "what a profile has learnt",
                    "Prints a profile's state and every item it has learnt (binaries, peers, ports, ...), set by"
                            + " set, and what it has already reported as new.",
                    List.of(PROFILES_DIR)),
            new Command(
                    "profiles reset",
                    "KEY",
                    Kind.TEXT,
                    "delete a profile, so its workload is learnt anew",
                    "Deletes the profile; its workload is learnt anew when a detector next starts (a running one"
                            + " keeps its profiles in memory and saves over the directory).",
                    List.of(PROFILES_DIR)),
            new Command(
                    "profiles export",
                    "FILE [KEY...]",
                    Kind.FILE,
                    "write profiles to one JSON bundle",
                    "Writes the profiles named (all without KEY) to one JSON bundle, for another node's import.",
                    List.of(PROFILES_DIR)),
            new Command(
                    "profiles import",
                    "FILE",
                    Kind.FILE,
                    "read profiles from a bundle into the directory",
                    "Writes a bundle's profiles into the profile directory, replacing those of the same key.",
                    List.of(PROFILES_DIR)),
            new Command(
                    "completion",
                    "bash|zsh",
                    Kind.TEXT,
                    "print a shell completion script",
                    "Prints a completion script for the command named by --name. For example, with"
                            + " alias peregrine-detector='java --enable-native-access=ALL-UNNAMED -jar"
                            + " /opt/peregrine/detector.jar':\n"
                            + "  source <(peregrine-detector completion bash)      # bash, or in ~/.bashrc\n"
                            + "  source <(peregrine-detector completion zsh)       # zsh",
                    List.of(Flag.of(
                            "--name",
                            "COMMAND",
                            Kind.TEXT,
                            "the command to complete (default " + Completion.DEFAULT_NAME + ")"))),
            new Command(
                    "help",
                    "[COMMAND]",
                    Kind.TEXT,
                    "this overview, or a command's flags",
                    "Prints this overview, or what a command does and each of its flags.",
                    List.of()));

    private Help() {}

    /** The command {@code words} name ({@code "rules", "validate"}), if any. */
    static Optional<Command> find(List<String> words) {
        String path = String.join(" ", words);
        return COMMANDS.stream().filter(c -> c.path().equals(path)).findFirst();
    }

    /** The commands below a group ({@code rules}). */
    static List<Command> below(String group) {
        return COMMANDS.stream().filter(c -> c.path().startsWith(group + " ")).toList();
    }

    static void overview(PrintStream out) {
        out.println("Usage: " + JAR + " COMMAND [FLAG]... [ARG]...");
        out.println();
        out.println("Peregrine's detector: captures syscalls with eBPF, keeps process, file and container state,");
        out.println("runs Falco's rules on it and sends the alerts to the sidekick.");
        out.println();
        out.println("Commands:");
        for (Command c : COMMANDS) {
            out.printf("  %-17s %s%n", c.path(), c.summary());
        }
        out.println();
        out.println("'" + JAR + " COMMAND --help' says what a command does and what each of its flags means.");
        out.println("Exit codes: 0 ok; 1 a check failed (invalid rules, an event file that cannot be read, ...);");
        out.println("2 bad usage; run and capture: " + Prerequisites.EXIT_NOT_PRIVILEGED + " not privileged, "
                + Prerequisites.EXIT_NO_BTF + " no kernel BTF, " + Prerequisites.EXIT_NO_LIBBPF + " no libbpf.");
    }

    /** A group's commands ({@code rules --help}). */
    static void group(String group, PrintStream out) {
        out.println("Usage: " + JAR + " " + group + " COMMAND [FLAG]... [ARG]...");
        out.println();
        out.println("Commands:");
        for (Command c : below(group)) {
            out.printf("  %-17s %s%n", c.path(), c.summary());
        }
        out.println();
        out.println("'" + JAR + " " + group + " COMMAND --help' for a command's flags.");
    }

    static void command(Command c, PrintStream out) {
        StringBuilder usage = new StringBuilder("Usage: " + JAR + " " + c.path());
        if (!c.flags().isEmpty()) {
            usage.append(" [FLAG]...");
        }
        if (!c.operands().isEmpty()) {
            usage.append(' ').append(c.operands());
        }
        out.println(usage);
        out.println();
        wrap(c.description(), "", out);
        if (!c.flags().isEmpty()) {
            out.println();
            out.println("Flags:");
            for (Flag f : c.flags()) {
                String head = "  " + String.join(", ", f.names()) + (f.value() == null ? "" : " " + f.value());
                if (head.length() < 28) {
                    out.print(String.format("%-28s", head));
                    wrap(f.description(), " ".repeat(28), out, true);
                } else {
                    out.println(head);
                    wrap(f.description(), " ".repeat(28), out);
                }
            }
        }
        out.println("  -h, --help                this help");
    }

    private static void wrap(String text, String indent, PrintStream out) {
        wrap(text, indent, out, false);
    }

    /** Words filled to 100 columns; explicit line breaks kept. */
    private static void wrap(String text, String indent, PrintStream out, boolean continuing) {
        for (String paragraph : text.split("\n")) {
            List<String> lines = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.split(" ")) {
                if (line.length() > 0 && indent.length() + line.length() + 1 + word.length() > 100) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                line.append(line.length() > 0 ? " " : "").append(word);
            }
            lines.add(line.toString());
            for (String l : lines) {
                out.println((continuing ? "" : indent) + l);
                continuing = false;
            }
        }
    }
}
