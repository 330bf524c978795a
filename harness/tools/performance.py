#!/usr/bin/env python3
"""Writes docs/PERFORMANCE.md from measurements taken now, on this machine.

Each section of the file is produced by one measurement and rewritten in place between its
markers, so sections measured at different times (or on different machines) can coexist and
each says when, where and with which command its numbers were taken.

usage: ./lab perf [SECTION...]     (no section: all of them)
sections: sim-cost, runtime, refcodec, refcodec-gpu, loopback
"""
import datetime
import json
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

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


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iperf3_once(total_bytes, cc, mss):
    """One iperf3 transfer on 127.0.0.1: (receiver goodput bit/s, CPU seconds of both ends)."""
    port = free_port()
    server = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):  # the server needs a moment to listen; the client fails fast until then
            mss_args = ["-M", str(mss)] if mss else []  # None: loopback's own MSS
            out = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-n", str(total_bytes), "-C", cc,
                                  *mss_args, "-J"], capture_output=True, text=True)
            result = json.loads(out.stdout) if out.stdout.strip() else {}
            if "end" in result and "sum_received" in result["end"]:
                received = result["end"]["sum_received"]
                cpu = result["end"].get("cpu_utilization_percent", {})
                cpu_s = (cpu.get("host_total", 0) + cpu.get("remote_total", 0)) / 100 * received["seconds"]
                return received["bits_per_second"], cpu_s
            time.sleep(0.05)
        raise RuntimeError(f"iperf3 did not run: {out.stdout[-300:]} {out.stderr[-300:]}")
    finally:
        try:
            server.wait(timeout=5)  # -1: it exits after its one test
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def spread(values):
    values = sorted(values)
    return statistics.median(values), values[0], values[-1]


def section_loopback(build):
    scenario = os.path.join(ROOT, "scenarios", "loopback.yaml")
    text = open(scenario).read()
    total_bytes = int(float(re.search(r"^\s*bytes:\s*(\d+(?:\.\d+)?)MB\s*$", text, re.M).group(1)) * 1e6)
    mtus = [int(m) for m in re.search(r"^\s*link\.mtu:\s*\[([^\]]*)\]", text, re.M).group(1).split(",")]
    os.makedirs(os.path.join(ROOT, "results"), exist_ok=True)
    db = os.path.join(ROOT, "results", "perf-loopback.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)

    def mss_of(mtu):
        # As the TCP runner does (harness/real/kernel_tcp.cc): MTU - 40, or loopback's own MSS
        # when that is more than the kernel's TCP_MAXSEG takes.
        return mtu - 40 if mtu - 40 <= 32767 else None

    def iperf_round():
        return {mtu: iperf3_once(total_bytes, "cubic", mss_of(mtu)) for mtu in mtus}

    seeds = int(re.search(r"^seeds:\s*(\d+)\s*$", text, re.M).group(1))
    load_before = os.getloadavg()[0]
    # This VM's loopback speed drifts by up to 2x within minutes, so iperf3 and the campaign
    # take turns: an iperf3 round (every MTU), one shard of the campaign (one seed of every
    # protocol and point: `--shard I/N` keeps every N-th run, seeds being the innermost loop), and
    # so on, with a last iperf3 round after the last shard.
    iperf = {mtu: [] for mtu in mtus}
    command = [os.path.join(build, "harness", "wirelab"), "run", scenario, "--db", db, "--jobs", "1"]
    for shard in range(seeds + 1):
        for mtu, result in iperf_round().items():
            iperf[mtu].append(result)
        if shard < seeds:
            subprocess.run(command + ["--shard", f"{shard}/{seeds}"], check=True, stdout=subprocess.DEVNULL)
    load_after = os.getloadavg()[0]

    con = sqlite3.connect(db)
    rows = {}
    order = []
    for run_id, label, params, status in con.execute("select id, label, params, status from runs order by id"):
        metrics = dict(con.execute("select name, value from metrics where run_id = ?", (run_id,)).fetchall())
        mtu = int(json.loads(params or "{}").get("link.mtu", mtus[0]))
        if label not in order:
            order.append(label)
        rows.setdefault((mtu, label), []).append((status, metrics))
    con.close()

    def summary(runs):
        ok = [m for st, m in runs if st == "ok"]
        goodputs = [m["goodput_bps"] for m in ok]
        cpus = [m["cpu_seconds"] for m in ok if "cpu_seconds" in m]
        losses = [m["loss_rate_observed"] for m in ok if "loss_rate_observed" in m]
        integrity = sum(1 for m in ok if m.get("integrity_ok") == 1)
        return {"runs": len(runs), "ok": len(ok), "integrity": integrity,
                "goodput": spread(goodputs) if goodputs else None,
                "cpu": statistics.median(cpus) if cpus else None,
                "loss": statistics.median(losses) if losses else None}

    stats = {key: summary(runs) for key, runs in rows.items()}
    gb = total_bytes / 1e9

    def iperf_command(mtu):
        mss = mss_of(mtu)
        return f"iperf3 -c 127.0.0.1 -n {total_bytes} -C cubic" + (f" -M {mss}" if mss else "")

    lines = [
        "## Loopback: PFS, kernel TCP, QUIC, plain UDP and iperf3",
        "",
        f"One bulk flow of {total_bytes / 1e6:.0f} MB on 127.0.0.1, real backend (`scenarios/loopback.yaml`:",
        f"pfs with its default cc bbr, kernel tcp cubic, quic cubic, and the constant-rate udp sender asked",
        f"for 100 Gbit/s; {seeds} seeds each, one run at a time), at link MTU "
        + " and ".join(str(m) for m in mtus) + ".",
        "At 1500 the hosted protocols send 1472-byte datagrams and TCP uses MSS 1460; at 65535 (loopback's",
        "own MTU) they send 65507-byte datagrams and TCP keeps loopback's own MSS. iperf3 runs with the same",
        "congestion control, MSS and transfer size, as an independent check of the kernel TCP runner. The",
        f"campaign runs in {seeds} shards of one seed each, and an iperf3 round (each MTU once) runs before each",
        f"shard and after the last ({seeds + 1} iperf3 runs per MTU): this VM's loopback speed drifts up to 2 x",
        "within minutes, and taking turns puts the same drift into both sides of each ratio. Goodput is bytes delivered / flow",
        "completion time (iperf3: its receiver's figure; udp: bytes received over the sending time, the",
        "rest lost in the receiver's socket buffer); CPU seconds are user + system time of both ends of one",
        "transfer (wirelab: the run's worker process; iperf3: its own client + server figure).",
        "",
        f"Command: `./lab perf loopback` (runs `wirelab run scenarios/loopback.yaml --db results/perf-loopback.db --jobs 1 --shard I/{seeds}`",
        "for I = 0.." + str(seeds - 1) + ", between rounds of " + "; ".join(f"`{iperf_command(m)}`" for m in mtus) + ")",
        f"Measured on: {machine()}; 1-minute load average {load_before:.1f} before, {load_after:.1f} after",
        "",
        "| MTU | protocol | runs ok | integrity | goodput median Gbit/s | min - max | / kernel TCP | CPU s per GB | loss |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    verdicts = []
    for mtu in mtus:
        tcp_stats = stats.get((mtu, "tcp-cubic"))
        tcp = tcp_stats["goodput"][0] if tcp_stats and tcp_stats["goodput"] else None
        for label in order:
            s = stats.get((mtu, label))
            if not s:
                continue
            g = s["goodput"]
            goodput = f"{g[0] / 1e9:.2f} | {g[1] / 1e9:.2f} - {g[2] / 1e9:.2f}" if g else "- | -"
            ratio = f"{g[0] / tcp:.2f}" if g and tcp else "-"
            cpu = f"{s['cpu'] / gb:.2f}" if s["cpu"] is not None else "-"
            loss = f"{s['loss'] * 100:.1f} %" if s["loss"] is not None else "-"
            integrity = f"{s['integrity']}/{s['runs']}" if label != "udp-100Gbps" else "-"
            lines.append(f"| {mtu} | {label} | {s['ok']}/{s['runs']} | {integrity} | {goodput} | {ratio} | {cpu} | {loss} |")
        ig = spread([g for g, _ in iperf[mtu]])
        icpu = statistics.median(c for _, c in iperf[mtu])
        iratio = f"{ig[0] / tcp:.2f}" if tcp else "-"
        lines.append(f"| {mtu} | iperf3 (cubic) | {len(iperf[mtu])}/{len(iperf[mtu])} | - | {ig[0] / 1e9:.2f} | "
                     f"{ig[1] / 1e9:.2f} - {ig[2] / 1e9:.2f} | {iratio} | {icpu / gb:.2f} | - |")
        pfs_stats = stats.get((mtu, "pfs"))
        pfs = pfs_stats["goodput"][0] if pfs_stats and pfs_stats["goodput"] else None
        if pfs and tcp:
            verdict = "meets" if pfs >= 0.5 * tcp else "does not meet"
            verdicts.append(f"- MTU {mtu}: PFS / kernel TCP (medians) **{pfs / tcp:.2f}** ({verdict} the bar of 0.5); "
                            f"kernel TCP runner / iperf3 **{tcp / ig[0]:.2f}** "
                            f"({'within' if abs(tcp / ig[0] - 1) <= 0.2 else 'not within'} 20 %).")
    lines.append("")
    lines += verdicts
    return "\n".join(lines)


def section_refcodec(build):
    """The CPU reference codec beside memcpy (harness/bench/refcodec_bench.cc)."""
    binary = os.path.join(build, "harness", "wirelab-bench")
    args = ["--benchmark_filter=^refcodec/(memcpy|pack|encode|decode)", "--benchmark_min_time=0.3",
            "--benchmark_repetitions=9", "--benchmark_enable_random_interleaving=true",
            "--benchmark_report_aggregates_only=true", "--benchmark_format=json"]
    load_before = os.getloadavg()[0]
    out = subprocess.run([binary] + args, capture_output=True, text=True, check=True).stdout
    load_after = os.getloadavg()[0]
    medians = {b["run_name"].rsplit("/", 1)[0]: b for b in json.loads(out)["benchmarks"]
               if b.get("aggregate_name") == "median"}
    memcpy = medians["refcodec/memcpy"]["bytes_per_second"]
    simd = medians.get("refcodec/pack/L1", {}).get("label", "?")
    lines = [
        "## refcodec on the CPU",
        "",
        "The reference codec's packer (protocols/refcodec/, docs/protocols/refcodec.md) beside memcpy",
        "of the same 16384 references (64 KiB, in L2) into the same buffer, in one run. bytes/s counts",
        "the 4 input bytes of each reference everywhere, so ratios are direct. `pack`: the batch",
        "packer (`pack_full_frames`, what the stream writer uses); `pack_frame`: one call per frame;",
        "`pack_scalar`: the portable path; paired: memcpy and pack alternating in every iteration,",
        "each timed on its own, the median of the iterations' ratios (steadier on a shared machine);",
        "`encode` / `decode`: whole streams with SHORT, SYNC and their CRC (k = 10). Medians of 9,",
        f"benchmarks interleaved at random. SIMD path: {simd}. Load average (1 min) {load_before:.1f}",
        f"before, {load_after:.1f} after.",
        "",
        f"Command: `./lab perf refcodec` (runs `build/harness/wirelab-bench {' '.join(args[:-1])}`)",
        f"Measured on: {machine()}",
        "",
        "| benchmark | references/s | bytes/s | vs memcpy (separate) | vs memcpy (paired) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    order = ["memcpy", "pack/", "pack_frame/", "pack_scalar/", "encode/", "decode/"]
    rank = lambda name: (next((i for i, o in enumerate(order) if name[len("refcodec/"):].startswith(o)), 99), name)
    for name, b in sorted(medians.items(), key=lambda kv: rank(kv[0])):
        if name.startswith("refcodec/pack_vs_memcpy"):
            continue
        paired = medians.get(name.replace("refcodec/pack/", "refcodec/pack_vs_memcpy/"))
        paired = f"{paired['pack_over_memcpy']:.2f}" if name.startswith("refcodec/pack/") and paired else ""
        rate = b.get("items_per_second")
        bps = b.get("bytes_per_second")
        lines.append(f"| {name[len('refcodec/'):]} | {f'{rate / 1e9:.2f} G' if rate and name != 'refcodec/memcpy' else '-'} "
                     f"| {f'{bps / 1e9:.1f} GB/s' if bps else '-'} | {f'{bps / memcpy:.2f}' if bps else '-'} | {paired} |")
    tiers = [t for t in ("L1", "L2", "L3") if f"refcodec/pack_vs_memcpy/{t}" in medians]
    ratios = [medians[f"refcodec/pack_vs_memcpy/{t}"]["pack_over_memcpy"] for t in tiers]
    rates = [medians[f"refcodec/pack/{t}"]["items_per_second"] for t in tiers if f"refcodec/pack/{t}" in medians]
    lines += [
        "",
        "Against issue 7's bars: pack >= 0.5 x memcpy bytes/s in the same run (paired, "
        + ", ".join(f"{t} {r:.2f}" for t, r in zip(tiers, ratios))
        + f": {'met' if ratios and min(ratios) >= 0.5 else 'NOT met'}), and >= 1000 x the prototype's 2.2 M"
        + f" references/s (slowest tier {min(rates) / 2.2e6:,.0f} x).",
    ]
    return "\n".join(lines)


def section_permutation(build):
    """The AES keyed permutation beside the XorShift placeholder (harness/bench/refcodec_bench.cc)."""
    binary = os.path.join(build, "harness", "wirelab-bench")
    args = ["--benchmark_filter=^refcodec/permutation/", "--benchmark_min_time=0.3", "--benchmark_repetitions=9",
            "--benchmark_enable_random_interleaving=true", "--benchmark_report_aggregates_only=true",
            "--benchmark_format=json"]
    out = subprocess.run([binary] + args, capture_output=True, text=True, check=True).stdout
    medians = {b["run_name"]: b for b in json.loads(out)["benchmarks"] if b.get("aggregate_name") == "median"}
    rate = {name.split("/")[2]: b["items_per_second"] for name, b in medians.items()}
    placeholder = rate.get("xorshift_placeholder")
    lines = [
        "## Keyed permutation",
        "",
        "The AES-128 Feistel permutation with cycle walking (protocols/refcodec/keyed_permutation.h,",
        "docs/protocols/refcodec.md) over a domain of 2^20 values, beside the kind of XorShift",
        "permutation the prototype used as a placeholder (key XOR and three xorshift steps on the",
        "domain's bit width, reconstructed in the benchmark). `aes_feistel_batch`: `permute_batch`,",
        "one AES-ECB call per round for 256 values (what lets AES-NI pipeline); `aes_feistel_single`:",
        "`permute`, one value at a time. Medians of 9, benchmarks interleaved at random.",
        "",
        f"Command: `./lab perf permutation` (runs `build/harness/wirelab-bench {' '.join(args[:-1])}`)",
        f"Measured on: {machine()}",
        "",
        "| benchmark | values/s | ns per value | placeholder / this |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in ("aes_feistel_batch", "aes_feistel_single", "xorshift_placeholder"):
        if name not in rate:
            continue
        ratio = f"{placeholder / rate[name]:.1f} x" if placeholder else "-"
        lines.append(f"| {name} | {rate[name] / 1e6:,.1f} M | {1e9 / rate[name]:.1f} | {ratio} |")
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
    medians, cvs = {}, {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            medians[b["run_name"]] = b
        if b.get("aggregate_name") == "cv":
            cvs[b["run_name"]] = b["real_time"]

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
        "| benchmark | ns per op (median) | items/s | spread (cv of 5) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, b in medians.items():
        cv = cvs.get(name)
        lines.append(f"| {name} | {ns(b):.1f} | {rate(b):,.0f} | {f'{100 * cv:.0f} %' if cv is not None else '-'} |")
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
        "",
        "Two threads on a 2-vCPU VM share the cores with everything else and their placement on the",
        "host changes from run to run: ratios between queues can move several-fold between two",
        "consecutive runs (the spread column shows it within one). Compare within one run only.",
    ]
    return "\n".join(lines)


SECTIONS = {"sim-cost": section_sim_cost, "runtime": section_runtime, "refcodec": section_refcodec,
            "permutation": section_permutation, "refcodec-gpu": section_refcodec_gpu,
            "loopback": section_loopback}


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
