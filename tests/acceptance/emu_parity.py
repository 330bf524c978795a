#!/usr/bin/env python3
"""A reduced parity campaign: the same point (20 Mbit/s, 25 ms one-way, 1 % loss) on sim and emu.

Checks: PFS (Cubic) goodput on emu within 15 % of sim's (the same sans-IO code over the same
link model, same seeds, so the same loss draws: what differs is only the link's host), emu's
RTT (rtt_p50_s of PFS) = 50 ms +/- 10 % (kernel TCP's smoothed RTT: 45-60 ms), integrity_ok = 1 for PFS and TCP on
both backends, kernel TCP Cubic on emu within [0.5, 2] x the Padhye model of docs/models.md.
TCP Cubic goodput on emu (the kernel's) within 15 % of sim's (ns-3's TCP socket with RFC 9438
Cubic, the Reno-friendly region Linux has included: sim/tcp_cubic.h; see docs/emu.md).

Emu runs that the lag watch failed (the machine was too busy to emulate for a moment) are run
again, at most twice, with the same seed; a run failed for any other reason fails the test.

usage: emu_parity.py WIRELAB_BINARY SOURCE_DIR
"""
import math
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign_db import check, failures  # noqa: E402

SEEDS = [1, 2, 3, 4]
TEMPLATE = """name: emu-parity-{name}
seeds: {seeds}
duration: 90s
link: {{rate: 20Mbps, delay: 25ms, loss: 0.01, queue: 100p}}
workload: {{kind: bulk, bytes: 2MB}}
protocols:
  - pfs: {{cc: cubic}}
  - tcp: {{cc: cubic}}
sweep:
  backend: {backends}
"""
LAG = "emu: ns-3 fell"


def campaign(binary, scratch, db, name, seeds, backends):
    path = os.path.join(scratch, name + ".yaml")
    with open(path, "w") as f:
        f.write(TEMPLATE.format(name=name, seeds=seeds, backends=backends))
    subprocess.run([binary, "run", path, "--db", db, "--jobs", "2"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    con = sqlite3.connect(db)
    cid = con.execute("select max(id) from campaigns").fetchone()[0]
    rows = {}
    for rid, backend, label, seed, status, error in con.execute(
            "select id, backend, label, seed, status, error from runs where campaign_id = ?", (cid,)):
        metrics = dict(con.execute("select name, value from metrics where run_id = ?", (rid,)).fetchall())
        rows[(backend, label, seed)] = (status, error or "", metrics)
    con.close()
    return rows


def padhye_bps(p, rtt_s, t0_s=0.2, b=2, mss=1448):
    denominator = rtt_s * math.sqrt(2 * b * p / 3) + t0_s * min(1, 3 * math.sqrt(3 * b * p / 8)) * p * (1 + 32 * p * p)
    return mss * 8 / denominator


def main():
    binary = sys.argv[1]
    scratch = tempfile.mkdtemp(prefix="wirelab-emu-parity-")
    db = os.path.join(scratch, "parity.db")
    runs = campaign(binary, scratch, db, "all", SEEDS, "[sim, emu]")
    for attempt in range(2):
        lagged = sorted({seed for (backend, _, seed), (status, error, _) in runs.items()
                         if backend == "emu" and error.startswith(LAG)})
        if not lagged:
            break
        print(f"re-running emu seeds {lagged}: the lag watch failed them (machine busy)", flush=True)
        again = campaign(binary, scratch, db, f"retry{attempt}", lagged, "[emu]")
        runs.update(again)

    for (backend, label, seed), (status, error, _) in sorted(runs.items()):
        check(status == "ok", f"{backend} {label} seed {seed}: {status} {error}")
    if failures:
        return 1

    def values(backend, label, metric):
        return [runs[(backend, label, s)][2][metric] for s in SEEDS]

    for backend in ("sim", "emu"):
        for label in ("pfs-cubic", "tcp-cubic"):
            check(all(v == 1 for v in values(backend, label, "integrity_ok")), f"{backend} {label}: integrity_ok = 1 on every seed")

    pfs_sim, pfs_emu = statistics.mean(values("sim", "pfs-cubic", "goodput_bps")), statistics.mean(values("emu", "pfs-cubic", "goodput_bps"))
    ratio = pfs_emu / pfs_sim
    check(0.85 <= ratio <= 1.15, f"PFS Cubic goodput: emu {pfs_emu / 1e6:.2f} vs sim {pfs_sim / 1e6:.2f} Mbit/s (ratio {ratio:.2f}, want 0.85-1.15)")

    rtt = statistics.median(values("emu", "pfs-cubic", "rtt_p50_s"))
    check(0.045 <= rtt <= 0.055, f"emu pfs-cubic rtt_p50_s median {rtt * 1e3:.1f} ms (want 50 ms +/- 10 %)")
    # tcpi_rtt is the kernel's smoothed RTT, which includes the receiver's delayed-ACK holds
    # (measured 53-55 ms here): the same base, a few ms more on top.
    rtt = statistics.median(values("emu", "tcp-cubic", "rtt_p50_s"))
    check(0.045 <= rtt <= 0.060, f"emu tcp-cubic rtt_p50_s median {rtt * 1e3:.1f} ms (want 45-60 ms)")

    tcp_sim, tcp_emu = statistics.mean(values("sim", "tcp-cubic", "goodput_bps")), statistics.mean(values("emu", "tcp-cubic", "goodput_bps"))
    model = padhye_bps(0.01, 0.05 + 1500 * 8 / 20e6 + 52 * 8 / 20e6)
    check(0.5 * model <= tcp_emu <= 2 * model,
          f"kernel TCP Cubic on emu {tcp_emu / 1e6:.2f} Mbit/s within [0.5, 2] x Padhye {model / 1e6:.2f} Mbit/s")
    ratio = tcp_emu / tcp_sim
    check(0.85 <= ratio <= 1.15, f"TCP Cubic goodput: kernel on emu {tcp_emu / 1e6:.2f} vs ns-3 on sim "
          f"{tcp_sim / 1e6:.2f} Mbit/s (ratio {ratio:.2f}, want 0.85-1.15)")
    per_seed = [e / s for e, s in zip(values("emu", "tcp-cubic", "goodput_bps"), values("sim", "tcp-cubic", "goodput_bps"))]
    print("info TCP Cubic emu/sim per seed: " + ", ".join(f"{r:.2f}" for r in per_seed), flush=True)
    lag_max = max(m["emu_lag_max_s"] for (b, _, _), (_, _, m) in runs.items() if b == "emu")
    print(f"info largest emulator lag over the emu runs: {lag_max * 1e3:.1f} ms", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
