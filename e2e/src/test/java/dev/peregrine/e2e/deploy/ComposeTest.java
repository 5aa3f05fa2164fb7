package dev.peregrine.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.testkit.DockerDaemon;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docker-compose.yml as a user runs it, on this host's Docker with the images built from this
 * checkout: a real syscall on the host becomes an alert in Alertmanager (kernel, detector
 * container, gRPC, sidekick container, Alertmanager's API), and the compose Prometheus scrapes
 * both programs and has loaded Peregrine's alerting rules, every metric of which it finds.
 */
@Needs({Need.ROOT, Need.DOCKER, Need.BPF})
@ExtendWith(DockerDaemon.Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComposeTest {
    static final String RULE = "Read sensitive file untrusted";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    DockerDaemon docker;
    ComposeProject project;
    Duration upToFirstAlert;

    @BeforeAll
    void up(DockerDaemon docker) {
        this.docker = docker;
        Instant t0 = Instant.now();
        Images.ensureLoaded(docker);
        Instant t1 = Instant.now();
        project = new ComposeProject(capabilitySettings(docker));
        project.up();
        // For the record of a run (docs/containers.md quotes these): where the time goes.
        System.out.println("images ready in " + Duration.between(t0, t1) + ", compose up in "
                + Duration.between(t1, Instant.now()));
    }

    /**
     * Docker before 23 knows CAP_BPF and CAP_PERFMON by no name, and its default seccomp profile
     * allows bpf() only with CAP_SYS_ADMIN: there the compose file's documented fallback is used.
     */
    static Map<String, String> capabilitySettings(DockerDaemon docker) {
        String version = docker.docker("version", "--format", "{{.Server.Version}}");
        int major = Integer.parseInt(version.substring(0, version.indexOf('.')));
        return major >= 23
                ? Map.of()
                : Map.of("PEREGRINE_CAP_BPF", "SYS_ADMIN", "PEREGRINE_CAP_PERFMON", "CAP_SYS_ADMIN");
    }

    @AfterAll
    void down() {
        if (project != null) {
            System.out.println("first alert in Alertmanager after " + upToFirstAlert);
            System.out.println(String.join("\n", Images.sizes(docker)));
            Instant t0 = Instant.now();
            project.close();
            System.out.println("compose down in " + Duration.between(t0, Instant.now()));
        }
    }

    @Test
    void anAlertFromARealSyscallOnTheHostReachesAlertmanager() throws Exception {
        Instant start = Instant.now();
        String alertmanager = "http://" + project.address("alertmanager", 9093);
        String marker = "compose-" + UUID.randomUUID();
        // Repeated until it arrives: the detector attaches a few seconds after its container
        // starts, and an alert of the same labels (another `cat /etc/shadow` on this host) may
        // replace the annotations of ours in Alertmanager before it is read.
        JsonNode alert = await(Duration.ofMinutes(4), () -> {
                    readShadow(marker);
                    return alertsOf(alertmanager).stream()
                            .filter(a -> a.get("annotations")
                                    .get("description")
                                    .stringValue()
                                    .contains(marker))
                            .findFirst();
                })
                .orElseThrow();
        upToFirstAlert = Duration.between(start, Instant.now());
        JsonNode labels = alert.get("labels");
        assertThat(labels.get("rule").stringValue()).isEqualTo(RULE);
        assertThat(labels.get("priority").stringValue()).isEqualTo("Warning");
        assertThat(labels.get("eventsource").stringValue()).isEqualTo("syscall");
        assertThat(labels.get("hostname").stringValue()).isEqualTo(project.name);
        assertThat(alert.get("annotations").get("description").stringValue())
                .contains("file=/etc/shadow")
                .contains("process=cat");
    }

    List<JsonNode> alertsOf(String alertmanager) {
        String filter = URLEncoder.encode("hostname=\"" + project.name + "\"", StandardCharsets.UTF_8);
        JsonNode all = getJson(alertmanager + "/api/v2/alerts?filter=" + filter);
        List<JsonNode> out = new ArrayList<>();
        if (all != null) all.forEach(out::add);
        return out;
    }

    static void readShadow(String marker) {
        try {
            Process p = new ProcessBuilder("/bin/cat", "/etc/shadow", "/nonexistent/" + marker)
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void prometheusScrapesBothProgramsAndKnowsEveryMetricItsRulesUse() throws Exception {
        String prometheus = "http://" + project.address("prometheus", 9090);
        for (String job : List.of("peregrine-detector", "peregrine-sidekick")) {
            JsonNode sample = await(
                            Duration.ofMinutes(3),
                            () -> result(prometheus, "up{job=\"" + job + "\"}")
                                    .filter(r -> r.size() == 1
                                            && r.get(0)
                                                    .get("value")
                                                    .get(1)
                                                    .stringValue()
                                                    .equals("1"))
                                    .map(r -> r.get(0)))
                    .orElseThrow();
            assertThat(sample.get("metric").get("job").stringValue()).isEqualTo(job);
        }

        JsonNode groups = getJson(prometheus + "/api/v1/rules").get("data").get("groups");
        Set<String> names = new TreeSet<>();
        groups.forEach(g -> {
            names.add(g.get("name").stringValue());
            g.get("rules")
                    .forEach(r -> assertThat(r.get("health").stringValue())
                            .as(r.get("name").stringValue())
                            .isEqualTo("ok"));
        });
        assertThat(names).containsExactly("peregrine-detector", "peregrine-sidekick");

        // The rules watch metrics by name: each of them is one the running programs export.
        Set<String> metrics = metricNames(Repository.read(PrometheusRulesTest.RULES));
        assertThat(metrics).contains("peregrine_detector_drops", "peregrine_spool_depth");
        for (String metric : metrics) {
            await(
                    Duration.ofMinutes(2),
                    () -> result(prometheus, "count(" + metric + ")").filter(r -> r.size() == 1));
        }
    }

    static Set<String> metricNames(String rules) {
        Set<String> out = new TreeSet<>();
        Matcher m =
                Pattern.compile("\\b((?:peregrine|resilience4j)_[a-z0-9_]+)\\b").matcher(rules);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    @Test
    void containersRunWithTheDocumentedPrivilegesOnly() {
        JsonNode detector = inspect(project.containerId("detector"));
        JsonNode host = detector.get("HostConfig");
        assertThat(host.get("Privileged").booleanValue()).isFalse();
        assertThat(host.get("PidMode").stringValue()).isEqualTo("host");
        assertThat(strings(host.get("CapDrop"))).containsExactly("ALL");
        List<String> expected = capabilitySettings(docker).isEmpty()
                ? List.of("BPF", "PERFMON", "SYS_PTRACE")
                : List.of("SYS_ADMIN", "CAP_SYS_ADMIN", "SYS_PTRACE");
        assertThat(strings(host.get("CapAdd"))).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(host.get("ReadonlyRootfs").booleanValue()).isTrue();

        JsonNode sidekick = inspect(project.containerId("sidekick"));
        assertThat(sidekick.get("Config").get("User").stringValue()).isEqualTo("65532:65532");
        assertThat(sidekick.get("HostConfig").get("ReadonlyRootfs").booleanValue())
                .isTrue();
        assertThat(strings(sidekick.get("HostConfig").get("CapDrop"))).containsExactly("ALL");
        assertThat(sidekick.get("HostConfig").get("CapAdd").isNull()).isTrue();
        // The spools live in named volumes of the project, which outlive the containers.
        for (JsonNode c : List.of(detector, sidekick)) {
            JsonNode data = null;
            for (JsonNode mount : c.get("Mounts")) {
                if (mount.get("Destination").stringValue().equals("/var/lib/peregrine")) data = mount;
            }
            assertThat(data).isNotNull();
            assertThat(data.get("Type").stringValue()).isEqualTo("volume");
            assertThat(data.get("Name").stringValue()).startsWith(project.name + "_");
        }
    }

    JsonNode inspect(String id) {
        return JSON.readTree(docker.docker("inspect", id)).get(0);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && !array.isNull()) array.forEach(n -> out.add(n.stringValue()));
        return out;
    }

    /** The result vector of an instant query, when Prometheus answered. */
    static Optional<JsonNode> result(String prometheus, String query) {
        JsonNode r = getJson(prometheus + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        return r == null ? Optional.empty() : Optional.of(r.get("data").get("result"));
    }

    static JsonNode getJson(String url) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Polls until {@code probe} finds something, within {@code max}; fails with the logs if not. */
    <T> Optional<T> await(Duration max, Supplier<Optional<T>> probe) throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        while (true) {
            Optional<T> found = probe.get();
            if (found.isPresent()) return found;
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("nothing after " + max + "; logs:\n" + project.logs());
            }
            Thread.sleep(1000); // poll interval of a bounded wait
        }
    }
}
