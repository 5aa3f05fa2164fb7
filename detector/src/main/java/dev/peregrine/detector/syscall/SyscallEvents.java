package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.ArgFormat.DECIMAL;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.container.ContainerLookup;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.process.Proc;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;

/**
 * Turns kernel records into the rules engine's {@link Event}s. Fork, exec and exit records go to
 * the process table; a syscall record goes to the parser of its family ({@link Syscall#of}, then
 * one of {@link OpenCalls}, {@link FdCalls}, {@link SocketCalls}, {@link FileCalls},
 * {@link ProcessCalls}, {@link CredentialCalls}, {@link KernelCalls}), which keeps the process and
 * fd tables right and fills in the event's arguments as Falco prints them; then process, fd,
 * container and user are attached. Returns null for records that only maintain state.
 *
 * <p>It refills one live {@link Event} per record: the event returned is valid until the next
 * call (take a {@link Event#snapshot()} to keep it). Argument text and the ancestors are left to
 * the event to make when read; everything else is the tables' state right after the syscall.
 *
 * <p>Owned by the event thread; not thread-safe.
 */
public final class SyscallEvents {
    private final ProcessTable processes;
    private final ContainerLookup containers;
    private final EventUsers users;
    private final long bootToEpoch;
    private long sequence;
    private final Event event = Event.live();
    /** The process of the current event, whose ancestors the event looks up when asked. */
    private Proc current;

    private final Event.Lineage lineage = this::ancestorsOfCurrent;

    // One parser per family, called directly from the switch in parse(): each call site sees one
    // class, where an array of parser objects would make one megamorphic call per record.
    private final OpenCalls opens = new OpenCalls();
    private final FdCalls fds = new FdCalls();
    private final SocketCalls sockets = new SocketCalls();
    private final FileCalls files = new FileCalls();
    private final ProcessCalls processCalls = new ProcessCalls();
    private final CredentialCalls credentials;
    private final KernelCalls kernel = new KernelCalls();

    /** @param bootToEpoch added to kernel boot-time stamps to get epoch nanoseconds */
    public SyscallEvents(ProcessTable processes, Users users, ContainerLookup containers, long bootToEpoch) {
        this.processes = processes;
        this.containers = containers;
        this.bootToEpoch = bootToEpoch;
        processes.bootToEpochOffset(bootToEpoch);
        this.users = new EventUsers(users, containers);
        this.credentials = new CredentialCalls(this.users.userName, this.users.groupName);
    }

    public Event toEvent(RawEvent e) {
        switch (e.type) {
            case RawEvent.PROC_FORK -> {
                processes.onFork(e);
                return null;
            }
            case RawEvent.PROC_EXIT -> {
                processes.onExit(e);
                return null;
            }
            case RawEvent.PROC_EXEC -> {
                processes.onExec(e);
                Proc p = processes.get(e.pid);
                Event ev = begin(e, e.flag(RawEvent.FLAG_EXECVEAT) ? "execveat" : "execve");
                processCalls.exec(e, p, ev);
                return finish(e, ev, p, null);
            }
            default -> {
                Syscall call = Syscall.of(e.type);
                return call == null ? null : syscall(e, call, true);
            }
        }
    }

    /**
     * Keeps the tables right for a syscall record without making its event (no container, process
     * or user is attached): for syscalls that no rule looks at, such as close under the stable
     * rules, when no one records events. The event would have been numbered: later events keep
     * the evt.num they would have had. Fork, exec and exit records always go to {@link #toEvent}.
     */
    public void updateTables(RawEvent e) {
        Syscall call = Syscall.of(e.type);
        if (call != null) {
            syscall(e, call, false);
        }
    }

    private Event syscall(RawEvent e, Syscall call, boolean makeEvent) {
        Proc p = processes.get(e.pid);
        Event ev = begin(e, call.type);
        FdInfo fd = parse(call, e, p, ev);
        if (p != null) {
            p.credentials(Integer.toUnsignedLong(e.uid), Integer.toUnsignedLong(e.gid));
        }
        return makeEvent ? finish(e, ev, p, fd) : null;
    }

    /** The dispatch: the family's parser updates the tables and fills the event; returns the event's fd. */
    private FdInfo parse(Syscall call, RawEvent e, Proc p, Event ev) {
        return switch (call.family) {
            case OPEN -> opens.parse(call, e, p, ev);
            case FD -> fds.parse(call, e, p, ev);
            case SOCKET -> sockets.parse(call, e, p, ev);
            case FILE -> files.parse(call, e, p, ev);
            case PROCESS -> processCalls.parse(call, e, p, ev);
            case CREDENTIALS -> credentials.parse(call, e, p, ev);
            case KERNEL -> kernel.parse(call, e, p, ev);
            case OTHER -> {
                ev.addArg("res", e.ret, DECIMAL);
                yield null;
            }
        };
    }

    private Event begin(RawEvent e, String type) {
        event.reset(e.tsBootNs + bootToEpoch, ++sequence, type, e.ret);
        return event;
    }

    /** Attaches process, ancestry, fd, container and user: the tables' state after the syscall. */
    private Event finish(RawEvent e, Event ev, Proc p, FdInfo fd) {
        ContainerInfo container =
                containers.lookup(e.cgroupId, e.type == RawEvent.PROC_EXEC ? e.string(4) : null, e.pid);
        String root = container.isHost() ? "host" : container.id;
        users.current(root, e.pid);
        // Written only when changed, like the live event's fields (see Event): both live long.
        if (current != p) current = p;
        ProcessInfo proc = ProcessInfo.UNKNOWN;
        if (p != null) {
            p.containerId(root);
            proc = processes.info(p);
            ev.lineage(lineage);
        }
        ev.state(proc, users.of(root, e), fd, container);
        return ev;
    }

    private int ancestorsOfCurrent(ProcessInfo[] into) {
        return processes.ancestors(current, into);
    }
}
