package dev.peregrine.detector.rule;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.field.Accessor;
import dev.peregrine.detector.field.FieldType;
import java.util.ArrayList;
import java.util.List;

/**
 * libsinsp's {@code getopt(args, optstring)} transformer: reads an argument list as getopt(3)
 * would with that optstring. Without a selector it is a list of the options seen, each followed by
 * its value when it takes one ({@code "?"} for an option the optstring does not know, {@code ""}
 * for an option whose value is missing); with {@code [t]} it is the last value given to
 * {@code -t} (its letter when it takes no value, empty when its value is missing), absent when
 * {@code -t} is not there. Scanning stops at {@code --} and
 * at the first non-option word; long options ({@code --exec}) are skipped.
 */
final class Getopt {
    private Getopt() {}

    /** Option letters the optstring accepts and which of them take a value. */
    record Options(boolean[] valid, boolean[] withValue) {
        static Options parse(String optstring) {
            boolean[] valid = new boolean[256], withValue = new boolean[256];
            int i = optstring.startsWith(":") ? 1 : 0;
            for (; i < optstring.length(); i++) {
                int opt = optstring.charAt(i) & 0xFF;
                if (opt == ':') continue;
                valid[opt] = true;
                if (i + 1 < optstring.length() && optstring.charAt(i + 1) == ':') {
                    withValue[opt] = true;
                    i++;
                }
            }
            return new Options(valid, withValue);
        }

        boolean isValid(char c) {
            return c < 256 && c != ':' && valid[c];
        }

        boolean takesValue(char c) {
            return c < 256 && withValue[c];
        }
    }

    static Accessor accessor(List<Accessor> args, String selector) {
        if (args.size() != 2) {
            throw new CompileException("getopt() requires exactly 2 arguments: args list and optstring", false);
        }
        if (!args.get(0).isList()) throw new CompileException("getopt() first argument must be a list", false);
        if (args.get(1).isList()) {
            throw new CompileException("getopt() second argument (optstring) must be a single value", false);
        }
        if (args.get(0).type() != FieldType.CHARBUF || args.get(1).type() != FieldType.CHARBUF) {
            throw new CompileException("getopt() arguments must be strings", false);
        }
        if (selector != null && selector.length() != 1) {
            throw new CompileException("getopt() field argument must be a single option character", false);
        }
        Transformers.ListAccessor argv = (Transformers.ListAccessor) args.get(0);
        Accessor optstring = args.get(1);
        if (selector == null) {
            return new Transformers.ListAccessor(e -> {
                Options o = options(optstring, e);
                List<String> words = o == null ? null : argv.source.values(e);
                return words == null ? null : scan(words, o, (char) 0);
            });
        }
        char wanted = selector.charAt(0);
        return Transformers.text(e -> {
            Options o = options(optstring, e);
            List<String> words = o == null ? null : argv.source.values(e);
            if (words == null) return null;
            List<String> found = scan(words, o, wanted);
            return found.isEmpty() ? null : found.getLast();
        });
    }

    private static Options options(Accessor optstring, Event e) {
        String s = optstring.text(e);
        return s == null ? null : Options.parse(s);
    }

    /**
     * The options in {@code argv}; with {@code wanted} set, only the values of that option (its
     * letter when it takes none, "" when its value is missing), in order.
     */
    static List<String> scan(List<String> argv, Options o, char wanted) {
        List<String> out = new ArrayList<>();
        boolean select = wanted != 0;
        for (int w = 0; w < argv.size(); w++) {
            String arg = argv.get(w);
            if (arg.equals("--")) break;
            if (arg.length() > 2 && arg.startsWith("--")) continue;
            if (arg.isEmpty() || arg.charAt(0) != '-' || arg.length() == 1) break;
            for (int i = 1; i < arg.length(); i++) {
                char opt = arg.charAt(i);
                if (!o.isValid(opt)) {
                    if (!select) out.add("?");
                    continue;
                }
                boolean match = !select || opt == wanted;
                String name = String.valueOf(opt);
                if (!o.takesValue(opt)) {
                    if (match) out.add(name);
                    continue;
                }
                // The value is the rest of this word ("-tvalue") or the next word ("-t value").
                String value;
                if (i + 1 < arg.length()) {
                    value = arg.substring(i + 1);
                } else if (w + 1 < argv.size()) {
                    value = argv.get(++w);
                } else {
                    // A missing value reads as an empty one, in both forms.
                    if (match) out.add("");
                    break;
                }
                if (match) {
                    if (!select) out.add(name);
                    out.add(value);
                }
                break;
            }
        }
        return out;
    }
}
