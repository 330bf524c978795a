#!/usr/bin/env python3
"""Writes docs/PERFORMANCE.md from measurements taken now, on this machine.

Each section of the file is produced by one measurement and rewritten in place between its
markers, so sections measured at different times (or on different machines) can coexist and
each says when, where and with which command its numbers were taken.

usage: ./lab perf [SECTION...]     (no section: all of them)
sections: sim-cost, runtime, refcodec-gpu
"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "docs", "PERFORMANCE.md")
HEADER = """# Performance

Every figure here was written by `./lab perf` (the section names the exact command it ran), on the
machine and commit it names. Re-run it to refresh a section; the others are left as they are.
"""


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    # WIRELAB_PERF_COMMIT names the commit where the tree measured is a copy whose own git
    # history is not the one built (a GPU machine given the working tree and the binaries).
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return f"{platform.node()}, {os.cpu_count()} cores, {cpu}; commit {os.environ.get('WIRELAB_PERF_COMMIT') or commit or 'unknown'}; {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC"


def section_sim_cost(build):
    binary = os.path.join(build, "sim", "wirelab-sim-cost")
    args = ["--bytes", "200000000", "--rate-bps", "100000000", "--delay-s", "0.01", "--json"]
    runs = []
    for _ in range(3):
        out = subprocess.run([binary] + args, capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out))
    rows = {}
    for run in runs:
        for r in run:
            rows.setdefault(r["name"], []).append(r)
    lines = [
        "## Cost of the sim host",
        "",
        "Wall-clock seconds per simulated GB delivered: PFS hosted through `EndpointApplication`",
        "(sans-IO endpoint over an ns-3 UDP socket) against ns-3's own `BulkSendApplication` over ns-3",
        "TCP Cubic, on the same 100 Mbit/s, 10 ms point-to-point link, 200 MB each, measured in one",
        "run (three repetitions, median shown).",
        "",
        f"Command: `./lab perf sim-cost` (runs `build/sim/wirelab-sim-cost {' '.join(args)}` three times)",
        f"Measured on: {machine()}",
        "",
        "| host | wall s per simulated GB | simulated s | ns-3 events | events per wall second |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, rs in rows.items():
        rs = sorted(rs, key=lambda r: r["wall_s_per_gb"])
        m = rs[len(rs) // 2]
        lines.append(f"| {name} | {m['wall_s_per_gb']:.2f} | {m['sim_s']:.2f} | {m['events']:,} | {m['events'] / m['wall_s']:,.0f} |")
    names = list(rows)
    if len(names) == 2:
        a = sorted(r["wall_s_per_gb"] for r in rows[names[0]])[1]
        b = sorted(r["wall_s_per_gb"] for r in rows[names[1]])[1]
        lines += ["", f"{names[0]} costs {a / b:.2f} x the wall time of {names[1]} per simulated byte."]
    return "\n".join(lines)


def section_refcodec_gpu(build):
    """The CUDA frame codec beside memcpy (harness/bench/refcodec_gpu_bench.cc); needs a GPU."""
    binary = os.path.join(build, "harness", "wirelab-bench")
    args = ["--benchmark_filter=refcodec/gpu", "--benchmark_min_time=0.2", "--benchmark_repetitions=5",
            "--benchmark_report_aggregates_only=true", "--benchmark_format=json"]
    out = subprocess.run([binary] + args, capture_output=True, text=True, check=True).stdout
    medians = [b for b in json.loads(out)["benchmarks"] if b.get("aggregate_name") == "median"]
    if not medians:
        sys.exit("perf: refcodec-gpu: no GPU benchmarks ran (they register only when the build has "
                 "CUDA and a GPU is visible)")
    device = medians[0].get("label", "unknown GPU")

    def parts(b):  # refcodec/gpu/<what>[/<tier>]/<N>/<manual|real>_time
        name = b["run_name"].split("/")[2:-1]
        return name[0], (name[1] if len(name) == 3 else ""), int(name[-1])

    memcpy = {(what, n): b["bytes_per_second"] for b in medians for what, _, n in [parts(b)]
              if what in ("device_memcpy", "host_memcpy")}
    lines = [
        "## refcodec on the GPU",
        "",
        "The CUDA frame codec (protocols/refcodec/cuda/, docs/protocols/refcodec.md) beside memcpy in",
        "the same run. `device_*`, `pack`, `unpack`: buffers in GPU memory, timed with CUDA events",
        "(pack is its three kernels: frame sizes, CUB scan, packing). `host_*`: host memory to host",
        "memory, `host_pack` through `pack_frames` with its PCIe copies both ways, `host_memcpy` a",
        "plain `std::memcpy`. bytes/s counts the references' 4 bytes each everywhere, so the last",
        "column is the ratio to the memcpy of the same side and size. N = 2^20 references (4 MiB,",
        "held in the GPU's L2) and 2^26 (256 MiB, device-memory bound). Medians of 5.",
        "",
        f"Command: `./lab perf refcodec-gpu` (runs `build/harness/wirelab-bench {' '.join(args)}`)",
        f"Measured on: {device}; host {machine()}",
        "",
        "| benchmark | references | time | references/s | bytes/s | vs memcpy |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for b in medians:
        what, tier, n = parts(b)
        side = "host_memcpy" if what.startswith("host") else "device_memcpy"
        ratio = b["bytes_per_second"] / memcpy[(side, n)] if (side, n) in memcpy else float("nan")
        scale = {"ns": 1e-3, "us": 1, "ms": 1e3, "s": 1e6}[b["time_unit"]]
        lines.append(f"| {what}{' ' + tier if tier else ''} | 2^{n.bit_length() - 1} | {b['real_time'] * scale:,.1f} us "
                     f"| {b['items_per_second'] / 1e9:,.1f} G | {b['bytes_per_second'] / 1e9:,.1f} GB/s | {ratio:.2f} |")
    return "\n".join(lines)


def section_runtime(build):
    binary = os.path.join(build, "harness", "wirelab-bench")
    args = ["--benchmark_filter=^(spsc|mpmc|scheduler|partitioner)/", "--benchmark_repetitions=5",
            "--benchmark_report_aggregates_only=true", "--benchmark_format=json"]
    out = subprocess.run([binary] + args, capture_output=True, text=True, check=True).stdout
    medians = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            medians[b["run_name"]] = b

    def find(prefix):
        return next((b for name, b in medians.items() if name.startswith(prefix)), None)

    def ns(b):
        return b["real_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]] if b else float("nan")

    def rate(b):
        return b.get("items_per_second", float("nan")) if b else float("nan")

    lines = [
        "## Worker runtime channels, scheduler, partitioners",
        "",
        "Google Benchmark medians of 5 repetitions; ours beside boost::lockfree and",
        "moodycamel::ConcurrentQueue in the same binary and run. Latency benchmarks are one-way",
        "hand-offs between two pinned threads (ns per item); throughput ones count items per second.",
        "",
        f"Command: `./lab perf runtime` (runs `build/harness/wirelab-bench {' '.join(args[:3])}`)",
        f"Measured on: {machine()}",
        "",
        "| benchmark | ns per op (median) | items/s |",
        "| --- | ---: | ---: |",
    ]
    for name, b in medians.items():
        lines.append(f"| {name} | {ns(b):.1f} | {rate(b):,.0f} |")
    spsc_lat, floor = ns(find("spsc/latency/wirelab")), ns(find("spsc/latency/cache_line_floor"))
    spsc_tp = rate(find("spsc/throughput/wirelab")) / rate(find("spsc/throughput/boost_spsc_queue"))
    mpmc_lat = ns(find("mpmc/latency/wirelab"))
    mpmc_tp = rate(find("mpmc/throughput_2p2c/wirelab")) / rate(find("mpmc/throughput_2p2c/moodycamel"))
    lines += [
        "",
        "Against the targets of issue 5:",
        "",
        f"- SPSC one-way latency {spsc_lat:.0f} ns (target < 100 ns; a bare cache-line hand-off between",
        f"  the same two cores costs {floor:.0f} ns here, the floor any queue pays); throughput",
        f"  {spsc_tp:.2f} x boost::lockfree::spsc_queue (target >= 1.5).",
        f"- MPMC one-way latency {mpmc_lat:.0f} ns (target < 500 ns); 2 producers + 2 consumers",
        f"  throughput {mpmc_tp:.2f} x moodycamel::ConcurrentQueue (target >= 1.0).",
    ]
    return "\n".join(lines)


SECTIONS = {"sim-cost": section_sim_cost, "runtime": section_runtime, "refcodec-gpu": section_refcodec_gpu}


def main():
    build = os.environ.get("WIRELAB_BUILD_DIR", os.path.join(ROOT, "build"))
    wanted = sys.argv[1:] or list(SECTIONS)
    for name in wanted:
        if name not in SECTIONS:
            sys.exit(f"perf: unknown section '{name}'; sections: {', '.join(SECTIONS)}")
    text = open(DOC).read() if os.path.exists(DOC) else HEADER
    for name in wanted:
        print(f"perf: measuring {name} ...", file=sys.stderr, flush=True)
        body = SECTIONS[name](build)
        block = f"<!-- BEGIN {name} -->\n{body}\n<!-- END {name} -->"
        pattern = re.compile(rf"<!-- BEGIN {re.escape(name)} -->.*?<!-- END {re.escape(name)} -->", re.S)
        text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
    with open(DOC, "w") as f:
        f.write(text)
    print(f"perf: wrote {os.path.relpath(DOC, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
