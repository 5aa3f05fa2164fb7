package dev.peregrine.sidekick.output;

import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What in an output's settings is secret, and text with it masked, so that no log line, error
 * answer or dead letter's reason carries a credential. Two layers:
 *
 * <ul>
 *   <li>{@link #url}: a URL as it may be shown, without its user info and query values, wherever
 *       a URL goes into a message (a webhook's {@code ?token=...}, {@code https://user:pass@...});
 *   <li>{@link #mask}: every secret value of the output's settings replaced by {@code ***} in any
 *       text, including what a destination or a client library said. The values are found by
 *       their setting's name ({@link #of}): passwords, tokens, API and routing keys, the values of
 *       credential headers and client properties, a URL's user info and query values, and the
 *       path of a chat webhook URL, which is itself the credential.
 * </ul>
 *
 * A new output's secrets are found without code here if its settings follow those names;
 * {@code SecretsInLogsTest} makes every output fail with secrets in its settings and checks the
 * log.
 */
public final class Secrets {
    public static final String MASK = "***";
    /** Shorter values would mask ordinary words and digits all over a message. */
    private static final int MIN_LENGTH = 4;

    private static final Pattern SECRET_SETTING =
            Pattern.compile("password|token|secret|apikey|routingkey|credentials");
    private static final Pattern SECRET_HEADER =
            Pattern.compile("authorization|cookie|token|key|secret|auth|password|signature|session|credential");
    private static final Pattern SECRET_PROPERTY = Pattern.compile("password|secret|token|jaas|credential|key\\b");
    /** The quoted values of a JAAS line: {@code password="..."}. */
    private static final Pattern QUOTED = Pattern.compile("=\"([^\"]*)\"");

    private static final Pattern QUERY_VALUE = Pattern.compile("=[^&]*");
    /**
     * A webhook path segment that is (part of) the credential: Slack's T.../B.../secret, Discord's
     * id and token, Mattermost's key, Teams' GUIDs; not words such as "services" or "hooks".
     */
    private static final Pattern CREDENTIAL_SEGMENT = Pattern.compile("(?=.*\\d).{8,}|.{16,}");

    private final List<String> values;

    private Secrets(Collection<String> values) {
        // Longest first, so a secret that contains another is masked whole.
        this.values = values.stream()
                .filter(v -> v.length() >= MIN_LENGTH)
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    public static final Secrets NONE = new Secrets(List.of());

    /** The secret values in an output's settings (a record, nested records included). */
    public static Secrets of(Object config) {
        Set<String> found = new TreeSet<>();
        collect(config, false, found);
        Set<String> variants = new TreeSet<>(found);
        for (String v : found) {
            // As they may appear in a URL or a header someone echoes back.
            variants.add(URLEncoder.encode(v, StandardCharsets.UTF_8));
            variants.add(Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)));
        }
        return new Secrets(variants);
    }

    /** {@code text} with every secret replaced by {@link #MASK}; null stays null. */
    public String mask(String text) {
        if (text == null || values.isEmpty()) {
            return text;
        }
        String out = text;
        for (String v : values) {
            if (out.contains(v)) {
                out = out.replace(v, MASK);
            }
        }
        return out;
    }

    /** Whether there is nothing to mask (outputs whose settings hold no secret). */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /**
     * A URL as it may appear in a message: scheme, host, port and path; user info replaced by
     * {@code ***}, each query value by {@code ***} (the names stay: they say which parameter),
     * no fragment.
     */
    public static String url(URI uri) {
        if (uri == null) {
            return "null";
        }
        if (uri.getRawAuthority() == null) {
            return uri.getScheme() == null ? MASK : uri.getScheme() + ":" + MASK;
        }
        StringBuilder b = new StringBuilder();
        if (uri.getScheme() != null) {
            b.append(uri.getScheme()).append("://");
        }
        if (uri.getRawUserInfo() != null) {
            b.append(MASK).append('@');
        }
        b.append(uri.getHost() == null ? MASK : uri.getHost());
        if (uri.getPort() >= 0) {
            b.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            b.append(uri.getRawPath());
        }
        if (uri.getRawQuery() != null) {
            b.append('?').append(QUERY_VALUE.matcher(uri.getRawQuery()).replaceAll("=" + MASK));
        }
        return b.toString();
    }

    /** Like {@link #url(URI)}, for a URL given as text; text that is no URL is masked whole. */
    public static String url(String text) {
        try {
            return url(URI.create(text.trim()));
        } catch (IllegalArgumentException e) {
            return MASK;
        }
    }

    private static void collect(Object value, boolean secret, Set<String> found) {
        switch (value) {
            case null -> {}
            case Record r -> {
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    Object v;
                    try {
                        v = c.getAccessor().invoke(r);
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException("reading setting " + c.getName(), e);
                    }
                    collectSetting(c.getName(), v, found);
                }
            }
            case URI u -> {
                addUserInfo(u, found);
                if (u.getRawQuery() != null) {
                    for (String pair : u.getRawQuery().split("&")) {
                        int eq = pair.indexOf('=');
                        if (eq >= 0) {
                            found.add(pair.substring(eq + 1));
                            found.add(decode(pair.substring(eq + 1)));
                        }
                    }
                }
                if (secret && u.getRawPath() != null) {
                    for (String segment : u.getRawPath().split("/")) {
                        if (CREDENTIAL_SEGMENT.matcher(segment).matches()) {
                            found.add(segment);
                        }
                    }
                }
            }
            case String s -> {
                if (secret) {
                    found.add(s);
                    Matcher m = QUOTED.matcher(s);
                    while (m.find()) {
                        found.add(m.group(1));
                    }
                    int space = s.indexOf(' ');
                    if (space > 0) {
                        found.add(s.substring(space + 1).trim()); // "Bearer TOKEN", "Basic ..."
                    }
                } else if (s.contains("://") || s.contains("@")) {
                    try {
                        addUserInfo(URI.create(s.trim()), found);
                    } catch (IllegalArgumentException e) {
                        // not a URL
                    }
                }
            }
            case Collection<?> c -> c.forEach(item -> collect(item, secret, found));
            default -> {}
        }
    }

    /** One setting by its name: a secret by name, a map of headers or properties, or anything else. */
    private static void collectSetting(String name, Object value, Set<String> found) {
        String n = name.toLowerCase(Locale.ROOT);
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                String key = String.valueOf(k).toLowerCase(Locale.ROOT);
                boolean secret = n.contains("header")
                        ? SECRET_HEADER.matcher(key).find()
                        : SECRET_PROPERTY.matcher(key).find()
                                || SECRET_SETTING.matcher(key).find();
                collect(v, secret, found);
            });
            return;
        }
        // A chat webhook URL's path is the credential (hooks.slack.com/services/T/B/SECRET).
        boolean secret = SECRET_SETTING.matcher(n).find() || (n.contains("webhook") && value instanceof URI);
        collect(value, secret, found);
    }

    private static void addUserInfo(URI u, Set<String> found) {
        String info = u.getRawUserInfo();
        if (info == null) {
            return;
        }
        List<String> parts = new ArrayList<>(List.of(info));
        int colon = info.indexOf(':');
        if (colon >= 0) {
            parts.add(info.substring(colon + 1));
        }
        for (String p : parts) {
            found.add(p);
            found.add(decode(p));
        }
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
