"""The executor seam (issue 19, parts 2, 3 and 6): warm kernels that leave every notebook a fresh
namespace and the same bytes as papermill's own run, the Dask executor on a LocalCluster of two
worker processes (a failing cell, a worker that dies once, one that dies every time, a scheduler
that is not there), and ``--profile``. Tiny notebooks, no book, except the one slow test."""
from __future__ import annotations

import re
import shutil
import socket
import time
from pathlib import Path

import nbformat
import pytest

from sozialanalyse import cli
from sozialanalyse.build import executors, kernels, report
from sozialanalyse.build.report import BuildError, Job

# end-to-end: kernels, papermill runs and LocalClusters of two worker processes; `make test-slow`, CI runs them
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _write(root: Path, name: str, *cells: str, parameters: str = "x = 0") -> None:
    """``notebooks/<name>.ipynb``: a title, a parameters cell, then ``cells``."""
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), params] + [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, root / "notebooks" / f"{name}.ipynb")


def _job(name: str, key: str, **parameters) -> Job:
    return Job(template=name, output=key, title="", label=f"Seite {key}", parameters=parameters, key=key)


def _outputs(root: Path, output: str) -> list:
    nb = nbformat.read(root / report.GENERATED / f"{output}.ipynb", as_version=4)
    return [c.get("outputs") for c in nb.cells if c.cell_type == "code"]


# --- warm kernels ------------------------------------------------------------------------------
def test_a_warm_kernel_has_imported_the_stack_but_bound_nothing(tmp_path):
    wk = kernels.start_kernel(str(tmp_path), modules=("json", "csv"))
    try:
        kc = wk.km.blocking_client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        seen = []
        reply = kc.execute_interactive("import sys; print('csv' in sys.modules, 'csv' in globals(), "
                                       "sorted(k for k in globals() if not k.startswith('_')))",
                                       output_hook=lambda m: seen.append(m["content"].get("text", "")),
                                       timeout=30)
        kc.stop_channels()
    finally:
        wk.shutdown()
    assert reply["content"]["status"] == "ok"
    # the first execution the notebook makes is number 1: the silent warm-up counted none
    assert reply["content"]["execution_count"] == 1
    assert "".join(seen) == "True False ['In', 'Out', 'exit', 'get_ipython', 'open', 'quit', 'sys']\n"
    assert wk.started > 0 and wk.warmed > 0


def test_every_notebook_runs_in_a_fresh_namespace(tmp_path):
    """A variable, a module attribute and an environment variable set by one notebook are not
    seen by the next one, although both ran on warm kernels of the same worker."""
    _write(tmp_path, "setzt", "geheim = 42\nimport json\njson.SOZIALANALYSE_LEAK = 1\nimport os\n"
                              "os.environ['SA_LEAK'] = '1'\nprint('gesetzt')")
    _write(tmp_path, "liest", "import json, os\nprint('geheim' in globals(), hasattr(json, 'SOZIALANALYSE_LEAK'), "
                              "'SA_LEAK' in os.environ)")
    jobs = [_job("setzt", "a1"), _job("liest", "b2")]
    assert report.execute(jobs, tmp_path, jobs_n=1, quiet=True) == {"executed": 2, "cached": 0}
    assert _outputs(tmp_path, "a1")[-1][0]["text"] == "gesetzt\n"
    assert _outputs(tmp_path, "b2")[-1][0]["text"] == "False False False\n"


def test_outputs_are_byte_identical_to_a_papermill_run(tmp_path):
    """The cached notebook of a warm kernel equals the one papermill makes with a kernel of its
    own (finished alike: title, hidden parameters, no timings)."""
    _write(tmp_path, "seite", "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(2, 1))\n"
                              "ax.plot([1, 2, x])\nplt.show()", "print(x * 21)\nx", parameters="x = 0")
    job = _job("seite", "k1", x=3)
    report.execute([job], tmp_path, jobs_n=1, quiet=True)
    warm = (tmp_path / report.CACHE / "k1.ipynb").read_bytes()
    run = tmp_path / "papermill.ipynb"
    report.run_papermill(str(tmp_path / "notebooks" / "seite.ipynb"), str(run), parameters={"x": 3},
                         cwd=str(tmp_path), progress_bar=False, kernel_name="python3", log_output=False)
    assert warm == report._finish_notebook(run, "", "seite")
    outs = _outputs(tmp_path, "k1")
    assert "image/png" in outs[-2][0]["data"] and outs[-1][0]["text"] == "63\n"


# --- the Dask executor -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cluster():
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    # a task that killed its worker runs once more, then the build stops (README: the scheduler's setting)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                      silence_logs=40)
        yield cl
        cl.close()


@pytest.mark.xdist_group("dask")  # one LocalCluster for these
def test_dask_runs_the_notebooks_and_the_build_writes_the_cache(tmp_path, cluster):
    _write(tmp_path, "seite", "import os\nprint(x * 21)")
    jobs = [_job("seite", f"d{i}", x=i) for i in range(3)]
    ex = executors.DaskExecutor(cluster.scheduler_address)
    try:
        assert report.execute(jobs, tmp_path, quiet=True, executor=ex) == {"executed": 3, "cached": 0}
    finally:
        ex.close()
    assert [_outputs(tmp_path, f"d{i}")[-1][0]["text"] for i in range(3)] == ["0\n", "21\n", "42\n"]
    # the same notebooks are cached: a local build now executes nothing
    assert report.execute(jobs, tmp_path, jobs_n=1, quiet=True) == {"executed": 0, "cached": 3}


@pytest.mark.xdist_group("dask")  # one LocalCluster for these
def test_a_failing_cell_on_a_worker_names_the_page_and_the_cell(tmp_path, cluster):
    _write(tmp_path, "gut", "print(1)")
    _write(tmp_path, "kaputt", "print(1)", "raise ValueError('Gemeinde 03499016 fehlt')")
    ex = executors.DaskExecutor(cluster.scheduler_address)
    try:
        with pytest.raises(BuildError) as info:
            report.execute([_job("gut", "g1"), _job("kaputt", "f1")], tmp_path, quiet=True, executor=ex)
    finally:
        ex.close()
    msg = str(info.value)
    assert msg.startswith("notebook execution failed:\n  Seite f1: cell 3 failed: ValueError: Gemeinde 03499016 "
                          "fehlt (on Dask worker ")
    assert "Seite g1" not in msg and (tmp_path / report.CACHE / "g1.ipynb").is_file()


#: kills the Dask worker running the notebook: the kernel's parent, or the parent of the fork server
#: that forked the kernel (sozialanalyse.build.forkserver)
_KILL = ("import os, signal, pathlib\nm = pathlib.Path({marker!r})\nworker = os.getppid()\n"
         "if b'sozialanalyse.build.forkserver' in pathlib.Path(f'/proc/{{worker}}/cmdline').read_bytes():\n"
         "    worker = int(pathlib.Path(f'/proc/{{worker}}/stat').read_text().rsplit(')', 1)[1].split()[1])\n"
         "if {always} or not m.exists():\n    m.write_text('x')\n    os.kill(worker, signal.SIGKILL)\n"
         "print('überlebt')")


@pytest.mark.xdist_group("dask")  # one LocalCluster for these
def test_a_worker_that_dies_has_its_task_run_again(tmp_path, cluster):
    """The notebook kills its worker process (the kernel's parent) on its first try only."""
    _write(tmp_path, "stirbt", _KILL.format(marker=str(tmp_path / "einmal"), always=False))
    ex = executors.DaskExecutor(cluster.scheduler_address)
    try:
        assert report.execute([_job("stirbt", "w1")], tmp_path, quiet=True, executor=ex)["executed"] == 1
    finally:
        ex.close()
    assert (tmp_path / "einmal").is_file()
    assert _outputs(tmp_path, "w1")[-1][0]["text"] == "überlebt\n"


@pytest.mark.xdist_group("dask")  # one LocalCluster for these
def test_a_task_that_kills_its_worker_twice_stops_the_build(tmp_path, cluster):
    _write(tmp_path, "stirbt", _KILL.format(marker=str(tmp_path / "immer"), always=True))
    ex = executors.DaskExecutor(cluster.scheduler_address)
    try:
        with pytest.raises(BuildError) as info:
            report.execute([_job("stirbt", "w2")], tmp_path, quiet=True, executor=ex)
    finally:
        ex.close()
    assert str(info.value).startswith("Seite w2: the Dask worker running it died 2 time(s) (KilledWorker, last on tcp://")
    assert "the build stopped" in str(info.value)


def test_a_missing_scheduler_is_one_line_within_seconds(capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    assert cli.main(["build", "--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", "-q",
                     "--config", str(ROOT / "config" / "musterland.yml")]) == 1
    assert time.monotonic() - t0 < executors.CONNECT_TIMEOUT + 20  # the plan reads the district too
    err = capsys.readouterr().err
    assert err.startswith(f"sozialanalyse build: error: no Dask scheduler answered at tcp://127.0.0.1:{port} "
                          f"within {executors.CONNECT_TIMEOUT} s (")
    assert "dask scheduler" in err and "--executor local" in err


def test_dask_without_a_scheduler_address_is_refused(capsys):
    assert cli.main(["build", "--executor", "dask", "-q"]) == 2
    assert "--executor dask needs --scheduler ADDRESS" in capsys.readouterr().err


# --- --profile ---------------------------------------------------------------------------------
def test_the_profile_names_the_pages_and_their_slowest_cells(tmp_path):
    from sozialanalyse.build.profile import Profile

    _write(tmp_path, "langsam", "import time\ntime.sleep(0.6)", "y = 1")
    prof = Profile()
    with prof.phase("execute"):
        report.execute([_job("langsam", "p1")], tmp_path, jobs_n=1, quiet=True, profile=prof)
    text = prof.report()
    lines = text.splitlines()
    assert lines[0].startswith("where the time went")
    assert any(ln.lstrip().startswith("execute") for ln in lines)
    page = next(ln for ln in lines if "Seite p1" in ln)
    seconds = float(page.split("Seite p1")[1].split()[0].replace(",", "."))
    assert seconds >= 0.6
    slow = next(ln for ln in lines if "import time" in ln)  # a cell is shown by its first line
    # the cell's execution count (the parameters cell 1, this 2: no parameters, none injected), its seconds
    assert slow.split()[0] == "[2]" and float(slow.split()[-1]) >= 0.6
    # the timings stay out of the cached notebook (the same bytes as without --profile)
    assert b'"execution"' not in (tmp_path / report.CACHE / "p1.ipynb").read_bytes()


def test_each_build_gives_its_kernels_a_token_of_its_own(tmp_path):
    """Every task of one build carries the same token in its kernel's environment, the next build
    another (report.BUILD_ENV): a Dask worker's fork server and spare kernel, kept from one build
    to the next, match a task by its folder and environment (tests/test_forkserver.py)."""
    _write(tmp_path, "seite", "print(x)")

    class Recorder:
        name, address, seen = "recorder", "", []

        def workers(self, n):
            return 1

        def run(self, tasks, outputs):
            for t in tasks:
                self.seen.append(t)
                yield t, executors.Outcome(key=t.key, notebook=Path(t.template).read_bytes())

        def cancel(self):
            pass

    ex = Recorder()
    report.execute([_job("seite", "a", x=1), _job("seite", "b", x=2)], tmp_path, quiet=True, executor=ex)
    report.execute([_job("seite", "c", x=3)], tmp_path, quiet=True, executor=ex)
    tokens = [t.env[report.BUILD_ENV] for t in ex.seen]
    assert len(tokens) == 3 and tokens[0] == tokens[1] != tokens[2] and len(tokens[0]) == 32


# --- the whole report on a LocalCluster --------------------------------------------------------
def test_musterland_built_on_dask_equals_the_local_build(two_municipality_build, tmp_path, cluster):
    """The session's local build of two profiles (tests/conftest.py) is kept aside; the project is
    built again in place (the same paths) on the cluster from an empty cache: every executed
    notebook and every page are the same bytes."""
    root = two_municipality_build
    before = tmp_path / "lokal"
    shutil.copytree(root / report.GENERATED, before / "generated")
    shutil.copytree((root / "_build" / "html").resolve(), before / "html")
    for folder in (".cache", "_build", str(report.GENERATED)):
        shutil.rmtree(root / folder)
    ex = executors.DaskExecutor(cluster.scheduler_address)
    try:
        out = report.build(root / "config" / "zwei.yml", jobs_n=2, quiet=True, root=root, executor=ex)
    finally:
        ex.close()
    assert out["cached"] == 0 and out["executed"] > 0 and out["book"] == "built"
    local = sorted(p.relative_to(before / "generated") for p in (before / "generated").rglob("*.ipynb"))
    assert local == sorted(p.relative_to(root / report.GENERATED) for p in (root / report.GENERATED).rglob("*.ipynb"))
    for rel in local:
        assert _undated((before / "generated" / rel).read_text(encoding="utf-8")) == \
            _undated((root / report.GENERATED / rel).read_text(encoding="utf-8")), rel
    pages = sorted((before / "html" / "book" / "_generated").rglob("*.html"))
    assert pages
    for page in pages:
        rel = page.relative_to(before / "html")
        assert _undated(page.read_text(encoding="utf-8")) == \
            _undated((root / "_build" / "html" / rel).read_text(encoding="utf-8")), rel


def _undated(text: str) -> str:
    """Two builds of the same inputs differ in the build-date line only ("Erstellt am", minutes)."""
    out = re.sub(r'data-datum=(\\?)"[^"\\]*\\?"', r'data-datum=\1"\1"', text)
    assert out != text or "data-datum" not in text
    return out


def test_the_executor_flags_are_documented():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--executor dask --scheduler" in text and "dask worker" in text and "allowed-failures" in text


# --- the result loop both executors share ------------------------------------------------------

def test_the_result_loop_yields_outcomes_failures_and_cancelled_tasks_in_finishing_order():
    from concurrent.futures import Future

    tasks = [executors.Task(key=k, label=f"Seite {k}", template="", parameters={}, cwd="") for k in "abcd"]
    futs = [Future() for _ in tasks]
    futs[0].set_result(executors.Outcome(key="a"))
    futs[1].set_exception(OSError(28, "No space left on device"))
    futs[2].cancel()
    futs[3].set_result(executors.Outcome(key="d", failure=ValueError("Zelle 3")))
    order = [futs[3], futs[1], futs[2], futs[0]]
    got = list(executors._collect(dict(zip(futs, tasks)), iter(order)))
    assert [t.key for t, _ in got] == ["d", "b", "c", "a"]
    assert got[0][1].failure.args == ("Zelle 3",)       # a failing cell: a value in the outcome
    assert isinstance(got[1][1], OSError) and got[1][1].errno == 28  # any other exception: yielded
    assert got[2][1] is None                             # cancelled (after a full disk)
    assert got[3][1].key == "a" and got[3][1].failure is None


def test_a_fatal_exception_stops_the_result_loop_and_closing_it_early_is_clean():
    from concurrent.futures import Future

    tasks = [executors.Task(key=k, label=f"Seite {k}", template="", parameters={}, cwd="") for k in "ab"]
    futs = [Future(), Future()]
    futs[0].set_exception(KeyError("weg"))
    futs[1].set_exception(RuntimeError("Worker tot"))

    def fatal(task, exc):
        return executors.ExecutorError(f"{task.label}: gestoppt") if isinstance(exc, RuntimeError) else None

    loop = executors._collect(dict(zip(futs, tasks)), iter(futs), fatal=fatal)
    task, exc = next(loop)
    assert task.key == "a" and isinstance(exc, KeyError)
    with pytest.raises(executors.ExecutorError, match=r"^Seite b: gestoppt$"):
        next(loop)
    # a consumer that stops after the first failure closes the loop without a RuntimeError
    # ("generator ignored GeneratorExit", as when the yield sat inside the try)
    loop = executors._collect(dict(zip(futs, tasks)), iter(futs))
    next(loop)
    loop.close()
