package dev.peregrine.sidekick.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AlertJsonTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static Alert read(String json) {
        return AlertJson.read(json.getBytes(StandardCharsets.UTF_8), () -> NOW);
    }

    private static Instant timeOf(String time) {
        return read("{\"rule\":\"r\",\"priority\":\"Notice\",\"time\":\"" + time + "\"}")
                .time();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2025-11-20T09:14:02.118734512Z",
                "2025-11-20T09:14:02Z",
                "2025-11-20T09:14:02.1Z",
                "2024-02-29T23:59:59.000000001Z",
                "1970-01-01T00:00:00.123456Z",
                "2025-11-20T09:14:02.118734512+00:00",
                "2025-11-20T09:14:02.118734512+0200",
                "2025-11-20T09:14:02.5-07:30"
            })
    void timesReadAsTheGeneralParserReadsThem(String time) {
        assertThat(timeOf(time))
                .isEqualTo(OffsetDateTime.parse(time.replaceAll("([+-]\\d\\d)(\\d\\d)$", "$1:$2"))
                        .toInstant());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2025-02-30T09:14:02Z",
                "2025-11-20T24:00:00Z",
                "2025-11-20T09:14:02.1234567890Z",
                "2025-11-2OT09:14:02Z",
                "yesterday"
            })
    void impossibleTimesAreRejectedNamingTheField(String time) {
        assertThatThrownBy(() -> timeOf(time)).isInstanceOfSatisfying(AlertRejectedException.class, e -> {
            assertThat(e.kind()).isEqualTo("invalid_field");
            assertThat(e.field()).isEqualTo("time");
        });
    }

    @Test
    void everyValueKindOfOutputFieldsIsKept() {
        Alert a = read("""
                {"rule":"r","priority":"Warning","output_fields":{"s":"x","i":42,"big":123456789012345678901234,
                 "d":1.5,"t":true,"f":false,"n":null,"l":["a",1,true]},"tags":["b","a"],"message":null,
                 "origin":{"node":"n1","ignored":3}}""");
        assertThat(a.outputFields())
                .containsEntry("s", "x")
                .containsEntry("i", 42L)
                .containsEntry("big", "123456789012345678901234")
                .containsEntry("d", 1.5)
                .containsEntry("t", true)
                .containsEntry("f", false)
                .containsEntry("n", null)
                .containsEntry("l", List.of("a", "1", "true"));
        assertThat(a.tags()).containsExactly("a", "b");
        assertThat(a.message()).isEmpty();
        assertThat(a.origin()).containsExactlyEntriesOf(Map.of("node", "n1"));
        assertThat(a.time()).isEqualTo(NOW);
    }

    @Test
    void aSyntaxErrorWinsOverAnEarlierBadField() {
        assertThatThrownBy(() -> read("{\"rule\":42,\"priority\":\"Warning\",\"x\":}"))
                .isInstanceOfSatisfying(
                        AlertRejectedException.class, e -> assertThat(e.kind()).isEqualTo("malformed_json"));
    }

    @Test
    void contentAfterTheObjectIsMalformed() {
        assertThatThrownBy(() -> read("{\"rule\":\"r\",\"priority\":\"Warning\"} {}"))
                .isInstanceOfSatisfying(
                        AlertRejectedException.class, e -> assertThat(e.kind()).isEqualTo("malformed_json"));
    }

    @Test
    void writtenAlertsReadBackUnchanged() {
        Alert a = read("""
                {"rule":"Read sensitive file untrusted","priority":"Warning","time":"2025-11-20T09:14:02.118734512Z",
                 "output":"o","source":"syscall","hostname":"h","output_fields":{"proc.name":"cat","evt.num":7},
                 "tags":["T1555"],"uuid":"0b8ef2cf-6f5f-4bd4-9f8e-2b1d8c5a8f2a"}""");
        assertThat(AlertJson.read(AlertJson.write(a), () -> NOW)).isEqualTo(a);
    }
}
