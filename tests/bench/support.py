"""Running a bench as the tests do: a subprocess from the project's root that must succeed and
print its figures as JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_bench(
    command: list[str], *, timeout: float = 240, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """The bench's JSON; its stderr's tail when it fails."""
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures
