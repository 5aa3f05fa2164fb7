package dev.peregrine.testkit;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Skips (or, in strict mode, fails) a test whose {@link Needs} the host does not meet. */
public final class NeedsCondition implements ExecutionCondition {
    /** Environment variable: "1" turns an unmet need into a failure (CI sets it). */
    public static final String STRICT = "PEREGRINE_TESTS_STRICT";

    private final Host host;
    private final boolean strict;

    public NeedsCondition() {
        this(Host.current(), "1".equals(System.getenv(STRICT)));
    }

    NeedsCondition(Host host, boolean strict) {
        this.host = host;
        this.strict = strict;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return evaluate(context.getElement());
    }

    ConditionEvaluationResult evaluate(Optional<AnnotatedElement> element) {
        List<Need> needs = new ArrayList<>();
        element.flatMap(e -> AnnotationSupport.findAnnotation(e, Needs.class))
                .ifPresent(n -> needs.addAll(List.of(n.value())));
        List<String> missing = unmet(needs);
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("the host has " + needs);
        }
        String reason = String.join("; ", missing);
        if (strict) {
            throw new IllegalStateException(reason + " (" + STRICT + "=1: a test this host cannot run is a failure)");
        }
        return ConditionEvaluationResult.disabled(reason);
    }

    /** The reasons the host does not meet {@code needs}, in their order; empty when it meets them all. */
    List<String> unmet(List<Need> needs) {
        List<String> out = new ArrayList<>();
        for (Need n : needs) {
            n.missing(host).ifPresent(out::add);
        }
        return out;
    }
}
