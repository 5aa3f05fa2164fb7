package dev.peregrine.sidekick.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.catalina.connector.Connector;
import org.springframework.boot.tomcat.TomcatWebServerFactory;

/**
 * The dashboard's own port (peregrine.ui.port, Falcosidekick-UI's 2802): a second Tomcat connector
 * on the sidekick's web server, so the dashboard and the intake can be exposed apart (the
 * dashboard to people, the intake to Falco). When it is the same number as server.port there is
 * no second connector and both are served on one port.
 */
public final class DashboardPort {
    private final Connector connector;
    private final int configuredPort;

    /**
     * @param uiPort peregrine.ui.port (0: any free port)
     * @param serverPort server.port
     */
    DashboardPort(int uiPort, int serverPort) {
        this.configuredPort = uiPort;
        this.connector =
                uiPort == serverPort && uiPort != 0 ? null : new Connector(TomcatWebServerFactory.DEFAULT_PROTOCOL);
        if (connector != null) {
            connector.setPort(uiPort);
        }
    }

    /** The second connector, or null when the dashboard shares server.port. */
    Connector connector() {
        return connector;
    }

    /** Whether the dashboard has a port of its own. */
    public boolean separate() {
        return connector != null;
    }

    /** The port the dashboard listens on (the real one when 0 was configured). */
    public int port() {
        return connector == null ? configuredPort : connector.getLocalPort();
    }

    /** Whether {@code request} came in on the dashboard's port. */
    boolean received(HttpServletRequest request) {
        return connector == null || request.getLocalPort() == connector.getLocalPort();
    }
}
