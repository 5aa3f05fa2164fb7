package dev.peregrine.detector.field;

/** Falco's field types, reduced to what changes comparison and printing. */
public enum FieldType {
    CHARBUF,
    BYTEBUF,
    INT64,
    UINT64,
    BOOL,
    IPADDR,
    IPNET,
    PORT,
    ABSTIME,
    RELTIME;

    public boolean isNumeric() {
        return this == INT64 || this == UINT64 || this == PORT || this == ABSTIME || this == RELTIME;
    }
}
