package dev.peregrine.sidekick.output;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an output's configuration record and gives the {@code type:} name that selects it in
 * {@code peregrine.outputs.<name>.type}. The record is found by classpath scan: adding an
 * output is this record, its {@link Output} class and a test; nothing else changes.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface OutputType {
    String value();
}
