package dev.peregrine.sidekick.spool;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * {@code /actuator/deadletters}: what each output's destination refused for good (HTTP 4xx such
 * as 400 or 404: a revoked Slack webhook, a wrong URL or token), and a way to send it again once
 * that is fixed. {@code GET} lists the count per output; {@code POST /actuator/deadletters/NAME}
 * moves NAME's dead letters back to the end of its queue. Falcosidekick drops such alerts; here
 * they are kept, so a configuration mistake loses nothing.
 */
@Endpoint(id = "deadletters")
public final class DeadLetters {
    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

    private final Spool spool;
    private final Set<String> outputs;

    public DeadLetters(Spool spool, Collection<String> outputs) {
        this.spool = spool;
        this.outputs = new TreeSet<>(outputs);
    }

    @ReadOperation
    public Map<String, Object> list() {
        return Map.of("outputs", spool.deadByOutput());
    }

    @WriteOperation
    public WebEndpointResponse<Map<String, Object>> requeue(@Selector String output) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("output", output);
        if (!outputs.contains(output)) {
            body.put(
                    "error",
                    "no output named '" + output + "' is configured (configured: " + String.join(", ", outputs) + ")");
            return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_NOT_FOUND);
        }
        try {
            long moved = spool.requeueDead(output).get(30, TimeUnit.SECONDS);
            log.info("output {}: {} dead-lettered alerts queued again for delivery", output, moved);
            body.put("requeued", moved);
            return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_OK);
        } catch (ExecutionException | TimeoutException e) {
            body.put("error", "the spool could not move them: " + e.getMessage());
            return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            body.put("error", "interrupted");
            return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
        }
    }
}
