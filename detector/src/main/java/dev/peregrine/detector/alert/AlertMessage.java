package dev.peregrine.detector.alert;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import com.google.protobuf.Timestamp;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.FieldValue;
import dev.peregrine.contract.v1.Priority;
import dev.peregrine.contract.v1.StringList;
import dev.peregrine.detector.rule.CompiledRule;
import java.util.List;
import java.util.TreeSet;

/** A rule match as the shared contract's Alert message: what the detector sends the sidekick. */
public final class AlertMessage {
    /** Thread-safe; monotonic within a millisecond. */
    private static final TimeBasedEpochGenerator UUIDS = Generators.timeBasedEpochGenerator();

    private AlertMessage() {}

    /** The alert as the contract's message, with a fresh uuid: resends of it keep that uuid, so the sidekick can dedup. */
    public static Alert of(FalcoAlert falco) {
        CompiledRule rule = falco.rule();
        Alert.Builder b = Alert.newBuilder()
                .setUuid(newUuid())
                .setTime(Timestamp.newBuilder()
                        .setSeconds(Math.floorDiv(falco.time(), 1_000_000_000L))
                        .setNanos((int) Math.floorMod(falco.time(), 1_000_000_000L)))
                .setRule(rule.name())
                .setPriority(Priority.valueOf(rule.priority().name()))
                .setSource(rule.source())
                .setOutput(falco.output())
                .setHostname(falco.hostname())
                .addAllTags(new TreeSet<>(rule.tags()));
        falco.outputFields().forEach((k, v) -> b.putOutputFields(k, value(v)));
        return b.build();
    }

    /**
     * A version 7 uuid: it starts with the time, so the uuids of one detector sort in the order
     * they were made and the sidekick's uuid index (its dedup of resends) grows at one end
     * instead of writing a random page per alert.
     */
    public static String newUuid() {
        return UUIDS.generate().toString();
    }

    static FieldValue value(Object v) {
        FieldValue.Builder f = FieldValue.newBuilder();
        switch (v) {
            case null -> f.setNullValueValue(0);
            case Long l -> f.setIntValue(l);
            case Integer i -> f.setIntValue(i);
            case Double d -> f.setDoubleValue(d);
            case Boolean bool -> f.setBoolValue(bool);
            case List<?> list ->
                f.setListValue(StringList.newBuilder()
                        .addAllValues(list.stream().map(String::valueOf).toList()));
            default -> f.setStringValue(v.toString());
        }
        return f.build();
    }
}
