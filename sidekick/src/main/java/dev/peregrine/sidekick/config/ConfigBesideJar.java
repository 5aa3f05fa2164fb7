package dev.peregrine.sidekick.config;

import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.system.ApplicationHome;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Reads an {@code application.yml} (or {@code config/application.yml}) beside the jar too, not
 * only in the working directory: the README says to put it there, and a service is rarely started
 * from the jar's directory. One in the working directory wins over one beside the jar, as the
 * more particular; {@code --spring.config.location} still replaces both.
 */
public class ConfigBesideJar implements EnvironmentPostProcessor, Ordered {
    static final String LOCATION = "spring.config.location";

    /** Before the config files are read. */
    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER - 1;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Class<?> main = application.getMainApplicationClass();
        if (main == null || environment.containsProperty(LOCATION)) {
            return;
        }
        Set<Path> dirs = new LinkedHashSet<>();
        // The jar itself (a symbolic link resolved), then the path it was started by
        // (java -jar /opt/peregrine/sidekick.jar, a link to a release directory): the latter wins.
        File source = new ApplicationHome(main).getSource();
        if (source != null && source.isFile() && source.getName().endsWith(".jar")) {
            dirs.add(source.toPath().toAbsolutePath().getParent());
        }
        String classPath = System.getProperty("java.class.path", "");
        if (classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)) {
            dirs.add(Path.of(classPath).toAbsolutePath().normalize().getParent());
        }
        dirs.remove(Path.of("").toAbsolutePath()); // the working directory is read already
        if (dirs.isEmpty()) {
            return; // run from classes (an IDE, a test): no jar to stand beside
        }
        environment
                .getPropertySources()
                .addLast(new MapPropertySource("configBesideJar", Map.of(LOCATION, locations(List.copyOf(dirs)))));
    }

    /** Spring Boot's default locations with the jar's directories between the class path and ./. */
    static String locations(List<Path> jarDirs) {
        StringBuilder s = new StringBuilder("optional:classpath:/;optional:classpath:/config/,");
        for (Path dir : jarDirs) {
            String jar = "optional:file:" + dir + "/";
            s.append(jar).append(';').append(jar).append("config/,");
        }
        return s.append("optional:file:./;optional:file:./config/;optional:file:./config/*/")
                .toString();
    }
}
