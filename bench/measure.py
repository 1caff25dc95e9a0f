"""Run a command and measure its wall time and memory (the whole process tree), side by side.

Peak memory is sampled every 50 ms with psutil: ``tree_peak_mb`` is the largest sum of the
RSS of the command and all its children at one moment; ``largest_process_mb`` the largest
single process. Both tools are measured the same way, so their ratio is fair.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import asdict, dataclass

import psutil

__all__ = ["Measurement", "measure"]


@dataclass
class Measurement:
    """Wall time and memory of one command."""

    label: str
    seconds: float
    tree_peak_mb: float
    largest_process_mb: float
    returncode: int
    tail: str

    def as_dict(self) -> dict:
        """Plain dict for JSON reports."""
        return asdict(self)


def measure(label: str, cmd: list[str], *, env: dict | None = None, cwd: str | None = None, log: str | None = None) -> Measurement:
    """Run ``cmd`` to completion and return its measurement (output goes to ``log``)."""
    full_env = {**os.environ, **(env or {})}
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=full_env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    root = psutil.Process(proc.pid)
    tree_peak = largest = 0.0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            rss = []
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    rss.append(p.memory_info().rss)
            tree_peak = max(tree_peak, sum(rss) / 2**20)
            largest = max(largest, max(rss, default=0) / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if log:
        out.close()
        with open(log, encoding="utf-8", errors="replace") as fh:
            tail = fh.read()[-2000:]
    else:
        tail = ""
    return Measurement(label, round(seconds, 2), round(tree_peak, 1), round(largest, 1), proc.returncode, tail)
