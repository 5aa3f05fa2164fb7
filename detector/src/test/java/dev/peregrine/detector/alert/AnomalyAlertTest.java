package dev.peregrine.detector.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.Priority;
import dev.peregrine.detector.anomaly.Anomaly;
import dev.peregrine.detector.anomaly.AnomalyKind;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** An anomaly goes out as an alert like a rule match: source anomaly, its kind's rule, anomaly.* and context fields. */
class AnomalyAlertTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String SHELL = """
            {"ts":1763630042118734512,"num":1,"type":"execve","res":0,"args":{},\
            "proc":{"pid":31337,"name":"sh","exe":"sh","exepath":"/bin/sh","cmdline":"sh -i"},\
            "ancestors":[{"pid":31300,"name":"nginx"}],"user":{"uid":33,"name":"www-data","loginuid":-1},\
            "container":{"id":"3ad7b26ded6d","name":"web","image_repository":"docker.io/library/nginx","image_tag":"1.27.2"},\
            "k8s":{"pod_name":"web-frontend-7c9d8f6b5-x2kqp","ns_name":"shop"}}""";
    static final String PROFILE = "k8s:shop/web-frontend/nginx";

    static Anomaly newShell() {
        Event e = EventJson.parse(SHELL);
        return new Anomaly(
                AnomalyKind.EXECUTABLE,
                PROFILE,
                1.0,
                "/bin/sh",
                "12 executables over 2 h",
                PROFILE + " executed /bin/sh for the first time; parent nginx; learnt 12 executables over 2 h",
                e);
    }

    @Test
    void theFalcoJsonNamesTheKindProfileAndContext() {
        FalcoAlert alert = new AlertFormat("node-1", false, true).format(newShell());
        JsonNode json = MAPPER.readTree(alert.json());
        assertThat(json.path("source").asString()).isEqualTo("anomaly");
        assertThat(json.path("rule").asString()).isEqualTo("Anomaly: new executable");
        assertThat(json.path("priority").asString()).isEqualTo("Warning");
        assertThat(json.path("tags").toString()).isEqualTo("[\"anomaly\",\"new-executable\"]");
        assertThat(json.path("output").asString())
                .contains(": Warning " + PROFILE + " executed /bin/sh for the first time; parent nginx;")
                .endsWith("k8s_pod_name=web-frontend-7c9d8f6b5-x2kqp k8s_ns_name=shop");
        JsonNode f = json.path("output_fields");
        assertThat(f.path("anomaly.kind").asString()).isEqualTo("new-executable");
        assertThat(f.path("anomaly.profile").asString()).isEqualTo(PROFILE);
        assertThat(f.path("anomaly.score").isNumber()).isTrue();
        assertThat(f.path("anomaly.score").asDouble()).isEqualTo(1.0);
        assertThat(f.path("anomaly.feature").asString()).isEqualTo("executable");
        assertThat(f.path("anomaly.value").asString()).isEqualTo("/bin/sh");
        assertThat(f.path("anomaly.baseline").asString()).isEqualTo("12 executables over 2 h");
        assertThat(f.path("proc.name").asString()).isEqualTo("sh");
        assertThat(f.path("proc.pname").asString()).isEqualTo("nginx");
        assertThat(f.path("user.name").asString()).isEqualTo("www-data");
        assertThat(f.path("container.id").asString()).isEqualTo("3ad7b26ded6d");
        assertThat(f.path("container.image.repository").asString()).isEqualTo("docker.io/library/nginx");
        assertThat(f.path("k8s.ns.name").asString()).isEqualTo("shop");
        assertThat(f.path("k8s.pod.name").asString()).isEqualTo("web-frontend-7c9d8f6b5-x2kqp");
    }

    @Test
    void theContractMessageCarriesTheSame() {
        Alert a = AlertMessage.of(new AlertFormat("node-1", false, true).format(newShell()));
        assertThat(a.getSource()).isEqualTo("anomaly");
        assertThat(a.getRule()).isEqualTo("Anomaly: new executable");
        assertThat(a.getPriority()).isEqualTo(Priority.WARNING);
        assertThat(a.getTagsList()).containsExactly("anomaly", "new-executable");
        assertThat(a.getOutputFieldsMap().get("anomaly.score").getDoubleValue()).isEqualTo(1.0);
        assertThat(a.getOutputFieldsMap().get("anomaly.profile").getStringValue())
                .isEqualTo(PROFILE);
        assertThat(a.getTime().getSeconds()).isEqualTo(1763630042L);
    }

    @Test
    void aWindowScoredFarBeyondTheThresholdIsRaisedALevel() {
        Event e = EventJson.parse(SHELL);
        Anomaly mild = new Anomaly(AnomalyKind.SYSCALL_MIX, PROFILE, 0.72, "900 events", "", "x", e);
        Anomaly strong = new Anomaly(AnomalyKind.SYSCALL_MIX, PROFILE, 0.86, "900 events", "", "x", e);
        assertThat(mild.priority()).isEqualTo(dev.peregrine.detector.rule.Priority.NOTICE);
        assertThat(strong.priority()).isEqualTo(dev.peregrine.detector.rule.Priority.WARNING);
    }
}
