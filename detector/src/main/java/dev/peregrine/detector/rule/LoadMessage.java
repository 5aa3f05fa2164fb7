package dev.peregrine.detector.rule;

/** One error or warning of a load, shaped like Falco's load result entries. */
public record LoadMessage(LoadCode code, String message, Context context) {
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(context.file());
        if (context.line() > 0)
            sb.append(':').append(context.line()).append(':').append(context.column());
        sb.append(": ").append(code.isError() ? "error " : "warning ").append(code.name());
        if (!context.item().isEmpty()) sb.append(" (").append(context.item()).append(')');
        sb.append(": ").append(message);
        return sb.toString();
    }
}
