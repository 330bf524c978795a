#!/usr/bin/env python3
"""regress on real sim campaigns: the same code with other seeds is not a regression (exit 0);
PFS with go-back-N planted under the default PFS label is (exit 1).

usage: regress_real.py WIRELAB_BINARY SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile

TEMPLATE = """name: regress-check
seeds: {seeds}
duration: 300s
link: {{rate: 20Mbps, delay: 25ms, queue: 100p, loss: 0.02}}
workload: {{kind: bulk, bytes: 2MB}}
protocols:
  - pfs: {pfs_options}
  - tcp: {{cc: cubic}}
"""


def campaign(binary, scratch, db, name, seeds, pfs_options):
    path = os.path.join(scratch, name + ".yaml")
    with open(path, "w") as f:
        f.write(TEMPLATE.format(seeds=seeds, pfs_options=pfs_options))
    subprocess.run([binary, "run", path, "--db", db, "--jobs", "2"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    import sqlite3
    return sqlite3.connect(db).execute("select max(id) from campaigns").fetchone()[0]


def main():
    binary = sys.argv[1]
    scratch = tempfile.mkdtemp(prefix="wirelab-regress-")
    db = os.path.join(scratch, "regress.db")
    base = campaign(binary, scratch, db, "base", "[1, 2, 3, 4, 5, 6, 7, 8]", "{label: pfs}")
    same = campaign(binary, scratch, db, "same", "[9, 10, 11, 12, 13, 14, 15, 16]", "{label: pfs}")
    planted = campaign(binary, scratch, db, "planted", "[9, 10, 11, 12, 13, 14, 15, 16]", "{arq: go-back-n, label: pfs}")
    failures = 0
    for candidate, want, what in ((same, 0, "same code, other seeds"), (planted, 1, "planted go-back-N regression")):
        rc = subprocess.run([binary, "regress", "--db", db, "--baseline", str(base), "--candidate", str(candidate)],
                            stdout=subprocess.DEVNULL).returncode
        ok = rc == want
        failures += not ok
        print(("ok   " if ok else "FAIL ") + f"{what}: regress exit {rc} (want {want})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
