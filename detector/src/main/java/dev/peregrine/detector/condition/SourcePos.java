package dev.peregrine.detector.condition;

/** A position inside a condition string: 0-based index, 1-based line and column, as libsinsp counts them. */
public record SourcePos(int idx, int line, int col) {
    public static final SourcePos START = new SourcePos(0, 1, 1);
}
