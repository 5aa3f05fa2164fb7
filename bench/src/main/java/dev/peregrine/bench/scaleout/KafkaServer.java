package dev.peregrine.bench.scaleout;

import dev.peregrine.testkit.KafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A KRaft broker as a process of its own, for bench/scaleout/run.sh: writes its bootstrap address
 * to the file named by the first argument, then runs until it is stopped (SIGTERM, by PID), when
 * it shuts the broker down.
 */
public final class KafkaServer {
    private KafkaServer() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        KafkaBroker broker = KafkaBroker.start(12);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
        Files.writeString(Path.of(args[0]), broker.bootstrapServers() + "\n");
        System.out.println("kafka at " + broker.bootstrapServers());
        Thread.currentThread().join();
    }
}
