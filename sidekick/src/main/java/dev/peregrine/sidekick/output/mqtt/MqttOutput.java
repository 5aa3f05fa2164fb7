package dev.peregrine.sidekick.output.mqtt;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import java.util.UUID;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each alert to an MQTT broker and, at QoS 1 or 2, waits for its acknowledgement. One
 * connection per output (Falcosidekick connects and disconnects for each alert), opened at the
 * first alert so that a broker that is down does not stop startup, and re-opened by Paho in the
 * background after a loss. Nothing is buffered in the client while disconnected: the send fails
 * and the alert waits in the spool.
 */
final class MqttOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(MqttOutput.class);

    private final String name;
    private final MqttConfig config;
    private final String where;
    private final MqttClient client;
    private final MqttConnectOptions options;
    private boolean connectedOnce; // guarded by this
    private boolean closed; // guarded by this

    MqttOutput(String name, MqttConfig config, String serverUri) {
        this.name = name;
        this.config = config;
        this.where = "mqtt " + serverUri + " topic " + config.topic();
        String clientId = config.clientId() == null || config.clientId().isBlank()
                ? "peregrine-" + name + "-" + UUID.randomUUID().toString().substring(0, 6)
                : config.clientId();
        try {
            this.client = new MqttClient(serverUri, clientId, new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalStateException("output " + name + ": " + e.getMessage(), e);
        }
        client.setTimeToWait(config.timeout().toMillis());
        client.setCallback(new MqttCallbackExtended() {
            @Override
            public void connectComplete(boolean reconnect, String uri) {
                log.info("output {}: MQTT {} ({})", name, reconnect ? "reconnected" : "connected", uri);
            }

            @Override
            public void connectionLost(Throwable cause) {
                log.warn(
                        "output {}: MQTT connection lost ({}); reconnecting",
                        name,
                        cause == null ? "" : cause.getMessage());
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {}

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
        });
        options = new MqttConnectOptions();
        options.setServerURIs(new String[] {serverUri});
        options.setCleanSession(true);
        options.setAutomaticReconnect(true);
        options.setMaxReconnectDelay(5_000);
        options.setConnectionTimeout(Math.max(1, (int) config.timeout().toSeconds()));
        options.setKeepAliveInterval(30);
        // As many in flight as the most senders an output can have.
        options.setMaxInflight(256);
        if (config.username() != null && !config.username().isEmpty()) {
            options.setUserName(config.username());
            if (config.password() != null) {
                options.setPassword(config.password().toCharArray());
            }
        }
        if (config.tls().customized()) {
            options.setSocketFactory(config.tls().sslContext().getSocketFactory());
        }
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        connect();
        MqttMessage message = new MqttMessage(AlertJson.write(alert));
        message.setQos(config.qos());
        message.setRetained(config.retained());
        try {
            // Returns once the broker acknowledged (QoS 1: PUBACK, 2: PUBCOMP), within timeout.
            client.publish(config.topic(), message);
        } catch (MqttException e) {
            throw DeliveryException.retryable(where + ": " + describe(e), e);
        }
    }

    /**
     * The first connection. Once it has succeeded, Paho reconnects by itself; connecting again
     * meanwhile would only fail with "connect already in progress".
     */
    private synchronized void connect() throws DeliveryException {
        if (closed) {
            throw DeliveryException.retryable("output " + name + " is closed", null);
        }
        if (connectedOnce) {
            return;
        }
        try {
            client.connect(options);
            connectedOnce = true;
        } catch (MqttException e) {
            throw DeliveryException.retryable(where + ": cannot connect: " + describe(e), e);
        }
    }

    private static String describe(MqttException e) {
        String cause = e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")";
        return e.getMessage() + " [reason " + e.getReasonCode() + "]" + cause;
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            if (client.isConnected()) {
                client.disconnect(1_000);
            }
        } catch (MqttException e) {
            log.debug("output {}: MQTT disconnect: {}", name, e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            log.debug("output {}: MQTT close: {}", name, e.getMessage());
        }
    }
}
