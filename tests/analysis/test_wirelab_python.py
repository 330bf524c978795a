"""The `wirelab` Python package (CONTRACT §5) and the `_wirelab` extension, run by ctest as
analysis.python with PYTHONPATH=<build>/analysis/python."""

import os
import stat
import subprocess
import sys
import tempfile
import unittest

import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixture_db  # noqa: E402
import wirelab  # noqa: E402
from wirelab import _wirelab  # noqa: E402


class LabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = os.path.join(cls.tmp.name, "q.db")
        make_fixture_db.make(cls.db, "quickstart", 5)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_runs_of_a_campaign_have_metric_and_param_columns(self):
        lab = wirelab.open(self.db)
        self.assertEqual(list(lab.campaigns()["id"]), [1, 2])
        runs = lab.runs(campaign=1)
        self.assertEqual(len(runs), 4 * 4 * 10)
        for column in ("id", "protocol", "label", "seed", "goodput_bps", "fct_s", "integrity_ok", "link.loss"):
            self.assertIn(column, runs.columns)
        run = runs[runs["label"] == "tcp-cubic"].iloc[0]
        direct = lab._db.execute("SELECT value FROM metrics WHERE run_id = ? AND name = 'goodput_bps'",
                                 (int(run["id"]),)).fetchone()[0]
        self.assertEqual(run["goodput_bps"], direct)
        self.assertEqual(set(lab.runs()["label"]), {"pfs", "tcp-cubic", "tcp-newreno"})  # latest = dumbbell
        # `wall_seconds` is a run column and a metric (CONTRACT): one column, the metric's value
        # where the fixture left the run column empty.
        self.assertNotIn("wall_seconds_x", runs.columns)
        wall = lab._db.execute("SELECT value FROM metrics WHERE run_id = ? AND name = 'wall_seconds'",
                               (int(run["id"]),)).fetchone()[0]
        self.assertEqual(run["wall_seconds"], wall)

    def test_metrics_and_series(self):
        lab = wirelab.open(self.db)
        metrics = lab.metrics(1)
        self.assertEqual(list(metrics.columns), ["run_id", "name", "value", "unit"])
        self.assertEqual(len(metrics), 160 * 7)
        pfs = lab.runs(1)
        first = int(pfs[(pfs["label"] == "pfs") & (pfs["seed"] == 1)].iloc[0]["id"])
        series = lab.series(first)
        self.assertEqual(list(series.columns), ["t", "name", "value"])
        self.assertEqual(set(series["name"]), {"cwnd_bytes", "rtt_s", "goodput_bps"})

    def test_artifacts_of_capturing_runs(self):
        db = os.path.join(self.tmp.name, "artifacts.db")
        make_fixture_db.make(db, "planted", 1)
        # A schema 1 file has no artifacts table: empty, and runs() has no path columns.
        lab = wirelab.open(db)
        self.assertEqual(list(lab.artifacts(1).columns), ["run_id", "kind", "path"])
        self.assertTrue(lab.artifacts(1).empty)
        self.assertNotIn("pcap_path", lab.runs(1).columns)
        lab.close()
        import sqlite3
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE artifacts(run_id INTEGER, kind TEXT, path TEXT, PRIMARY KEY(run_id, kind))")
        first, second = [r[0] for r in con.execute("SELECT id FROM runs WHERE campaign_id = 1 ORDER BY id LIMIT 2")]
        con.execute("INSERT INTO artifacts VALUES (?, 'pcap', '/c/1/a.pcap')", (first,))
        con.execute("INSERT INTO artifacts VALUES (?, 'keylog', '/c/1/a.keys')", (first,))
        con.execute("INSERT INTO artifacts VALUES (?, 'pcap', '/c/1/b.pcap')", (second,))
        con.commit()
        con.close()
        lab = wirelab.open(db)
        self.assertEqual(len(lab.artifacts(1)), 3)
        runs = lab.runs(1).set_index("id")
        self.assertEqual(runs.loc[first, "pcap_path"], "/c/1/a.pcap")
        self.assertEqual(runs.loc[first, "keylog_path"], "/c/1/a.keys")
        self.assertEqual(runs.loc[second, "pcap_path"], "/c/1/b.pcap")
        self.assertTrue(runs["pcap_path"].isna().sum() == len(runs) - 2)

    def test_missing_database_raises(self):
        with self.assertRaises(FileNotFoundError):
            wirelab.open(os.path.join(self.tmp.name, "absent.db"))

    def test_run_invokes_the_cli_and_returns_the_new_campaign(self):
        db = os.path.join(self.tmp.name, "run.db")
        make_fixture_db.make(db, "planted", 1)
        fake = os.path.join(self.tmp.name, "fake-wirelab")
        args_file = os.path.join(self.tmp.name, "fake-args")
        # Like the CLI: adds a campaign, and its table's heading names it ("x — campaign N, ...").
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n# args: run SCENARIO --db DB ...\n"
                    "echo \"$@\" > '%s'\n"
                    "/usr/bin/python3 -c \"import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                    "c.execute(\\\"INSERT INTO campaigns(name) VALUES ('x')\\\"); c.commit(); "
                    "n=c.execute('SELECT max(id) FROM campaigns').fetchone()[0]; "
                    "print(); print('x \u2014 campaign %%d, database %%s' %% (n, sys.argv[1]))\" \"$4\"\n" % args_file)
        os.chmod(fake, os.stat(fake).st_mode | stat.S_IEXEC)
        os.environ["WIRELAB_BINARY"] = fake
        try:
            self.assertEqual(wirelab.run("scenarios/quickstart.yaml", db=db), 3)
            self.assertEqual(wirelab.run("scenarios/quickstart.yaml", db, "--capture-dir", "c", jobs=2, resume=True), 4)
            with open(args_file) as f:
                self.assertEqual(f.read().split(), ["run", "scenarios/quickstart.yaml", "--db", db, "--capture-dir", "c",
                                                    "--jobs", "2", "--resume"])
        finally:
            del os.environ["WIRELAB_BINARY"]


class ExtensionTest(unittest.TestCase):
    def test_mann_whitney_matches_scipy(self):
        import random
        rng = random.Random(9)
        for trial in range(20):
            a = [round(rng.gauss(0, 1), 1) for _ in range(rng.randint(3, 25))]
            b = [round(rng.gauss(0.3, 1), 1) for _ in range(rng.randint(3, 25))]
            u, p = _wirelab.mann_whitney_u(a, b)
            ref = scipy.stats.mannwhitneyu(a, b)
            self.assertAlmostEqual(u, ref.statistic, places=9, msg="trial %d (seed 9)" % trial)
            self.assertAlmostEqual(p, ref.pvalue, places=9, msg="trial %d (seed 9)" % trial)

    def test_bootstrap_is_seeded(self):
        values = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.6]
        self.assertEqual(_wirelab.bootstrap_median(values, 3), _wirelab.bootstrap_median(values, 3))
        median, low, high = _wirelab.bootstrap_median(values, 3)
        self.assertEqual(median, 3.0)
        self.assertLessEqual(low, median)
        self.assertGreaterEqual(high, median)
        self.assertEqual(wirelab.holm_adjust([0.01, 0.04]), [0.02, 0.04])


@unittest.skipUnless(os.environ.get("WIRELAB_ANALYSIS_CLI"), "WIRELAB_ANALYSIS_CLI not set")
class CliTest(unittest.TestCase):
    def test_report_and_regress_exit_codes(self):
        cli = os.environ["WIRELAB_ANALYSIS_CLI"]
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "p.db")
            make_fixture_db.make(db, "planted", 2)
            run = lambda *a: subprocess.run([cli, *a], capture_output=True, text=True)  # noqa: E731
            self.assertEqual(run("regress", "--baseline", "1", "--candidate", "2", "--db", db).returncode, 1)
            self.assertEqual(run("regress", "--baseline", "1", "--candidate", "1", "--db", db).returncode, 0)
            self.assertEqual(run("regress", "--baseline", "1", "--candidate", "zz", "--db", db).returncode, 2)
            out = os.path.join(tmp, "rep")
            result = run("report", "--db", db, "--campaign", "1", "--out", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            check = subprocess.run([sys.executable, os.path.join(HERE, "check_report_csvs.py"), db, out])
            self.assertEqual(check.returncode, 0)


if __name__ == "__main__":
    unittest.main()
