"""Checks a `report` output directory: every figure of manifest.json has its PNG and SVG, and its
CSV equals the result of the SQL printed under it (run here with Python's sqlite3).

usage: check_report_csvs.py DB OUT_DIR ; exit 0 when all match."""

import csv
import json
import math
import os
import sqlite3
import sys


def same(cell, value):
    if value is None:
        return cell == ""
    if isinstance(value, float) or isinstance(value, int):
        return math.isclose(float(cell), float(value), rel_tol=1e-12, abs_tol=0.0)
    return cell == str(value)


def main(db_path, out_dir):
    manifest = json.load(open(os.path.join(out_dir, "manifest.json")))
    db = sqlite3.connect(db_path)
    problems = []
    html = open(os.path.join(out_dir, "index.html")).read()
    for fig in manifest["figures"]:
        for ext in (".png", ".svg"):
            if not os.path.getsize(os.path.join(out_dir, fig["id"] + ext)):
                problems.append(fig["id"] + ext + " empty")
        cursor = db.execute(fig["sql"])
        header = [d[0] for d in cursor.description]
        expected = cursor.fetchall()
        with open(os.path.join(out_dir, fig["csv"])) as f:
            rows = list(csv.reader(f))
        if rows[0] != header:
            problems.append("%s: header %s != %s" % (fig["csv"], rows[0], header))
        if len(rows) - 1 != len(expected) or not expected:
            problems.append("%s: %d rows, SQL gives %d" % (fig["csv"], len(rows) - 1, len(expected)))
        for got, want in zip(rows[1:], expected):
            if not all(same(c, v) for c, v in zip(got, want)):
                problems.append("%s: %s != %s" % (fig["csv"], got, want))
                break
        if fig["id"] + ".png" not in html:
            problems.append(fig["id"] + " not on the page")
    print("\n".join(problems) or "%d figures, every CSV matches its SQL" % len(manifest["figures"]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
