#!/usr/bin/env bash
# Copies the groups of monitoring/peregrine-alerts.yml into the Kubernetes PrometheusRule
# (k8s/components/prometheus-operator/prometheusrule.yaml), keeping that file's header.
# PrometheusRulesTest fails while the two differ.
set -euo pipefail
cd "$(dirname "$0")/.."
rule=k8s/components/prometheus-operator/prometheusrule.yaml
{
  sed -n '1,/^spec:$/p' "$rule"
  sed -n '/^groups:/,$p' monitoring/peregrine-alerts.yml | sed 's/^\(.\)/  \1/'
} >"$rule.tmp"
mv "$rule.tmp" "$rule"
