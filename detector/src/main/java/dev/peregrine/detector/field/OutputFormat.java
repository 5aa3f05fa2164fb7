package dev.peregrine.detector.field;

import dev.peregrine.detector.event.Event;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled output template: literal text and {@code %field} / {@code %(field)} / {@code %field[arg]}
 * references, resolved against the catalogue once. Missing values print as {@code <NA>}.
 */
public final class OutputFormat {
    public static final String NA = "<NA>";

    /** A field reference of the template; {@code key} is how it appears in output_fields. */
    public record FieldRef(String key, Accessor accessor) {}

    private final List<Object> parts;
    private final List<FieldRef> fields;

    private OutputFormat(List<Object> parts, List<FieldRef> fields) {
        this.parts = parts;
        this.fields = fields;
    }

    /** Thrown for a template naming an unknown field; the text follows libsinsp's formatter. */
    public static final class InvalidFormatException extends RuntimeException {
        public InvalidFormatException(String message) {
            super(message);
        }
    }

    public static OutputFormat compile(String template, FieldCatalogue catalogue) {
        List<Object> parts = new ArrayList<>();
        Map<String, FieldRef> fields = new LinkedHashMap<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c != '%' || i + 1 >= template.length()) {
                literal.append(c);
                i++;
                continue;
            }
            int start = i + 1;
            String name, arg = "";
            int end;
            if (template.charAt(start) == '(') {
                int close = template.indexOf(')', start);
                if (close < 0) throw new InvalidFormatException("missing ')' in output format at position " + i);
                String inner = template.substring(start + 1, close).trim();
                end = close + 1;
                int bracket = inner.indexOf('[');
                if (bracket >= 0 && inner.endsWith("]")) {
                    name = inner.substring(0, bracket);
                    arg = inner.substring(bracket + 1, inner.length() - 1);
                } else {
                    name = inner;
                }
            } else {
                int j = start;
                while (j < template.length() && isFieldChar(template.charAt(j))) j++;
                // A trailing dot ends a sentence, it is not part of the field name.
                while (j > start && template.charAt(j - 1) == '.') j--;
                name = template.substring(start, j);
                end = j;
                if (j < template.length() && template.charAt(j) == '[') {
                    int close = template.indexOf(']', j);
                    if (close > 0) {
                        arg = template.substring(j + 1, close);
                        end = close + 1;
                    }
                }
            }
            if (name.isEmpty()) {
                literal.append(c);
                i++;
                continue;
            }
            String key = arg.isEmpty() ? name : name + "[" + arg + "]";
            Accessor accessor;
            try {
                accessor = catalogue.resolve(name, arg);
            } catch (FieldException e) {
                throw new InvalidFormatException("invalid formatting token " + key + ": " + e.getMessage());
            }
            if (!literal.isEmpty()) {
                parts.add(literal.toString());
                literal.setLength(0);
            }
            FieldRef ref = fields.computeIfAbsent(key, k -> new FieldRef(k, accessor));
            parts.add(ref);
            i = end;
        }
        if (!literal.isEmpty()) parts.add(literal.toString());
        return new OutputFormat(List.copyOf(parts), List.copyOf(fields.values()));
    }

    private static boolean isFieldChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }

    public List<FieldRef> fields() {
        return Collections.unmodifiableList(fields);
    }

    public String format(Event e) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof String s) {
                sb.append(s);
            } else {
                String v = ((FieldRef) p).accessor().display(e);
                sb.append(v == null ? NA : v);
            }
        }
        return sb.toString();
    }

    /** Values for output_fields: numbers stay numbers, booleans booleans, missing values null. */
    public static Object jsonValue(Accessor a, Event e) {
        FieldType t = a.type();
        if (t.isNumeric()) {
            long v = a.number(e);
            return v == Event.NONE ? null : v;
        }
        if (t == FieldType.BOOL) {
            long v = a.number(e);
            return v == Event.NONE ? null : v != 0;
        }
        return a.display(e);
    }
}
