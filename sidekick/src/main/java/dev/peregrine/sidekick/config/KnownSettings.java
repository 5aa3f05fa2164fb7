package dev.peregrine.sidekick.config;

import java.beans.PropertyDescriptor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

/**
 * The settings under {@code peregrine.*} the sidekick reads, so that one it does not read (a
 * typo: {@code peregrine.outptus}) stops startup instead of being ignored. They are those of every
 * {@link ConfigurationProperties} class with a {@code peregrine} prefix in the sidekick's packages
 * (found by classpath scan: a new settings record is known without being listed anywhere), and the
 * sections whose keys their own binder checks ({@code peregrine.outputs}, {@code peregrine.dedup}).
 */
public final class KnownSettings {
    public static final String ROOT = "peregrine";

    /** A key nobody reads: where it was set, and what was probably meant. */
    public record Unknown(String name, String origin, String didYouMean, Collection<String> known) {
        public String describe() {
            return name + (origin == null ? "" : " (" + origin + ")") + ": unknown setting, nothing reads it; "
                    + (didYouMean != null
                            ? "did you mean " + didYouMean + "?"
                            : "known here: " + String.join(", ", known));
        }
    }

    /** A level of keys: named children, or any key below (a map, or a section checked elsewhere). */
    private static final class Node {
        final Map<String, Node> children = new TreeMap<>();
        final Map<String, String> spelling = new TreeMap<>();
        boolean open;
        boolean leaf;

        Node child(String kebab) {
            String uniform = uniform(kebab);
            spelling.putIfAbsent(uniform, kebab);
            return children.computeIfAbsent(uniform, k -> new Node());
        }
    }

    private final Node root = new Node();

    private KnownSettings() {}

    /**
     * @param basePackage where to look for {@link ConfigurationProperties} classes
     * @param checkedElsewhere full keys of sections whose content another binder checks
     */
    public static KnownSettings scan(String basePackage, Collection<String> checkedElsewhere) {
        KnownSettings known = new KnownSettings();
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        ClassLoader loader = KnownSettings.class.getClassLoader();
        for (BeanDefinition bd : scanner.findCandidateComponents(basePackage)) {
            Class<?> c = ClassUtils.resolveClassName(bd.getBeanClassName(), loader);
            ConfigurationProperties p = AnnotatedElementUtils.findMergedAnnotation(c, ConfigurationProperties.class);
            String prefix = p == null ? "" : p.prefix();
            if (prefix.equals(ROOT) || prefix.startsWith(ROOT + ".")) {
                known.add(known.at(prefix), c);
            }
        }
        checkedElsewhere.forEach(k -> known.at(k).open = true);
        return known;
    }

    private Node at(String key) {
        Node n = root;
        String[] parts = key.split("\\.");
        for (int i = 1; i < parts.length; i++) {
            n = n.child(parts[i]);
        }
        return n;
    }

    private void add(Node node, Class<?> type) {
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                add(node.child(kebab(c.getName())), c.getType());
            }
        } else if (Map.class.isAssignableFrom(type)) {
            node.open = true;
        } else if (BeanUtils.isSimpleProperty(type)
                || Collection.class.isAssignableFrom(type)
                || type.isArray()
                || type.getPackageName().startsWith("java.")
                || type.getPackageName().startsWith("org.springframework.")) {
            node.leaf = true;
        } else {
            for (PropertyDescriptor d : BeanUtils.getPropertyDescriptors(type)) {
                if (d.getWriteMethod() != null) {
                    add(node.child(kebab(d.getName())), d.getPropertyType());
                }
            }
        }
    }

    /**
     * Every key under {@code peregrine} that nothing reads, once each. Environment variables
     * count only under a known section ({@code PEREGRINE_SPOOL_MAX_BYTES}, which Spring reads as
     * {@code peregrine.spool.max.bytes}): {@code PEREGRINE_TOKEN} is the detector's.
     *
     * @param ignored names of property sources not to look at (made by the sidekick itself)
     */
    public List<Unknown> unknown(ConfigurableEnvironment env, Set<String> ignored) {
        Map<String, Unknown> found = new TreeMap<>();
        for (PropertySource<?> ps : env.getPropertySources()) {
            if (ignored.contains(ps.getName())) {
                continue;
            }
            boolean environment = ps.getName().equals(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
            ConfigurationPropertySource source = ConfigurationPropertySource.from(ps);
            if (!(source instanceof IterableConfigurationPropertySource names)) {
                continue;
            }
            ConfigurationPropertyName peregrine = ConfigurationPropertyName.of(ROOT);
            names.stream().filter(peregrine::isAncestorOf).forEach(name -> {
                if (environment && !root.children.containsKey(name.getElement(1, Form.UNIFORM))) {
                    return;
                }
                if (environment && readable(root, name, 1)) {
                    return;
                }
                Unknown u = check(name, source, environment);
                if (u != null) {
                    found.putIfAbsent(u.name(), u);
                }
            });
        }
        return new ArrayList<>(found.values());
    }

    /**
     * Whether Spring reads a variable's name as a known key: it takes each '_' for a '.' or, for
     * kebab-case keys, for a '-' ({@code PEREGRINE_SPOOL_MAX_BYTES} is
     * {@code peregrine.spool.max-bytes}).
     */
    private static boolean readable(Node n, ConfigurationPropertyName name, int from) {
        if (from == name.getNumberOfElements() || n.open) {
            return true;
        }
        if (n.leaf) {
            return name.isNumericIndex(from);
        }
        StringBuilder joined = new StringBuilder();
        for (int i = from; i < name.getNumberOfElements(); i++) {
            joined.append(name.getElement(i, Form.UNIFORM));
            Node child = n.children.get(joined.toString());
            if (child != null && readable(child, name, i + 1)) {
                return true;
            }
        }
        return false;
    }

    private Unknown check(ConfigurationPropertyName name, ConfigurationPropertySource source, boolean environment) {
        Node n = root;
        StringBuilder path = new StringBuilder(ROOT);
        for (int i = 1; i < name.getNumberOfElements(); i++) {
            if (n.open || (n.leaf && name.isNumericIndex(i))) {
                return null;
            }
            String element = name.getElement(i, Form.UNIFORM);
            Node child = n.leaf ? null : n.children.get(element);
            if (child == null) {
                // A variable's underscores may stand for dashes: the rest may be one kebab-case key.
                String rest = environment ? rest(name, i) : name.getElement(i, Form.DASHED);
                return unknown(path.toString(), rest, n, source, name, environment);
            }
            path.append('.').append(n.spelling.get(element));
            n = child;
        }
        return null;
    }

    /** A name's elements from {@code from} on, joined by '-'. */
    private static String rest(ConfigurationPropertyName name, int from) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < name.getNumberOfElements(); i++) {
            b.append(i == from ? "" : "-").append(name.getElement(i, Form.UNIFORM));
        }
        return b.toString();
    }

    private static Unknown unknown(
            String parentKey,
            String last,
            Node parent,
            ConfigurationPropertySource source,
            ConfigurationPropertyName name,
            boolean environment) {
        String best = parent.spelling.values().stream()
                .min(Comparator.comparingInt(k -> distance(uniform(k), uniform(last))))
                .filter(k -> distance(uniform(k), uniform(last)) <= Math.max(1, last.length() / 3))
                .orElse(null);
        String suggestion = best == null ? null : parentKey + "." + best;
        Set<String> known = new LinkedHashSet<>(parent.spelling.values());
        if (environment) {
            return new Unknown(
                    variable(name),
                    "environment variable, read as " + parentKey + "." + last,
                    suggestion == null
                            ? null
                            : variable(ConfigurationPropertyName.of(suggestion)) + " (" + suggestion + ")",
                    known);
        }
        return new Unknown(parentKey + "." + last, origin(source, name), suggestion, known);
    }

    /** Where a key was set: the file and line, where Spring knows them. */
    static String origin(ConfigurationPropertySource source, ConfigurationPropertyName name) {
        ConfigurationProperty p = source.getConfigurationProperty(name);
        Origin o = p == null ? null : p.getOrigin();
        return Origins.describe(o);
    }

    /** The variable Spring reads as this key: PEREGRINE_SPOOL_MAXBYTES. */
    static String variable(ConfigurationPropertyName name) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < name.getNumberOfElements(); i++) {
            parts.add(name.getElement(i, Form.UNIFORM).toUpperCase(Locale.ROOT));
        }
        return String.join("_", parts);
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static String uniform(String kebab) {
        return kebab.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    /** Edit distance with transpositions (optimal string alignment): how far a typo is from the key meant. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
