package dev.peregrine.sidekick.output.stdout;

import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;

/** Prints each alert as one JSON line on standard output: the embedded default. */
@OutputType("stdout")
public record StdoutConfig() implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        return new StdoutOutput(System.out);
    }
}
