package dev.peregrine.testkit;

import java.util.Optional;

/** One thing a test may need from the host, with the reason it is missing when it is. */
public enum Need {
    /** Effective uid 0. */
    ROOT {
        @Override
        Optional<String> missing(Host host) {
            return host.euid() == 0 ? Optional.empty() : Optional.of("needs root: running as uid " + host.euid());
        }
    },
    /** Loading and attaching eBPF programs: CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN), BTF, libbpf. */
    BPF {
        @Override
        Optional<String> missing(Host host) {
            if (!host.mayLoadBpf()) {
                return Optional.of("needs eBPF: CAP_BPF and CAP_PERFMON (or root); running as uid " + host.euid());
            }
            if (!host.hasKernelBtf()) {
                return Optional.of("needs eBPF: the kernel has no BTF (/sys/kernel/btf/vmlinux)");
            }
            if (!host.hasLibbpf()) {
                return Optional.of("needs eBPF: libbpf.so.1 is missing (Debian package libbpf1)");
            }
            return Optional.empty();
        }
    },
    /** Classic tracepoints: tracefs mounted at /sys/kernel/tracing. */
    TRACEFS {
        @Override
        Optional<String> missing(Host host) {
            return host.tracefsMounted()
                    ? Optional.empty()
                    : Optional.of("needs tracefs at /sys/kernel/tracing (scripts/setup-host.sh mounts it as root)");
        }
    },
    /** A Docker daemon: one that answers on /var/run/docker.sock, or root and dockerd to start one. */
    DOCKER {
        @Override
        Optional<String> missing(Host host) {
            if (host.dockerSocketUsable() || (host.euid() == 0 && host.dockerdInstalled())) {
                return Optional.empty();
            }
            return Optional.of(
                    host.dockerdInstalled()
                            ? "needs Docker: /var/run/docker.sock is not usable by uid " + host.euid()
                                    + " and starting dockerd needs root"
                            : "needs Docker: dockerd is not installed (Debian package docker.io)");
        }
    },
    /** Root and containerd with its ctr client, to start a containerd of the test's own. */
    CONTAINERD {
        @Override
        Optional<String> missing(Host host) {
            if (!host.containerdInstalled()) {
                return Optional.of(
                        "needs containerd: /usr/bin/containerd and /usr/bin/ctr (Debian package containerd)");
            }
            return host.euid() == 0
                    ? Optional.empty()
                    : Optional.of("needs containerd: starting one needs root; running as uid " + host.euid());
        }
    },
    /** PostgreSQL's server programs (initdb, pg_ctl), to start a server of the test's own. */
    POSTGRESQL {
        @Override
        Optional<String> missing(Host host) {
            return host.postgresqlInstalled()
                    ? Optional.empty()
                    : Optional.of("needs PostgreSQL: no /usr/lib/postgresql/*/bin/initdb (Debian package postgresql)");
        }
    },
    /** Chromium and its WebDriver, for browser tests. */
    CHROMIUM {
        @Override
        Optional<String> missing(Host host) {
            return host.chromiumInstalled()
                    ? Optional.empty()
                    : Optional.of(
                            "needs Chromium: /usr/bin/chromium and /usr/bin/chromedriver (Debian packages chromium,"
                                    + " chromium-driver)");
        }
    };

    /** Why the host does not have this; empty when it does. */
    abstract Optional<String> missing(Host host);
}
