package dev.peregrine.sidekick.output.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each alert and waits for the broker's confirmation. One connection per output,
 * opened at the first alert (a broker that is down does not stop startup) and recovered by the
 * client after a loss; a channel per alert in flight, taken from a small pool (a channel is not
 * for concurrent use). Published {@code mandatory}: a message no queue takes comes back, and the
 * alert stays in the spool instead of vanishing as it would in Falcosidekick.
 */
final class RabbitmqOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(RabbitmqOutput.class);

    private final String name;
    private final RabbitmqConfig config;
    private final ConnectionFactory factory;
    private final String where;
    private final LinkedBlockingDeque<Channel> idle = new LinkedBlockingDeque<>();
    /** Message ids (alert uuids) the broker returned as unroutable, until their sender sees them. */
    private final Set<String> returned = ConcurrentHashMap.newKeySet();

    private Connection connection; // guarded by this
    private boolean closed; // guarded by this

    RabbitmqOutput(String name, RabbitmqConfig config, ConnectionFactory factory) {
        this.name = name;
        this.config = config;
        this.factory = factory;
        this.where = "rabbitmq " + factory.getHost() + ":" + factory.getPort() + factory.getVirtualHost()
                + (config.exchange().isEmpty() ? "" : " exchange " + config.exchange()) + " queue " + config.queue();
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Channel channel = channel();
        boolean reusable = false;
        try {
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                    .contentType("text/plain") // Falcosidekick's
                    .deliveryMode(2) // persistent: kept by a durable queue across a broker restart
                    .messageId(alert.uuid())
                    .build();
            channel.basicPublish(config.exchange(), config.queue(), true, props, AlertJson.write(alert));
            // A return comes before the confirmation, on the same connection thread.
            channel.waitForConfirmsOrDie(config.timeout().toMillis());
            reusable = true;
            if (returned.remove(alert.uuid())) {
                throw DeliveryException.retryable(
                        where + ": no queue took the alert (declare queue " + config.queue()
                                + (config.exchange().isEmpty() ? "" : " and bind it to the exchange") + ")",
                        null);
            }
        } catch (IOException | TimeoutException | com.rabbitmq.client.ShutdownSignalException e) {
            throw DeliveryException.retryable(where + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(where + ": interrupted", e);
        } finally {
            release(channel, reusable);
        }
    }

    /** An idle open channel in confirm mode, or a new one. */
    private Channel channel() throws DeliveryException {
        Connection c = connection();
        for (Channel ch; (ch = idle.pollFirst()) != null; ) {
            if (ch.isOpen()) {
                return ch;
            }
        }
        try {
            Channel ch = c.createChannel();
            if (ch == null) {
                throw DeliveryException.retryable(where + ": the broker allows no more channels", null);
            }
            ch.confirmSelect();
            ch.addReturnListener(r -> {
                if (r.getProperties().getMessageId() != null) {
                    returned.add(r.getProperties().getMessageId());
                }
            });
            return ch;
        } catch (IOException | com.rabbitmq.client.ShutdownSignalException e) {
            throw DeliveryException.retryable(where + ": cannot open a channel: " + e.getMessage(), e);
        }
    }

    private void release(Channel channel, boolean reusable) {
        if (reusable && channel.isOpen()) {
            idle.offerFirst(channel);
            return;
        }
        // A channel whose confirmation did not come may still get it: not reused.
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | com.rabbitmq.client.ShutdownSignalException e) {
            log.debug("output {}: closing a channel: {}", name, e.getMessage());
        }
    }

    private synchronized Connection connection() throws DeliveryException {
        if (closed) {
            throw DeliveryException.retryable("output " + name + " is closed", null);
        }
        if (connection == null) {
            try {
                connection = factory.newConnection("peregrine-" + name);
            } catch (IOException | TimeoutException e) {
                Throwable root = e.getCause() == null ? e : e.getCause();
                throw DeliveryException.retryable(where + ": cannot connect: " + root.getMessage(), e);
            }
            log.info("output {}: connected to {}", name, where);
            if (connection instanceof Recoverable r) {
                r.addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recoverable) {
                        log.info("output {}: connection to {} recovered", name, where);
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable recoverable) {
                        log.warn("output {}: connection to {} lost; recovering", name, where);
                    }
                });
            }
        }
        return connection;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            try {
                connection.close(2_000);
            } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
                log.debug("output {}: closing the connection: {}", name, e.getMessage());
            }
            connection = null;
        }
        idle.clear();
    }
}
