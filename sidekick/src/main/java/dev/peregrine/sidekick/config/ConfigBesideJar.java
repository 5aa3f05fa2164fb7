package dev.peregrine.sidekick.config;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
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
        File source = new ApplicationHome(main).getSource();
        if (source == null || !source.isFile() || !source.getName().endsWith(".jar")) {
            return; // run from classes (an IDE, a test): no jar to stand beside
        }
        Path dir = source.toPath().toAbsolutePath().getParent();
        if (dir.equals(Path.of("").toAbsolutePath())) {
            return; // the working directory is read already
        }
        environment
                .getPropertySources()
                .addLast(new MapPropertySource("configBesideJar", Map.of(LOCATION, locations(dir))));
    }

    /** Spring Boot's default locations with the jar's directory between the class path and ./. */
    static String locations(Path jarDir) {
        String jar = "optional:file:" + jarDir + "/";
        return "optional:classpath:/;optional:classpath:/config/," + jar + ";" + jar + "config/,"
                + "optional:file:./;optional:file:./config/;optional:file:./config/*/";
    }
}
