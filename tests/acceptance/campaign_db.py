"""Shared by the acceptance scripts: a pass/fail ledger and run metrics read from a database."""
import sqlite3

# Metrics that measure the host, not the protocol: excluded from run-for-run comparisons.
HOST_METRICS = {"wall_seconds", "cpu_seconds", "peak_rss_bytes"}

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def run_metrics(db, key_sql="r.label, r.params, r.seed"):
    """{run identity: {metric: value}} without host metrics; identity columns from `key_sql`."""
    con = sqlite3.connect(db)
    out = {}
    for row in con.execute(f"select {key_sql}, m.name, m.value from runs r join metrics m on m.run_id = r.id"):
        *key, name, value = row
        if name not in HOST_METRICS:
            out.setdefault(tuple(key) if len(key) > 1 else key[0], {})[name] = value
    con.close()
    return out
