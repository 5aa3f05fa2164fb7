package dev.peregrine.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Peregrine's own alerting rules (monitoring/peregrine-alerts.yml) through Prometheus' promtool:
 * valid, and each alert unit-tested against the series it watches; the Kubernetes
 * PrometheusRule carries the same groups; the compose configurations load.
 */
class PrometheusRulesTest {
    static final String RULES = "monitoring/peregrine-alerts.yml";
    static final String TESTS = "monitoring/peregrine-alerts.test.yml";

    static String promtool() {
        return Repository.tool("promtool", "Debian package prometheus");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> groups(Map<String, Object> doc) {
        return (List<Map<String, Object>>) doc.get("groups");
    }

    @SuppressWarnings("unchecked")
    static Set<String> alertNames(List<Map<String, Object>> groups) {
        return groups.stream()
                .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream())
                .map(r -> (String) r.get("alert"))
                .collect(Collectors.toSet());
    }

    @Test
    void promtoolFindsEveryRuleValid() {
        String out = Repository.run(
                Duration.ofMinutes(1),
                promtool(),
                "check",
                "rules",
                Repository.file(RULES).toString());
        int alerts = alertNames(groups(Repository.yaml(RULES))).size();
        assertThat(alerts).isGreaterThanOrEqualTo(7);
        assertThat(out).contains("SUCCESS: " + alerts + " rules found");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertPassesItsUnitTests() {
        String out = Repository.run(
                Duration.ofMinutes(2),
                promtool(),
                "test",
                "rules",
                Repository.file(TESTS).toString());
        assertThat(out).contains("SUCCESS");
        // Each alert is exercised: at least one evaluation expects it to fire.
        Set<String> tested = ((List<Map<String, Object>>) Repository.yaml(TESTS).get("tests"))
                .stream()
                        .flatMap(t -> ((List<Map<String, Object>>) t.get("alert_rule_test")).stream())
                        .filter(a -> !((List<?>) a.get("exp_alerts")).isEmpty())
                        .map(a -> (String) a.get("alertname"))
                        .collect(Collectors.toSet());
        assertThat(tested).containsExactlyInAnyOrderElementsOf(alertNames(groups(Repository.yaml(RULES))));
    }

    @Test
    void theBriefsSevenSituationsAreCovered() {
        Set<String> names = alertNames(groups(Repository.yaml(RULES)));
        assertThat(names)
                .contains(
                        "PeregrineDetectorKernelDrops",
                        "PeregrineDetectorSpoolGrowing",
                        "PeregrineDetectorSilent",
                        "PeregrineSidekickSpoolGrowing",
                        "PeregrineOutputCircuitOpen",
                        "PeregrineDeadLetters",
                        "PeregrineSidekickDown");
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePrometheusOperatorGetsTheSameGroups() {
        Map<String, Object> rule = Repository.yaml("k8s/components/prometheus-operator/prometheusrule.yaml");
        assertThat(rule.get("kind")).isEqualTo("PrometheusRule");
        List<Map<String, Object>> groups = groups((Map<String, Object>) rule.get("spec"));
        assertThat(groups)
                .as("k8s/components/prometheus-operator/prometheusrule.yaml spec.groups = " + RULES + " groups")
                .isEqualTo(groups(Repository.yaml(RULES)));
    }

    @Test
    void theComposeConfigurationsOfPrometheusAndAlertmanagerLoad() {
        assertThat(Repository.run(
                        Duration.ofMinutes(1),
                        promtool(),
                        "check",
                        "config",
                        Repository.file("compose/prometheus.yml").toString()))
                .contains("SUCCESS");
        String amtool = Repository.tool("amtool", "Debian package prometheus-alertmanager");
        assertThat(Repository.run(
                        Duration.ofMinutes(1),
                        amtool,
                        "check-config",
                        Repository.file("compose/alertmanager.yml").toString()))
                .contains("SUCCESS");
    }
}
