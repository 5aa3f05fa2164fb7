package dev.peregrine.sidekick.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints configuration errors as a short list of keys and reasons instead of a stack trace. */
class ConfigFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
        return new FailureAnalysis(
                "Invalid configuration:\n  " + String.join("\n  ", cause.problems()),
                "Fix the keys above in application.yml, the command line (--key=value) or the environment."
                        + " Settings nothing reads may instead be logged as warnings:"
                        + " peregrine.config.unknown=warn.",
                cause);
    }
}
