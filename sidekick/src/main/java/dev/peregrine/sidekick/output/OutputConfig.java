package dev.peregrine.sidekick.output;

/**
 * An output's own settings, bound from {@code peregrine.outputs.<name>.*} and validated with
 * jakarta.validation annotations. Implemented by records annotated with {@link OutputType}.
 */
public interface OutputConfig {

    /** Builds the output; called once at startup, after validation. */
    Output create(OutputContext context);

    /**
     * Checks what {@link #create} checks, before anything starts, so that every output's
     * problems are reported at once: by default it builds the output and closes it. An output
     * whose building does more than that (connects to a server) overrides it.
     *
     * @throws dev.peregrine.sidekick.config.ConfigException naming the key
     */
    default void check(OutputContext context) {
        create(context).close();
    }
}
