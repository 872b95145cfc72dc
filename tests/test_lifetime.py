"""The build's worker processes end with the build (``sozialanalyse.build.lifetime``): a pool
worker whose parent was killed ends within seconds, and the pool's own initializer still runs."""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from processes import left_running

from sozialanalyse.build import lifetime

SCRIPT = """
import os, signal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from sozialanalyse.build.lifetime import end_with_parent
if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"){initializer})
    print(pool.submit(os.getpid).result(), flush=True)  # the worker, idle from now on
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _worker_left(tmp_path: Path, initializer: str, wait: float) -> bool:
    """Run a parent that starts a pool worker and is killed; whether the worker still runs ``wait`` s later."""
    script = tmp_path / "parent.py"
    script.write_text(SCRIPT.format(initializer=initializer), encoding="utf-8")
    printed = tmp_path / "printed.txt"
    with printed.open("w") as out:  # a file: a worker left running would hold a pipe open
        subprocess.run([sys.executable, str(script)], stdout=out, stderr=subprocess.STDOUT, timeout=120)
    worker = int(printed.read_text().split()[0])
    return left_running([worker], wait) == [worker]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_worker_ends_when_its_parent_is_killed(tmp_path):
    assert _worker_left(tmp_path, ", initializer=end_with_parent", 10) is False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_without_it_the_worker_of_a_killed_parent_runs_on(tmp_path):
    """What the initializer is for: multiprocessing itself leaves the idle worker waiting."""
    assert _worker_left(tmp_path, "", 2) is True


def _seen(*args) -> tuple:
    lifetime._SEEN = args  # noqa: SLF001 - set in the worker, read back below
    return args


def _read_seen() -> tuple:
    return getattr(lifetime, "_SEEN", None)


def test_the_pools_own_initializer_runs_with_its_arguments():
    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=lifetime.end_with_parent,
                             initargs=(_seen, "Bad Lindenau", 3)) as pool:
        assert pool.submit(_read_seen).result() == ("Bad Lindenau", 3)


def test_outside_a_pool_it_only_runs_the_initializer(monkeypatch):
    import threading

    before = threading.active_count()
    got = []
    lifetime.end_with_parent(got.append, "x")
    assert got == ["x"] and threading.active_count() == before  # no watcher in the main process
