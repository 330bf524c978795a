"""wirelab from Python: read a results database (CONTRACT §4) as pandas DataFrames, run
scenarios through the `wirelab` CLI, and use the C++ statistics (`_wirelab`, a pybind11 module
built by CMake) that `regress` and `report` use.

    import wirelab
    lab = wirelab.open("results/wirelab.db")
    lab.runs()              # latest campaign, one row per run, one column per metric
    lab.artifacts()         # files the runs wrote (capture: true): run_id, kind, path
"""

import json
import os
import re
import sqlite3
import subprocess

import pandas as pd

try:  # the compiled statistics; absent when only the source tree is on the path
    from ._wirelab import mann_whitney_u, bootstrap_median, bootstrap_relative_median_change, \
        holm_adjust, benjamini_hochberg_adjust  # noqa: F401
except ImportError:  # pragma: no cover - depends on the build
    pass

__all__ = ["open", "run", "Lab"]


class Lab:
    """A results database, opened read-only."""

    def __init__(self, path):
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        self.path = path
        self._db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)

    def close(self):
        self._db.close()

    def _campaign_id(self, campaign):
        if campaign in (None, "latest"):
            row = self._db.execute("SELECT max(id) FROM campaigns").fetchone()
            if row[0] is None:
                raise LookupError("%s has no campaigns" % self.path)
            return int(row[0])
        return int(campaign)

    def campaigns(self):
        """One row per campaign."""
        return pd.read_sql_query("SELECT * FROM campaigns ORDER BY id", self._db)

    def runs(self, campaign="latest"):
        """One row per run of the campaign: the run's columns, each swept parameter (from
        `params`) and one column per metric."""
        cid = self._campaign_id(campaign)
        runs = pd.read_sql_query("SELECT * FROM runs WHERE campaign_id = ? ORDER BY id", self._db, params=(cid,))
        metrics = self.metrics(cid)
        if not metrics.empty:
            wide = metrics.pivot_table(index="run_id", columns="name", values="value", aggfunc="first")
            wide.columns.name = None
            # A metric named like a run column (`wall_seconds`: CONTRACT has both, equal) stays
            # one column under that name, the metric filling in where the run column is empty;
            # merging both would leave `wall_seconds_x` and `wall_seconds_y` and no `wall_seconds`.
            shared = [name for name in wide.columns if name in runs.columns]
            for name in shared:
                runs[name] = runs[name].fillna(runs["id"].map(wide[name]))
            runs = runs.merge(wide.drop(columns=shared), how="left", left_on="id", right_index=True)
        artifacts = self.artifacts(cid)
        for kind in sorted(set(artifacts["kind"])):
            paths = artifacts[artifacts["kind"] == kind].set_index("run_id")["path"]
            runs[kind + "_path"] = runs["id"].map(paths)
        params = runs["params"].map(lambda text: json.loads(text) if text else {})
        for key in sorted({k for p in params for k in p}):
            if key not in runs.columns:
                runs[key] = params.map(lambda p, key=key: p.get(key))
        return runs

    def metrics(self, campaign="latest"):
        """Long form: run_id, name, value, unit."""
        cid = self._campaign_id(campaign)
        return pd.read_sql_query(
            "SELECT m.run_id, m.name, m.value, m.unit FROM metrics m JOIN runs r ON r.id = m.run_id "
            "WHERE r.campaign_id = ? ORDER BY m.run_id, m.name", self._db, params=(cid,))

    def artifacts(self, campaign="latest"):
        """Files the campaign's runs wrote: run_id, kind (pcap, keylog), path. runs() shows
        them as `pcap_path` / `keylog_path` columns. Empty for databases older than schema 2."""
        cid = self._campaign_id(campaign)
        has_table = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'artifacts'").fetchone()
        if not has_table:
            return pd.DataFrame(columns=["run_id", "kind", "path"])
        return pd.read_sql_query(
            "SELECT a.run_id, a.kind, a.path FROM artifacts a JOIN runs r ON r.id = a.run_id "
            "WHERE r.campaign_id = ? ORDER BY a.run_id, a.kind", self._db, params=(cid,))

    def series(self, run_id):
        """t, name, value of one run."""
        return pd.read_sql_query("SELECT t, name, value FROM series WHERE run_id = ? ORDER BY name, t",
                                 self._db, params=(int(run_id),))


def open(path="results/wirelab.db"):  # noqa: A001 - the contract's name
    return Lab(path)


def _binary():
    if os.environ.get("WIRELAB_BINARY"):
        return os.environ["WIRELAB_BINARY"]
    here = os.path.dirname(os.path.realpath(__file__))
    # build/analysis/python/wirelab -> build/harness/wirelab; analysis/python/wirelab -> build/...
    for candidate in (os.path.join(here, "..", "..", "..", "harness", "wirelab"),
                      os.path.join(here, "..", "..", "..", "build", "harness", "wirelab")):
        if os.access(candidate, os.X_OK):
            return os.path.normpath(candidate)
    raise FileNotFoundError("wirelab binary not found: build it or set WIRELAB_BINARY")


def run(scenario, db="results/wirelab.db", *args, jobs=None, backend=None, resume=False):
    """Runs a scenario with the `wirelab` CLI and returns its campaign's id (the one continued,
    with resume=True). jobs, backend and resume are the CLI's --jobs, --backend and --resume;
    further CLI arguments may follow db positionally (e.g. "--capture-dir", "caps")."""
    options = list(args)
    if jobs is not None:
        options += ["--jobs", str(jobs)]
    if backend is not None:
        options += ["--backend", backend]
    if resume:
        options.append("--resume")
    result = subprocess.run([_binary(), "run", scenario, "--db", db, *options], capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise RuntimeError("wirelab run failed (%d): %s" % (result.returncode, result.stderr))
    # The comparison table's heading names the campaign: "<name> — campaign N, database ...".
    found = re.search(r" campaign (\d+), database ", result.stdout)
    if not found:
        raise RuntimeError("wirelab run reported no campaign: %s" % (result.stderr or result.stdout))
    return int(found.group(1))
