package dev.peregrine.detector.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.FieldValue;
import dev.peregrine.contract.v1.Priority;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The contract's Alert message carries what Falco's JSON alert carries, with typed values and a uuid. */
class AlertMessageTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String HOST = "ip-10-0-1-23.eu-west-1.compute.internal";
    /** Sample alert 1's event: Terminal shell in container. */
    private static final String SHELL = """
            {"ts":1763630042118734512,"num":1,"type":"execve","res":0,"args":{"flags":"EXE_WRITABLE|EXE_LOWER_LAYER"},\
            "proc":{"pid":31337,"name":"bash","exe":"bash","exepath":"/usr/bin/bash","tty":34816},\
            "ancestors":[{"pid":31300,"name":"runc"}],"user":{"uid":0,"name":"root","loginuid":-1},\
            "container":{"id":"3ad7b26ded6d","name":"nginx","image_repository":"docker.io/library/nginx","image_tag":"1.27.2"},\
            "k8s":{"pod_name":"web-frontend-7c9d8f6b5-x2kqp","ns_name":"shop"}}""";

    private static final List<CompiledRule> STABLE = new RulesLoader()
            .loadFiles(List.of(Path.of("src/test/resources/rules/falco_rules.yaml")))
            .rules();

    private static CompiledRule stableRule(String name) {
        return STABLE.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void carriesEverythingFalcosJsonAlertCarries() {
        CompiledRule rule = stableRule("Terminal shell in container");
        Event e = EventJson.parse(SHELL);
        Alert a = AlertMessage.of(new AlertFormat(HOST, false, true).format(rule, e));

        assertThat(a.getTime().getSeconds()).isEqualTo(1763630042L);
        assertThat(a.getTime().getNanos()).isEqualTo(118734512);
        assertThat(a.getRule()).isEqualTo("Terminal shell in container");
        assertThat(a.getPriority()).isEqualTo(Priority.NOTICE);
        assertThat(a.getSource()).isEqualTo("syscall");
        assertThat(a.getHostname()).isEqualTo(HOST);
        assertThat(a.getOutput())
                .isEqualTo("09:14:02.118734512: Notice A shell was spawned in a container with an attached terminal"
                        + " | evt_type=execve user=root user_uid=0 user_loginuid=-1 process=bash proc_exepath=/usr/bin/bash parent=runc"
                        + " command=bash terminal=34816 exe_flags=EXE_WRITABLE|EXE_LOWER_LAYER container_id=3ad7b26ded6d container_name=nginx"
                        + " container_image_repository=docker.io/library/nginx container_image_tag=1.27.2"
                        + " k8s_pod_name=web-frontend-7c9d8f6b5-x2kqp k8s_ns_name=shop");
        assertThat(a.getTagsList())
                .containsExactly("T1059", "container", "maturity_stable", "mitre_execution", "shell");
        assertThat(a.getMessage()).isEmpty();
        assertThat(a.hasOrigin()).isFalse();

        Map<String, FieldValue> f = a.getOutputFieldsMap();
        assertThat(f.get("proc.tty").getIntValue()).isEqualTo(34816);
        assertThat(f.get("user.loginuid").getIntValue()).isEqualTo(-1);
        assertThat(f.get("evt.time").getIntValue())
                .as("ns beyond 2^53 stay exact")
                .isEqualTo(1763630042118734512L);
        assertThat(f.get("user.name").getStringValue()).isEqualTo("root");
        assertThat(f.get("evt.arg.flags").getStringValue()).isEqualTo("EXE_WRITABLE|EXE_LOWER_LAYER");
        assertThat(f).hasSize(17);
    }

    @Test
    void outputFieldsHaveTheTypesOfFalcosJsonAlert() {
        CompiledRule rule = stableRule("Read sensitive file untrusted");
        Event e = EventJson.parse("""
                {"ts":1763630077502981066,"type":"openat","res":3,"args":{"name":"/etc/shadow","flags":"O_RDONLY"},\
                "proc":{"pid":9,"name":"cat","args":["/etc/shadow"],"tty":0},"ancestors":[{"pid":8,"name":"bash"}],\
                "user":{"uid":0,"name":"root","loginuid":-1},"fd":{"num":3,"type":"file","name":"/etc/shadow"}}""");
        FalcoAlert falco = new AlertFormat("h", false, true).format(rule, e);
        Alert a = AlertMessage.of(falco);
        JsonNode json = MAPPER.readTree(falco.json()).get("output_fields");

        assertThat(a.getOutputFieldsMap().keySet()).containsExactlyInAnyOrderElementsOf(json.propertyNames());
        a.getOutputFieldsMap().forEach((k, v) -> {
            JsonNode j = json.get(k);
            switch (v.getKindCase()) {
                case NULL_VALUE -> assertThat(j.isNull()).as(k).isTrue();
                case INT_VALUE -> assertThat(j.asLong()).as(k).isEqualTo(v.getIntValue());
                case STRING_VALUE -> assertThat(j.asString()).as(k).isEqualTo(v.getStringValue());
                case BOOL_VALUE -> assertThat(j.asBoolean()).as(k).isEqualTo(v.getBoolValue());
                default -> throw new AssertionError(k + ": unexpected " + v.getKindCase());
            }
        });
        // A host process: no k8s metadata (null, Falco's <NA>), and an empty image repository (a string).
        assertThat(a.getOutputFieldsMap().get("k8s.pod.name").getKindCase()).isEqualTo(FieldValue.KindCase.NULL_VALUE);
        assertThat(a.getOutputFieldsMap().get("proc.aname[3]").getKindCase()).isEqualTo(FieldValue.KindCase.NULL_VALUE);
        assertThat(a.getOutputFieldsMap().get("container.image.repository").getStringValue())
                .isEmpty();
    }

    @Test
    void booleanFieldsStayBooleans() {
        var loaded = new RulesLoader().load(List.of(new RulesLoader.RulesSource("r.yaml", """
                - rule: Upper layer exec
                  desc: d
                  condition: evt.type = execve
                  output: upper=%proc.is_exe_upper_layer
                  priority: DEBUG
                """)));
        Event e = EventJson.parse(
                "{\"ts\":1,\"type\":\"execve\",\"proc\":{\"pid\":1,\"name\":\"x\",\"exe_upper_layer\":true}}");
        Alert a = AlertMessage.of(
                new AlertFormat("h", false, false).format(loaded.rules().getFirst(), e));
        assertThat(a.getOutputFieldsMap().get("proc.is_exe_upper_layer").getBoolValue())
                .isTrue();
        assertThat(a.getPriority()).isEqualTo(Priority.DEBUG);
        assertThat(a.getOutput()).isEqualTo("00:00:00.000000001: Debug upper=true");
    }

    @Test
    void eachAlertGetsItsOwnTimeOrderedUuid() {
        CompiledRule rule = stableRule("Terminal shell in container");
        Event e = EventJson.parse(SHELL);
        FalcoAlert alert = new AlertFormat(HOST, false, true).format(rule, e);
        String first = AlertMessage.of(alert).getUuid();
        String second = AlertMessage.of(alert).getUuid();
        assertThat(UUID.fromString(first).version()).isEqualTo(7);
        assertThat(UUID.fromString(first).variant()).isEqualTo(2);
        assertThat(second).isNotEqualTo(first);
        // version 7 sorts by creation: the sidekick's dedup index grows at its end
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void everyPriorityMapsToTheContractsNumbering() {
        StringBuilder rules = new StringBuilder();
        for (dev.peregrine.detector.rule.Priority p : dev.peregrine.detector.rule.Priority.values()) {
            rules.append("- rule: ")
                    .append(p.name())
                    .append("\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: ")
                    .append(p.name())
                    .append("\n");
        }
        var loaded = new RulesLoader().load(List.of(new RulesLoader.RulesSource("r.yaml", rules.toString())));
        Event e = EventJson.parse("{\"ts\":1,\"type\":\"execve\"}");
        AlertFormat format = new AlertFormat("h", false, false);
        for (CompiledRule r : loaded.rules()) {
            Priority p = AlertMessage.of(format.format(r, e)).getPriority();
            // The contract keeps Falco's order shifted by one so that 0 means "not set".
            assertThat(p.getNumber()).as(r.name()).isEqualTo(r.priority().ordinal() + 1);
            assertThat(p.name()).isEqualTo(r.priority().name());
        }
        assertThat(loaded.rules()).hasSize(8);
    }
}
