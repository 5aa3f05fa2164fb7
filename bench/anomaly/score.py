#!/usr/bin/env python3
"""Scores a bench/anomaly run: recall per attack kind, precision, false alerts per workload-hour,
and all of them over a range of window-score thresholds. Usage: score.py OUT_DIR [DEFAULT_THRESHOLD]"""
import json
import sys
from datetime import datetime

out = sys.argv[1]
default = float(sys.argv[2]) if len(sys.argv) > 2 else None
phases = {}
for line in open(f"{out}/phases.txt"):
    k, _, v = line.strip().partition(" ")
    phases[k] = v
workloads = phases["workloads"].split()
suffix = phases["suffix"]
normal_start = int(phases["normal_start"])
attack_start = int(phases["attack_start"])
attack_end = int(phases["attack_end"])
floor = float(phases["threshold_floor"])


def epoch(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")[:26] + "+00:00").timestamp()


alerts = []
for line in open(f"{out}/alerts.jsonl"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    a = json.loads(line)
    if a.get("source") != "anomaly":
        continue
    f = a["output_fields"]
    # Only the bench's workloads: the host's own profiles (other jobs on a shared machine) and the
    # attacker's container are not part of the evaluation.
    if f.get("container.name") not in {f"anomaly-{w}-{suffix}" for w in workloads}:
        continue
    alerts.append({
        "t": epoch(a["time"]),
        "kind": f["anomaly.kind"],
        "score": f["anomaly.score"],
        "container": f.get("container.name"),
        "profile": f["anomaly.profile"],
        "output": a["output"],
    })

attacks = []
for line in open(f"{out}/attacks.txt"):
    t, kind, victim, rnd = line.split()
    attacks.append({"t": int(t), "kind": kind, "victim": victim, "round": rnd})
for i, a in enumerate(attacks):
    a["end"] = attacks[i + 1]["t"] if i + 1 < len(attacks) else attack_end

normal_hours = len(workloads) * (attack_start - normal_start) / 3600


def counts(a, threshold):
    return a["kind"] != "syscall-mix" or a["score"] >= threshold


def evaluate(threshold):
    normal = [a for a in alerts if normal_start <= a["t"] < attack_start and counts(a, threshold)]
    in_attack = [a for a in alerts if attack_start <= a["t"] <= attack_end + 30 and counts(a, threshold)]
    true_alerts = set()
    detected = {}
    for atk in attacks:
        hits = [i for i, a in enumerate(in_attack)
                if a["container"] == atk["victim"] and atk["t"] <= a["t"] < atk["end"]]
        true_alerts.update(hits)
        atk_key = (atk["kind"], atk["victim"], atk["round"])
        detected[atk_key] = [in_attack[i] for i in hits]
    false_attack = len(in_attack) - len(true_alerts)
    all_alerts = len(normal) + len(in_attack)
    precision = len(true_alerts) / all_alerts if all_alerts else float("nan")
    recall = sum(1 for v in detected.values() if v) / len(detected)
    return normal, false_attack, precision, recall, detected


thresholds = [round(floor + 0.05 * i, 2) for i in range(int((0.95 - floor) / 0.05) + 1)]
print(f"# bench/anomaly results ({out})\n")
print(f"Normal-only phase: {attack_start - normal_start} s x {len(workloads)} workloads = "
      f"{normal_hours:.2f} workload-hours; {len(attacks)} attacks.\n")
print("## Threshold curve\n")
print("| threshold | recall | false alerts, normal phase | per workload-hour | "
      "false alerts, attack phase | precision |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for t in thresholds:
    normal, fa, p, r, _ = evaluate(t)
    print(f"| {t:.2f} | {r:.2f} | {len(normal)} | {len(normal) / normal_hours:.2f} | {fa} | {p:.2f} |")

t = default if default is not None else thresholds[0]
normal, fa, p, r, detected = evaluate(t)
print(f"\n## At threshold {t:.2f}\n")
kinds = sorted({k for k, _, _ in detected})
print("| attack | victim | round | detected | anomaly kinds raised (count) |")
print("| --- | --- | ---: | --- | --- |")
for (kind, victim, rnd), hits in detected.items():
    raised = {}
    for h in hits:
        raised[h["kind"]] = raised.get(h["kind"], 0) + 1
    v = victim.replace(f"anomaly-", "").replace(f"-{suffix}", "")
    print(f"| {kind} | {v} | {rnd} | {'yes' if hits else '**no**'} | "
          f"{', '.join(f'{k} ({n})' for k, n in sorted(raised.items())) or '-'} |")
print("\n| attack kind | recall |\n| --- | ---: |")
for k in kinds:
    runs = [v for (kk, _, _), v in detected.items() if kk == k]
    print(f"| {k} | {sum(1 for v in runs if v)}/{len(runs)} |")
print(f"\nRecall {r:.2f}; precision {p:.2f}; false alerts in the normal phase: {len(normal)} "
      f"({len(normal) / normal_hours:.2f} per workload-hour); unattributed alerts in the attack phase: {fa}.\n")
print("Normal-phase false alerts:\n")
for a in normal:
    print(f"- {datetime.utcfromtimestamp(a['t']).strftime('%H:%M:%S')} {a['kind']} score {a['score']}: "
          f"{a['output'][:300]}")
print("\nOne explanation per detected attack:\n")
for (kind, victim, rnd), hits in detected.items():
    if hits:
        print(f"- {kind} (round {rnd}): {hits[0]['output'][:400]}")
