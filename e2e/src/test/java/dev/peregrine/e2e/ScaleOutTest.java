package dev.peregrine.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.testkit.KafkaBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Two sidekick replicas sharing a Kafka log (a real KRaft broker), both packaged jars run as
 * processes, delivering to a loopback webhook. One is killed with SIGKILL under load: every alert
 * either replica acknowledged is delivered, and a resent alert is delivered once whichever
 * replica receives it.
 */
class ScaleOutTest {
    static final String RULE = "Scale-out e2e";
    static final int LOAD = 1600;
    static final int KILL_AFTER = 500;
    static final int RESENT = 40;

    @TempDir
    Path dir;

    KafkaBroker broker;
    Webhook webhook;
    final List<Product.Running> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Product.Running r : started) {
            r.stop();
        }
        if (webhook != null) {
            webhook.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    Product.Running replica(String name) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        Product.Running r = Product.sidekick(
                home,
                Product.freePort(),
                Product.freePort(),
                "--peregrine.log.mode=kafka",
                "--peregrine.log.kafka.bootstrap-servers=" + broker.bootstrapServers(),
                "--peregrine.log.kafka.partitions=6",
                "--peregrine.outputs.siem.type=webhook",
                "--peregrine.outputs.siem.url=" + webhook.url(),
                "--peregrine.outputs.siem.retry.max-backoff=1s");
        started.add(r);
        return r;
    }

    static String alert(String uuid, int n) {
        return "{\"uuid\":\"" + uuid + "\",\"output\":\"scale-out alert " + n + "\",\"priority\":\"Warning\","
                + "\"rule\":\"" + RULE + "\",\"time\":\"" + Instant.now() + "\",\"source\":\"syscall\","
                + "\"hostname\":\"e2e-node\",\"output_fields\":{\"proc.name\":\"load\",\"evt.num\":" + n + "}}";
    }

    /** True when the replica answered 200: the alert is in Kafka (acks=all). */
    static boolean post(Product.Running replica, String body) {
        try {
            HttpResponse<Void> r = Product.http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + "/"))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false; // a replica that is gone: the sender resends elsewhere
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    Map<String, Integer> deliveries() {
        Map<String, Integer> count = new HashMap<>();
        for (JsonNode a : webhook.alerts(RULE)) {
            count.merge(a.get("uuid").stringValue(), 1, Integer::sum);
        }
        return count;
    }

    @Test
    void killingOneReplicaUnderLoadLosesNoAcknowledgedAlert() throws Exception {
        broker = KafkaBroker.start(1);
        webhook = new Webhook();
        Product.Running a = replica("a");
        Product.Running b = replica("b");
        // Both members of the output's consumer group, each delivering its share.
        Product.await(
                Duration.ofSeconds(60),
                () -> b.logText().contains("now delivers partitions"),
                () -> "b given partitions; log b:\n" + b.logText());

        // Resends across replicas: each alert to a, then the same again to b (a sender that
        // did not hear a's answer and tried the other replica).
        List<String> resent = new ArrayList<>();
        for (int i = 0; i < RESENT; i++) {
            String uuid = UUID.randomUUID().toString();
            assertThat(post(a, alert(uuid, i))).as("a accepts").isTrue();
            assertThat(post(b, alert(uuid, i))).as("b accepts the resend").isTrue();
            resent.add(uuid);
        }
        Product.await(
                Duration.ofSeconds(120),
                () -> deliveries().keySet().containsAll(resent),
                () -> "resent alerts delivered: " + deliveries().size() + " of " + RESENT + "\nlog a:\n" + a.logText());

        // Load on both; a is killed once KILL_AFTER alerts were acknowledged. Senders whose
        // replica is gone resend to the other one, as a detector or Falco behind a Service would.
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        CountDownLatch killNow = new CountDownLatch(1);
        ExecutorService senders = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            running.add(senders.submit(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                for (int n = next.getAndIncrement();
                        n < LOAD && System.nanoTime() < deadline;
                        n = next.getAndIncrement()) {
                    String uuid = UUID.randomUUID().toString();
                    String body = alert(uuid, RESENT + n);
                    boolean ok = post(n % 2 == 0 ? a : b, body) || post(b, body);
                    if (ok) {
                        acknowledged.add(uuid);
                    }
                    if (acknowledged.size() >= KILL_AFTER) {
                        killNow.countDown();
                    }
                }
            }));
        }
        assertThat(killNow.await(180, TimeUnit.SECONDS))
                .as("load reached the kill point")
                .isTrue();
        a.kill();
        for (Future<?> f : running) {
            f.get(240, TimeUnit.SECONDS);
        }
        senders.shutdown();
        // After the kill, the resent alerts once more, now to b alone: b owns a's partitions by
        // then or soon, and reads back what a delivered before recognising them.
        for (int i = 0; i < RESENT; i++) {
            assertThat(post(b, alert(resent.get(i), i))).isTrue();
        }
        // Then fresh alerts behind them: 60 random uuids leave none of the 6 partitions without
        // one but with odds of 1 in 50,000, and a partition is read in order, so once these are
        // delivered the resends before them have been seen.
        for (int i = 0; i < 60; i++) {
            String uuid = UUID.randomUUID().toString();
            assertThat(post(b, alert(uuid, RESENT + LOAD + i))).isTrue();
            acknowledged.add(uuid);
        }
        assertThat(acknowledged).hasSizeGreaterThan(LOAD * 9 / 10);

        Product.await(
                Duration.ofSeconds(180),
                () -> deliveries().keySet().containsAll(acknowledged),
                () -> "acknowledged alerts not delivered: "
                        + acknowledged.stream()
                                .filter(u -> !deliveries().containsKey(u))
                                .count()
                        + " of " + acknowledged.size() + "\nlog b:\n" + b.logText());

        // Each resent alert went out exactly once: before the kill (a and b's copies met in one
        // partition) and after it (b read back what a had delivered).
        Map<String, Integer> count = deliveries();
        for (String uuid : resent) {
            assertThat(count.get(uuid))
                    .as("deliveries of resent alert %s", uuid)
                    .isEqualTo(1);
        }
        long repeated = acknowledged.stream().filter(u -> count.get(u) > 1).count();
        System.out.printf(
                "scale-out e2e: %d acknowledged, all delivered; %d delivered more than once (in flight at the kill)%n",
                acknowledged.size(), repeated);
        assertThat(b.logText()).contains("now delivers partitions");
    }
}
