package dev.peregrine.detector.anomaly;

import static dev.peregrine.detector.anomaly.Workloads.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.rule.Priority;
import org.junit.jupiter.api.Test;

class BaselinesTest {
    /** Learns 90 s of the normal workload (frozen at 60 s), returns a recorder and the time after. */
    static Recorder learnt() {
        Recorder r = new Recorder(settings());
        long t = normal(r.model, T0, 90, 1);
        r.model.tick(t);
        assertThat(r.model.profileData(KEY).learning()).isFalse();
        return r;
    }

    @Test
    void theNormalWorkloadAfterLearningRaisesNothing() {
        Recorder r = learnt();
        long t = normal(r.model, T0 + 90 * SECOND, 300, 2);
        r.model.tick(t + 10 * SECOND);
        assertThat(r.anomalies).isEmpty();
    }

    @Test
    void nothingIsRaisedWhileLearning() {
        Recorder r = new Recorder(settings());
        long t = normal(r.model, T0, 20, 1);
        r.model.observe(RawEvent.PROC_EXEC, exec(t, proc(200, "sh", "/bin/sh"), NGINX_MAIN, ROOT));
        r.model.observe(Baselines.OPENAT, open(t + 1, NGINX_WORKER, "/etc/shadow", false));
        assertThat(r.anomalies).isEmpty();
        assertThat(r.model.profileData(KEY).sets().get("new-executable")).contains("/bin/sh", "/usr/sbin/nginx");
    }

    @Test
    void aNewExecutableIsReportedOnceWithAPlainExplanation() {
        Recorder r = learnt();
        long t = T0 + 100 * SECOND;
        Event sh = exec(t, proc(200, "sh", "/bin/sh"), NGINX_WORKER, WWW);
        r.model.observe(RawEvent.PROC_EXEC, sh);
        r.model.observe(RawEvent.PROC_EXEC, exec(t + SECOND, proc(201, "sh", "/bin/sh"), NGINX_WORKER, WWW));
        assertThat(r.of(AnomalyKind.EXECUTABLE)).hasSize(1);
        Anomaly a = r.of(AnomalyKind.EXECUTABLE).getFirst();
        assertThat(a.profile()).isEqualTo(KEY);
        assertThat(a.value()).isEqualTo("/bin/sh");
        assertThat(a.explanation())
                .isEqualTo(KEY + " executed /bin/sh for the first time; parent nginx; learnt 1 executables over 60 s");
        assertThat(a.rule()).isEqualTo("Anomaly: new executable");
        assertThat(a.priority()).isEqualTo(Priority.WARNING);
        assertThat(a.event().proc.pid).isEqualTo(200);
        assertThat(a.event().container).isSameAs(NGINX);
        assertThat(r.of(AnomalyKind.EXEC_PAIR))
                .singleElement()
                .satisfies(p -> assertThat(p.value()).isEqualTo("/usr/sbin/nginx -> /bin/sh"));
    }

    @Test
    void aSensitiveFileNeverReadWhileLearningIsReported() {
        Recorder r = learnt();
        r.model.observe(Baselines.OPENAT, open(T0 + 100 * SECOND, NGINX_WORKER, "/etc/shadow", false));
        // An ordinary file never read before is no news: only sensitive paths are learnt one by one.
        r.model.observe(Baselines.OPENAT, open(T0 + 101 * SECOND, NGINX_WORKER, "/etc/hosts", false));
        assertThat(r.anomalies).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(AnomalyKind.SENSITIVE_READ);
            assertThat(a.explanation()).contains("nginx read /etc/shadow for the first time");
        });
    }

    @Test
    void aNewOutboundPeerAndANewWrittenDirectoryAreReported() {
        Recorder r = learnt();
        r.model.observe(Baselines.CONNECT, connect(T0 + 100 * SECOND, NGINX_WORKER, "10.9.9.9", 4444));
        r.model.observe(Baselines.OPENAT, open(T0 + 101 * SECOND, NGINX_WORKER, "/tmp/.x/payload", true));
        // Another file in a learnt directory is not.
        r.model.observe(Baselines.OPENAT, open(T0 + 102 * SECOND, NGINX_WORKER, "/var/log/nginx/error.log", true));
        assertThat(r.of(AnomalyKind.OUTBOUND_PEER))
                .singleElement()
                .satisfies(a -> assertThat(a.value()).isEqualTo("10.9.9.9:4444"));
        assertThat(r.of(AnomalyKind.FILE_WRITTEN))
                .singleElement()
                .satisfies(a -> assertThat(a.value()).isEqualTo("/tmp/.x"));
        assertThat(r.anomalies.stream().filter(a -> a.kind().isSet())).hasSize(2);
    }

    @Test
    void aProcessRunningAsANewUserIsReported() {
        Recorder r = learnt();
        r.model.observe(RawEvent.PROC_EXEC, exec(T0 + 100 * SECOND, NGINX_WORKER, NGINX_MAIN, ROOT));
        assertThat(r.of(AnomalyKind.USER)).singleElement().satisfies(a -> {
            assertThat(a.value()).isEqualTo("0");
            assertThat(a.explanation()).contains("as user root (uid 0) for the first time");
        });
    }

    @Test
    void aBurstOfExecsIsAProcessRateAnomaly() {
        Recorder r = learnt();
        long t = T0 + 100 * SECOND;
        for (int i = 0; i < 60; i++) {
            r.model.observe(RawEvent.PROC_EXEC, exec(t + i * 1_000_000L, NGINX_WORKER, NGINX_MAIN, WWW));
        }
        r.model.tick(t + 10 * SECOND);
        assertThat(r.of(AnomalyKind.PROCESS_RATE)).singleElement().satisfies(a -> {
            assertThat(a.value()).isEqualTo("60");
            assertThat(a.explanation()).contains("60 execs in 2 s, learnt at most 1 per window");
        });
    }

    @Test
    void aWindowUnlikeTheLearntOnesIsASyscallMixAnomaly() {
        Recorder r = learnt();
        long t = T0 + 100 * SECOND;
        // Writes only, many of them, and no reads: each count is within a rate limit, the mix is not.
        for (int i = 0; i < 400; i++) {
            r.model.observe(
                    Baselines.OPENAT, open(t + i * 1_000_000L, NGINX_WORKER, "/var/log/nginx/access.log", true));
        }
        r.model.tick(t + 10 * SECOND);
        assertThat(r.of(AnomalyKind.SYSCALL_MIX)).singleElement().satisfies(a -> {
            assertThat(a.score()).isGreaterThanOrEqualTo(settings().threshold());
            assertThat(a.explanation()).contains("openat 400");
            assertThat(a.event().proc).isSameAs(NGINX_WORKER);
        });
    }

    @Test
    void eachKindIsLimitedPerProfileAndMinute() {
        Recorder r = learnt();
        long t = T0 + 120 * SECOND;
        for (int i = 0; i < 20; i++) {
            r.model.observe(Baselines.CONNECT, connect(t + i * 1_000_000L, NGINX_WORKER, "10.0.0." + i, 22));
        }
        assertThat(r.of(AnomalyKind.OUTBOUND_PEER)).hasSize(settings().alertsPerMinute());
    }

    @Test
    void eventsOfAContainerWithoutMetadataAreNotAttributed() {
        Recorder r = new Recorder(settings());
        ContainerInfo pending = ContainerInfo.builder().id("fedcba987654").build();
        Event e = Event.builder()
                .ts(T0)
                .type("execve")
                .proc(proc(5, "sh", "/bin/sh"))
                .container(pending)
                .build();
        r.model.observe(RawEvent.PROC_EXEC, e);
        assertThat(r.model.keys()).isEmpty();
    }

    @Test
    void withSlowRelearningAnItemStillSeenLongAfterItsReportJoinsTheBaseline() {
        Recorder r = new Recorder(settings().withRelearn(java.time.Duration.ofSeconds(30)));
        long t = normal(r.model, T0, 90, 1);
        r.model.tick(t);
        r.model.observe(Baselines.CONNECT, connect(T0 + 100 * SECOND, NGINX_WORKER, "10.1.2.3", 443));
        assertThat(r.of(AnomalyKind.OUTBOUND_PEER)).hasSize(1);
        // Seen again 10 s later: still news, already reported, not learnt yet.
        r.model.observe(Baselines.CONNECT, connect(T0 + 110 * SECOND, NGINX_WORKER, "10.1.2.3", 443));
        assertThat(r.model.profileData(KEY).sets().get("new-outbound-peer")).doesNotContain("10.1.2.3:443");
        // Seen again 40 s after its report: part of the workload now.
        r.model.observe(Baselines.CONNECT, connect(T0 + 140 * SECOND, NGINX_WORKER, "10.1.2.3", 443));
        assertThat(r.model.profileData(KEY).sets().get("new-outbound-peer")).contains("10.1.2.3:443");
        assertThat(r.of(AnomalyKind.OUTBOUND_PEER)).hasSize(1);
        // Without re-learning it would never be: the default keeps the baseline as learnt.
        Recorder fixed = learnt();
        fixed.model.observe(Baselines.CONNECT, connect(T0 + 100 * SECOND, NGINX_WORKER, "10.1.2.3", 443));
        fixed.model.observe(Baselines.CONNECT, connect(T0 + 200 * SECOND, NGINX_WORKER, "10.1.2.3", 443));
        assertThat(fixed.model.profileData(KEY).sets().get("new-outbound-peer")).doesNotContain("10.1.2.3:443");
    }

    @Test
    void aNewListeningPortIsReportedAndAnEphemeralOneIsNoNews() {
        Recorder r = learnt();
        r.model.observe(Baselines.LISTEN, listen(T0 + 100 * SECOND, 31337));
        r.model.observe(Baselines.LISTEN, listen(T0 + 101 * SECOND, 40001));
        r.model.observe(Baselines.LISTEN, listen(T0 + 102 * SECOND, 40002));
        assertThat(r.of(AnomalyKind.LISTEN_PORT))
                .extracting(Anomaly::value)
                .containsExactly("tcp/31337", "tcp/ephemeral");
    }

    @Test
    void newCapabilitiesOfAProcessAreReportedTogether() {
        Recorder r = learnt();
        dev.peregrine.detector.event.ProcessInfo admin = dev.peregrine.detector.event.ProcessInfo.builder()
                .pid(400)
                .name("sh")
                .exepath("/bin/sh")
                .capEffective("CAP_CHOWN CAP_SYS_ADMIN CAP_NET_ADMIN")
                .build();
        r.model.observe(Baselines.OPENAT, open(T0 + 100 * SECOND, admin, "/usr/share/nginx/html/index.html", false));
        assertThat(r.of(AnomalyKind.CAPABILITY)).singleElement().satisfies(a -> {
            assertThat(a.value()).isEqualTo("CAP_SYS_ADMIN CAP_NET_ADMIN");
            assertThat(a.explanation())
                    .contains("ran sh with capabilities CAP_SYS_ADMIN CAP_NET_ADMIN for the first time");
        });
    }

    @Test
    void anEventTypeNoLearntWindowHadIsANewSyscallType() {
        Recorder r = learnt();
        long t = T0 + 100 * SECOND;
        r.model.observe(Baselines.LISTEN, listen(t, 8080));
        r.model.tick(t + 10 * SECOND);
        assertThat(r.of(AnomalyKind.SYSCALL)).singleElement().satisfies(a -> {
            assertThat(a.value()).isEqualTo("listen");
            assertThat(a.explanation()).contains("made 1 listen calls in 2 s, a type never seen while learning");
        });
    }

    static Event listen(long ts, long port) {
        return Event.builder()
                .ts(ts)
                .type("listen")
                .rawres(0)
                .proc(NGINX_MAIN)
                .fd(dev.peregrine.detector.event.FdInfo.builder()
                        .num(7)
                        .type("ipv4")
                        .l4proto("tcp")
                        .server("0.0.0.0", port)
                        .serverSocket(true)
                        .role(dev.peregrine.detector.event.FdInfo.Role.SERVER)
                        .build())
                .container(NGINX)
                .user(WWW)
                .build();
    }
}
