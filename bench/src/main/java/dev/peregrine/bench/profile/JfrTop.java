package dev.peregrine.bench.profile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the CPU goes, from a JFR recording's execution samples: samples per thread (digits folded,
 * so the virtual threads of one kind add up), per top frame (self), and per method anywhere on the
 * stack (inclusive, each method counted once per sample).
 *
 * <pre>
 * java -cp 'bench/target/bench.jar' dev.peregrine.bench.profile.JfrTop sidekick.jfr [top-n] [stack-filter]
 * </pre>
 *
 * Only Java execution samples count (threads running Java code, roughly CPU); with
 * {@code -Djfrtop.native=true} also the native-method samples, which are mostly threads waiting in
 * epoll/accept/fsync. With {@code stack-filter}, only samples with a frame whose "class.method"
 * contains it count. A last section gives the inclusive share of a few chosen frames
 * ({@code -Djfrtop.focus=REGEX} to choose others): where the sidekick's own steps sit.
 */
public final class JfrTop {
    private static final boolean NATIVE = Boolean.getBoolean("jfrtop.native");
    private static final Pattern FOCUS = Pattern.compile(
            System.getProperty(
                    "jfrtop.focus",
                    "dev\\.peregrine\\..*|.*CoyoteAdapter\\.service|.*ServerHttpObservationFilter\\.doFilterInternal"
                            + "|.*DispatcherServlet\\.doDispatch|.*HttpEntityMethodProcessor\\.handleReturnValue"
                            + "|.*RequestMappingHandlerAdapter\\.invokeHandlerMethod|.*Http11Processor\\.service"
                            + "|.*HttpClientImpl\\.sendAsync|.*SQLiteConnection\\.commit|.*JDBC3PreparedStatement\\.execute.*"
                            + "|io\\.micrometer\\..*\\.register|.*ObservationRegistry.*|tools\\.jackson\\.databind\\.ObjectMapper\\.readTree"));

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        String filter = args.length > 2 ? args[2] : null;
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (!type.equals("jdk.ExecutionSample") && !(NATIVE && type.equals("jdk.NativeMethodSample"))) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            List<RecordedFrame> frames = st.getFrames();
            if (filter != null && frames.stream().noneMatch(f -> name(f).contains(filter))) {
                continue;
            }
            total++;
            String thread = e.getThread("sampledThread") == null
                    ? "?"
                    : e.getThread("sampledThread").getJavaName();
            threads.merge(
                    (thread == null ? "?" : thread.replaceAll("\\d+", "N"))
                            + (type.contains("Native") ? " [native]" : ""),
                    1,
                    Integer::sum);
            self.merge(name(frames.getFirst()), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                String n = name(f);
                if (seen.add(n)) {
                    inclusive.merge(n, 1, Integer::sum);
                }
            }
        }
        System.out.printf("%d samples%s%n", total, filter == null ? "" : " with " + filter + " on the stack");
        print("threads", threads, total, top);
        print("self (top frame)", self, total, top);
        print("inclusive (anywhere on the stack)", inclusive, total, top * 2);
        Map<String, Integer> focus = new HashMap<>();
        inclusive.forEach((k, v) -> {
            if (FOCUS.matcher(k).matches() && !k.contains("$$Lambda") && !k.contains(".lambda$")) {
                focus.put(k, v);
            }
        });
        print("inclusive, chosen frames", focus, total, 60);
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static void print(String title, Map<String, Integer> counts, int total, int top) {
        System.out.println();
        System.out.println("== " + title);
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .forEach(en -> System.out.printf(
                        "%6.1f%%  %6d  %s%n", 100.0 * en.getValue() / total, en.getValue(), en.getKey()));
    }
}
