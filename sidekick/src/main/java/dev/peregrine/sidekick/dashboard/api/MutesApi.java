package dev.peregrine.sidekick.dashboard.api;

import dev.peregrine.sidekick.dashboard.DashboardEnabled;
import dev.peregrine.sidekick.mute.FalcoExceptions;
import dev.peregrine.sidekick.mute.Mute;
import dev.peregrine.sidekick.mute.Mutes;
import java.security.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Mutes: made from an alert on the page (rule + chosen field values, an expiry, a comment),
 * listed with how many alerts each held back, and downloadable as a Falco rules file.
 */
@RestController
@DashboardEnabled
@RequestMapping("/api/mutes")
class MutesApi {
    private final Mutes mutes;
    private final Clock clock;

    MutesApi(Mutes mutes, Clock clock) {
        this.mutes = mutes;
        this.clock = clock;
    }

    /**
     * @param expiresAt null: until deleted
     */
    record NewMute(String rule, Map<String, String> fields, String comment, Instant expiresAt) {}

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    List<Mute> list() {
        return mutes.list();
    }

    @PostMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Mute> add(@RequestBody NewMute m, Principal who) {
        Mute made = mutes.add(m.rule(), m.fields(), m.comment(), m.expiresAt(), who == null ? "" : who.getName());
        return ResponseEntity.status(HttpStatus.CREATED).body(made);
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable String id, Principal who) {
        return mutes.remove(id, who == null ? "" : who.getName())
                ? ResponseEntity.noContent().build()
                : ResponseEntity.notFound().build();
    }

    /** The mutes in force as a rules file that Falco (0.36+) and the detector load after their rules. */
    @GetMapping(path = "/falco-rules.yaml")
    ResponseEntity<String> rulesFile() {
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType("application/yaml"))
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"peregrine-mutes.yaml\"")
                .body(FalcoExceptions.rulesFile(mutes.list(), clock.instant()));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", e.getMessage()));
    }
}
