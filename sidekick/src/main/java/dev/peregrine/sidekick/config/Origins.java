package dev.peregrine.sidekick.config;

import java.io.IOException;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.io.Resource;

/** Where a setting was written, as a person looks for it: {@code /etc/peregrine/application.yml:12}. */
public final class Origins {
    private Origins() {}

    /** The file and line, or Spring's own description, or null when unknown. */
    public static String describe(Origin origin) {
        while (origin instanceof PropertySourceOrigin wrapped) {
            if (wrapped.getOrigin() == null) {
                return wrapped.getPropertySource().getName().equals("commandLineArgs")
                        ? "command line --" + wrapped.getPropertyName()
                        : wrapped.getPropertySource().getName();
            }
            origin = wrapped.getOrigin();
        }
        if (origin instanceof TextResourceOrigin text && text.getResource() != null) {
            Resource r = text.getResource();
            String where;
            try {
                where = r.isFile() ? r.getFile().getAbsolutePath() : r.getDescription();
            } catch (IOException e) {
                where = r.getDescription();
            }
            return text.getLocation() == null
                    ? where
                    : where + ":" + (text.getLocation().getLine() + 1);
        }
        return origin == null ? null : origin.toString();
    }
}
