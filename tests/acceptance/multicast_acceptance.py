#!/usr/bin/env python3
"""Issue 7's multicast check on scenarios/multicast.yaml, run as users run it.

  - every run completes with integrity_ok = 1 (every receiver got every byte exactly once, in
    order, digest equal) and reports completion_s and repair_ratio;
  - for each variant (retransmission only, and shared rs(16,4) parity), the median over seeds of
    completion_s with 8 receivers is <= 1.3 x the median with 1 receiver (each receiver's link
    loses 2 % independently, so 8 receivers together lose ~8 x as many distinct packets);
  - shared parity repairs with fewer bytes than retransmission at 8 receivers (one parity shard
    repairs a different loss at each receiver);
  - validation refuses multicast on protocol tcp and on backend real with exit 2 and file:line.
usage: multicast_acceptance.py WIRELAB_BINARY SOURCE_DIR
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign_db import check, failures, run_metrics  # noqa: E402


def main():
    binary, source = sys.argv[1], sys.argv[2]
    scenario = os.path.join(source, "scenarios", "multicast.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "mcast.db")
        p = subprocess.run([binary, "run", scenario, "--db", db, "--jobs", "2"], capture_output=True, text=True)
        print(p.stdout)
        check(p.returncode == 0, f"wirelab run multicast.yaml exits 0 (got {p.returncode}: {p.stderr[-400:]})")
        metrics = run_metrics(db)
        points = {}
        for (label, params, _seed), m in metrics.items():
            points.setdefault((label, json.loads(params)["topology.flows"]), []).append(m)
        check(len(metrics) == 2 * 3 * 3, f"18 runs stored ({len(metrics)})")
        for (label, flows), runs in sorted(points.items()):
            check(all(r.get("integrity_ok") == 1 for r in runs), f"{label} x{flows}: integrity_ok = 1 in every run")
            check(all("repair_ratio" in r and "completion_s" in r for r in runs), f"{label} x{flows}: completion_s and repair_ratio reported")
            check(all(r.get(f"completion_s_r{flows - 1}", 0) > 0 for r in runs), f"{label} x{flows}: per-receiver completion reported")
        med = lambda label, flows, name: statistics.median(r[name] for r in points[(label, flows)])
        for label in sorted({label for label, _ in points}):
            one, eight = med(label, 1, "completion_s"), med(label, 8, "completion_s")
            check(eight <= 1.3 * one, f"{label}: median completion with 8 receivers {eight:.3f} s <= 1.3 x one receiver's {one:.3f} s ({eight / one:.3f} x)")
            print(f"     {label}: repair_ratio x1 {med(label, 1, 'repair_ratio'):.4f}, x8 {med(label, 8, 'repair_ratio'):.4f}")
        check(med("pfs-rs(16,4)", 8, "repair_ratio") < med("pfs", 8, "repair_ratio"),
              "8 receivers: shared parity repairs with fewer bytes than retransmission")

        with open(scenario) as f:
            text = f.read()
        bad = os.path.join(tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write(text.replace("  - pfs\n", "  - pfs\n  - tcp\n", 1))
        p = subprocess.run([binary, "validate", bad], capture_output=True, text=True)
        line = text.split("\n").index("  - pfs") + 2
        check(p.returncode == 2 and f"bad.yaml:{line}:" in p.stderr and "'tcp'" in p.stderr,
              f"multicast with tcp: exit 2 naming bad.yaml:{line} and tcp ({p.returncode}: {p.stderr.strip()})")
        p = subprocess.run([binary, "validate", scenario, "--backend", "real"], capture_output=True, text=True)
        check(p.returncode == 2 and "not supported on backend real" in p.stderr,
              f"multicast on backend real: exit 2 ({p.returncode}: {p.stderr.strip()})")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
