package dev.peregrine.detector.rule;

/** Just enough semantic versioning for required_engine_version and required_plugin_versions. */
final class Semver {
    private Semver() {}

    static boolean valid(String v) {
        return parse(v) != null;
    }

    /** Whether {@code have} satisfies {@code required}: same major, and not older. */
    static boolean compatible(String have, String required) {
        int[] h = parse(have), r = parse(required);
        if (h == null || r == null) return false;
        if (h[0] != r[0]) return false;
        if (h[1] != r[1]) return h[1] > r[1];
        return h[2] >= r[2];
    }

    private static int[] parse(String v) {
        String core = v.split("[-+]", 2)[0];
        String[] parts = core.split("\\.");
        if (parts.length != 3) return null;
        int[] out = new int[3];
        try {
            for (int i = 0; i < 3; i++) out[i] = Integer.parseInt(parts[i]);
        } catch (NumberFormatException e) {
            return null;
        }
        return out;
    }
}
