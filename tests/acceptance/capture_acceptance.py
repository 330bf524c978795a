#!/usr/bin/env python3
"""`capture: true` end to end: small sim and real campaigns (pfs, tcp, udp, quic; point-to-point,
dumbbell, loopback, namespaces; bulk and rpc) write one pcap per run, recorded in the database; tshark reads
every one and counts, in the sender -> receiver direction, the packets the run reports sending
(`packets_sent`); a real QUIC capture dissects as QUIC version 1 and its STREAM frames decrypt
with the key log into the bulk pattern's bytes; an unwritable capture directory is refused
before anything is stored.

usage: capture_acceptance.py WIRELAB_BINARY SOURCE_DIR
"""
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign_db import check, failures  # noqa: E402

MASK = (1 << 64) - 1

SIM_P2P = """name: capture-sim
backend: sim
seeds: [1]
duration: 60s
topology: {kind: point-to-point}
link: {rate: 20Mbps, delay: 5ms, queue: 20p, loss: 0.01}
workload: {kind: bulk, bytes: 300KB}
capture: true
protocols:
  - pfs
  - tcp: {cc: cubic}
  - udp: {rate: 30Mbps}
  - quic: {cc: cubic}
sweep:
  link.loss: [0, 0.02]
"""

SIM_DUMBBELL = """name: capture-dumbbell
backend: sim
seeds: [2]
duration: 60s
topology: {kind: dumbbell, flows: 2}
link: {rate: 20Mbps, delay: 5ms, queue: 50p}
workload: {kind: bulk, bytes: 200KB}
capture: true
protocols:
  - pfs
  - tcp: {cc: newreno}
  - udp: {rate: 10Mbps}
  - quic
"""

REAL = """name: capture-real-{placement}
backend: real
seeds: [3]
duration: 30s
topology: {{kind: point-to-point, placement: {placement}}}
workload: {{kind: bulk, bytes: 2MB}}
capture: true
protocols:
  - pfs
  - tcp: {{cc: cubic}}
  - udp: {{rate: 200Mbps}}
  - quic: {{cc: cubic}}
"""


RPC = """name: capture-rpc-{backend}
backend: {backend}
seeds: [1]
duration: 30s
link: {{rate: 20Mbps, delay: 5ms, queue: 100p}}
workload: {{kind: rpc, requests: 50, concurrency: 4, request_bytes: 200, response_bytes: 5000}}
capture: true
protocols: [pfs, tcp, quic]
"""


def tshark(*args):
    out = subprocess.run(["tshark", "-n", *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("tshark %s: %s" % (" ".join(args), out.stderr))
    return out.stdout


def forward_packets(pcap, mss):
    """(packets, segments) sent by the side that opened each conversation (the client/sender):
    segments counts a TCP super-segment (TSO/GSO on lo and veth) as ceil(payload / mss)."""
    rows = tshark("-r", pcap, "-T", "fields", "-E", "separator=,", "-e", "ip.src", "-e", "ip.dst",
                  "-e", "udp.srcport", "-e", "udp.dstport", "-e", "tcp.srcport", "-e", "tcp.dstport",
                  "-e", "tcp.len").splitlines()
    opener = {}
    packets = segments = 0
    for row in rows:
        src, dst, usp, udp_, tsp, tdp, tlen = (row.split(",") + [""] * 7)[:7]
        sport, dport = (usp, udp_) if usp else (tsp, tdp)
        a, b = (src, sport), (dst, dport)
        key = tuple(sorted([a, b]))
        opener.setdefault(key, a)
        if opener[key] != a:
            continue
        packets += 1
        segments += max(1, math.ceil(int(tlen) / mss)) if tlen else 1
    return packets, segments


def splitmix_pattern(seed, offset, n):
    """protocols/workloads/bulk_pattern.h: word k at offset 8k is splitmix64(seed' ^ k)."""
    s = (seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & MASK
    out = bytearray()
    k = offset >> 3
    while len(out) < (offset & 7) + n:
        z = ((s ^ k) + 0x9E3779B97F4A7C15) & MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out += z.to_bytes(8, "little")
        k += 1
    return bytes(out[offset & 7:(offset & 7) + n])


def run_campaign(binary, scratch, db, name, text, extra=()):
    path = os.path.join(scratch, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    out = subprocess.run([binary, "run", path, "--db", db, "--jobs", "2", *extra], capture_output=True, text=True)
    check(out.returncode == 0, "%s: wirelab run exit 0 (got %d) %s" % (name, out.returncode, out.stderr[-400:]))
    return sqlite3.connect(db).execute("select max(id) from campaigns").fetchone()[0]


def runs_of(db, campaign):
    con = sqlite3.connect(db)
    runs = []
    for rid, backend, label, params, seed, status in con.execute(
            "select id, backend, label, params, seed, status from runs where campaign_id = ? order by id", (campaign,)):
        metrics = dict(con.execute("select name, value from metrics where run_id = ?", (rid,)).fetchall())
        artifacts = dict(con.execute("select kind, path from artifacts where run_id = ?", (rid,)).fetchall())
        runs.append(dict(id=rid, backend=backend, label=label, params=params, seed=seed, status=status,
                         metrics=metrics, artifacts=artifacts))
    return runs


def check_counts(db, campaign, exact, expected_runs, mtu=1500):
    runs = runs_of(db, campaign)
    check(len(runs) == expected_runs, "campaign %d has its %d runs (%d)" % (campaign, expected_runs, len(runs)))
    paths = set()
    for r in runs:
        what = "run %d %s %s %s" % (r["id"], r["backend"], r["label"], r["params"])
        pcap = r["artifacts"].get("pcap")
        check(r["status"] == "ok", what + ": status ok")
        check(pcap is not None and os.path.isabs(pcap) and os.path.exists(pcap), what + ": pcap recorded, exists: %s" % pcap)
        if not pcap or not os.path.exists(pcap):
            continue
        paths.add(pcap)
        packets, segments = forward_packets(pcap, mtu - 52)
        if "packets_sent" not in r["metrics"]:
            # Real kernel TCP rpc/stream: TCP_INFO is read before the connection closes (docs/real.md).
            check(r["backend"] == "real" and r["label"].startswith("tcp") and packets > 0,
                  what + ": no packets_sent only for real tcp requests; tshark reads %d packets" % packets)
            continue
        sent = int(r["metrics"]["packets_sent"])
        if r["backend"] == "sim":
            lost_before_wire = int(r["metrics"]["bottleneck_drops"] + r["metrics"]["bottleneck_queued_at_end"])
            missing = sent - lost_before_wire - packets
            if exact == "sim-exact":
                check(missing == 0, what + ": tshark %d sender packets == packets_sent %d - dropped/queued %d"
                      % (packets, sent, lost_before_wire))
            else:
                # dumbbell: the capture is at the bottleneck, behind the access links; a sender's
                # last packets (closing frames, ACKs) may still be on its access link when the run ends.
                check(0 <= missing <= 3 * 2, what + ": tshark %d sender packets, packets_sent %d, dropped/queued %d"
                      % (packets, sent, lost_before_wire))
        else:
            check(r["metrics"].get("capture_drops") == 0, what + ": libpcap dropped nothing")
            counted = segments if r["label"].startswith("tcp") else packets
            check(counted == sent, what + ": tshark %d sender %s == packets_sent %d"
                  % (counted, "segments" if r["label"].startswith("tcp") else "datagrams", sent))
        if r["label"].startswith("quic"):
            keys = r["artifacts"].get("keylog")
            check(keys is not None and keys == pcap[:-len(".pcap")] + ".keys" and os.path.getsize(keys) > 0,
                  what + ": key log beside the pcap: %s" % keys)
    check(len(paths) == len(runs), "campaign %d: one distinct pcap per run" % campaign)
    return runs


def check_quic_decrypts(run, what):
    pcap, keys = run["artifacts"]["pcap"], run["artifacts"].get("keylog")
    if not keys:
        check(False, what + ": quic run has a key log")
        return
    ports = tshark("-r", pcap, "-c", "1", "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport").split()
    decode = []
    for p in ports:
        decode += ["-d", "udp.port==%s,quic" % p]
    # Coalesced long-header packets in one datagram list a version each: "v1,v1".
    versions = set(",".join(tshark("-r", pcap, *decode, "-Y", "quic.long.packet_type == 0", "-T", "fields",
                                   "-e", "quic.version").split()).split(","))
    check(versions == {"0x00000001"}, what + ": Initial packets are QUIC version 1 (%s)" % versions)
    rows = tshark("-r", pcap, *decode, "-o", "tls.keylog_file:" + keys, "-Y", "quic.stream_data", "-T", "fields",
                  "-E", "separator=;", "-E", "occurrence=a", "-E", "aggregator=|",
                  "-e", "quic.stream.offset", "-e", "quic.stream_data").splitlines()
    check(len(rows) > 100, what + ": %d packets with decrypted STREAM frames" % len(rows))
    seed = run["seed"] * 1000003  # content seed of flow 0
    checked = matched = 0
    covered = set()
    for row in rows:
        offsets, datas = row.split(";")
        for off, data in zip(offsets.split("|"), datas.split("|")):
            data = bytes.fromhex(data.replace(":", ""))
            if not data:
                continue
            offset = int(off) if off else 0
            checked += 1
            matched += data == splitmix_pattern(seed, offset, len(data))
            covered.add(offset)
    check(checked > 0 and matched == checked,
          what + ": decrypted STREAM data equals the bulk pattern at its offset (%d of %d frames)" % (matched, checked))
    check(0 in covered, what + ": the stream's first bytes (offset 0) decrypt")


def main():
    binary = sys.argv[1]
    if not shutil.which("tshark"):
        print("tshark not installed")
        return 1
    scratch = tempfile.mkdtemp(prefix="wirelab-capture-")
    try:
        db = os.path.join(scratch, "results", "wirelab.db")
        sim = run_campaign(binary, scratch, db, "sim-p2p", SIM_P2P)
        runs = check_counts(db, sim, "sim-exact", 8)
        check_quic_decrypts([r for r in runs if r["label"].startswith("quic")][-1], "sim quic")
        check(all(os.path.dirname(r["artifacts"].get("pcap", "")) == os.path.join(scratch, "results", "captures", str(sim))
                  for r in runs), "pcaps are under captures/<campaign id>/ next to the database")
        dumbbell = run_campaign(binary, scratch, db, "sim-dumbbell", SIM_DUMBBELL)
        check_counts(db, dumbbell, "sim-dumbbell", 4)
        for placement in ("loopback", "namespaces"):
            real = run_campaign(binary, scratch, db, "real-" + placement, REAL.format(placement=placement))
            runs = check_counts(db, real, "real", 4)
            if placement == "loopback":
                quic = [r for r in runs if r["label"].startswith("quic")]
                if quic:
                    check_quic_decrypts(quic[0], "real quic")

        for backend in ("sim", "real"):
            rpc = run_campaign(binary, scratch, db, "rpc-" + backend, RPC.format(backend=backend))
            check_counts(db, rpc, "sim-exact" if backend == "sim" else "real", 3)

        show = subprocess.run([binary, "show", str(runs[0]["id"]), "--db", db], capture_output=True, text=True)
        check(runs[0]["artifacts"]["pcap"] in show.stdout, "wirelab show prints the pcap path")

        # Bad input: a capture directory that cannot be created. Nothing may be stored.
        blocker = os.path.join(scratch, "not-a-directory")
        with open(blocker, "w") as f:
            f.write("x")
        bad_db = os.path.join(scratch, "bad", "bad.db")
        path = os.path.join(scratch, "bad.yaml")
        with open(path, "w") as f:
            f.write(SIM_P2P)
        out = subprocess.run([binary, "run", path, "--db", bad_db, "--capture-dir", os.path.join(blocker, "caps")],
                             capture_output=True, text=True)
        check(out.returncode == 2, "unwritable capture dir: exit 2 (got %d)" % out.returncode)
        check("capture" in out.stderr and os.path.join(blocker, "caps") in out.stderr,
              "unwritable capture dir: the message names the directory: %s" % out.stderr.strip())
        check(not os.path.exists(bad_db), "unwritable capture dir: no database written")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
