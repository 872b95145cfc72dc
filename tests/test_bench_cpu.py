"""benchmarks/_common.ProcessCPU, the CPU of a build's process tree by role (issue 19's split of a
notebook's cost): checked against processes that burn a known amount of CPU."""
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
_common = pytest.importorskip("_common")

# a child burns 0.6 s of CPU, forks a grandchild that burns 0.4 s, waits for it, then idles
# (so that the sampler sees the last of its CPU before it ends)
BURN = """
import os, time
def burn(s):
    t = time.process_time()
    while time.process_time() - t < s:
        pass
burn(0.6)
pid = os.fork()
if pid == 0:
    burn(0.4)
    time.sleep(0.3)
    os._exit(0)
os.waitpid(pid, 0)
time.sleep(0.3)
"""


def _burn(seconds: float) -> None:
    t = time.process_time()
    while time.process_time() - t < seconds:
        pass


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_process_cpu_counts_children_and_grandchildren_by_role():
    # a child that burns 0.5 s before the sampler starts and idles while it runs: counts 0
    before = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\n"
                               "while time.process_time() - t < 0.5: pass\nprint(flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE)
    try:
        before.stdout.readline()
        with _common.ProcessCPU() as cpu:
            t = time.process_time()
            _burn(0.3)  # this process: 0.3 s of its own, from the first instant of the block
            subprocess.run([sys.executable, "-c", BURN, "ipykernel"], check=True)  # named as a kernel
            own = time.process_time() - t
    finally:
        before.kill()
        before.wait()
    by = {}
    for kind, sec, *_ in cpu.seen:
        by.setdefault(kind, []).append(sec)
    # what ran before the sampler (the child above; pytest's workers may hold multiprocessing's
    # resource tracker) counts from its start: idle, so nothing
    assert {k for k, secs in by.items() if max(secs) > 0.05} == {"build process", "kernel (fresh)"}
    assert len(by["kernel (fresh)"]) == 2 and not any("--sample-cpu" in k for k in by)  # nor the sampling process
    # the child's command line names ipykernel: a "kernel (fresh)"; its fork keeps that command line
    assert sorted(by["kernel (fresh)"]) == [pytest.approx(0.4, abs=0.08), pytest.approx(0.6, abs=0.08)]
    # counted from the block's first instant (a clock tick is 10 ms); the sampler's own CPU not in it
    assert own > 0.3 and by["build process"] == [pytest.approx(own, abs=0.025)]
    assert cpu.sampler > 0 and cpu.seconds("kernel") == pytest.approx(1.0, abs=0.15)
    table = cpu.table([("first", 0.2), ("second", 60.0)])
    assert "kernel (fresh)" in table and "this sampler (a process of its own" in table
