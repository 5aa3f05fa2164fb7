package dev.peregrine.sidekick.server;

import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.AbstractEndpoint;

/**
 * Tomcat's NIO HTTP/1.1 connector, with its open connections visible to {@link SlowClients}
 * (Tomcat keeps the endpoint to itself and its subclasses).
 */
public class WatchedHttp11NioProtocol extends Http11NioProtocol {
    AbstractEndpoint<?, ?> endpoint() {
        return getEndpoint();
    }
}
