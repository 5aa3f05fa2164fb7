package dev.peregrine.detector.field;

import java.util.function.Function;

/**
 * One catalogue entry. {@code arg} says whether {@code field[arg]} is required, optional or refused;
 * {@code bind} turns the argument (empty when none) into an accessor, or throws
 * {@link FieldException} when the argument is not acceptable.
 */
public record FieldDef(String name, FieldType type, ArgMode arg, String description, Function<String, Accessor> bind) {
    public enum ArgMode {
        NONE,
        REQUIRED,
        OPTIONAL
    }
}
