package dev.peregrine.sidekick.dashboard;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/** Only with the dashboard on (peregrine.ui.enabled, the default): its store, page and APIs. */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ConditionalOnProperty(name = "peregrine.ui.enabled", havingValue = "true", matchIfMissing = true)
public @interface DashboardEnabled {}
