package dev.peregrine.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.testkit.engine.EngineTestKit;

class NeedsConditionTest {
    static final long ALL_CAPS = 0x1ffffffffffL;
    static final Host ROOT_HOST = new Host(0, ALL_CAPS, true, true, true, true, true, true, true, true);
    static final Host USER_HOST = new Host(1000, 0, true, true, false, false, true, true, true, true);

    @Test
    void aPreparedRootHostMeetsEveryNeed() {
        assertThat(new NeedsCondition(ROOT_HOST, false).unmet(List.of(Need.values())))
                .isEmpty();
    }

    @Test
    void aNormalUserIsToldWhatIsMissingAndWhy() {
        List<String> reasons = new NeedsCondition(USER_HOST, false).unmet(List.of(Need.values()));
        assertThat(reasons)
                .containsExactly(
                        "needs root: running as uid 1000",
                        "needs eBPF: CAP_BPF and CAP_PERFMON (or root); running as uid 1000",
                        "needs tracefs at /sys/kernel/tracing (scripts/setup-host.sh mounts it as root)",
                        "needs Docker: /var/run/docker.sock is not usable by uid 1000 and starting dockerd needs root",
                        "needs containerd: starting one needs root; running as uid 1000");
    }

    @Test
    void bpfNeedsItsCapabilitiesNotUidZero() {
        long bpfAndPerfmon = (1L << 39) | (1L << 38);
        Host capable = new Host(1000, bpfAndPerfmon, true, true, true, false, false, false, true, true);
        assertThat(new NeedsCondition(capable, false).unmet(List.of(Need.BPF))).isEmpty();
        Host noBtf = new Host(0, ALL_CAPS, false, true, true, true, true, true, true, true);
        assertThat(new NeedsCondition(noBtf, false).unmet(List.of(Need.BPF)))
                .containsExactly("needs eBPF: the kernel has no BTF (/sys/kernel/btf/vmlinux)");
    }

    @Test
    void aUsableDockerSocketIsEnoughWithoutRoot() {
        Host socket = new Host(1000, 0, true, true, false, true, false, false, true, true);
        assertThat(new NeedsCondition(socket, false).unmet(List.of(Need.DOCKER)))
                .isEmpty();
        Host noDocker = new Host(0, ALL_CAPS, true, true, true, false, false, true, true, true);
        assertThat(new NeedsCondition(noDocker, false).unmet(List.of(Need.DOCKER)))
                .containsExactly("needs Docker: dockerd is not installed (Debian package docker.io)");
    }

    @Test
    void strictModeFailsInsteadOfSkipping() {
        NeedsCondition strict = new NeedsCondition(USER_HOST, true);
        assertThatThrownBy(() -> strict.evaluate(Optional.of(Annotated.class)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs root: running as uid 1000")
                .hasMessageContaining(NeedsCondition.STRICT);
        NeedsCondition lenient = new NeedsCondition(USER_HOST, false);
        var result = lenient.evaluate(Optional.of(Annotated.class));
        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).contains("needs root: running as uid 1000");
    }

    @Test
    void theCurrentHostsUidIsTheOneIdPrints() {
        Command.Result id = Command.run(Duration.ofSeconds(10), List.of("id", "-u"));
        assertThat(id.code()).isZero();
        assertThat(Host.current().euid()).isEqualTo(Long.parseLong(id.out().strip()));
    }

    /** Through the real JUnit engine: skipped with the reason as a user, run as root. */
    @Test
    void theEngineSkipsWithTheReasonOrRuns() {
        var results = EngineTestKit.engine("junit-jupiter")
                .selectors(DiscoverySelectors.selectClass(Annotated.class))
                .execute();
        if (Host.current().euid() == 0) {
            results.testEvents().assertStatistics(s -> s.skipped(0).succeeded(1));
        } else {
            // The class is skipped as a whole: its test never starts.
            results.testEvents().assertStatistics(s -> s.started(0));
            var skipped = results.allEvents().skipped().list();
            assertThat(skipped).hasSize(1);
            assertThat(skipped.getFirst().getPayload(String.class))
                    .hasValueSatisfying(reason -> assertThat(reason).startsWith("needs root: running as uid "));
        }
    }

    @Needs(Need.ROOT)
    static final class Annotated {
        @Test
        void runs() {}
    }
}
