package dev.peregrine.sidekick.delivery;

import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputType;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

/**
 * Every output type there is, by its {@code type:} name, found by scanning the output package and
 * every package below it (one per destination) for {@link OutputType}.
 */
public final class OutputCatalog {
    private final Map<String, Class<? extends OutputConfig>> types;

    private OutputCatalog(Map<String, Class<? extends OutputConfig>> types) {
        this.types = types;
    }

    public static OutputCatalog scan() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(OutputType.class));
        Map<String, Class<? extends OutputConfig>> types = new TreeMap<>();
        ClassLoader loader = OutputCatalog.class.getClassLoader();
        for (BeanDefinition bd : scanner.findCandidateComponents(OutputType.class.getPackageName())) {
            Class<?> c = ClassUtils.resolveClassName(bd.getBeanClassName(), loader);
            if (!OutputConfig.class.isAssignableFrom(c)) {
                throw new IllegalStateException(c + " is marked @OutputType but does not implement OutputConfig");
            }
            String name = c.getAnnotation(OutputType.class).value();
            Class<?> previous = types.put(name, c.asSubclass(OutputConfig.class));
            if (previous != null) {
                throw new IllegalStateException("two output types named '" + name + "': " + previous + " and " + c);
            }
        }
        return new OutputCatalog(Map.copyOf(types));
    }

    /** The config record for a type name, or null. */
    public Class<? extends OutputConfig> configOf(String type) {
        return types.get(type);
    }

    public Set<String> typeNames() {
        return new TreeSet<>(types.keySet());
    }
}
