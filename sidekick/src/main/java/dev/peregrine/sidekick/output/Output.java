package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.alert.Alert;
import java.util.concurrent.CompletionStage;

/**
 * One destination. {@link #send} delivers one alert or throws; retry, circuit breaking, spooling
 * and concurrency are the caller's ({@code delivery.Delivery}), so an output holds no such logic itself.
 *
 * <p>An output whose client keeps many alerts in flight on its own (Kafka's producer batches
 * records and acknowledges them in batches) also offers {@link #submit}: delivery then hands it
 * up to {@link #alertsInFlight} alerts at once without a thread waiting for each.
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

    /**
     * How many alerts {@link #submit} may have in flight at once; 0 (the default): this output
     * has no {@link #submit}, and delivery calls {@link #send} from as many threads as its
     * {@code parallelism}.
     */
    default int alertsInFlight() {
        return 0;
    }

    /**
     * Hands the alert to the destination's client and returns at once (blocking only where the
     * client itself pushes back, e.g. its buffer is full). The stage completes when the
     * destination has taken the alert, or exceptionally with a {@link DeliveryException}; it
     * must complete, with a bounded wait. Called only when {@link #alertsInFlight} is above 0.
     */
    default CompletionStage<Void> submit(SpooledAlert alert) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no submit");
    }

    @Override
    default void close() {}
}
