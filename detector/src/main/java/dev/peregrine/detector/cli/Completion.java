package dev.peregrine.detector.cli;

import dev.peregrine.detector.cli.Help.Command;
import dev.peregrine.detector.cli.Help.Flag;
import dev.peregrine.detector.cli.Help.Kind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code completion bash|zsh}: a shell completion script made from the commands and flags
 * {@link Help} describes: commands, then each command's flags, files where a flag or the
 * command takes a file. zsh runs the bash script through its bashcompinit.
 */
final class Completion {
    static final String DEFAULT_NAME = "peregrine-detector";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._+-]+");

    private Completion() {}

    /** The script, or null when {@code shell} is not one this supports. */
    static String script(String shell, String command) {
        if (!NAME.matcher(command).matches()) {
            throw new IllegalArgumentException("not a command name: '" + command + "'");
        }
        return switch (shell) {
            case "bash" -> bash(command);
            case "zsh" -> "autoload -U +X bashcompinit && bashcompinit\n" + bash(command);
            default -> null;
        };
    }

    private static String bash(String command) {
        String fn = "_" + command.replaceAll("[^A-Za-z0-9_]", "_");
        StringBuilder s = new StringBuilder();
        s.append("# ")
                .append(command)
                .append(" completion: source <(")
                .append(command)
                .append(" completion bash)\n");
        s.append(fn).append("() {\n");
        s.append("  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" path=\"\" i w\n");
        // The command's words: the first word, and the second when the first is a group (rules).
        s.append("  for ((i=1; i<COMP_CWORD; i++)); do\n");
        s.append("    w=\"${COMP_WORDS[i]}\"\n");
        // A flag's value is not a command word (profiles --dir DIR list).
        List<String> valued = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            valued.addAll(flagNames(kind));
        }
        s.append("    case \"$w\" in ").append(String.join("|", valued)).append(") ((i++)); continue ;; esac\n");
        s.append("    case \"$path\" in\n");
        s.append("      \"\") [[ $w != -* ]] && path=\"$w\" ;;\n");
        for (String group : groups()) {
            s.append("      ").append(group).append(") [[ $w != -* ]] && path=\"$path $w\" ;;\n");
        }
        s.append("      *) break ;;\n");
        s.append("    esac\n");
        s.append("  done\n");
        // A flag's value: files, directories or nothing to offer.
        s.append("  case \"$prev\" in\n");
        List<String> files = flagNames(Kind.FILE);
        List<String> dirs = flagNames(Kind.DIR);
        List<String> values = flagNames(Kind.TEXT);
        if (!files.isEmpty()) {
            s.append("    ")
                    .append(String.join("|", files))
                    .append(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n");
        }
        if (!dirs.isEmpty()) {
            s.append("    ")
                    .append(String.join("|", dirs))
                    .append(") COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n");
        }
        if (!values.isEmpty()) {
            s.append("    ").append(String.join("|", values)).append(") COMPREPLY=(); return ;;\n");
        }
        s.append("  esac\n");
        s.append("  case \"$path\" in\n");
        s.append("    \"\") COMPREPLY=($(compgen -W \"")
                .append(String.join(" ", topWords()))
                .append(" --help\" -- \"$cur\")) ;;\n");
        for (String group : groups()) {
            List<String> names = Help.below(group).stream().map(Command::name).toList();
            s.append("    ")
                    .append(group)
                    .append(") COMPREPLY=($(compgen -W \"")
                    .append(String.join(" ", names))
                    .append(" --help\" -- \"$cur\")) ;;\n");
        }
        for (Command c : Help.COMMANDS) {
            List<String> flags = new ArrayList<>();
            c.flags().forEach(f -> flags.addAll(f.names()));
            flags.add("--help");
            s.append("    \"").append(c.path()).append("\")\n");
            s.append("      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"")
                    .append(String.join(" ", flags))
                    .append("\" -- \"$cur\"))\n");
            s.append("      else COMPREPLY=(").append(operands(c)).append("); fi ;;\n");
        }
        s.append("  esac\n");
        s.append("}\n");
        s.append("complete -o filenames -F ")
                .append(fn)
                .append(' ')
                .append(command)
                .append('\n');
        return s.toString();
    }

    /** What to offer after a command's flags. */
    private static String operands(Command c) {
        if (c.path().equals("completion")) {
            return "$(compgen -W \"bash zsh\" -- \"$cur\")";
        }
        if (c.path().equals("help")) {
            return "$(compgen -W \"" + String.join(" ", topWords()) + "\" -- \"$cur\")";
        }
        if (c.operands().isEmpty()) {
            return "";
        }
        return c.operandKind() == Kind.FILE
                ? "$(compgen -f -- \"$cur\")"
                : c.operandKind() == Kind.DIR ? "$(compgen -d -- \"$cur\")" : "";
    }

    /** The first words of commands: run, capture, rules, ... */
    private static List<String> topWords() {
        Set<String> words = new LinkedHashSet<>();
        Help.COMMANDS.forEach(c -> words.add(c.path().split(" ")[0]));
        return new ArrayList<>(words);
    }

    /** The first words that name a group of commands: rules, condition. */
    private static List<String> groups() {
        Set<String> groups = new LinkedHashSet<>();
        Help.COMMANDS.stream()
                .filter(c -> c.path().contains(" "))
                .forEach(c -> groups.add(c.path().substring(0, c.path().indexOf(' '))));
        return new ArrayList<>(groups);
    }

    /** Every flag taking a value of this kind, once each. */
    private static List<String> flagNames(Kind kind) {
        Set<String> names = new LinkedHashSet<>();
        for (Command c : Help.COMMANDS) {
            for (Flag f : c.flags()) {
                if (f.value() != null && f.kind() == kind) {
                    names.addAll(f.names());
                }
            }
        }
        return new ArrayList<>(names);
    }
}
