package dev.peregrine.sidekick.testing;

import org.springframework.test.context.DynamicPropertyRegistry;

/** The dashboard's users in tests: an admin and a viewer, and their HTTP basic headers. */
public final class Users {
    public static final String ADMIN = "alice";
    public static final String ADMIN_PASSWORD = "alice's password";
    public static final String VIEWER = "victor";
    public static final String VIEWER_PASSWORD = "victor's password";

    private Users() {}

    /** Adds both users to peregrine.security.users. */
    public static void register(DynamicPropertyRegistry r) {
        r.add("peregrine.security.users." + ADMIN + ".password", () -> Credentials.bcrypt(ADMIN_PASSWORD));
        r.add("peregrine.security.users." + ADMIN + ".roles", () -> "admin");
        r.add("peregrine.security.users." + VIEWER + ".password", () -> Credentials.bcrypt(VIEWER_PASSWORD));
        r.add("peregrine.security.users." + VIEWER + ".roles", () -> "viewer");
    }

    public static String admin() {
        return Credentials.basic(ADMIN, ADMIN_PASSWORD);
    }

    public static String viewer() {
        return Credentials.basic(VIEWER, VIEWER_PASSWORD);
    }

    /** {@code http} sending the admin's credentials with every request. */
    public static Http asAdmin(Http http) {
        return http.with("Authorization", admin());
    }
}
