package dev.peregrine.sidekick.security;

import dev.peregrine.sidekick.config.ConfigException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The users the dashboard adds to {@code peregrine.security.users}: Falcosidekick-UI's one admin
 * ({@code peregrine.ui.user}, {@code name:password}), and, when nobody at all could log in, an
 * admin with a password generated at startup for the dashboard alone.
 */
final class DashboardUsers {
    static final String UI_USER_KEY = "peregrine.ui.user";
    static final String GENERATED = "admin";
    private static final Pattern BCRYPT = Pattern.compile("(\\{bcrypt})?\\$2[aby]?\\$\\d\\d\\$[./0-9A-Za-z]{53}");

    private DashboardUsers() {}

    /**
     * {@code settings} with {@code peregrine.ui.user}'s admin added. Its password may be a bcrypt
     * hash or, as Falcosidekick-UI takes it, the password itself, then hashed here: it is kept in
     * memory as its hash only.
     *
     * @param uiUser {@code name:password}, or null
     * @throws ConfigException when the form is wrong or the name is also under peregrine.security.users
     */
    static SecuritySettings withUiUser(SecuritySettings settings, String uiUser) {
        if (uiUser == null || uiUser.isBlank()) {
            return settings;
        }
        int colon = uiUser.indexOf(':');
        if (colon <= 0 || colon == uiUser.length() - 1) {
            throw new ConfigException(UI_USER_KEY, "must be name:password (Falcosidekick-UI's form)");
        }
        String name = uiUser.substring(0, colon);
        String password = uiUser.substring(colon + 1);
        if (settings.users().containsKey(name)) {
            throw new ConfigException(
                    UI_USER_KEY, "user '" + name + "' is also configured under peregrine.security.users." + name);
        }
        String hash = BCRYPT.matcher(password).matches() ? password : new BCryptPasswordEncoder().encode(password);
        return withUser(settings, name, hash);
    }

    /** {@code settings} with the generated admin, whose password is {@code password}. */
    static SecuritySettings withGeneratedAdmin(SecuritySettings settings, String password) {
        return withUser(settings, GENERATED, new BCryptPasswordEncoder().encode(password));
    }

    /** A password for the generated admin: 144 random bits. */
    static String generatePassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static SecuritySettings withUser(SecuritySettings settings, String name, String hash) {
        Map<String, SecuritySettings.User> users = new LinkedHashMap<>(settings.users());
        users.put(name, new SecuritySettings.User(hash, List.of(Role.ADMIN.configName())));
        return new SecuritySettings(users, settings.tokens(), settings.intake(), settings.metrics());
    }
}
