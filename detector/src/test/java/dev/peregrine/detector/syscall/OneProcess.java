package dev.peregrine.detector.syscall;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.process.Proc;
import dev.peregrine.detector.process.ProcessTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a family's parser is given, without the dispatcher: one process (pid 700, cwd /home/u)
 * that a process table over an empty /proc knows from its exec alone, kernel records of it, and
 * the live event begun for a record as {@link SyscallEvents} begins it.
 */
final class OneProcess {
    static final int PID = 700;

    final KernelRecords k = new KernelRecords();
    final ProcessTable table;
    final Proc proc;
    final Event event = Event.live();
    private long num;

    OneProcess(Path emptyProc) {
        table = new ProcessTable(emptyProc, 100);
        table.onExec(k.record(RawEvent.PROC_EXEC, PID, PID, "sh")
                .ppid(1)
                .string("/bin/sh")
                .strings("sh")
                .strings()
                .execInfo(7, 0, 0755, 0, 0, PID, PID, PID)
                .string("session-1.scope")
                .add());
        proc = table.get(PID);
        proc.chdir("/home/u");
    }

    /** A record of {@code call} by the process, to fill in and add. */
    KernelRecords.Record syscall(Syscall call, long ret, long... args) {
        return k.syscall(call.number, PID, "sh", ret, args);
    }

    /** The live event reset for the record, as the dispatcher does before calling a parser. */
    Event begin(Syscall call, RawEvent r) {
        event.reset(r.tsBootNs, ++num, call.type, r.ret);
        return event;
    }

    /** The event's arguments in order, as name=text. */
    static List<String> args(Event e) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < e.argCount(); i++) {
            out.add(e.argName(i) + "=" + e.arg(i));
        }
        return out;
    }
}
