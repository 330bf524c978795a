#!/usr/bin/env python3
"""Nothing of an emu run outlives it, even a SIGKILLed one.

Starts an emu campaign, SIGKILLs its whole process group while a run is on the link (so no
destructor runs), checks that the killed run's namespaces are still there (the test is then
meaningful), runs the next emu campaign, and checks that afterwards no wl-* namespace of a dead
process remains, none of the killed run's, and no wl* device (veth or TAP) in this namespace.

usage: emu_leftovers.py WIRELAB_BINARY SOURCE_DIR
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign_db import check, failures  # noqa: E402

SCENARIO = """name: emu-leftovers-{name}
seeds: 1
duration: {duration}
link: {{rate: 10Mbps, delay: 20ms, loss: 0, queue: 100p}}
workload: {{kind: bulk}}
protocols:
  - udp: {{rate: 1Mbps}}
backend: emu
"""


def namespaces():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def ours(names):
    """{pid: [names]} of wl-<pid>-a|b namespaces."""
    found = {}
    for n in names:
        m = re.fullmatch(r"wl-(\d+)-[ab]", n)
        if m:
            found.setdefault(int(m.group(1)), []).append(n)
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def write(scratch, name, duration):
    path = os.path.join(scratch, name + ".yaml")
    with open(path, "w") as f:
        f.write(SCENARIO.format(name=name, duration=duration))
    return path


def main():
    binary = sys.argv[1]
    scratch = tempfile.mkdtemp(prefix="wirelab-emu-leftovers-")
    db = os.path.join(scratch, "leftovers.db")
    before = set(ours(namespaces()))
    victim = subprocess.Popen([binary, "run", write(scratch, "killed", "30s"), "--db", db, "--jobs", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    killed_pids = set()
    deadline = time.time() + 20
    while time.time() < deadline and not killed_pids:
        time.sleep(0.2)
        killed_pids = {pid for pid in ours(namespaces()) if pid not in before and alive(pid)}
    check(bool(killed_pids), f"the emu run created its namespaces ({sorted(killed_pids)})")
    time.sleep(1.0)  # mid-run: the link is up and the flow is on it
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    time.sleep(0.2)
    left = ours(namespaces())
    check(all(pid in left for pid in killed_pids), "SIGKILL left the killed run's namespaces behind (nothing ran its clean-up)")

    subprocess.run([binary, "run", write(scratch, "next", "1s"), "--db", db, "--jobs", "1"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import sqlite3
    con = sqlite3.connect(db)
    status = con.execute("select status, error from runs where campaign_id = (select max(id) from campaigns)").fetchall()
    con.close()
    check(status and all(s == "ok" or (e or "").startswith("emu: ns-3 fell") for s, e in status),
          f"the next run ran ({status})")
    after = ours(namespaces())
    check(not any(pid in after for pid in killed_pids), f"the next run removed the killed run's namespaces ({after})")
    dead = {pid: names for pid, names in after.items() if not alive(pid)}
    check(not dead, f"no wl-* namespace of a dead process remains ({dead})")
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    mine = [line for line in links.splitlines() if any(re.search(rf"\bwl{pid}[ab]\b", line) for pid in killed_pids)]
    check(not mine, f"no veth or TAP of the killed run in this namespace ({mine})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
