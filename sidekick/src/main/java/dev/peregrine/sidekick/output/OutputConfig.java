package dev.peregrine.sidekick.output;

/**
 * An output's own settings, bound from {@code peregrine.outputs.<name>.*} and validated with
 * jakarta.validation annotations. Implemented by records annotated with {@link OutputType}.
 */
public interface OutputConfig {

    /** Builds the output; called once at startup, after validation. */
    Output create(OutputContext context);
}
