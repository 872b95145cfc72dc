"""Helpers of the tests that check which processes outlive their owner (fork servers, kernels,
pool workers): Linux only, read from ``/proc``."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def left_running(pids: list[int], seconds: float) -> list[int]:
    """Those of ``pids`` still running after ``seconds`` (polled); they are killed before return,
    so a failing test leaves nothing behind."""
    deadline = time.monotonic() + seconds
    alive = [p for p in pids if running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if running(p)]
    for p in alive:
        os.kill(p, signal.SIGKILL)
    return alive
