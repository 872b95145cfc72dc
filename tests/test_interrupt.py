"""Builds that never half-publish: a build killed (SIGKILL, whole process group) at any moment
leaves the published site exactly as it was, its leftovers do not disturb the next run, and the
next run resumes from the execution cache."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_build import CHAPTERS, _project

from sozialanalyse.build import report

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("two_municipality_build")]  # one process: one session build
TIMEOUT = 600


def _site_digest(root: Path) -> tuple[Path, str]:
    """Where ``_build/html`` points and a hash of every file of the published site."""
    link = root / "_build" / "html"
    target = link.resolve()
    h = hashlib.sha256()
    for p in sorted(target.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(target).as_posix().encode() + b"\0" + p.read_bytes())
    return target, h.hexdigest()


def _start(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sozialanalyse.cli", "build", "--config", "config/zwei.yml",
                             "--quiet"], cwd=root, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _kill_when(proc: subprocess.Popen, condition, what: str, delay: float = 0.0) -> None:
    """Poll ``condition()``; when it holds, wait ``delay`` s and SIGKILL the build's process group."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace")
            pytest.fail(f"build ended (rc {proc.returncode}) before {what}:\n{out[-3000:]}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"timeout waiting for {what}")
        time.sleep(0.05)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    time.sleep(0.5)  # let orphaned kernels notice


def _change_count(root: Path, delta: int) -> None:
    path = root / "data" / "musterland" / "transfers.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = df.index[(df["area_id"] == "03499016-01") & (df["variable"] == "sgb2_personen")][-1]
    df.loc[hit, "value"] = str(int(float(df.loc[hit, "value"])) + delta)
    df.to_csv(path, index=False, lineterminator="\n")


def _cached(root: Path) -> set[str]:
    return {p.name for p in (root / ".cache" / "executed").glob("*.ipynb")
            if not p.name.endswith(".run.ipynb") and ".tmp" not in p.name}


def test_killed_builds_never_half_publish_and_resume(two_municipality_build, tmp_path):
    root = two_municipality_build  # built once per session (tests/conftest.py), copied for this test
    config = root / "config" / "zwei.yml"
    site_a = _site_digest(root)
    total = len(CHAPTERS) + 2
    cache = root / ".cache" / "executed"
    work = root / "_build" / ".work"

    # 1. killed while Jupyter Book writes the HTML (all notebooks of this change already executed)
    _change_count(root, 7)
    started = time.time()
    proc = _start(root)

    def sphinx_writes():
        html = work / "_build" / "html"
        return html.is_dir() and any(p.stat().st_mtime > started for p in html.rglob("*.html"))

    _kill_when(proc, sphinx_writes, "Jupyter Book writing pages", delay=0.3)
    assert _site_digest(root) == site_a, "killed during the book build: site A must stay published"

    # 2. another change; killed as soon as a notebook runs, then after the first notebook is cached
    _change_count(root, 5)
    before = _cached(root)
    proc = _start(root)
    # a worker opens <key>.run.ipynb.log when it starts a notebook and papermill writes into a temp file
    _kill_when(proc, lambda: any(cache.glob("*.run.ipynb.log")), "notebook execution", delay=1.0)
    assert _site_digest(root) == site_a, "killed during execution: site A must stay published"

    proc = _start(root)
    _kill_when(proc, lambda: len(_cached(root) - before) >= 1 and any(cache.glob("*.run.ipynb.log")),
               "the first executed notebook")
    assert _site_digest(root) == site_a
    # every cache entry is complete (written atomically): each one is a readable notebook
    import nbformat

    for name in _cached(root):
        nbformat.read(cache / name, as_version=4)

    # leftovers of killed runs (and some planted ones) do not break the next run
    (cache / "deadbeef.run.ipynb").write_text("{", encoding="utf-8")
    (cache / "deadbeef.ipynb.999.tmp").write_text("{", encoding="utf-8")
    (root / "_build" / ".incoming-999").mkdir(exist_ok=True)
    (root / "_build" / ".incoming-999" / "index.html").write_text("halb", encoding="utf-8")
    os.symlink("site-nirgends", root / "_build" / ".html-999")

    # 3. a normal build finishes the work: only the notebooks not yet cached execute
    _, jobs = report.plan(config, root)
    missing = [j for j in jobs if not (cache / f"{j.key}.ipynb").is_file()]
    assert 0 < len(missing) < total
    proc = subprocess.run([sys.executable, "-m", "sozialanalyse.cli", "build", "--config", "config/zwei.yml"],
                          cwd=root, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{total - len(missing)} from the cache, {len(missing)} to execute" in proc.stderr
    site_b = _site_digest(root)
    assert site_b[0] != site_a[0] and site_b[1] != site_a[1] and (site_b[0] / "index.html").is_file()
    left = sorted(p.name for p in (root / "_build").iterdir())
    assert not [n for n in left if n.startswith((".incoming-", ".html-", ".work-unfinished"))], left
    assert [n for n in left if n.startswith("site-")] == [site_b[0].name]
    assert not list(cache.glob("*.run.ipynb")) and not list(cache.glob("*.tmp"))

    # the published site equals a fresh build from the same inputs (no stale or half-written page)
    profile = site_b[0] / "book" / "_generated" / "gemeinden" / "03499016.html"
    (tmp_path / "frisch").mkdir()
    fresh_root = _project(tmp_path / "frisch", data=root / "data" / "musterland")
    report.build(fresh_root / "config" / "zwei.yml", jobs_n=2, quiet=True, root=fresh_root)
    fresh = fresh_root / "_build" / "html" / "book" / "_generated" / "gemeinden" / "03499016.html"
    assert profile.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")
