package dev.peregrine.detector.anomaly;

import dev.peregrine.detector.rule.Priority;

/**
 * What an anomaly is about: a never-seen item of one of the learnt sets, or a time window whose
 * statistics are unlike the learnt ones. Each kind is one rule name, so the sidekick routes and
 * dedups anomalies per kind like rule alerts.
 */
public enum AnomalyKind {
    EXECUTABLE("new-executable", "Anomaly: new executable", Priority.WARNING, "executable", "executables"),
    EXEC_PAIR(
            "new-exec-pair",
            "Anomaly: new parent-child exec",
            Priority.NOTICE,
            "parent -> child exec",
            "parent -> child execs"),
    FILE_WRITTEN("new-written-path", "Anomaly: new written path", Priority.NOTICE, "written path", "written paths"),
    SENSITIVE_READ(
            "new-sensitive-read",
            "Anomaly: new sensitive file read",
            Priority.WARNING,
            "sensitive file read",
            "sensitive files read"),
    OUTBOUND_PEER(
            "new-outbound-peer", "Anomaly: new outbound peer", Priority.NOTICE, "outbound peer", "outbound peers"),
    LISTEN_PORT(
            "new-listening-port", "Anomaly: new listening port", Priority.WARNING, "listening port", "listening ports"),
    USER("new-user", "Anomaly: new user", Priority.WARNING, "user", "users"),
    CAPABILITY("new-capability", "Anomaly: new capability", Priority.WARNING, "capability", "capabilities"),
    SYSCALL("new-syscall", "Anomaly: new syscall type", Priority.NOTICE, "syscall type", "syscall types"),
    SYSCALL_MIX("syscall-mix", "Anomaly: syscall mix", Priority.NOTICE, "syscall mix", "windows"),
    PROCESS_RATE("process-rate", "Anomaly: process burst", Priority.NOTICE, "execs per window", "windows"),
    CONNECTION_RATE("connection-rate", "Anomaly: connection burst", Priority.NOTICE, "connects per window", "windows");

    /** The value of {@code anomaly.kind}, and the key of the learnt set in profile files. */
    public final String id;

    public final String rule;
    public final Priority priority;
    /** One item, in explanations. */
    public final String noun;
    /** Several items, in explanations. */
    public final String plural;

    AnomalyKind(String id, String rule, Priority priority, String noun, String plural) {
        this.id = id;
        this.rule = rule;
        this.priority = priority;
        this.noun = noun;
        this.plural = plural;
    }

    /** Kinds that are a set of items learnt exactly (the others are scored per window). */
    public boolean isSet() {
        return ordinal() <= SYSCALL.ordinal();
    }

    public static AnomalyKind byId(String id) {
        for (AnomalyKind k : values()) {
            if (k.id.equals(id)) return k;
        }
        return null;
    }
}
