package dev.peregrine.sidekick.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
                 "origin":{"node":"n1"}}""");
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

    private static AlertRejectedException rejected(byte[] body) {
        try {
            AlertJson.read(body, () -> NOW);
        } catch (AlertRejectedException e) {
            return e;
        }
        throw new AssertionError("accepted: " + new String(body, StandardCharsets.UTF_8));
    }

    private static AlertRejectedException rejected(String json) {
        return rejected(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Each lenient case of the hardening issue, and its neighbours: a 4xx naming the field. The
     * JSON holds its escapes as written (backslash, u, four digits): Jackson decodes them.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"rule":"r","priority":"Warning","uuid":42}                              | uuid            | must be a string
            {"rule":"r","priority":"Warning","uuid":["a"]}                           | uuid            | must be a string
            {"rule":"r","priority":"Warning","origin":"node-1"}                      | origin          | must be a JSON object
            {"rule":"r","priority":"Warning","origin":{"node":3}}                    | origin.node     | must be a string
            {"rule":"\\u0000","priority":"Warning"}                                  | rule            | U+0000 (a control character)
            {"rule":"r\\u001b[31m","priority":"Warning"}                             | rule            | U+001B
            {"rule":"r","priority":" Warning"}                                       | priority        | unknown priority ' Warning'
            {"rule":"r","priority":"warning\\n"}                                     | priority        | unknown priority 'warning\\u000a'
            {"rule":"r","priority":"Cr\\u0131tical"}                                 | priority        | unknown priority
            {"rule":"r","priority":"Informationa"}                                   | priority        | unknown priority
            {"rule":"r","priority":"Warning","time":"+999999999-01-01T00:00:00Z"}    | time            | not a Falco time
            {"rule":"r","priority":"Warning","time":"12025-01-01T00:00:00Z"}         | time            | not a Falco time
            {"rule":"r","priority":"Warning","output_fields":{"x":1e400}}            | output_fields.x | outside the range of a double
            {"rule":"r","priority":"Warning","output_fields":{"x":-1e400}}           | output_fields.x | outside the range of a double
            {"rule":"r","priority":"Warning","output_fields":{"x":[1e999]}}          | output_fields.x | outside the range of a double
            {"rule":"r","priority":"Warning","output_fields":{"x":"a\\u0085b"}}      | output_fields.x | U+0085 (a control character)
            {"rule":"r","priority":"Warning","output_fields":{"x\\u0007":"a"}}       | output_fields   | U+0007
            {"rule":"r","priority":"Warning","hostname":"h\\ud800"}                  | hostname        | an unpaired surrogate
            {"rule":"r","priority":"Warning","hostname":"h\\udc00x"}                 | hostname        | an unpaired surrogate
            {"rule":"r","priority":"Warning","tags":["a\\u007f"]}                    | tags            | U+007F
            {"rule":"r","priority":"Warning","output":"\\uffff"}                     | output          | a Unicode non-character
            {"rule":"r","priority":"Warning","message":"\\ud83f\\udffe"}             | message         | a Unicode non-character
            """)
    void lenientInputIsRefusedNamingTheField(String json, String field, String reason) {
        AlertRejectedException e = rejected(json);
        assertThat(e.kind()).isEqualTo("invalid_field");
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).startsWith(field + ": ").contains(reason);
    }

    @Test
    void numbersOutsideADoublesRangeAreRefusedEvenAsIntegers() {
        AlertRejectedException e = rejected(
                "{\"rule\":\"r\",\"priority\":\"Warning\",\"output_fields\":{\"x\":1" + "0".repeat(400) + "}}");
        assertThat(e.field()).isEqualTo("output_fields.x");
        // 2^64 - 1, a uint64 Falco can write, is in range (kept as its digits, as before).
        assertThat(read("{\"rule\":\"r\",\"priority\":\"Warning\",\"output_fields\":{\"x\":18446744073709551615}}")
                        .outputFields())
                .containsEntry("x", "18446744073709551615");
    }

    /** Overlong forms decode to ASCII (C0 80 to NUL) in lenient decoders; they are not UTF-8. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "C0 80",
                "C1 81",
                "E0 80 80",
                "E0 9F BF",
                "F0 80 80 80",
                "ED A0 80",
                "F4 90 80 80",
                "FF",
                "80",
                "E2 82"
            })
    void bytesThatAreNotUtf8AreRefusedNamingTheField(String hex) {
        byte[] prefix = "{\"rule\":\"r\",\"priority\":\"Warning\",\"output\":\"ab".getBytes(StandardCharsets.UTF_8);
        byte[] bad = HexFormat.ofDelimiter(" ").parseHex(hex);
        byte[] suffix = "cd\",\"source\":\"syscall\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[prefix.length + bad.length + suffix.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        System.arraycopy(bad, 0, body, prefix.length, bad.length);
        System.arraycopy(suffix, 0, body, prefix.length + bad.length, suffix.length);
        AlertRejectedException e = rejected(body);
        assertThat(e.kind()).as(hex).isEqualTo("invalid_field");
        assertThat(e.field()).as(hex).isEqualTo("output");
        assertThat(e.getMessage()).contains("not well-formed UTF-8").contains("at byte " + prefix.length);
    }

    @Test
    void rawControlBytesAndUtf16AreNotJsonText() {
        byte[] nul = "{\"rule\":\"r\",#\"priority\":\"Warning\"}".getBytes(StandardCharsets.UTF_8);
        nul[12] = 0;
        assertThat(rejected(nul).kind()).isEqualTo("malformed_json");
        byte[] utf16 = "{\"rule\":\"r\",\"priority\":\"Warning\"}".getBytes(StandardCharsets.UTF_16LE);
        assertThat(rejected(utf16).kind()).isEqualTo("malformed_json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Warning", "WARNING", "warning", "wArNiNg"})
    void priorityNamesAreReadAsFalcoReadsThem(String name) {
        assertThat(read("{\"rule\":\"r\",\"priority\":\"" + name + "\"}").priority())
                .isEqualTo(Priority.WARNING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Info", "info", "INFORMATIONAL", "Informational"})
    void infoIsInformationalAsInFalco(String name) {
        assertThat(read("{\"rule\":\"r\",\"priority\":\"" + name + "\"}").priority())
                .isEqualTo(Priority.INFORMATIONAL);
    }

    @Test
    void textFalcoCanSendIsKept() {
        // A rule's name or output template may hold tabs and line breaks; field values any
        // printable Unicode, emoji included (here as raw UTF-8, as nlohmann::json writes them).
        String output = "caf\u00e9 \ud83d\ude00 \u4e2d";
        Alert a =
                read("{\"rule\":\"multi\\tline\\nrule\",\"priority\":\"Notice\",\"output\":\"" + output + "\\r\\n\"}");
        assertThat(a.rule()).isEqualTo("multi\tline\nrule");
        assertThat(a.output()).isEqualTo(output + "\r\n");
    }

    @Test
    void sanitizingReplacesWhatIsRefusedAsLibsinspDoes() {
        assertThat(AlertText.sanitized("a\u0000b\u0085c\ud800d\ud83d\ude00"))
                .isEqualTo("a\ufffdb\ufffdc\ufffdd\ud83d\ude00");
        String plain = "plain";
        assertThat(AlertText.sanitized(plain)).isSameAs(plain);
    }
}
