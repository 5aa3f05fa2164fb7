package dev.peregrine.detector.rule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Errors and warnings gathered while loading rules files; successful means no error. */
public final class LoadResult {
    private final List<LoadMessage> errors = new ArrayList<>();
    private final List<LoadMessage> warnings = new ArrayList<>();

    public void error(LoadCode code, String message, Context ctx) {
        errors.add(new LoadMessage(code, message, ctx));
    }

    public void warning(LoadCode code, String message, Context ctx) {
        warnings.add(new LoadMessage(code, message, ctx));
    }

    public boolean successful() {
        return errors.isEmpty();
    }

    public List<LoadMessage> errors() {
        return Collections.unmodifiableList(errors);
    }

    public List<LoadMessage> warnings() {
        return Collections.unmodifiableList(warnings);
    }
}
