package dev.peregrine.sidekick;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import io.grpc.ForwardingServerBuilder;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class SidekickConfigurationTest {

    /** A stdout output configured with nothing but its type and one sender. */
    static final Map<String, Object> STDOUT =
            Map.of("peregrine.outputs.stdout.type", "stdout", "peregrine.outputs.stdout.parallelism", "1");

    @Test
    void theStdoutFallbackHasTheSettingsABoundOutputGetsByDefault() {
        ConfiguredOutput bound = bind(STDOUT).getFirst();

        ConfiguredOutput fallback = SidekickConfiguration.stdoutFallback(new StandardEnvironment());

        assertThat(fallback.settings()).isEqualTo(bound.settings());
        assertThat(fallback).isEqualTo(bound);
    }

    @Test
    void theStdoutFallbackFollowsTheGlobalDedupAsABoundOutputDoes() {
        Map<String, Object> dedup = Map.of("peregrine.dedup.enabled", "true", "peregrine.dedup.window", "7m");
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", dedup));
        Map<String, Object> both = new HashMap<>(STDOUT);
        both.putAll(dedup);
        Policy bound = bind(both).getFirst().policy();

        Policy fallback = SidekickConfiguration.stdoutFallback(env).policy();

        assertThat(fallback).isInstanceOf(Policy.Dedup.class);
        assertThat(((Policy.Dedup) fallback).window()).isEqualTo(((Policy.Dedup) bound).window());
        assertThat(((Policy.Dedup) fallback).key().names())
                .isEqualTo(((Policy.Dedup) bound).key().names());
    }

    /** A gRPC server builder that is not grpc-netty's, as grpc-netty-shaded's or an in-process one. */
    static final class OtherTransport extends ForwardingServerBuilder<OtherTransport> {
        @Override
        protected ServerBuilder<?> delegate() {
            return NettyServerBuilder.forPort(0);
        }
    }

    @Test
    void aGrpcServerThatCannotTakeTheStreamBufferStopsStartupNamingTheKey() {
        PeregrineProperties properties =
                Binder.get(new StandardEnvironment()).bindOrCreate("peregrine", PeregrineProperties.class);

        assertThatThrownBy(() -> new SidekickConfiguration()
                        .<OtherTransport>grpcOnEventLoop(properties)
                        .customize(new OtherTransport()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.intake.stream-buffer: applies to grpc-netty's server only")
                .hasMessageContaining(OtherTransport.class.getName());
    }
}
