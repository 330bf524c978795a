#!/usr/bin/env python3
"""The sharding scripts, end to end: GNU parallel and a Slurm job array each run a campaign as
shards and merge it; the result equals the unsharded campaign run for run (host metrics aside).
The Slurm half starts a one-node cluster of its own (tests/acceptance/one_node_slurm.sh).

usage: cluster_scripts.py WIRELAB_BINARY SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile
import time

from campaign_db import check, failures, run_metrics


def main():
    binary, source = sys.argv[1], sys.argv[2]
    scenario = os.path.join(source, "tests/acceptance/small.yaml")
    scratch = tempfile.mkdtemp(prefix="wirelab-cluster-")
    os.chmod(scratch, 0o755)  # munged runs as user munge and must reach its socket directory below
    env = dict(os.environ, WIRELAB_BINARY=binary)

    reference = os.path.join(scratch, "reference.db")
    subprocess.run([binary, "run", scenario, "--db", reference, "--jobs", "2"], stdout=subprocess.DEVNULL, check=True)
    want = run_metrics(reference, "r.run_key")

    par = os.path.join(scratch, "parallel.db")
    rc = subprocess.run([os.path.join(source, "harness/tools/run-sharded-parallel.sh"), scenario, "3", par, "-j", "2"],
                        env=env, stdout=subprocess.DEVNULL).returncode
    check(rc == 0, f"run-sharded-parallel.sh exited {rc}")
    got = run_metrics(par, "r.run_key") if rc == 0 else {}
    check(got == want, f"GNU parallel, 3 shards merged == unsharded ({len(got)} vs {len(want)} runs)")

    cluster = os.path.join(scratch, "slurm")
    helper = os.path.join(source, "tests/acceptance/one_node_slurm.sh")
    try:
        up = subprocess.run([helper, "up", cluster], capture_output=True, text=True)
        check(up.returncode == 0, f"one-node Slurm came up ({up.stderr.strip()[-300:]})")
        if up.returncode != 0:
            return 1
        conf = up.stdout.strip()
        env["SLURM_CONF"] = conf
        out = os.path.join(scratch, "slurm.db")
        job = subprocess.run([os.path.join(source, "harness/tools/slurm-array.sh"), scenario, "3", out],
                             env=env, capture_output=True, text=True)
        check(job.returncode == 0, f"slurm-array.sh exited {job.returncode} {job.stderr.strip()}")
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            queue = subprocess.run(["squeue", "-h"], env=env, capture_output=True, text=True).stdout.strip()
            if not queue:
                break
            time.sleep(0.5)
        got = run_metrics(out, "r.run_key") if os.path.exists(out) else {}
        check(got == want, f"Slurm job array, 3 shards merged == unsharded ({len(got)} vs {len(want)} runs)")
    finally:
        subprocess.run([helper, "down", cluster])
    print(f"{len(failures)} failed" if failures else "all cluster checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
