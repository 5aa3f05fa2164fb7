package dev.peregrine.sidekick;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.config.UiProperties;
import dev.peregrine.sidekick.dedup.Policies;
import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.Deliveries;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.delivery.OutputSettings;
import dev.peregrine.sidekick.delivery.OutputsBinder;
import dev.peregrine.sidekick.falcosidekick.LegacyMetrics;
import dev.peregrine.sidekick.fleet.DetectorFleet;
import dev.peregrine.sidekick.fleet.ReplicaSightings;
import dev.peregrine.sidekick.intake.GrpcIntake;
import dev.peregrine.sidekick.intake.HttpIntake;
import dev.peregrine.sidekick.intake.Intake;
import dev.peregrine.sidekick.intake.IntakeToken;
import dev.peregrine.sidekick.intake.Rejections;
import dev.peregrine.sidekick.intake.WaitingAlerts;
import dev.peregrine.sidekick.metrics.LabelLimits;
import dev.peregrine.sidekick.mute.Mutes;
import dev.peregrine.sidekick.output.stdout.StdoutConfig;
import dev.peregrine.sidekick.route.Route;
import dev.peregrine.sidekick.spool.AlertLog;
import dev.peregrine.sidekick.spool.DeadLetters;
import dev.peregrine.sidekick.spool.Spool;
import dev.peregrine.sidekick.spool.SpoolMetrics;
import dev.peregrine.sidekick.spool.kafka.KafkaLog;
import dev.peregrine.sidekick.store.AlertRecorder;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.validation.Validator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.grpc.server.ServerBuilderCustomizer;

/**
 * Wires the pipeline: intake → alert log (spool or Kafka) → one delivery per output; after the
 * log, the dashboard's store ({@code dashboard.DashboardConfiguration}) when it is on.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({PeregrineProperties.class, UiProperties.class})
class SidekickConfiguration {
    private static final Logger log = LoggerFactory.getLogger(SidekickConfiguration.class);
    private static final String LOG_MODE = "peregrine.log.mode";

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    List<ConfiguredOutput> outputs(ConfigurableEnvironment env, Validator validator) {
        List<ConfiguredOutput> outputs = new OutputsBinder(OutputCatalog.scan(), validator).bind(env);
        if (outputs.isEmpty()) {
            log.info("no outputs configured under peregrine.outputs: printing alerts to stdout");
            return List.of(stdoutFallback(env));
        }
        return outputs;
    }

    /**
     * The output of a sidekick configured with none: stdout, with every output's defaults but a
     * single sender, so that lines come out in the order the alerts were spooled.
     */
    static ConfiguredOutput stdoutFallback(ConfigurableEnvironment env) {
        OutputSettings settings = OutputSettings.defaults("stdout").withParallelism(1);
        List<String> problems = new ArrayList<>();
        Policy policy = Policies.resolve(
                env, OutputsBinder.PREFIX + ".stdout", Policies.global(env, problems), null, null, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ConfiguredOutput("stdout", "stdout", Route.ALL, settings, new StdoutConfig(), policy);
    }

    /** The local spool, or the Kafka log shared by replicas: {@code peregrine.log.mode}. */
    @Bean(destroyMethod = "close")
    AlertLog alertLog(PeregrineProperties properties, List<ConfiguredOutput> outputs, Clock clock) {
        PeregrineProperties.Spool p = properties.spool();
        if (properties.log().mode() == PeregrineProperties.Log.Mode.KAFKA) {
            return new KafkaLog(properties.log().kafka(), outputs, p.dir(), p.dedupWindow(), clock);
        }
        Spool spool = new Spool(p.dir(), p.maxBytes().toBytes(), p.fsync(), p.dedupWindow(), p.commitLinger(), clock);
        log.info(
                "spool at {} ({} alerts waiting, budget {})",
                spool.file().toAbsolutePath().normalize(),
                spool.outputsWithBacklog().stream().mapToLong(spool::depth).sum(),
                p.maxBytes());
        return spool;
    }

    @Bean
    @ConditionalOnProperty(name = LOG_MODE, havingValue = "spool", matchIfMissing = true)
    SpoolMetrics spoolMetrics(AlertLog spool, List<ConfiguredOutput> outputs) {
        return new SpoolMetrics(
                (Spool) spool, outputs.stream().map(ConfiguredOutput::name).toList());
    }

    /** Kafka mode keeps dead letters in each output's ".dead" topic instead. */
    @Bean
    @ConditionalOnProperty(name = LOG_MODE, havingValue = "spool", matchIfMissing = true)
    DeadLetters deadLetters(AlertLog spool, List<ConfiguredOutput> outputs) {
        return new DeadLetters(
                (Spool) spool, outputs.stream().map(ConfiguredOutput::name).toList());
    }

    @Bean
    Deliveries deliveries(List<ConfiguredOutput> outputs, AlertLog spool, MeterRegistry metrics, Clock clock) {
        return new Deliveries(outputs, spool, metrics, clock);
    }

    /** With the dashboard on, its mutes hold alerts back and its store records them. */
    @Bean
    Intake intake(
            AlertLog spool,
            List<ConfiguredOutput> outputs,
            PeregrineProperties properties,
            MeterRegistry metrics,
            ObjectProvider<Mutes> mutes,
            ObjectProvider<AlertRecorder> recorder) {
        return new Intake(
                spool,
                outputs,
                properties.customfields(),
                Intake.templatedFields(properties.templatedfields()),
                metrics,
                mutes.getIfAvailable(Mutes::none),
                recorder.getIfAvailable(),
                new WaitingAlerts(
                        properties.intake().maxWaitingAlerts(),
                        properties.intake().maxWaitingBytes().toBytes(),
                        metrics));
    }

    /** The detectors reporting over gRPC; one silent too long raises an alert through intake. */
    @Bean(destroyMethod = "close")
    DetectorFleet detectorFleet(UiProperties ui, Clock clock, Intake intake, PeregrineProperties properties) {
        Duration downAfter = ui.detectors().downAfter();
        // Replicas sharing a Kafka log share what they heard from detectors too (streams move).
        ReplicaSightings shared = properties.log().mode() == PeregrineProperties.Log.Mode.KAFKA
                ? new ReplicaSightings(properties.log().kafka(), replicaName(), downAfter)
                : null;
        return new DetectorFleet(downAfter, clock, alert -> intake.accept(alert, "fleet", false), shared);
    }

    /** The host (a pod's name) and process: unique among replicas, and readable on the fleet page. */
    private static String replicaName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "sidekick";
            }
        }
        return host + ":" + ProcessHandle.current().pid();
    }

    /** Bounds the series alerts can create; a MeterFilter, applied to every meter registered. */
    @Bean
    static LabelLimits labelLimits(Environment env) {
        PeregrineProperties.Metrics m =
                Binder.get(env).bindOrCreate("peregrine.metrics", PeregrineProperties.Metrics.class);
        return new LabelLimits(m.byLabel(), m.maxSeries());
    }

    @Bean
    Rejections rejections(MeterRegistry metrics) {
        return new Rejections(metrics);
    }

    /** Only with peregrine.intake.token set; TLS and mutual TLS are Spring gRPC's spring.grpc.server.ssl.*. */
    @Bean
    @GlobalServerInterceptor
    @ConditionalOnProperty("peregrine.intake.token")
    IntakeToken intakeToken(PeregrineProperties properties, Rejections rejections) {
        return new IntakeToken(properties.intake().token(), rejections);
    }

    /** POST / and POST /test: the last filter of the intake's security chain (security.SidekickSecurity). */
    @Bean
    HttpIntake httpIntake(Intake intake, Rejections rejections, Clock clock, PeregrineProperties properties) {
        PeregrineProperties.Http http = properties.http();
        return new HttpIntake(
                intake,
                rejections,
                clock,
                properties.intake().maxBodySize().toBytes(),
                http.bodyTimeout(),
                http.minBodyRate().toBytes());
    }

    /**
     * Not a servlet filter of its own: Spring Boot would register the bean as one, ahead of the
     * security chain that decides who may post.
     */
    @Bean
    FilterRegistrationBean<HttpIntake> httpIntakeIsNotAServletFilter(HttpIntake httpIntake) {
        FilterRegistrationBean<HttpIntake> bean = new FilterRegistrationBean<>(httpIntake);
        bean.setEnabled(false);
        return bean;
    }

    @Bean
    GrpcIntake grpcIntake(
            Intake intake, Rejections rejections, Clock clock, DetectorFleet fleet, PeregrineProperties properties) {
        return new GrpcIntake(
                intake, rejections, clock, fleet, properties.intake().streamWindow());
    }

    /** Falcosidekick's metric names from before 2.30, beside today's, for dashboards that still query them. */
    @Bean
    @ConditionalOnProperty(name = "peregrine.metrics.legacy-names", havingValue = "true")
    LegacyMetrics legacyMetrics(MeterRegistry metrics) {
        return new LegacyMetrics(metrics);
    }

    /**
     * gRPC calls run on the Netty event loop that read them. Every service here only queues work
     * and never blocks (the spool answers through futures), while handing each message to an
     * executor thread and its flow-control request back to the event loop cost two thread
     * wake-ups per alert on a detector's stream.
     *
     * <p>Each stream's HTTP/2 window is peregrine.intake.stream-buffer: what a detector sends beyond
     * the alerts intake has read waits in these buffers until read, so with thousands of streams
     * grpc-netty's default (1 MB, growing with bandwidth) would let a storm of resends fill the
     * sidekick's direct memory instead of its heap.
     *
     * <p>Connections end after peregrine.intake.grpc-max-connection-age: a detector's stream lasts
     * as long as the detector, so without it the links that moved to one replica while another
     * was down would stay there after it came back. The client sees a GOAWAY, finishes what is in
     * flight within the grace and reconnects, which spreads the links over the replicas again.
     */
    @Bean
    <T extends ServerBuilder<T>> ServerBuilderCustomizer<T> grpcOnEventLoop(PeregrineProperties properties) {
        int window = (int) properties.intake().streamBuffer().toBytes();
        Duration age = properties.intake().grpcMaxConnectionAge();
        Duration grace = properties.intake().grpcMaxConnectionAgeGrace();
        return builder -> {
            builder.directExecutor();
            // Only grpc-netty's builder takes the window. Any other transport (spring-grpc prefers
            // grpc-netty-shaded when it is on the class path) would keep its own 1 MB window without
            // a word, so it stops startup instead.
            if (!(builder instanceof NettyServerBuilder netty)) {
                throw new ConfigException(
                        "peregrine.intake.stream-buffer",
                        "applies to grpc-netty's server only, but the gRPC server is built by "
                                + builder.getClass().getName());
            }
            netty.flowControlWindow(window);
            if (!age.isZero()) {
                // grpc-java spreads each connection's age by +/-10 %: links that connected together do not
                // all reconnect together.
                builder.maxConnectionAge(age.toNanos(), TimeUnit.NANOSECONDS);
                builder.maxConnectionAgeGrace(grace.toNanos(), TimeUnit.NANOSECONDS);
            }
        };
    }
}
