package dev.peregrine.sidekick.output;

/**
 * What an output may know of its surroundings when it is built.
 *
 * @param name the output's name, the key under {@code peregrine.outputs}
 * @param key the full configuration key of the output, for error messages
 */
public record OutputContext(String name, String key) {}
