package dev.peregrine.sidekick.output;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names Falcosidekick's output of the same destination on an output's {@link OutputType} record,
 * so that Falcosidekick's settings carry over: its environment variables configure this output
 * ({@code SLACK_WEBHOOKURL}), {@code sidekick.jar migrate} converts its {@code config.yaml}, and
 * a Falcosidekick setting of an output no record declares is refused at startup instead of being
 * ignored. The output made from them is named after the type ({@code email} for {@code SMTP_*}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface FalcosidekickOutput {

    /**
     * The output's section in Falcosidekick's {@code config.yaml}: {@code slack}, {@code smtp},
     * {@code aws.s3}. Its variables are the section's keys upper-cased, '.' as '_'
     * ({@code AWS_S3_BUCKET}). The keys that enable it are those of Falcosidekick
     * ({@code falcosidekick/settings.txt}).
     */
    String value();

    /**
     * The section's keys that carry over with their value unchanged, each
     * {@code "falcosidekick-key: our-key"} ({@code "webhookurl: webhook-url"}). An our-key ending
     * in {@code .*} takes Falcosidekick's {@code name:value,name:value} list (a map in
     * {@code config.yaml}), one {@code our-key.name} per entry ({@code "customheaders: headers.*"}).
     * {@code minimumpriority} needs no entry: every output has {@code minimum-priority}. Keys that
     * need more than a new name are converted in {@code falcosidekick.FalcosidekickSettings}.
     */
    String[] keys() default {};
}
