"""``bench/contend.py``: the busy loop runs beside the command, on the CPU asked for, and is gone
once the command ends; the command's exit code is the script's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "contend.py"

# Prints the busy loop children of the script's process: their CPUs and niceness.
PROBE = """
import os, sys
parent = os.getppid()
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        continue
    if int(stat[1]) == parent and b"while True" in cmdline:
        print(sorted(os.sched_getaffinity(int(pid))), stat[16])
sys.exit(3)
"""


def test_the_busy_loop_runs_beside_the_command_and_ends_with_it() -> None:
    cpu = min(os.sched_getaffinity(0))
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--cpus", str(cpu), "--nice", "4", "--"]
        + [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 3
    assert run.stdout.split("\n")[0] == f"[{cpu}] 4"
    assert not [pid for pid in _busy_loops() if pid != os.getpid()]


def _busy_loops() -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.endswith(b"while True:\n    pass\n\x00"):
            found.append(int(pid))
    return found
