package dev.peregrine.detector.rule;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Rules-file items as collected, before compilation. {@code index} is the definition order and
 * {@code visibility} the order of the latest definition/append: a macro or list only sees items
 * whose index is below its visibility, which is how Falco orders references across files.
 */
final class Items {
    private Items() {}

    static final class ListItem {
        final String name;
        final List<String> items = new ArrayList<>();
        Context ctx;
        int index, visibility;

        ListItem(String name, Context ctx) {
            this.name = name;
            this.ctx = ctx;
        }
    }

    static final class MacroItem {
        final String name;
        String condition;
        Context ctx;
        /** Where the condition text starts, for mapping parse positions back to the file. */
        ConditionSpan span;

        int index, visibility;

        MacroItem(String name, Context ctx) {
            this.name = name;
            this.ctx = ctx;
        }
    }

    /** A scalar-or-sequence value of an exception's fields/comps/values. */
    record Entry(boolean isList, String item, List<Entry> items) {
        static Entry of(String s) {
            return new Entry(false, s, List.of());
        }
    }

    static final class ExceptionItem {
        final String name;
        final Context ctx;
        Entry fields;
        Entry comps;
        final List<Entry> values = new ArrayList<>();

        ExceptionItem(String name, Context ctx) {
            this.name = name;
            this.ctx = ctx;
        }
    }

    static final class RuleItem {
        final String name;
        Context ctx;
        String condition;
        ConditionSpan span;
        String output;
        Context outputCtx;
        String desc;
        Priority priority;
        String source = "syscall";
        boolean enabled = true;
        boolean warnEvttypes = true;
        boolean skipIfUnknownFilter;
        /** Falco's capture keys: kept and shown, as this engine writes no capture files. */
        boolean capture;

        long captureDuration;
        Set<String> tags = new LinkedHashSet<>();
        List<ExceptionItem> exceptions = new ArrayList<>();
        boolean unknownSource;
        int index, visibility;

        RuleItem(String name, Context ctx) {
            this.name = name;
            this.ctx = ctx;
        }
    }

    /** Optional parts of an append or override of a rule. */
    static final class RuleUpdate {
        final String name;
        final Context ctx;
        String condition, output, desc;
        Set<String> tags;
        List<ExceptionItem> exceptions;
        Priority priority;
        Boolean enabled, warnEvttypes, skipIfUnknownFilter, capture;
        Long captureDuration;
        /**
         * The source the update names, checked against the rule's; as in Falco only a legacy
         * append and an append or replace of the condition carry it. Null or empty: not checked.
         */
        String source;

        RuleUpdate(String name, Context ctx) {
            this.name = name;
            this.ctx = ctx;
        }

        boolean hasAnyValue() {
            return condition != null
                    || output != null
                    || desc != null
                    || tags != null
                    || exceptions != null
                    || priority != null
                    || enabled != null
                    || warnEvttypes != null
                    || skipIfUnknownFilter != null
                    || capture != null
                    || captureDuration != null;
        }
    }
}
