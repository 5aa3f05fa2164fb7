package dev.peregrine.detector.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventJsonTest {
    @Test
    void recordedEventsSurviveAWriteReadRoundTrip() throws Exception {
        List<Event> events = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(Path.of("src/test/resources/replay/stable_events.jsonl"))) {
            EventJson.readLines(in, events::add);
        }
        assertThat(events).hasSize(6);
        for (Event e : events) {
            String once = EventJson.write(e);
            assertThat(EventJson.write(EventJson.parse(once))).isEqualTo(once);
        }
        Event open = events.get(2);
        assertThat(open.type).isEqualTo("openat");
        assertThat(open.arg("flags")).isEqualTo("O_RDONLY|O_CLOEXEC");
        assertThat(open.arg(0)).isEqualTo("-100(AT_FDCWD)");
        assertThat(open.proc.cmdline).isEqualTo("cat /etc/shadow");
        assertThat(open.ancestor(4).name).isEqualTo("systemd");
        assertThat(open.fd.directory()).isEqualTo("/etc");
        assertThat(open.openRead).isTrue();
        assertThat(events.get(3).container.isHost()).isTrue();
        assertThat(events.get(5).fd.name).isEqualTo("10.0.0.5:40000->10.0.0.9:5432");
    }

    /** A server socket (bound or listening) has its server end alone; a replayed event keeps it one. */
    @Test
    void aServerSocketSurvivesTheRoundTrip() {
        String line =
                "{\"ts\":1,\"num\":1,\"type\":\"listen\",\"res\":0,\"args\":{\"res\":\"0\",\"fd\":\"3\",\"backlog\":\"7\"},"
                        + "\"proc\":{\"pid\":10,\"name\":\"srv\"},\"fd\":{\"num\":3,\"type\":\"ipv4\",\"name\":\"0.0.0.0:8080\",\"l4proto\":\"tcp\","
                        + "\"sip\":\"0.0.0.0\",\"sport\":8080,\"role\":\"server\",\"server_socket\":true}}";
        Event e = EventJson.parse(line);
        assertThat(e.fd.serverSocket).isTrue();
        assertThat(e.fd.server).isTrue();
        assertThat(e.fd.name).isEqualTo("0.0.0.0:8080");
        assertThat(e.fd.cip).isNull();
        String once = EventJson.write(e);
        assertThat(once).contains("\"server_socket\":true");
        Event again = EventJson.parse(once);
        assertThat(again.fd.serverSocket).isTrue();
        assertThat(EventJson.write(again)).isEqualTo(once);
        assertThat(EventJson.parse(line.replace(",\"server_socket\":true", "")).fd.serverSocket)
                .isFalse();
    }

    @Test
    void containerLabelsRoundTrip() {
        Event e = EventJson.parse("""
                {"ts":1,"type":"execve","container":{"id":"3ad7b26ded6d","type":"containerd",\
                "labels":{"tier":"backend","io.kubernetes.container.name":"app"}},\
                "k8s":{"pod_name":"web-0","ns_name":"prod","pod_labels":{"app":"web"}}}""");
        assertThat(e.container.labels)
                .containsOnly(Map.entry("tier", "backend"), Map.entry("io.kubernetes.container.name", "app"));
        assertThat(e.container.podLabels).containsOnly(Map.entry("app", "web"));
        String once = EventJson.write(e);
        assertThat(once).contains("\"labels\":{\"io.kubernetes.container.name\":\"app\",\"tier\":\"backend\"}");
        assertThat(EventJson.parse(once).container.labels).isEqualTo(e.container.labels);
    }

    @Test
    void malformedLinesAreReportedWithTheirNumber() {
        assertThatThrownBy(() -> EventJson.parse("{\"ts\": 1}")).hasMessageContaining("missing \"type\"");
        assertThatThrownBy(() -> EventJson.parse("[1]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> EventJson.readLines(
                        new BufferedReader(new StringReader("\n{\"type\":\"open\"}\n{oops")), e -> {}))
                .hasMessageStartingWith("line 3:");
    }

    @Test
    void ipv4ParsingIsStrict() {
        assertThat(Ipv4.parse("10.0.0.1")).isEqualTo(0x0A000001L);
        assertThat(Ipv4.parse("255.255.255.255")).isEqualTo(0xFFFFFFFFL);
        assertThat(Ipv4.parse("256.0.0.1")).isEqualTo(-1);
        assertThat(Ipv4.parse("1.2.3")).isEqualTo(-1);
        assertThat(Ipv4.parse("::1")).isEqualTo(-1);
    }
}
