package dev.peregrine.sidekick.output.stdout;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.SpooledAlert;
import java.io.PrintStream;

/** One JSON line per alert. Synchronized so concurrent deliveries never interleave lines. */
final class StdoutOutput implements Output {
    private final PrintStream out;

    StdoutOutput(PrintStream out) {
        this.out = out;
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        print(AlertJson.write(alert));
    }

    /** The spooled JSON is the line already. */
    @Override
    public void send(SpooledAlert alert) throws DeliveryException {
        print(alert.json());
    }

    private synchronized void print(byte[] line) throws DeliveryException {
        out.write(line, 0, line.length);
        out.write('\n');
        out.flush();
        if (out.checkError()) {
            throw DeliveryException.retryable("writing to standard output failed", null);
        }
    }
}
