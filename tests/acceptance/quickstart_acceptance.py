#!/usr/bin/env python3
"""Acceptance checks of the vertical slice, against a real `wirelab run` of quickstart.yaml.

Runs the scenario into a scratch database, then checks what the issue promises with SQL:
integrity of every PFS, TCP and QUIC run, PFS's goodput bound at 2 % loss and its ratio to TCP Cubic,
every reliable protocol near the link rate at 0 % loss, NewReno within [0.5, 2] x the Padhye
model (docs/models.md), and UDP observing the configured loss. Prints every figure it checks.

usage: quickstart_acceptance.py WIRELAB_BINARY SOURCE_DIR [--db PATH]  (PATH: reuse a database)
"""
import json
import math
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile

LINK_RATE_BPS = 20e6
MTU = 1500
PPP_HEADER = 2
RTT_S = 0.05 + (MTU + PPP_HEADER) * 8 / LINK_RATE_BPS + (52 + PPP_HEADER) * 8 / LINK_RATE_BPS
TCP_MSS = MTU - 40 - 12
PADHYE_B = 2
PADHYE_T0_S = 0.2

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def padhye_bps(p):
    link_payload_bps = LINK_RATE_BPS * TCP_MSS / (MTU + PPP_HEADER)
    if p == 0:
        return link_payload_bps
    b = PADHYE_B
    denom = RTT_S * math.sqrt(2 * b * p / 3) + PADHYE_T0_S * min(1, 3 * math.sqrt(3 * b * p / 8)) * p * (1 + 32 * p * p)
    return min(link_payload_bps, TCP_MSS * 8 / denom)


def pfs_payload_share(source_dir):
    """The share documented in docs/protocols/pfs.md, on a line 'payload share: 0.xxxx'."""
    with open(os.path.join(source_dir, "docs/protocols/pfs.md")) as f:
        for line in f:
            if line.lower().startswith("payload share:"):
                return float(line.split(":")[1].split()[0])
    raise SystemExit("docs/protocols/pfs.md states no 'payload share:' line")


def main():
    binary, source_dir = sys.argv[1], sys.argv[2]
    db = None
    if "--db" in sys.argv:
        db = sys.argv[sys.argv.index("--db") + 1]
    else:
        db = os.path.join(tempfile.mkdtemp(prefix="wirelab-acceptance-"), "quickstart.db")
        cmd = [binary, "run", os.path.join(source_dir, "scenarios/quickstart.yaml"), "--db", db, "--jobs", str(os.cpu_count() or 2)]
        print("running:", " ".join(cmd), flush=True)
        rc = subprocess.run(cmd, cwd=source_dir).returncode
        check(rc == 0, f"wirelab run exited {rc}")

    con = sqlite3.connect(db)
    rows = con.execute(
        "select r.id, r.protocol, r.label, r.params, r.seed, r.status from runs r "
        "where r.campaign_id = (select max(id) from campaigns)").fetchall()
    metrics = {}
    for run_id, name, value in con.execute("select run_id, name, value from metrics"):
        metrics.setdefault(run_id, {})[name] = value
    check(len(rows) == 72, f"72 runs stored (found {len(rows)})")

    by = {}
    for run_id, protocol, label, params, seed, status in rows:
        loss = json.loads(params)["link.loss"]
        by.setdefault((label, loss), []).append((protocol, seed, status, metrics.get(run_id, {})))

    for (label, loss), runs in sorted(by.items()):
        protocol = runs[0][0]
        if protocol in ("pfs", "tcp", "quic"):
            bad = [seed for _, seed, status, m in runs if status != "ok" or m.get("integrity_ok") != 1]
            check(not bad, f"{label} loss={loss}: integrity_ok=1 in every run (bad seeds: {bad})")

    def median_goodput(label, loss):
        runs = by.get((label, loss), [])
        values = [m["goodput_bps"] for _, _, status, m in runs if "goodput_bps" in m]
        return statistics.median(values) if values else 0.0

    share = pfs_payload_share(source_dir)
    pfs_2 = median_goodput("pfs", 0.02)
    bound = 0.9 * (1 - 0.02) * LINK_RATE_BPS * share
    check(pfs_2 >= bound, f"pfs at 2 % loss: median goodput {pfs_2/1e6:.2f} Mbit/s >= 0.9 x 0.98 x 20 Mbit/s x share {share:.4f} = {bound/1e6:.2f}")
    cubic_2 = median_goodput("tcp-cubic", 0.02)
    check(pfs_2 >= 3 * cubic_2, f"pfs at 2 % loss: {pfs_2/1e6:.2f} Mbit/s >= 3 x tcp-cubic's {cubic_2/1e6:.2f}")

    for label in ("pfs", "tcp-cubic", "tcp-newreno", "tcp-bbr"):
        g = median_goodput(label, 0)
        check(g >= 0.9 * LINK_RATE_BPS, f"{label} at 0 % loss: median goodput {g/1e6:.2f} Mbit/s >= 90 % of 20 Mbit/s")

    for loss in (0, 0.005, 0.02, 0.05):
        g = median_goodput("tcp-newreno", loss)
        model = padhye_bps(loss)
        ratio = g / model
        check(0.5 <= ratio <= 2, f"tcp-newreno at loss {loss}: {g/1e6:.3f} Mbit/s vs Padhye {model/1e6:.3f} (ratio {ratio:.2f} in [0.5, 2])")

    for _, seed, status, m in by.get(("udp-18Mbps", 0.05), []):
        observed = m.get("loss_rate_observed", -1)
        check(abs(observed - 0.05) <= 0.01, f"udp at 5 % loss, seed {seed}: observed {observed:.4f} within 0.05 +/- 0.01")

    # The report of this very campaign: at least 4 figures, each with PNG, SVG and a CSV that
    # equals the SQL query written beside it.
    out = tempfile.mkdtemp(prefix="wirelab-report-")
    rc = subprocess.run([binary, "report", "--db", db, "--out", out], stdout=subprocess.DEVNULL).returncode
    check(rc == 0, f"wirelab report exited {rc}")
    if rc == 0:
        manifest = json.load(open(os.path.join(out, "manifest.json")))
        figures = manifest["figures"]
        complete = [f for f in figures if all(os.path.exists(os.path.join(out, f["id"] + ext)) for ext in (".png", ".svg"))
                    and os.path.exists(os.path.join(out, f["csv"]))]
        check(len(complete) >= 4, f"report has {len(complete)} figures with PNG, SVG and CSV (>= 4)")
        checker = os.path.join(source_dir, "tests/analysis/check_report_csvs.py")
        rc = subprocess.run([sys.executable, checker, db, out]).returncode
        check(rc == 0, "every report CSV equals its SQL query on the database")

    print(f"{len(failures)} failed" if failures else "all acceptance checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
