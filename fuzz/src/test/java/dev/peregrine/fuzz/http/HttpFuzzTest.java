package dev.peregrine.fuzz.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidekick's HTTP port under {@code fuzz.http.requests} generated requests (seed
 * {@code fuzz.seed}; the same seed sends the same requests), against the packaged jar as a real
 * process delivering to a real webhook. Asserted: no answer is a 5xx other than 501 and 505 (an
 * unsupported method or HTTP version), every request is answered or its connection closed within
 * 10 s, the process is alive and serving at the end with no ERROR in its log, and every alert it
 * accepted (the valid ones interleaved, and any fuzzed one it took) reached the webhook exactly
 * once.
 */
class HttpFuzzTest {
    static final int REQUESTS = Integer.getInteger("fuzz.http.requests", 1_500);
    static final long SEED = Long.getLong("fuzz.seed", 1);
    static final long ANSWER_WITHIN_MILLIS = 10_000;
    static final Pattern ACCEPTED = Pattern.compile("\"uuid\":\"([0-9a-f-]{36})\",\"status\":\"accepted\"");

    @TempDir
    Path dir;

    @Test
    void badAndOddRequestsNeitherBreakTheSidekickNorLoseAnAlert() throws Exception {
        List<String> samples = Files.readAllLines(
                SidekickProcess.ROOT.resolve("sidekick/src/test/resources/falco/sample_alerts.jsonl"));
        HttpCases cases = new HttpCases(SEED, samples);
        List<String> failures = new ArrayList<>();
        Map<String, Integer> statuses = new TreeMap<>();
        Set<String> accepted = new LinkedHashSet<>();
        int valid = 0;
        try (WebhookReceiver webhook = new WebhookReceiver();
                SidekickProcess sidekick = new SidekickProcess(
                        dir,
                        "--peregrine.outputs.siem.type=webhook",
                        "--peregrine.outputs.siem.url=" + webhook.url(),
                        // Durable against a killed process still; power loss is not what is fuzzed.
                        "--peregrine.spool.fsync=false",
                        "--logging.level.root=WARN")) {
            long started = System.nanoTime();
            for (int n = 0; n < REQUESTS; n++) {
                HttpCases.Case c = cases.next();
                RawHttp.Outcome o = RawHttp.exchange(sidekick.port, c.request(), ANSWER_WITHIN_MILLIS);
                statuses.merge(o.status() < 0 ? "closed" : String.valueOf(o.status()), 1, Integer::sum);
                String problem = problem(c, o);
                if (problem != null && failures.size() < 20) {
                    failures.add("case " + c.index() + " (" + c.what() + "): " + problem);
                }
                if (c.validUuid() != null) {
                    valid++;
                }
                Matcher m = ACCEPTED.matcher(o.finalText());
                if (o.status() == 200 && m.find()) {
                    accepted.add(m.group(1));
                }
                if (!sidekick.alive()) {
                    failures.add("case " + c.index() + " (" + c.what() + "): the sidekick process died");
                    break;
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(
                    "fuzz http: seed %d, %d requests (%d valid alerts, %d accepted) in %.1f s (%.0f/s); answers %s%n",
                    SEED, REQUESTS, valid, accepted.size(), seconds, REQUESTS / seconds, statuses);

            assertThat(failures)
                    .as("reproduce with -Dfuzz.seed=%d -Dfuzz.http.requests=%d", SEED, REQUESTS)
                    .isEmpty();
            awaitDelivered(webhook, sidekick, accepted);
            for (String uuid : accepted) {
                assertThat(webhook.times(uuid)).as("deliveries of %s", uuid).isEqualTo(1);
            }
            assertThat(webhook.all().keySet())
                    .as("nothing delivered that was not accepted")
                    .isSubsetOf(accepted);
            assertThat(sidekick.get("/ping")).isEqualTo("pong\n");
            assertThat(sidekick.logText().lines().filter(l -> l.contains(" ERROR ")))
                    .as("errors in the sidekick's log")
                    .isEmpty();
        }
    }

    /** Why this answer is wrong for this request, or null. */
    static String problem(HttpCases.Case c, RawHttp.Outcome o) {
        if (o.hung()) {
            return "no answer and no close within " + ANSWER_WITHIN_MILLIS + " ms";
        }
        if (o.status() >= 500 && o.status() != 501 && o.status() != 505) {
            return "answered " + o.firstLine();
        }
        if (c.validUuid() != null && !(o.status() == 200 && o.text().contains(c.validUuid()))) {
            return "a valid alert was answered " + (o.status() < 0 ? "with nothing" : o.firstLine());
        }
        return null;
    }

    /** Until every accepted alert reached the webhook and the spool holds nothing more. */
    static void awaitDelivered(WebhookReceiver webhook, SidekickProcess sidekick, Set<String> accepted)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (!(accepted.stream().allMatch(u -> webhook.times(u) > 0)
                && sidekick.metric("peregrine_spool_depth{output=\"siem\"}") == 0)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(
                        accepted.stream().filter(u -> webhook.times(u) == 0).count()
                                + " accepted alerts not delivered within 120 s");
            }
            Thread.sleep(200); // poll interval of a bounded wait
        }
    }
}
