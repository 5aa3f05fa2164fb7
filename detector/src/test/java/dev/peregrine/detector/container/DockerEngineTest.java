package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Docker's inspect JSON to ContainerInfo, on a recorded answer of dockerd 20.10 and a scripted engine. */
class DockerEngineTest {
    static final String ID = "584c53734ec56b617521d283434bf654f254100d1ea5781d87b51d45022e7963";
    static final String IMAGE_ID = "e303fbd1ccbaaf4cd6d67ce0f0d4e917798dddbedbc7c724f9bd3f1a4e0dbd3c";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final ContainerIds.Ref REF = new ContainerIds.Ref(ContainerIds.Runtime.DOCKER, ID, null, false);

    @TempDir
    Path dir;

    static String fixture() throws IOException {
        try (InputStream in = DockerEngineTest.class.getResourceAsStream("docker-inspect-20.10.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static DockerEngine engine(Path socket) {
        return new DockerEngine(socket, ContainerIds.Runtime.DOCKER, Duration.ofSeconds(5));
    }

    static List<String> chunked(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        int half = b.length / 2;
        String a = new String(b, 0, half, StandardCharsets.UTF_8);
        String c = new String(b, half, b.length - half, StandardCharsets.UTF_8);
        return List.of(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                Integer.toHexString(a.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + a + "\r\n",
                Integer.toHexString(c.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + c + "\r\n",
                "0\r\n\r\n");
    }

    static List<String> plain(int status, String json) {
        return List.of("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json);
    }

    @Test
    void recordedInspectAnswer() throws Exception {
        String json = fixture();
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> chunked(json))) {
            ContainerInfo c = engine(s.socket).inspect(REF).orElseThrow();
            assertThat(s.requests).containsExactly("GET /containers/" + ID + "/json HTTP/1.1");
            assertThat(c.id).isEqualTo("584c53734ec5");
            assertThat(c.name).isEqualTo("pg-fixture");
            assertThat(c.image).isEqualTo("peregrine-test/busybox:1.0");
            assertThat(c.imageRepository).isEqualTo("peregrine-test/busybox");
            assertThat(c.imageTag).isEqualTo("1.0");
            assertThat(c.imageId).isEqualTo(IMAGE_ID);
            assertThat(c.type).isEqualTo("docker");
            assertThat(c.privileged).isFalse();
            Instant started = Instant.parse("2026-11-25T13:24:25.550091518Z");
            assertThat(c.startTs).isEqualTo(started.getEpochSecond() * 1_000_000_000L + 550_091_518L);
            assertThat(c.mounts)
                    .containsExactly(new ContainerInfo.Mount("/tmp/pg-vol", "/data", "ro", false, "rprivate"));
            assertThat(c.mountsLine).isEqualTo("/tmp/pg-vol:/data:ro:false:rprivate");
            assertThat(c.podName).isEqualTo("web-0");
            assertThat(c.nsName).isEqualTo("prod");
            assertThat(c.podUid).isEqualTo("0d6f1b4a-9b1e-4c8e-8f0e-1c2d3e4f5a6b");
            assertThat(c.podLabels).containsExactly(Map.entry("app", "web"));
        }
    }

    @Test
    void unknownContainerIsEmptyAndErrorsAreIoErrors() throws Exception {
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> plain(404, "{\"message\":\"No such container: x\"}"))) {
            assertThat(engine(s.socket).inspect(REF)).isEmpty();
        }
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> plain(500, "{\"message\":\"boom\"}"))) {
            assertThatThrownBy(() -> engine(s.socket).inspect(REF))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("500: boom");
        }
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> plain(200, "{not json"))) {
            assertThatThrownBy(() -> engine(s.socket).inspect(REF))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("JSON");
        }
        DockerEngine none = engine(dir.resolve("absent.sock"));
        assertThat(none.available()).isFalse();
        assertThat(none.ping()).isFalse();
        assertThatThrownBy(() -> none.inspect(REF)).isInstanceOf(IOException.class);
    }

    @Test
    void aJustCreatedContainerIsAskedAgainUntilItHasStarted() throws Exception {
        ObjectNode created = (ObjectNode) JSON.readTree(fixture());
        ((ObjectNode) created.get("State"))
                .put("Status", "created")
                .put("Running", false)
                .put("StartedAt", "0001-01-01T00:00:00Z");
        AtomicInteger asked = new AtomicInteger();
        String running = fixture();
        try (FakeUnixServer s = new FakeUnixServer(
                dir, line -> asked.incrementAndGet() < 3 ? plain(200, created.toString()) : plain(200, running))) {
            ContainerInfo c = engine(s.socket).inspect(REF).orElseThrow();
            assertThat(asked.get()).isEqualTo(3);
            assertThat(c.startTs).isEqualTo(DockerEngine.nanos("2026-11-25T13:24:25.550091518Z"));
        }
        // Never started: the creation time stands in.
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> plain(200, created.toString()))) {
            ContainerInfo c = engine(s.socket).inspect(REF).orElseThrow();
            assertThat(c.startTs).isEqualTo(DockerEngine.nanos("2026-11-25T13:24:23.594058929Z"));
            assertThat(s.requests).hasSize(5);
        }
    }

    @Test
    void startedFromAnImageIdTakesTheImagesFirstTag() throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(fixture());
        ((ObjectNode) root.get("Config")).put("Image", "sha256:" + IMAGE_ID);
        String image = "{\"Id\":\"sha256:" + IMAGE_ID
                + "\",\"RepoTags\":[\"registry.example.com:5000/team/app:2.1\"],\"RepoDigests\":[]}";
        try (FakeUnixServer s = new FakeUnixServer(
                dir, line -> line.contains("/images/") ? plain(200, image) : plain(200, root.toString()))) {
            ContainerInfo c = engine(s.socket).inspect(REF).orElseThrow();
            assertThat(c.image).isEqualTo("sha256:" + IMAGE_ID);
            assertThat(c.imageRepository).isEqualTo("registry.example.com:5000/team/app");
            assertThat(c.imageTag).isEqualTo("2.1");
            assertThat(s.requests).contains("GET /images/" + IMAGE_ID + "/json HTTP/1.1");
        }
    }

    @Test
    void untaggedImageIsLatestAndPlainContainersHaveNoPod() throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(fixture());
        ((ObjectNode) root.get("Config")).put("Image", "localhost:5000/app");
        ((ObjectNode) root.get("Config")).putObject("Labels").put("maintainer", "x");
        ((ObjectNode) root.get("HostConfig")).put("Privileged", true);
        root.putArray("Mounts");
        ContainerInfo c = engine(dir.resolve("unused.sock")).toInfo(root, id -> null);
        assertThat(c.imageRepository).isEqualTo("localhost:5000/app");
        assertThat(c.imageTag).isEqualTo("latest");
        assertThat(c.privileged).isTrue();
        assertThat(c.podName).isNull();
        assertThat(c.podLabels).isEmpty();
        assertThat(c.mounts).isEmpty();
    }

    @Test
    void goTimes() {
        assertThat(DockerEngine.nanos("0001-01-01T00:00:00Z")).isEqualTo(Event.NONE);
        assertThat(DockerEngine.nanos("2026-11-25T13:24:25Z"))
                .isEqualTo(Instant.parse("2026-11-25T13:24:25Z").getEpochSecond() * 1_000_000_000L);
        assertThat(DockerEngine.nanos("2026-11-25T14:24:25.5+01:00"))
                .isEqualTo(DockerEngine.nanos("2026-11-25T13:24:25.500Z"));
        assertThat(DockerEngine.nanos("garbage")).isEqualTo(Event.NONE);
    }

    @Test
    void aContainerAnnouncedAsCreatedIsAnsweredAtOnce() throws Exception {
        ObjectNode created = (ObjectNode) JSON.readTree(fixture());
        ((ObjectNode) created.get("State"))
                .put("Status", "created")
                .put("Running", false)
                .put("StartedAt", "0001-01-01T00:00:00Z");
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> plain(200, created.toString()))) {
            ContainerInfo c = engine(s.socket).inspectCreated(REF).orElseThrow();
            assertThat(s.requests).hasSize(1);
            assertThat(c.startTs).isEqualTo(DockerEngine.nanos("2026-11-25T13:24:23.594058929Z"));
            assertThat(c.imageRepository).isNotNull();
        }
    }

    @Test
    void followsCreateAndStartEventsAndResumesWhereItLeft() throws Exception {
        String other = "96c7a97d92ef95038f8a7a1ab0dfb78b9af6a20f5fb3ccf7d845b2181cac1012";
        String events = String.join(
                "\n",
                "{\"status\":\"create\",\"id\":\"" + ID + "\",\"Type\":\"container\",\"Action\":\"create\","
                        + "\"Actor\":{\"ID\":\"" + ID + "\",\"Attributes\":{\"image\":\"busybox\","
                        + "\"io.kubernetes.pod.uid\":\"0d6f1b4a-9b1e-4c8e-8f0e-1c2d3e4f5a6b\"}},"
                        + "\"time\":1764077063,\"timeNano\":1764077063594058929}",
                "not json",
                "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"" + other
                        + "\"},\"timeNano\":1764077063600000000}",
                "{\"status\":\"start\",\"id\":\"" + ID + "\",\"Type\":\"container\",\"Action\":\"start\","
                        + "\"Actor\":{\"ID\":\"" + ID
                        + "\",\"Attributes\":{}},\"time\":1764077063,\"timeNano\":1764077063700000001}",
                "");
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> chunked(events))) {
            DockerEngine engine = engine(s.socket);
            assertThat(engine.announces()).isTrue();
            List<String> told = new ArrayList<>();
            ContainerEngine.Lifecycle lifecycle = new ContainerEngine.Lifecycle() {
                @Override
                public void following() {
                    told.add("following");
                }

                @Override
                public void created(ContainerIds.Ref ref) {
                    told.add("created " + ref.id() + " " + ref.podUid() + " " + ref.runtime());
                }

                @Override
                public void started(ContainerIds.Ref ref) {
                    told.add("started " + ref.id());
                }
            };
            engine.follow(lifecycle);
            assertThat(told)
                    .containsExactly(
                            "following",
                            "created " + ID + " 0d6f1b4a-9b1e-4c8e-8f0e-1c2d3e4f5a6b DOCKER",
                            "started " + ID);
            assertThat(s.requests.getFirst())
                    .startsWith("GET /events?filters=")
                    .contains("%22create%22")
                    .doesNotContain("since=");
            // Again after the stream ended: from the last event seen, so nothing in between is missed.
            engine.follow(lifecycle);
            assertThat(s.requests.get(1)).contains("&since=1764077063.700000001 ");
        }
    }
}
