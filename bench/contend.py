"""Run a command while busy loops take CPU time from the server's core (and the generator's).

A bench run on a shared virtual machine is as fast as the host lets it be that day. To know
whether a target holds with margin, take a known share of the core away: a busy loop pinned to
a CPU at a niceness, for as long as the command runs. At ``--nice 0`` it takes half the CPU
whenever the server wants it, at ``--nice 2`` about 40 %, at ``--nice 5`` about a quarter
(Linux gives CPU time by weight: 1024 at nice 0, 655 at 2, 335 at 5). Decision 0042.

    python bench/contend.py --cpus 0 --nice 0 -- make bench        # the server's core halved
    python bench/contend.py --cpus 0,1 --nice 0 -- python bench/swarm.py --phones 2000

Prints nothing of its own; exits with the command's exit code.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

BUSY = "while True:\n    pass\n"


def _busy_loops(cpus: list[int], nice: int) -> list[subprocess.Popen[bytes]]:
    loops = []
    for cpu in cpus:

        def place(cpu: int = cpu) -> None:  # in the child, before it runs the loop
            os.sched_setaffinity(0, {cpu})
            os.nice(nice)

        loops.append(subprocess.Popen([sys.executable, "-c", BUSY], preexec_fn=place))
    return loops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpus", default="0", help="comma-separated CPUs to take time from")
    parser.add_argument("--nice", type=int, default=0, choices=range(0, 20))
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    cpus = [int(cpu) for cpu in args.cpus.split(",") if cpu.strip()]
    available = os.sched_getaffinity(0)
    if not set(cpus) <= available:
        parser.error(f"CPUs {sorted(set(cpus) - available)} are not available here")
    loops = _busy_loops(cpus, args.nice)
    try:
        return subprocess.call(command)
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


if __name__ == "__main__":
    sys.exit(main())
