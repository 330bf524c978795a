"""Draws the figures of `wirelab report` and writes index.html.

The C++ side (analysis/report.cc) has already queried the database, written one CSV per figure
(plus summary CSVs with bootstrap intervals and model curves) and a manifest; this module only
reads those CSVs, so every figure is drawn from exactly the rows its CSV holds.
"""

import html
import json
import os

import matplotlib

matplotlib.use("Agg")  # no display: the report is written from the CLI and from tests
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _interval(ax, fig_spec, out_dir):
    summary = pd.read_csv(os.path.join(out_dir, fig_spec["summary_csv"]))
    for label, group in summary.groupby("label"):
        group = group.sort_values("x")
        yerr = [group["median"] - group["ci_low"], group["ci_high"] - group["median"]]
        ax.errorbar(group["x"], group["median"], yerr=yerr, marker="o", capsize=3, label=label)
    ax.set_xlabel(fig_spec.get("x", ""))
    ax.set_ylabel(fig_spec["y"])
    if fig_spec.get("integer_x"):
        ax.set_xticks(sorted(summary["x"].unique()))


def _bar(ax, fig_spec, out_dir):
    summary = pd.read_csv(os.path.join(out_dir, fig_spec["summary_csv"]))
    yerr = [summary["median"] - summary["ci_low"], summary["ci_high"] - summary["median"]]
    ax.bar(summary["label"].astype(str), summary["median"], yerr=yerr, capsize=4)
    ax.set_ylabel(fig_spec["y"])
    if "ylim" in fig_spec:
        ax.set_ylim(*fig_spec["ylim"])
    if len(summary) > 4:
        ax.tick_params(axis="x", labelrotation=30)


def _cdf(ax, fig_spec, out_dir):
    rows = pd.read_csv(os.path.join(out_dir, fig_spec["csv"]))
    metric = fig_spec["y"]
    for label, group in rows.groupby("label"):
        values = group[metric].sort_values().to_numpy()
        fraction = [(i + 1) / len(values) for i in range(len(values))]
        ax.step(values, fraction, where="post", label=label)
    ax.set_xlabel(metric)
    ax.set_ylabel("fraction of runs")


def _series(fig, fig_spec, out_dir):
    rows = pd.read_csv(os.path.join(out_dir, fig_spec["csv"]))
    names = sorted(rows["name"].unique())
    fig.clear()
    fig.set_size_inches(7, max(4.5, 1.1 * len(names) + 1))  # an adaptive run has a dozen series
    axes = fig.subplots(max(len(names), 1), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, names or ["(no series)"]):
        part = rows[rows["name"] == name]
        # Decisions (adaptive_*) hold until the next one: steps; measurements: lines.
        ax.plot(part["t"], part["value"], drawstyle="steps-post" if name.startswith("adaptive_") else "default")
        ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel("t (s)")
    fig.suptitle(fig_spec["title"])


def _models(ax, fig_spec, out_dir):
    rows = pd.read_csv(os.path.join(out_dir, fig_spec["csv"]))
    curve = pd.read_csv(os.path.join(out_dir, fig_spec["curve_csv"]))
    for label, group in rows.groupby("label"):
        ax.scatter(group["x"].clip(lower=1e-4), group["goodput_bps"], label=label, s=12)
    ax.plot(curve["loss"], curve["padhye_bps"], "k-", label="Padhye (b=2, T0=0.2 s)")
    ax.plot(curve["loss"], curve["mathis_fitted_bps"], "k--",
            label="Mathis, fitted C=%.3g" % fig_spec.get("mathis_c", float("nan")))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("link.loss (0 drawn at 1e-4)")
    ax.set_ylabel("goodput_bps")


_DRAW = {"interval": _interval, "bar": _bar, "cdf": _cdf, "models": _models}


def render(out_dir, manifest_json):
    """Draws every figure of the manifest as PNG and SVG and writes out_dir/index.html."""
    manifest = json.loads(manifest_json)
    sections = []
    for spec in manifest["figures"]:
        fig = plt.figure(figsize=(7, 4.5 if spec["kind"] != "series" else 7))
        if spec["kind"] == "series":
            _series(fig, spec, out_dir)
        else:
            ax = fig.add_subplot(1, 1, 1)
            _DRAW[spec["kind"]](ax, spec, out_dir)
            ax.set_title(spec["title"], fontsize=10)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8)
            ax.grid(True, alpha=0.3)
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, spec["id"] + ".png"), dpi=100)
        fig.savefig(os.path.join(out_dir, spec["id"] + ".svg"))
        plt.close(fig)
        links = ['<a href="%s.svg">SVG</a>' % spec["id"], '<a href="%s">CSV</a>' % spec["csv"]]
        for extra in ("summary_csv", "curve_csv", "table_csv"):
            if extra in spec:
                links.append('<a href="%s">%s</a>' % (spec[extra], extra.replace("_", " ")))
        table = ""
        if "table_csv" in spec:
            rows = pd.read_csv(os.path.join(out_dir, spec["table_csv"]))
            table = "<p>%s</p>%s" % (html.escape(spec.get("table_caption", "")),
                                     rows.to_html(index=False, float_format=lambda v: "%.4g" % v))
        sections.append(
            '<section id="%s"><h2>%s</h2><img src="%s.png" alt="%s"><p>%s</p>%s'
            "<p>The CSV is the result of:</p><pre>%s</pre></section>"
            % (spec["id"], html.escape(spec["title"]), spec["id"], html.escape(spec["title"]),
               " | ".join(links), table, html.escape(spec["sql"])))
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>wirelab report: campaign %d</title>'
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}pre{background:#f4f4f4;"
        "padding:6px;white-space:pre-wrap}img{max-width:100%%}</style></head><body>\n"
        "<h1>Campaign %d: %s</h1><p>Database: %s. %d figures.</p>\n%s\n</body></html>\n"
        % (manifest["campaign_id"], manifest["campaign_id"], html.escape(str(manifest["campaign_name"])),
           html.escape(manifest["db"]), len(sections), "\n".join(sections)))
    with open(os.path.join(out_dir, "index.html"), "w") as f:
        f.write(page)
    return os.path.join(out_dir, "index.html")
