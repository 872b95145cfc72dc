"""The build's own machinery (issue 12, item 5): a corrupt cache entry is named, discarded and
executed again; a full disk is one line naming the folder, with the published site unchanged; a
second build says that it waits for the first. Unit tests of report.py, no book build."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import pytest

from sozialanalyse import cli
from sozialanalyse.build import report
from sozialanalyse.build.report import BuildError, DiskFullError, Job
from sozialanalyse.model.config import Config


def _notebook() -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Seite"), nbformat.v4.new_code_cell("1 + 1")]
    return nbformat.writes(nb)


def _cached(root: Path, *keys: str) -> list[Job]:
    cache = root / report.CACHE
    cache.mkdir(parents=True, exist_ok=True)
    jobs = []
    for k in keys:
        (cache / f"{k}.ipynb").write_text(_notebook(), encoding="utf-8")
        jobs.append(Job(template="t", output=f"seite_{k}", title="", label=f"Seite {k}", key=k))
    return jobs


# --- corrupt cache entries ---------------------------------------------------------------------
def test_corrupt_cache_entries_are_named_and_discarded(tmp_path, capsys):
    jobs = _cached(tmp_path, "gut", "halb", "liste")
    cache = tmp_path / report.CACHE
    whole = (cache / "halb.ipynb").read_bytes()
    (cache / "halb.ipynb").write_bytes(whole[: len(whole) // 2])  # cut in half
    (cache / "liste.ipynb").write_text("[1, 2]", encoding="utf-8")  # JSON, but not a notebook
    lines = report.discard_corrupt_cache(jobs, tmp_path)
    assert len(lines) == 2
    assert lines[0].startswith(f"cache entry {os.path.join('.cache', 'executed', 'halb.ipynb')} (Seite halb) "
                               "is corrupt (not a complete notebook: ")
    assert lines[0].endswith(")): discarded, the page is executed again")  # "... (line L, column C))"
    assert lines[1] == (f"cache entry {os.path.join('.cache', 'executed', 'liste.ipynb')} (Seite liste) is corrupt "
                        "(not a notebook in nbformat 4): discarded, the page is executed again")
    assert (cache / "gut.ipynb").is_file()
    assert not (cache / "halb.ipynb").exists() and not (cache / "liste.ipynb").exists()
    err = capsys.readouterr().err.splitlines()
    assert err == [f"sozialanalyse build: {line}" for line in lines]


@pytest.mark.slow  # end-to-end: executes a notebook in a kernel twice (`make test-slow`, CI runs it)
def test_a_truncated_cache_entry_is_executed_again(tmp_path, capsys):
    """The page whose cached notebook was cut in half runs through papermill again instead of
    reaching Jupyter Book (where every later build failed without naming the file)."""
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Seite"), params, nbformat.v4.new_code_cell("print(x * 21)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, tmp_path / "notebooks" / "t.ipynb")
    job = Job(template="t", output="t", title="", label="Testseite", parameters={"x": 2}, key="k1")
    assert report.execute([job], tmp_path, jobs_n=1, quiet=True) == {"executed": 1, "cached": 0}
    entry = tmp_path / report.CACHE / "k1.ipynb"
    entry.write_bytes(entry.read_bytes()[:300])
    assert report.execute([job], tmp_path, jobs_n=1, quiet=True) == {"executed": 1, "cached": 0}
    assert "cache entry .cache/executed/k1.ipynb (Testseite) is corrupt" in capsys.readouterr().err
    page = nbformat.read(tmp_path / report.GENERATED / "t.ipynb", as_version=4)
    assert page.cells[-1].outputs[0]["text"] == "42\n"


def test_an_unreadable_published_marker_means_build_the_book_again(tmp_path, monkeypatch):
    """``_build/.published.json`` cut off (a full disk) used to be a JSON traceback on every later
    build; now the book is simply built again."""
    jobs = _cached(tmp_path, "a1")
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / ".published.json").write_text('{"inputs": "ab', encoding="utf-8")
    toc, cfg = tmp_path / "toc.yml", tmp_path / "cfg.yml"
    toc.write_text("root: x\n")
    cfg.write_text("title: x\n")
    monkeypatch.setattr(report, "plan", lambda config, root: (report.BuildPlan(Config(path=Path("x.yml"))), jobs))
    monkeypatch.setattr(report, "_toc_and_config", lambda c, j, r: (toc, cfg))

    def jupyter_book(*a, **k):
        raise BuildError("the book would be built now")

    monkeypatch.setattr(report, "_jupyter_book", jupyter_book)
    with pytest.raises(BuildError, match="the book would be built now"):
        report.build("x.yml", jobs_n=1, quiet=True, root=tmp_path)
    # the downloads written beside the book are not left behind when the book fails
    assert not list((tmp_path / "_build").glob(".downloads-*"))


def test_downloads_that_fail_beside_a_good_book_stop_the_build_and_keep_the_book(tmp_path, monkeypatch):
    """Found in review: an error of the downloads written beside the book is the build's error;
    the book's work folder is kept as finished (the next build reads no page again) and the
    downloads' folder is gone."""
    jobs = _cached(tmp_path, "a1")
    toc, cfg = tmp_path / "toc.yml", tmp_path / "cfg.yml"
    toc.write_text("root: x\n")
    cfg.write_text("title: x\n")
    monkeypatch.setattr(report, "plan", lambda config, root: (report.BuildPlan(Config(path=Path("x.yml"))), jobs))
    monkeypatch.setattr(report, "_toc_and_config", lambda c, j, r: (toc, cfg))
    monkeypatch.setattr(report, "_jupyter_book", lambda root, toc, config, work, quiet: (
        work.joinpath("_build", "html").mkdir(parents=True, exist_ok=True)))

    def broken(site, jobs, root, planned=None):
        (site / "halb.csv").write_text("a\n", encoding="utf-8")
        raise OSError("downloads: cannot write halb.csv")

    monkeypatch.setattr(report, "write_downloads", broken)
    with pytest.raises(OSError, match="downloads: cannot write halb.csv"):
        report.build("x.yml", jobs_n=1, quiet=True, root=tmp_path)
    build = tmp_path / "_build"
    assert not (build / ".work-unfinished").exists() and (build / ".work" / ".sozialanalyse-toc").is_file()
    assert not list(build.glob(".downloads-*")) and not (build / "html").exists()


# --- a full disk ---------------------------------------------------------------------------------
def _enospc(path) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def test_disk_full_while_writing_the_book_is_one_line_and_the_site_stays(tmp_path, monkeypatch):
    root = tmp_path
    jobs = _cached(root, "a1", "b2")  # both in the cache: nothing to execute
    # the book's sources: its table of contents and start page are written first (then the pages)
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/_generated/index\n", encoding="utf-8")
    (root / "_config.yml").write_text("title: Test\n", encoding="utf-8")
    build_dir = root / report.BUILD
    (build_dir / "site-alt").mkdir(parents=True)
    (build_dir / "site-alt" / "index.html").write_text("alt", encoding="utf-8")
    os.symlink("site-alt", build_dir / "html")
    monkeypatch.setattr(report, "plan", lambda config, root: (report.BuildPlan(Config(path=Path("x.yml"))), jobs))

    def full(path, data):
        raise _enospc(path.with_name(f"{path.name}.{os.getpid()}.tmp"))

    monkeypatch.setattr(report, "_write_atomic", full)
    with pytest.raises(DiskFullError) as info:
        report.build("x.yml", jobs_n=1, quiet=True, root=root)
    msg = str(info.value)
    assert msg == ("disk full (no space left on device) while writing book/_generated/: the published site is "
                   "unchanged; free space on that disk and build again (what was executed is kept in the cache)")
    assert os.readlink(build_dir / "html") == "site-alt"
    assert (build_dir / "html" / "index.html").read_text(encoding="utf-8") == "alt"


def test_disk_full_while_copying_the_new_site_is_recognised(tmp_path, monkeypatch):
    """shutil.copytree gathers the errors of its files into one shutil.Error without an errno."""
    incoming = tmp_path / "_build" / f".incoming-{os.getpid()}"

    def build_that_fills_the_disk(*a):
        incoming.mkdir(parents=True)
        raise shutil.Error([(str(tmp_path / "_build/.work/_build/html/a.html"), str(incoming / "a.html"),
                             "[Errno 28] No space left on device")])

    monkeypatch.setattr(report, "_build", build_that_fills_the_disk)
    with pytest.raises(DiskFullError) as info:
        report.build("x.yml", quiet=True, root=tmp_path)
    assert str(info.value).startswith(f"disk full (no space left on device) while writing _build/.incoming-"
                                      f"{os.getpid()}/: the published site is unchanged;")
    assert not incoming.exists()  # the half copy is removed to give the space back


def test_an_atomic_write_that_fails_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "cache" / "x.ipynb"

    def fsync(fd):
        raise _enospc(target)

    monkeypatch.setattr(report.os, "fsync", fsync)
    with pytest.raises(OSError) as info:
        report._write_atomic(target, b"{}")
    assert info.value.errno == errno.ENOSPC
    assert list(target.parent.iterdir()) == []


def test_disk_full_inside_jupyter_book_is_recognised(tmp_path, monkeypatch):
    def run(cmd, **kw):
        return subprocess.CompletedProcess(cmd, 1, stdout="reading sources...\n", stderr=(
            "Traceback (most recent call last):\n  ...\nOSError: [Errno 28] No space left on device: "
            f"'{tmp_path}/_build/.work/_build/html/_images/x.png'\n"))

    monkeypatch.setattr(report.subprocess, "run", run)
    work = tmp_path / "_build" / ".work"
    with pytest.raises(OSError) as info:
        report._jupyter_book(tmp_path, tmp_path / "toc.yml", tmp_path / "cfg.yml", work, quiet=True)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(work)


def test_cli_prints_disk_full_as_one_line(monkeypatch, capsys):
    def build(*a, **k):
        raise DiskFullError("disk full (no space left on device) while writing _build/: the published site is "
                            "unchanged; free space on that disk and build again")

    monkeypatch.setattr(report, "build", build)
    assert cli.main(["build", "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "the published site is unchanged" in err


# --- a second build ------------------------------------------------------------------------------
def test_a_second_build_says_it_waits_and_gives_up_after_its_timeout(tmp_path, capsys):
    first = report._lock(tmp_path)
    try:
        t0 = time.monotonic()
        with pytest.raises(BuildError) as info:
            report._lock(tmp_path, timeout=0.6)
        assert time.monotonic() - t0 >= 0.6
    finally:
        first.close()
    lock = tmp_path / "_build" / ".lock"
    assert str(info.value) == (f"another build (pid {os.getpid()}) still holds {lock} after 0.6 s; nothing was "
                               "built (the published site is unchanged)")
    assert capsys.readouterr().err == (f"sozialanalyse build: another build (pid {os.getpid()}) holds {lock}: "
                                       "waiting for it to finish (at most 0.6 s) ...\n")


def test_a_second_build_continues_when_the_first_ends(tmp_path, capsys):
    first = report._lock(tmp_path)
    threading.Timer(0.5, first.close).start()
    second = report._lock(tmp_path)
    try:
        err = capsys.readouterr().err.splitlines()
        assert err[0].startswith(f"sozialanalyse build: another build (pid {os.getpid()}) holds ")
        assert err[0].endswith(": waiting for it to finish ...")
        assert err[1].startswith("sozialanalyse build: the lock is free after ")
        assert (tmp_path / "_build" / ".lock").read_text() == str(os.getpid())
    finally:
        second.close()


def test_disk_full_in_a_worker_names_the_cache_and_starts_no_more_pages(tmp_path, monkeypatch, capsys):
    """A write() in the worker process raises ENOSPC without a file name: the cache is named."""
    from concurrent.futures import ThreadPoolExecutor

    from sozialanalyse.build import executors

    class Pool(ThreadPoolExecutor):  # the workers as threads, so that the patched _execute runs
        def __init__(self, max_workers, mp_context=None, initializer=None, initargs=()):
            super().__init__(max_workers=max_workers, initializer=initializer, initargs=initargs)

    started = []

    def execute(task, output):
        started.append(output)
        time.sleep(0.2)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(executors, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(executors, "_execute", execute)
    jobs = [Job(template="t", output=f"s{i}", title="", label=f"Seite {i}", key=f"k{i}") for i in range(4)]
    with pytest.raises(OSError) as info:
        report.execute(jobs, tmp_path, jobs_n=1, quiet=False)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / report.CACHE)
    assert len(started) <= 2  # the pages still queued were not started on a full disk
    assert "not started (disk full): Seite 3" in capsys.readouterr().err


# --- Jupyter Book's Sphinx: doctrees on disk, not all in memory (issue 19) ----------------------
def test_sphinx_keeps_no_doctree_in_memory_between_reading_and_writing(tmp_path):
    """Sphinx 7.2+ keeps every page's doctree in memory from reading until writing (at 60 profiles
    most of what Sphinx held beyond its imports); the build's setup of Jupyter Book's process has
    Sphinx write it to its pickle only, also when Sphinx's reading asks for the cache."""
    import subprocess
    import sys

    check = (
        "import pickle, types; from pathlib import Path; from docutils.utils import new_document; "
        "from docutils.frontend import get_default_settings; from docutils.parsers.rst import Parser; "
        "from sphinx.builders import Builder; "
        f"env = types.SimpleNamespace(_write_doc_doctree_cache={{}}); out = Path({str(tmp_path)!r}); "
        "b = types.SimpleNamespace(doctreedir=str(out), env=env); "
        "doc = new_document('p', get_default_settings(Parser)); "
        "Builder.write_doctree(b, 'seite', doc, _cache=True); "
        "print(sorted(env._write_doc_doctree_cache), (out / 'seite.doctree').is_file())")
    plain = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert plain.stdout.split() == ["['seite']", "True"], plain.stderr  # Sphinx as it comes: kept in memory
    setup = subprocess.run([sys.executable, "-c", report._sphinx_setup(1) + check], capture_output=True, text=True)
    assert setup.stdout.split() == ["[]", "True"], setup.stderr


def test_the_book_inputs_hash_is_digest_of_path_and_bytes_file_by_file(tmp_path):
    """Hashed one file at a time (the executed notebooks of 400 profiles are hundreds of MB), the
    value is still the digest of each file's path and bytes, generated pages first: a published
    site's marker (_build/.published.json) stays valid."""
    import hashlib

    gen = tmp_path / report.GENERATED
    (gen / "gemeinden").mkdir(parents=True)
    (gen / "gemeinden" / "a.ipynb").write_bytes(b"{}")
    (gen / "index.md").write_bytes("# Bericht über".encode())
    (tmp_path / "book" / "intro.md").write_bytes(b"Text")
    h = hashlib.sha256(b"book/_generated/gemeinden/a.ipynb{}\x00" + "book/_generated/index.md# Bericht über\x00".encode()
                       + b"book/intro.mdText\x00")
    assert report._inputs_hash(tmp_path) == h.hexdigest()


# --- the book's config: the extension that computes once what Sphinx computes per page (issue 19) ---
@pytest.mark.parametrize("config_text, expected", [
    ("title: Test\n", ["sozialanalyse.build.sphinx_shared"]),  # a project's config without a sphinx block
    ("title: Test\nsphinx:\n  extra_extensions: [sozialanalyse.build.sphinx_escape]\n",
     ["sozialanalyse.build.sphinx_escape", "sozialanalyse.build.sphinx_shared"]),
    ("title: Test\nsphinx:\n  extra_extensions: [sozialanalyse.build.sphinx_shared, x]\n",
     ["sozialanalyse.build.sphinx_shared", "x"]),  # named by the project: kept where it is, not twice
])
def test_every_book_config_loads_the_shared_sphinx_extension(tmp_path, config_text, expected):
    import yaml

    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/_generated/index\n", encoding="utf-8")
    (tmp_path / "_config.yml").write_text(config_text, encoding="utf-8")
    planned = report.BuildPlan(Config(path=Path("x.yml")))
    _, cfg = report._toc_and_config(planned, [], tmp_path)
    written = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    assert written["sphinx"]["extra_extensions"] == expected
