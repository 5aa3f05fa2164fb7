package dev.peregrine.sidekick.dashboard;

import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.store.AlertRecorder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * New alerts to open pages as server-sent events, as soon as the store has them (so a page that
 * then queries finds them). Each page has its own queue and sending thread: a slow browser
 * never holds up the store's writer or other pages; one that falls too far behind is told to
 * reload ({@code event: overflow}).
 */
@RestController
@DashboardEnabled
final class LiveAlerts implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int QUEUE = 1000;
    private static final int MAX_PAGES = 200;
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final Set<Page> pages = ConcurrentHashMap.newKeySet();

    LiveAlerts(AlertRecorder recorder) {
        recorder.onStored(this::publish);
    }

    @GetMapping(path = "/api/alerts/live", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter subscribe() {
        SseEmitter emitter = new SseEmitter(Duration.ofMinutes(30).toMillis());
        if (pages.size() >= MAX_PAGES) {
            emitter.completeWithError(new IllegalStateException("too many live pages"));
            return emitter;
        }
        Page page = new Page(emitter);
        pages.add(page);
        emitter.onCompletion(page::stop);
        emitter.onTimeout(page::stop);
        emitter.onError(e -> page.stop());
        page.thread = Thread.ofVirtual().name("live-page").start(page::pump);
        return emitter;
    }

    int pages() {
        return pages.size();
    }

    private void publish(List<AlertRecorder.Stored> stored) {
        if (pages.isEmpty()) {
            return;
        }
        for (AlertRecorder.Stored s : stored) {
            Map<String, Object> summary = new TreeMap<>();
            summary.put("id", s.id());
            summary.put("uuid", s.alert().uuid());
            summary.put("time", AlertJson.formatTime(s.alert().time()));
            summary.put("priority", s.alert().priority().falcoName());
            summary.put("rule", s.alert().rule());
            summary.put("hostname", s.alert().hostname());
            summary.put("muted", s.muted());
            String json = JSON.writeValueAsString(summary);
            for (Page p : pages) {
                p.offer(json);
            }
        }
    }

    @Override
    public void close() {
        pages.forEach(Page::stop);
    }

    private final class Page {
        final SseEmitter emitter;
        final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
        volatile boolean running = true;
        volatile boolean overflowed;
        Thread thread;

        Page(SseEmitter emitter) {
            this.emitter = emitter;
        }

        void offer(String json) {
            if (!queue.offer(json)) {
                overflowed = true;
            }
        }

        void pump() {
            try {
                emitter.send(SseEmitter.event().comment("live"));
                while (running) {
                    String next = queue.poll(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
                    if (overflowed) {
                        overflowed = false;
                        queue.clear();
                        emitter.send(SseEmitter.event().name("overflow").data("{}", MediaType.APPLICATION_JSON));
                    } else if (next == null) {
                        emitter.send(SseEmitter.event().comment("heartbeat"));
                    } else {
                        emitter.send(SseEmitter.event().name("alert").data(next, MediaType.APPLICATION_JSON));
                    }
                }
            } catch (IOException | IllegalStateException e) {
                // the page went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stop();
            }
        }

        void stop() {
            running = false;
            if (pages.remove(this)) {
                try {
                    emitter.complete();
                } catch (IllegalStateException ignored) {
                    // already completed
                }
                if (thread != null) {
                    thread.interrupt();
                }
            }
        }
    }
}
