package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;

/** Output calls for tests. */
public final class Outputs {
    private Outputs() {}

    /**
     * Sends the alert, a failed delivery thrown as an {@link AssertionError}: inside Awaitility's
     * {@code untilAsserted} the await then tries again until the output is back.
     */
    public static void sends(Output out, Alert alert) {
        try {
            out.send(alert);
        } catch (DeliveryException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}
