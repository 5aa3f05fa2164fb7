package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.SourcePos;

/**
 * Where a condition's text sits in its file, to turn a position inside the condition into a file
 * line and column. Exact for single-line and literal (|) scalars; folded (>) scalars have lost their
 * line breaks, so positions after the first line point at the start of the value.
 */
record ConditionSpan(int line, int column, boolean block, boolean folded, int indent) {
    Context locate(Context ctx, SourcePos pos) {
        if (pos == null) return ctx.at(line, column);
        if (!block)
            return pos.line() == 1 ? ctx.at(line, column + pos.col() - 1) : ctx.at(line + pos.line() - 1, pos.col());
        if (folded) return ctx.at(line + 1, indent + 1);
        return ctx.at(line + pos.line(), indent + pos.col());
    }
}
