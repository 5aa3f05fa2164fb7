package dev.peregrine.sidekick.server;

import dev.peregrine.sidekick.config.PeregrineProperties;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The HTTP server's defences against slow clients and odd requests, in one place: Tomcat's per-read timeouts and
 * connection limits are {@code server.tomcat.*} (application.yml), the deadline for a request's
 * headers is {@link SlowClients}, the intake times its bodies ({@code peregrine.http.*}). Another
 * connector (the dashboard's port) is watched too when it is made with
 * {@link WatchedHttp11NioProtocol} and handed to {@link SlowClients#watch}.
 */
@Configuration(proxyBeanMethods = false)
public class HttpServerLimits {

    @Bean(destroyMethod = "close")
    SlowClients slowClients(PeregrineProperties properties) {
        return new SlowClients(properties.http().headerTimeout());
    }

    /** The connector's protocol, so that its connections can be watched. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> watchedProtocol() {
        return factory -> factory.setProtocol(WatchedHttp11NioProtocol.class.getName());
    }

    @Bean
    TomcatConnectorCustomizer watchedConnector(SlowClients slowClients) {
        return connector -> {
            if (connector.getProtocolHandler() instanceof WatchedHttp11NioProtocol p) {
                slowClients.watch(p);
            }
        };
    }

    /** After Spring Security (which runs first), before Spring MVC. */
    @Bean
    FilterRegistrationBean<ContentTypeGuard> contentTypeGuard() {
        FilterRegistrationBean<ContentTypeGuard> bean = new FilterRegistrationBean<>(new ContentTypeGuard());
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        return bean;
    }

    @Bean
    MeterBinder slowClientMetrics(SlowClients slowClients) {
        return registry -> FunctionCounter.builder("peregrine.http.slow.clients", slowClients, SlowClients::dropped)
                .description(
                        "Connections dropped for sending a request's headers too slowly (peregrine.http.header-timeout)")
                .register(registry);
    }
}
