package dev.peregrine.sidekick.security;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a user or token may do. {@code admin} includes every other role and {@code viewer}
 * includes {@code metrics} ({@link #HIERARCHY}).
 */
public enum Role {
    /** Changes state: {@code POST /test}, requeueing dead letters, any actuator write. */
    ADMIN,
    /** Reads (the dashboard). */
    VIEWER,
    /** Scrapes {@code /metrics} when it is not open. */
    METRICS,
    /** Posts alerts to {@code POST /} when the intake is not open. */
    INTAKE;

    /** Spring Security's role hierarchy, in its notation. */
    static final String HIERARCHY = """
            ROLE_ADMIN > ROLE_VIEWER
            ROLE_ADMIN > ROLE_INTAKE
            ROLE_VIEWER > ROLE_METRICS
            """;

    /** The roles {@code roles} grant, following {@link #HIERARCHY}. */
    static Set<Role> reachable(Set<Role> roles) {
        Set<Role> all = EnumSet.noneOf(Role.class);
        all.addAll(roles);
        if (all.contains(ADMIN)) {
            all.addAll(EnumSet.allOf(Role.class));
        }
        if (all.contains(VIEWER)) {
            all.add(METRICS);
        }
        return all;
    }

    /**
     * What {@code authorities} (Spring Security's, {@code ROLE_ADMIN}, ...) allow, by their
     * configuration names and following {@link #HIERARCHY}: admin is also viewer, and so on.
     */
    public static List<String> granted(Collection<String> authorities) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (Role r : values()) {
            if (authorities.contains(r.authority())) {
                roles.add(r);
            }
        }
        return reachable(roles).stream().map(Role::configName).toList();
    }

    /** The name in configuration: {@code admin}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Spring Security's authority: {@code ROLE_ADMIN}. */
    public String authority() {
        return "ROLE_" + name();
    }

    /** @throws IllegalArgumentException naming the known roles */
    static Role parse(String name) {
        for (Role r : values()) {
            if (r.configName().equals(name == null ? null : name.trim().toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "'; known roles: "
                + Arrays.stream(values()).map(Role::configName).collect(Collectors.joining(", ")));
    }
}
