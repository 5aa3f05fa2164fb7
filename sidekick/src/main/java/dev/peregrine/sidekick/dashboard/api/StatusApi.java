package dev.peregrine.sidekick.dashboard.api;

import dev.peregrine.sidekick.config.UiProperties;
import dev.peregrine.sidekick.dashboard.DashboardEnabled;
import dev.peregrine.sidekick.delivery.Deliveries;
import dev.peregrine.sidekick.delivery.OutputHealth;
import dev.peregrine.sidekick.fleet.DetectorFleet;
import dev.peregrine.sidekick.security.Role;
import dev.peregrine.sidekick.store.AlertRecorder;
import dev.peregrine.sidekick.store.AlertStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** How the sidekick is doing: delivery per output, the detectors reporting to it, its alert store. */
@RestController
@DashboardEnabled
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
class StatusApi {
    private final Deliveries deliveries;
    private final DetectorFleet fleet;
    private final AlertStore store;
    private final AlertRecorder recorder;
    private final UiProperties ui;

    StatusApi(Deliveries deliveries, DetectorFleet fleet, AlertStore store, AlertRecorder recorder, UiProperties ui) {
        this.deliveries = deliveries;
        this.fleet = fleet;
        this.store = store;
        this.recorder = recorder;
        this.ui = ui;
    }

    /** Who is logged in and what they may do: the page shows admins the buttons that change things. */
    @GetMapping("/me")
    Map<String, Object> me(Authentication who) {
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("name", who == null ? "" : who.getName());
        me.put(
                "roles",
                who == null
                        ? List.of()
                        : Role.granted(who.getAuthorities().stream()
                                .map(GrantedAuthority::getAuthority)
                                .toList()));
        return me;
    }

    @GetMapping("/outputs")
    List<OutputHealth> outputs() {
        return deliveries.health();
    }

    @GetMapping("/detectors")
    Map<String, Object> detectors() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("downAfterSeconds", ui.detectors().downAfter().toSeconds());
        body.put("detectors", fleet.list());
        return body;
    }

    @GetMapping("/store")
    Map<String, Object> store() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", ui.store().type().name().toLowerCase(java.util.Locale.ROOT));
        body.put("location", store.description());
        body.put("usedBytes", store.usedBytes());
        body.put("oldest", store.oldest().orElse(null));
        body.put("queued", recorder.backlog());
        body.put("queuedBytes", recorder.backlogBytes());
        body.put("queueLimit", ui.store().queue());
        body.put("queueLimitBytes", ui.store().queueBytes().toBytes());
        // accepted and delivered but not in the store, per reason, and what to raise for each
        Map<String, Long> leftOut = new LinkedHashMap<>();
        Map<String, String> settings = new LinkedHashMap<>();
        recorder.leftOut().forEach((reason, n) -> {
            leftOut.put(reason.tag(), n);
            if (reason.setting() != null) {
                settings.put(reason.tag(), reason.setting());
            }
        });
        body.put("leftOut", leftOut);
        body.put("leftOutSettings", settings);
        body.put("maxAgeSeconds", ui.retention().maxAge().toSeconds());
        body.put("maxSizeBytes", ui.retention().maxSize().toBytes());
        return body;
    }
}
