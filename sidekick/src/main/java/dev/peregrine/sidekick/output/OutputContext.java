package dev.peregrine.sidekick.output;

import java.util.Set;

/**
 * What an output may know of its surroundings when it is built.
 *
 * @param name the output's name, the key under {@code peregrine.outputs}
 * @param key the full configuration key of the output, for error messages
 * @param style whose payloads it sends where Falcosidekick's and Peregrine's differ
 * @param customFields the names of {@code peregrine.customfields} and
 *     {@code peregrine.templatedfields}: output fields every alert gets (Falcosidekick makes them
 *     Loki labels)
 */
public record OutputContext(String name, String key, PayloadStyle style, Set<String> customFields) {

    public OutputContext {
        customFields = Set.copyOf(customFields);
    }

    /** Falcosidekick's payloads, no custom fields. */
    public OutputContext(String name, String key) {
        this(name, key, PayloadStyle.FALCOSIDEKICK, Set.of());
    }

    public boolean falcosidekick() {
        return style == PayloadStyle.FALCOSIDEKICK;
    }

    /** The same, with Peregrine's payloads or Falcosidekick's. */
    public OutputContext withStyle(PayloadStyle style) {
        return new OutputContext(name, key, style, customFields);
    }
}
