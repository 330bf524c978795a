#!/usr/bin/env python3
"""PFS adaptive tuning under a link.loss_schedule, reduced: 8 s phases of 0.1 %, 5 % and 1 % loss
(scenarios/adaptive.yaml has 20 s ones), PFS Cubic with fixed FEC settings and with
`adaptive: true`, 3 seeds. Checks, from the database:

- every run delivered intact, and has goodput_bps_phase0..2;
- the oscillation guard: consecutive setting changes (series adaptive_changed = 1) are at least
  5 smoothed RTTs apart (adaptive_srtt_s at the later change);
- one log line per decision: the run's `log` artifact has as many lines as the run has
  adaptive_changed points;
- worst phase (each variant's lowest per-phase goodput, median over seeds): adaptive is at least
  as good as FEC off (the setting a learner starts from), and the issue's bar — adaptive >= every
  fixed setting — up to a 5 % tie margin: the best fixed setting in the worst phase (rs(10,4) at
  5 % loss) is one of adaptive's arms, so a learner can at best tie it there, and a strict >= on
  a tie would be decided by noise (measured: 13.81 vs 13.88 Mbit/s here, 13.81 vs 13.89 in the
  full scenario with 3 seeds, 13.82 vs 13.88 with 6; docs/protocols/pfs-adaptive.md);
- per phase, where no single fixed setting is best everywhere: at 0.1 % loss (phase 0) adaptive
  is within 5 % of the best fixed setting (rs(10,1); measured 17.16 vs 17.16 — it was 10 % below
  before it told queue overflow from random loss), and at 1 % loss (phase 2) at least as good as
  every fixed setting (measured 14.78 vs rs(10,4)'s 13.88).

Then the worst phase at full length, paired: scenarios/adaptive.yaml itself (20 s phases, 12
seeds) with adaptive and rs(10,4) only, read through `wirelab report` (its worst_phase_paired.csv: per seed,
adaptive's worst phase minus rs(10,4)'s, median with a bootstrap 95 % interval). Adaptive must
not be `behind`: the interval must reach 0 or above. Measured: median difference -0.005 Mbit/s,
interval [-0.079, +0.022], a tie. (In the reduced scenario's 8 s phases adaptive is 0.7 % behind:
the step costs Cubic a window reduction it takes ~10 s to regrow, a fixed ~1 Mbit that the 20 s
phase dilutes; docs/protocols/pfs-adaptive.md.)

usage: adaptive_acceptance.py WIRELAB_BINARY SOURCE_DIR
"""
import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign_db import check, failures  # noqa: E402

SCENARIO = """name: adaptive-reduced
backend: sim
seeds: 3
duration: 24s
topology: {kind: point-to-point}
link:
  rate: 20Mbps
  delay: 25ms
  queue: 100p
  loss_schedule: [[0s, 0.001], [8s, 0.05], [16s, 0.01]]
workload: {kind: bulk}
protocols:
  - pfs: {cc: cubic, label: fec-off}
  - pfs: {cc: cubic, fec: "rs(10,1)", label: rs10-1}
  - pfs: {cc: cubic, fec: "rs(10,2)", label: rs10-2}
  - pfs: {cc: cubic, fec: "rs(10,4)", label: rs10-4}
  - pfs: {cc: cubic, adaptive: true, label: adaptive}
"""
PHASES = 3
TIE_MARGIN = 0.95

# The worst phase's two contenders in scenarios/adaptive.yaml (its link, phases and seeds).
CONTENDERS = ("pfs-rs10-4", "pfs-adaptive")


def full_length_scenario(source_dir):
    """scenarios/adaptive.yaml with only CONTENDERS' protocol lines, under another name."""
    with open(os.path.join(source_dir, "scenarios", "adaptive.yaml")) as f:
        lines = f.read().splitlines()
    out, in_protocols = [], False
    for line in lines:
        if line.startswith("name:"):
            line = "name: adaptive-paired"
        if not line.startswith(" ") and not line.startswith("#"):
            in_protocols = line.startswith("protocols:")
        elif in_protocols and line.strip().startswith("- ") and not any(
                "label: %s}" % label in line for label in CONTENDERS):
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def paired_worst_phase(binary, source_dir, tmp):
    """Runs the contenders at full length; returns report's worst_phase_paired.csv rows by label."""
    scenario = os.path.join(tmp, "adaptive-paired.yaml")
    with open(scenario, "w") as f:
        f.write(full_length_scenario(source_dir))
    db = os.path.join(tmp, "paired.db")
    proc = subprocess.run([binary, "run", scenario, "--db", db, "--jobs", "2"], capture_output=True, text=True)
    check(proc.returncode == 0, "full-length campaign ran (rc %d)" % proc.returncode)
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
        return None
    out = os.path.join(tmp, "report")
    proc = subprocess.run([binary, "report", "--db", db, "--out", out], capture_output=True, text=True)
    check(proc.returncode == 0, "report of the full-length campaign (rc %d)" % proc.returncode)
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
        return None
    with open(os.path.join(out, "worst_phase_paired.csv")) as f:
        return {row["label"]: row for row in csv.DictReader(f)}


def main():
    binary, source_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="wirelab-adaptive-") as tmp:
        scenario = os.path.join(tmp, "adaptive.yaml")
        with open(scenario, "w") as f:
            f.write(SCENARIO)
        db = os.path.join(tmp, "results.db")
        proc = subprocess.run([binary, "run", scenario, "--db", db, "--jobs", "2"], capture_output=True, text=True)
        check(proc.returncode == 0, "campaign ran (rc %d)" % proc.returncode)
        if proc.returncode != 0:
            print(proc.stderr[-3000:])
            return 1
        con = sqlite3.connect(db)
        runs = con.execute("select id, label, seed from runs").fetchall()
        worst = {}
        phase_goodput = {}
        for run_id, label, seed in runs:
            m = dict(con.execute("select name, value from metrics where run_id = ?", (run_id,)).fetchall())
            check(m.get("integrity_ok") == 1, "%s seed %d: integrity_ok" % (label, seed))
            phases = [m.get("goodput_bps_phase%d" % i) for i in range(PHASES)]
            check(all(p is not None for p in phases), "%s seed %d: goodput_bps_phase0..2 present" % (label, seed))
            if all(p is not None for p in phases):
                worst.setdefault(label, []).append(min(phases))
                for i, p in enumerate(phases):
                    phase_goodput.setdefault((label, i), []).append(p)
            if label != "adaptive":
                continue
            series = {}
            for name, t, v in con.execute("select name, t, value from series where run_id = ? and name like 'adaptive_%'"
                                          " order by t", (run_id,)):
                series.setdefault(name, []).append((t, v))
            decisions = series.get("adaptive_changed", [])
            srtt = dict(series.get("adaptive_srtt_s", []))
            changes = [t for t, v in decisions if v == 1]
            gaps = [(b - a) / srtt[b] for a, b in zip(changes, changes[1:])]
            check(len(decisions) > 0, "adaptive seed %d: %d decisions, %d changes" % (seed, len(decisions), len(changes)))
            check(all(g >= 5 - 1e-9 for g in gaps),
                  "adaptive seed %d: changes >= 5 RTTs apart (closest %.1f RTTs)" % (seed, min(gaps) if gaps else float("inf")))
            logs = con.execute("select path from artifacts where run_id = ? and kind = 'log'", (run_id,)).fetchall()
            check(len(logs) == 1, "adaptive seed %d: one log artifact" % seed)
            if logs:
                with open(logs[0][0]) as f:
                    lines = f.read().splitlines()
                check(len(lines) == len(decisions) and all("adaptive:" in l for l in lines),
                      "adaptive seed %d: one log line per decision (%d lines)" % (seed, len(lines)))
        median_worst = {label: statistics.median(v) for label, v in worst.items()}
        for label, v in sorted(median_worst.items(), key=lambda kv: -kv[1]):
            print("     worst-phase goodput, median over seeds: %-9s %.2f Mbit/s" % (label, v / 1e6))
        fixed = {k: v for k, v in median_worst.items() if k != "adaptive"}
        if "adaptive" in median_worst and "fec-off" in fixed:
            check(median_worst["adaptive"] >= fixed["fec-off"],
                  "adaptive's worst phase >= FEC off's (%.2f vs %.2f Mbit/s)"
                  % (median_worst["adaptive"] / 1e6, fixed["fec-off"] / 1e6))
            best = max(fixed, key=fixed.get)
            check(median_worst["adaptive"] >= TIE_MARGIN * fixed[best],
                  "adaptive's worst phase >= every fixed setting's (best: %s), within a %.0f %% tie margin"
                  " (%.2f vs %.2f Mbit/s)" % (best, (1 - TIE_MARGIN) * 100, median_worst["adaptive"] / 1e6,
                                               fixed[best] / 1e6))
        median_phase = {key: statistics.median(v) for key, v in phase_goodput.items()}
        for phase, margin, what in ((0, TIE_MARGIN, "within a 5 % margin"), (2, 1.0, "")):
            fixed_phase = {label: v for (label, i), v in median_phase.items() if i == phase and label != "adaptive"}
            if ("adaptive", phase) not in median_phase or not fixed_phase:
                continue
            best = max(fixed_phase, key=fixed_phase.get)
            check(median_phase[("adaptive", phase)] >= margin * fixed_phase[best],
                  "phase %d: adaptive >= every fixed setting (best: %s)%s (%.2f vs %.2f Mbit/s)"
                  % (phase, best, " " + what if what else "", median_phase[("adaptive", phase)] / 1e6,
                     fixed_phase[best] / 1e6))
        paired = paired_worst_phase(binary, source_dir, tmp)
        if paired is not None:
            row = paired.get(CONTENDERS[1])
            check(row is not None and row["versus"] == CONTENDERS[0] and int(row["pairs"]) >= 12,
                  "full length: adaptive paired with rs(10,4) over >= 12 seeds")
            if row is not None:
                print("     full length, worst phase, adaptive - rs(10,4) per seed: median %+.3f Mbit/s,"
                      " 95 %% interval [%+.3f, %+.3f], %s" % (float(row["median_difference"]) / 1e6,
                                                             float(row["ci_low"]) / 1e6, float(row["ci_high"]) / 1e6,
                                                             row["verdict"]))
                check(row["verdict"] != "behind" and float(row["ci_high"]) >= 0,
                      "full length: adaptive's worst phase is not behind rs(10,4)'s (paired, bootstrap 95 %%): %s"
                      % row["verdict"])
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
