package dev.peregrine.sidekick.dashboard;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.config.UiProperties;
import dev.peregrine.sidekick.mute.Mutes;
import dev.peregrine.sidekick.store.AlertRecorder;
import dev.peregrine.sidekick.store.AlertStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The dashboard, wired: its store and the recorder that feeds it, mutes, the live feed, its port
 * and routing, its bundled assets. Its pages and APIs are controllers marked {@link
 * DashboardEnabled}; its login is in {@code dev.peregrine.sidekick.security}.
 */
@Configuration(proxyBeanMethods = false)
@DashboardEnabled
class DashboardConfiguration implements WebMvcConfigurer {
    private static final Logger log = LoggerFactory.getLogger(DashboardConfiguration.class);

    @Bean(destroyMethod = "close")
    AlertStore alertStore(UiProperties ui, PeregrineProperties properties) {
        UiProperties.Store s = ui.store();
        AlertStore store = switch (s.type()) {
            case SQLITE ->
                AlertStore.sqlite(s.dir() != null ? s.dir() : properties.spool().dir(), s.readers());
            case POSTGRESQL -> {
                if (s.url() == null || s.url().isBlank()) {
                    throw new ConfigException(
                            "peregrine.ui.store.url", "required with type postgresql (jdbc:postgresql://host:5432/db)");
                }
                yield AlertStore.postgres(s.url(), s.username(), s.password(), s.readers());
            }
        };
        log.info(
                "alert store: {} (retention {} / {})",
                store.description(),
                ui.retention().maxAge(),
                ui.retention().maxSize());
        return store;
    }

    @Bean(destroyMethod = "close")
    AlertRecorder alertRecorder(AlertStore store, UiProperties ui, Clock clock, MeterRegistry metrics) {
        UiProperties.Retention r = ui.retention();
        return new AlertRecorder(
                store,
                r.maxAge(),
                r.maxSize().toBytes(),
                r.checkEvery(),
                ui.store().queue(),
                ui.store().queueBytes().toBytes(),
                clock,
                metrics);
    }

    @Bean(destroyMethod = "close")
    Mutes mutes(AlertStore store, Clock clock) {
        return Mutes.in(store.dataSource(), clock, Duration.ofSeconds(5));
    }

    @Bean(destroyMethod = "close")
    LiveAlerts liveAlerts(AlertRecorder recorder) {
        return new LiveAlerts(recorder);
    }

    @Bean
    DashboardPort dashboardPort(UiProperties ui, @Value("${server.port:8080}") int serverPort) {
        return new DashboardPort(ui.port(), serverPort);
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> dashboardConnector(DashboardPort port) {
        return factory -> {
            if (port.connector() != null) {
                factory.addAdditionalConnectors(port.connector());
            }
        };
    }

    /** First of all filters: which port serves what is decided before anything else runs. */
    @Bean
    FilterRegistrationBean<DashboardRouting> dashboardRouting(DashboardPort port, UiProperties ui) {
        FilterRegistrationBean<DashboardRouting> bean =
                new FilterRegistrationBean<>(new DashboardRouting(port, ui.forwardedHeaders()));
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE);
        bean.addUrlPatterns("/*");
        return bean;
    }

    /** The bundle's file names carry a hash of their content: cached for good. */
    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler("/assets/**")
                .addResourceLocations("classpath:/dashboard/assets/")
                .setCacheControl(
                        CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable());
        registry.addResourceHandler("/favicon.svg")
                .addResourceLocations("classpath:/dashboard/")
                .setCacheControl(CacheControl.maxAge(Duration.ofDays(1)));
    }
}
