package dev.peregrine.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a test class or method needs from the host. Where the host lacks one of them the test is
 * skipped and JUnit reports the reason ("needs root: running as uid 1000"); as root on a prepared
 * host (scripts/setup-host.sh) it runs for real.
 *
 * <p>CI must not pass by skipping: with the environment variable {@value NeedsCondition#STRICT}
 * set to 1 (as {@code .ci/run} does) an unmet need fails the test instead.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(NeedsCondition.class)
public @interface Needs {
    Need[] value();
}
