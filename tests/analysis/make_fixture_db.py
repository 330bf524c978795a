"""Synthetic results databases with the CONTRACT §4 schema, for the analysis tests.

usage: make_fixture_db.py PATH KIND [SEED] [CAMPAIGNS]
  KIND quickstart : one campaign, pfs / tcp-cubic / tcp-newreno / udp over link.loss, 10 seeds
                    per point, bulk metrics and series for the pfs runs, plus a dumbbell campaign
       same       : CAMPAIGNS (default 2) campaigns of the same distributions, different seeds
       phases     : one loss_schedule campaign (goodput_bps_phase0..2) over two sweep points
                    (link.delay 1, 2), 6 seeds with a shared +-20 % seed effect: "weak" is behind
                    everyone in its worst phase; at delay 1 "edge" is 1 % above "strong" on every
                    seed (ahead only when paired), at delay 2 "adaptive" straddles "strong" (a
                    tie); "lonely" has 1 seed at each point
       planted    : campaign 1 = baseline; campaign 2 = pfs with a worse setting (goodput -25 %,
                    fct +33 %); benchmarks of both commits, BM_slow 30 % slower at bbbb2222
Values are drawn from fixed distributions with Python's random.Random(SEED), so a database is a
pure function of its arguments.
"""

import json
import math
import random
import sqlite3
import sys

SCHEMA = """
CREATE TABLE campaigns(id INTEGER PRIMARY KEY, name TEXT, scenario_path TEXT, scenario_sha256 TEXT,
  scenario_yaml TEXT, git_commit TEXT, host TEXT, started_at TEXT, finished_at TEXT);
CREATE TABLE runs(id INTEGER PRIMARY KEY, campaign_id INTEGER, backend TEXT, protocol TEXT, label TEXT,
  params TEXT, options TEXT, seed INTEGER, status TEXT, error TEXT, wall_seconds REAL, sim_seconds REAL,
  started_at TEXT, finished_at TEXT);
CREATE TABLE metrics(run_id INTEGER, name TEXT, value REAL, unit TEXT, PRIMARY KEY(run_id, name));
CREATE TABLE series(run_id INTEGER, name TEXT, t REAL, value REAL);
CREATE TABLE benchmarks(id INTEGER PRIMARY KEY, git_commit TEXT, host TEXT, name TEXT, iterations INTEGER,
  real_time_ns REAL, cpu_time_ns REAL, items_per_second REAL, bytes_per_second REAL, started_at TEXT);
"""

VARIANTS = [("pfs", "{}", "pfs", 1.10), ("tcp", '{"cc": "cubic"}', "tcp-cubic", 1.0),
            ("tcp", '{"cc": "newreno"}', "tcp-newreno", 0.9), ("udp", "{}", "udp", 1.2)]
LOSSES = [0.0, 0.005, 0.02, 0.05]
SEEDS_PER_POINT = 10


def model_goodput_bps(loss):
    # Roughly the quickstart link: 20 Mb/s, capped; Mathis-like decay with loss.
    return min(19.2e6, 1448 * 8 / (0.0506 * math.sqrt(max(loss, 1e-5)) / 1.2))


def add_campaign(db, rng, name="quickstart", commit="aaaa1111", worse_pfs=1.0):
    cur = db.execute("INSERT INTO campaigns(name, scenario_path, git_commit, host, started_at) VALUES (?,?,?,?,?)",
                     (name, "scenarios/%s.yaml" % name, commit, "test", "2026-01-01T00:00:00Z"))
    cid = cur.lastrowid
    for loss in LOSSES:
        params = json.dumps({"link.loss": loss})
        for protocol, options, label, scale in VARIANTS:
            for seed in range(1, SEEDS_PER_POINT + 1):
                run = db.execute("INSERT INTO runs(campaign_id, backend, protocol, label, params, options, seed, status)"
                                 " VALUES (?,?,?,?,?,?,?, 'ok')",
                                 (cid, "sim", protocol, label, params, options, seed)).lastrowid
                factor = worse_pfs if label == "pfs" else 1.0
                goodput = model_goodput_bps(loss) * min(scale, 1.0) * factor * rng.lognormvariate(0, 0.05)
                fct = 8 * 10e6 / goodput
                metrics = {"goodput_bps": (goodput, "bit/s"), "fct_s": (fct, "s"),
                           "bytes_delivered": (10e6, "bytes"), "integrity_ok": (1.0, ""),
                           "retransmitted_bytes": (10e6 * loss * rng.uniform(0.8, 1.2), "bytes"),
                           "rtt_p50_s": (0.0506 * rng.uniform(1.0, 1.3), "s"),
                           "wall_seconds": (rng.uniform(0.1, 3), "s")}
                db.executemany("INSERT INTO metrics VALUES (?,?,?,?)",
                               [(run, k, v, u) for k, (v, u) in metrics.items()])
                if label == "pfs" and seed == 1:
                    db.executemany("INSERT INTO series VALUES (?,?,?,?)",
                                   [(run, n, t * 0.1, v) for t in range(50) for n, v in
                                    (("cwnd_bytes", 14480 + 2000 * t), ("rtt_s", 0.0506 + 0.001 * (t % 7)),
                                     ("goodput_bps", goodput * (1 - math.exp(-t / 5))))])
    return cid


def add_dumbbell(db, rng, commit="aaaa1111"):
    cid = db.execute("INSERT INTO campaigns(name, git_commit) VALUES ('dumbbell-fairness', ?)", (commit,)).lastrowid
    for protocol, options, label, _ in VARIANTS[:3]:
        for seed in range(1, 6):
            run = db.execute("INSERT INTO runs(campaign_id, backend, protocol, label, params, options, seed, status)"
                             " VALUES (?, 'sim', ?, ?, '{}', ?, ?, 'ok')", (cid, protocol, label, options, seed)).lastrowid
            db.execute("INSERT INTO metrics VALUES (?, 'jain_fairness', ?, '')", (run, rng.uniform(0.85, 0.999)))
    return cid


def add_phases(db, rng):
    cid = db.execute("INSERT INTO campaigns(name, git_commit) VALUES ('adaptive', 'aaaa1111')").lastrowid
    # Two sweep points; each seed moves every label alike by up to +-20 % (a shared seed effect),
    # which only pairing by seed sees through. At delay 1: "edge" is 1 % above "strong" on every
    # seed. At delay 2: "adaptive" straddles "strong" (+-0.2, 0.4, 0.6 %).
    ties = [0.002, -0.002, 0.004, -0.004, 0.006, -0.006]

    def add(params, label, seed, phases):
        run = db.execute("INSERT INTO runs(campaign_id, backend, protocol, label, params, options, seed, status)"
                         " VALUES (?, 'sim', 'pfs', ?, ?, '{}', ?, 'ok')", (cid, label, params, seed)).lastrowid
        db.executemany("INSERT INTO metrics VALUES (?,?,?,?)",
                       [(run, "goodput_bps_phase%d" % i, v, "bit/s") for i, v in enumerate(phases)] +
                       [(run, "goodput_bps", sum(phases) / len(phases), "bit/s")])

    for delay in (1, 2):
        params = json.dumps({"link.delay": delay, "link.rate": 20000000})
        for seed in range(1, 7):
            shared = 1 + 0.2 * (seed - 3.5) / 2.5
            strong = [20.0e6, 13.9e6 * shared, 20.0e6]  # phase 1 is every label's worst
            add(params, "weak", seed, [17.4e6, 2.6e6 * rng.uniform(0.95, 1.05), 9.8e6])
            add(params, "strong", seed, strong)
            if delay == 1:
                add(params, "edge", seed, [25.0e6, strong[1] * 1.01, 25.0e6])
            else:
                add(params, "adaptive", seed, [25.0e6, strong[1] * (1 + ties[seed - 1]), 25.0e6])
        # "lonely" has one seed and the best median: nothing pairs with it for a verdict.
        add(params, "lonely", 1, [30e6, 30e6, 30e6])
    return cid


def make(path, kind, seed=1, campaigns=2):
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    if kind == "quickstart":
        add_campaign(db, rng)
        add_dumbbell(db, rng)
    elif kind == "phases":
        add_phases(db, rng)
    elif kind == "same":
        for i in range(campaigns):
            add_campaign(db, random.Random(seed * 1000 + i), commit="%08x" % (0xb0000000 + i))
    elif kind == "planted":
        add_campaign(db, rng, commit="aaaa1111")
        add_campaign(db, rng, commit="bbbb2222", worse_pfs=0.75)
        # Benchmarks, 5 repetitions a commit: BM_slow is 30 % slower at bbbb2222, BM_same is not.
        for commit, slow in (("aaaa1111", 1.0), ("bbbb2222", 1.3)):
            for _ in range(5):
                for name, factor in (("BM_slow", slow), ("BM_same", 1.0)):
                    db.execute("INSERT INTO benchmarks(git_commit, host, name, iterations, real_time_ns, cpu_time_ns)"
                               " VALUES (?, 'test', ?, 1000, ?, ?)",
                               (commit, name, 100 * factor * rng.uniform(0.97, 1.03), 100.0))
    else:
        raise SystemExit("unknown kind " + kind)
    db.commit()
    db.close()


if __name__ == "__main__":
    make(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1,
         int(sys.argv[4]) if len(sys.argv) > 4 else 2)
