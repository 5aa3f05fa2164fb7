package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.alert.Alert;

/**
 * One destination. {@link #send} delivers one alert or throws; retry, circuit breaking, spooling
 * and concurrency are the caller's ({@code delivery.Delivery}), so an output holds no such logic itself.
 */
public interface Output extends AutoCloseable {

    /**
     * Delivers the alert. Returns only when the destination has taken it.
     *
     * @throws DeliveryException when it was not delivered; {@link DeliveryException#retryable()}
     *     says whether trying again can help
     */
    void send(Alert alert) throws DeliveryException;

    /**
     * Delivers a spooled alert. An output whose body is the spooled Falco JSON sends
     * {@link SpooledAlert#json()} as it is and never parses it.
     */
    default void send(SpooledAlert alert) throws DeliveryException {
        send(alert.alert());
    }

    @Override
    default void close() {}
}
