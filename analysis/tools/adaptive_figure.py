#!/usr/bin/python3
"""Figure for docs/protocols/pfs-adaptive.md: per-phase goodput of every variant of the latest
`adaptive` campaign, and one adaptive run's FEC choice (adaptive_fec_m) against the loss schedule.

usage: /usr/bin/python3 analysis/tools/adaptive_figure.py DB OUT.png
"""
import json
import sqlite3
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    db, out = sys.argv[1], sys.argv[2]
    con = sqlite3.connect(db)
    (campaign, yaml_text) = con.execute(
        "select id, scenario_yaml from campaigns where name = 'adaptive' order by id desc limit 1").fetchone()
    rows = con.execute("select r.label, m.name, m.value from runs r join metrics m on m.run_id = r.id "
                       "where r.campaign_id = ? and m.name like 'goodput_bps_phase%'", (campaign,)).fetchall()
    per = {}
    for label, name, value in rows:
        per.setdefault(label, {}).setdefault(int(name[len("goodput_bps_phase"):]), []).append(value / 1e6)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    labels = list(per)
    phases = sorted({p for v in per.values() for p in v})
    width = 0.8 / len(labels)
    for i, label in enumerate(labels):
        a.bar([p + i * width for p in phases], [statistics.median(per[label][p]) for p in phases], width, label=label)
    a.set_xticks([p + 0.4 - width / 2 for p in phases])
    a.set_xticklabels(["phase %d" % p for p in phases])
    a.set_ylabel("goodput, Mbit/s (median of seeds)")
    a.set_yscale("log")
    a.legend(fontsize=8)
    run = con.execute("select id from runs where campaign_id = ? and label like '%adaptive%' order by seed limit 1",
                      (campaign,)).fetchone()[0]
    for name, style in (("adaptive_fec_m", "-"), ("adaptive_loss", ":")):
        pts = con.execute("select t, value from series where run_id = ? and name = ? order by t", (run, name)).fetchall()
        ys = [v * (100 if name == "adaptive_loss" else 1) for _, v in pts]
        b.step([t for t, _ in pts], ys, style, where="post",
               label="repair packets m (k = 10)" if name == "adaptive_fec_m" else "measured loss, %")
    b.set_xlabel("time, s")
    b.set_title("adaptive run %d: FEC choice per decision" % run, fontsize=9)
    b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=90)


if __name__ == "__main__":
    main()
