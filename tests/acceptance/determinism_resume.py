#!/usr/bin/env python3
"""End-to-end: a sim run is a pure function of its inputs, and a SIGKILLed campaign resumes.

1. The same scenario run twice into two databases gives identical metrics run for run
   (wall_seconds, cpu_seconds, peak_rss_bytes aside), and other seeds give other results: for each
   protocol and point, the three seeds do not all agree (two UDP seeds may lose the same number of
   datagrams by chance, three agreeing would mean the seed is ignored).
2. The campaign run as two shards (--shard 0/2, 1/2) into two databases and folded with `merge`
   equals the unsharded campaign, run for run.
3. `run` with --jobs 1 is SIGKILLed once a few runs are stored; `run --resume` then completes
   the campaign: every run present exactly once, in the same campaign.

usage: determinism_resume.py WIRELAB_BINARY SOURCE_DIR
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from campaign_db import check, failures, run_metrics


def main():
    binary, source_dir = sys.argv[1], sys.argv[2]
    scenario = os.path.join(source_dir, "tests/acceptance/small.yaml")
    scratch = tempfile.mkdtemp(prefix="wirelab-e2e-")

    dbs = [os.path.join(scratch, f"det{i}.db") for i in (1, 2)]
    for db in dbs:
        rc = subprocess.run([binary, "run", scenario, "--db", db, "--jobs", "2"],
                            stdout=subprocess.DEVNULL).returncode
        check(rc == 0, f"run into {os.path.basename(db)} exited {rc}")
    a, b = run_metrics(dbs[0]), run_metrics(dbs[1])
    check(len(a) == 18 and a.keys() == b.keys(), f"both databases hold the same 18 runs ({len(a)}, {len(b)})")
    differing = [k for k in a if a[k] != b.get(k)]
    check(not differing, f"identical metrics run for run (differing: {differing[:3]})")
    for (label, params, seed), m in a.items():
        if seed == 1:
            others = [a.get((label, params, s)) for s in (2, 3)]
            distinct = {json.dumps(x, sort_keys=True) for x in [m] + others}
            check(None not in others and len(distinct) > 1, f"{label} {params}: seeds 1, 2, 3 give different metrics ({len(distinct)} distinct)")

    shards = [os.path.join(scratch, f"shard{i}.db") for i in (0, 1)]
    for i, shard_db in enumerate(shards):
        rc = subprocess.run([binary, "run", scenario, "--db", shard_db, "--jobs", "2", "--shard", f"{i}/2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        check(rc == 0, f"shard {i}/2 exited {rc}")
    merged = os.path.join(scratch, "merged.db")
    rc = subprocess.run([binary, "merge", "--db", merged] + shards, stdout=subprocess.DEVNULL).returncode
    check(rc == 0, f"merge exited {rc}")
    m = run_metrics(merged)
    check(m == a, f"2 shards merged equal the unsharded campaign run for run ({len(m)} vs {len(a)} runs)")

    db = os.path.join(scratch, "resume.db")
    proc = subprocess.Popen([binary, "run", scenario, "--db", db, "--jobs", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if os.path.exists(db):
            try:
                con = sqlite3.connect(db, timeout=1)
                stored = con.execute("select count(*) from runs").fetchone()[0]
                con.close()
            except sqlite3.Error:
                continue
            if stored >= 4:
                break
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    check(killed and 4 <= stored < 18, f"killed half-way with SIGKILL after {stored} of 18 runs")
    rc = subprocess.run([binary, "run", scenario, "--db", db, "--jobs", "2", "--resume"],
                        stdout=subprocess.DEVNULL).returncode
    check(rc == 0, f"run --resume exited {rc}")
    con = sqlite3.connect(db)
    campaigns = con.execute("select count(*) from campaigns").fetchone()[0]
    rows = con.execute("select label, params, seed, count(*) from runs group by label, params, seed").fetchall()
    check(campaigns == 1, f"resume continued the same campaign ({campaigns} campaign rows)")
    check(len(rows) == 18 and all(r[3] == 1 for r in rows),
          f"every run present exactly once after resume ({len(rows)} distinct, max count {max((r[3] for r in rows), default=0)})")
    print(f"{len(failures)} failed" if failures else "all end-to-end checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
