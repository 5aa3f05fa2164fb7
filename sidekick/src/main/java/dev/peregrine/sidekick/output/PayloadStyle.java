package dev.peregrine.sidekick.output;

import java.util.Locale;

/**
 * Whose payloads an output sends where the two differ: Falcosidekick's (the default: a switch
 * from Falcosidekick changes nothing for Alertmanager routes, PagerDuty event rules, Slack
 * channels or dashboards built on its payloads) or Peregrine's own. Set by
 * {@code peregrine.payloads}, or per output by its {@code payloads} key; each output's page says
 * what changes.
 */
public enum PayloadStyle {
    FALCOSIDEKICK,
    PEREGRINE;

    /** {@code falcosidekick} or {@code peregrine}, as the keys take it. */
    public static PayloadStyle of(String name) {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }
}
