package dev.peregrine.sidekick.intake;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Falcosidekick's companion endpoints, so probes and scrape configs written for it keep working. */
@RestController
public class SidekickEndpoints {

    @GetMapping(path = "/ping", produces = MediaType.TEXT_PLAIN_VALUE)
    public String ping() {
        return "pong\n";
    }

    /** Falcosidekick serves Prometheus metrics here. */
    @GetMapping("/metrics")
    public void metrics(HttpServletRequest request, HttpServletResponse response) throws IOException, ServletException {
        request.getRequestDispatcher("/actuator/prometheus").forward(request, response);
    }

    @GetMapping(path = "/healthz", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, String> healthz() {
        return Map.of("status", "ok");
    }
}
