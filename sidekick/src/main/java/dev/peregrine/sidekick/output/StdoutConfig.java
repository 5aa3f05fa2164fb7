package dev.peregrine.sidekick.output;

/** Prints each alert as one JSON line on standard output: the embedded default. */
@OutputType("stdout")
public record StdoutConfig() implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        return new StdoutOutput(System.out);
    }
}
