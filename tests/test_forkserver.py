"""Forked kernels (issue 19, part 2): a fork server that has imported the stack and loaded the
district forks one kernel per notebook. Each notebook still runs in a fresh namespace, sees no
district another notebook changed, and loads the files itself when they changed since the
server loaded them; without the server (it failed) the pool starts kernels as before."""
from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from sozialanalyse.build import forkserver, kernels, report
from sozialanalyse.build.report import Job

ROOT = Path(__file__).resolve().parents[1]
LOAD = sys.modules["sozialanalyse.io.load"]  # the module (``sozialanalyse.io.load`` is also the function)

pytestmark = pytest.mark.skipif(not forkserver.available(), reason="forked kernels: Linux only")


def _write(root: Path, name: str, *cells: str) -> None:
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("config = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), params] + [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "notebooks" / f"{name}.ipynb")


def _text(root: Path, key: str) -> str:
    nb = nbformat.read(root / report.GENERATED / f"{key}.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.fixture()
def district_folder(tmp_path):
    """A copy of Musterland's data folder (its files may be touched)."""
    dest = tmp_path / "projekt" / "daten"
    shutil.copytree(ROOT / "data" / "musterland", dest)
    return dest


# --- sa.load and its preload --------------------------------------------------------------------
def test_a_preloaded_district_is_returned_while_its_files_are_unchanged(district_folder, monkeypatch):
    monkeypatch.chdir(district_folder.parent)
    monkeypatch.setattr(LOAD, "_PRELOADED", {})
    assert LOAD.preload("daten") is True
    first = LOAD.load("daten")
    assert LOAD.load("daten") is first
    assert LOAD.load(str(district_folder)) is not first  # another argument: not what was preloaded
    # a file changed (a planner saved it again): the next load reads the files
    areas = district_folder / "areas.csv"
    st = areas.stat()
    os.utime(areas, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    again = LOAD.load("daten")
    assert again is not first and again.areas.equals(first.areas)


def test_a_load_that_warns_is_not_preloaded(district_folder, monkeypatch):
    """A notebook's own load would have shown the warning: such a district is not kept."""
    monkeypatch.chdir(district_folder.parent)
    monkeypatch.setattr(LOAD, "_PRELOADED", {})
    real = LOAD.load_district

    def warning(folder):
        warnings.warn("Zeile 7: Wert fehlt", UserWarning, stacklevel=2)
        return real(folder)

    monkeypatch.setattr(LOAD, "load_district", warning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert LOAD.preload("daten") is False
    assert LOAD._PRELOADED == {}


def test_no_district_is_preloaded_in_a_planners_session():
    assert LOAD._PRELOADED == {}


# --- the server and its kernels -----------------------------------------------------------------
def test_a_forked_kernel_is_fresh_and_has_the_preloaded_district(district_folder, tmp_path):
    root = district_folder.parent
    pool = kernels.KernelPool(log_dir=str(tmp_path / "logs"), fork=True)
    try:
        wk, _ = pool.take(str(root), {}, prestart=False, preload=("daten",))
        server = pool._server
        assert server is not None and server.preloaded == ["daten"]
        kc = wk.km.blocking_client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        seen = []
        reply = kc.execute_interactive(
            "import os, sys\nimport sozialanalyse as sa\nL = sys.modules['sozialanalyse.io.load']\n"
            "d = sa.load('daten')\n"
            "print(os.getppid(), d is L._PRELOADED[(os.getcwd(), 'daten')][1], d.name, os.getcwd(),\n"
            "      sorted(k for k in globals() if not k.startswith('_')))",
            output_hook=lambda m: seen.append(m["content"].get("text", "")), timeout=60)
        kc.stop_channels()
        wk.shutdown()
    finally:
        pool.close()
    assert reply["content"]["status"] == "ok" and reply["content"]["execution_count"] == 1
    ppid, same, *rest = "".join(seen).split(" ", 2)
    assert int(ppid) == server.process.pid  # forked by the server
    assert same == "True"
    assert rest[0].startswith(f"Landkreis Musterland {root} ['In', 'L', 'Out', 'd', 'exit', 'get_ipython', "
                              "'open', 'os', 'quit', 'sa', 'sys']")
    assert server.process.poll() is not None  # closed with the pool


def test_a_district_changed_by_one_notebook_is_not_seen_by_the_next(district_folder, tmp_path):
    """Both notebooks run on kernels forked by the same server (one worker, one pool)."""
    root = district_folder.parent
    _write(root, "aendert", "import sozialanalyse as sa\nd = sa.load(config)\nd.meta['geheim'] = 1\n"
                            "d.areas.loc[:, 'name'] = 'X'\nimport json\njson.SA_LEAK = 1\nprint(sorted(d.areas['name'].unique()))")
    _write(root, "liest", "import sozialanalyse as sa, json\nd = sa.load(config)\n"
                          "print('geheim' in d.meta, d.areas['name'].eq('X').any(), hasattr(json, 'SA_LEAK'))")
    jobs = [Job(template=n, output=k, title="", label=f"Seite {k}", parameters={"config": "daten"}, key=k)
            for n, k in (("aendert", "a1"), ("liest", "b2"))]
    assert report.execute(jobs, root, jobs_n=1, quiet=True) == {"executed": 2, "cached": 0}
    assert _text(root, "a1") == "['X']\n"
    assert _text(root, "b2") == "False False False\n"
    log = (root / report.CACHE / "kernels").glob("forkserver-*.log")
    assert list(log), "the notebooks did not run on forked kernels"


def test_a_notebook_whose_kernel_dies_is_a_failure_naming_the_page(tmp_path):
    _write(tmp_path, "stirbt", "import os\nos._exit(3)")
    with pytest.raises(report.BuildError) as info:
        report.execute([Job(template="stirbt", output="s1", title="", label="Seite s1", parameters={}, key="s1")],
                       tmp_path, jobs_n=1, quiet=True)
    assert "Seite s1" in str(info.value) and "died" in str(info.value).lower()


def test_a_server_that_does_not_start_leaves_the_kernels_as_before(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise forkserver.ForkServerError("the fork server did not start: ImportError: kaputt")

    monkeypatch.setattr(forkserver, "ForkServer", broken)
    pool = kernels.KernelPool(fork=True)
    try:
        wk, _ = pool.take(str(tmp_path), {}, prestart=False)
        assert wk.km.has_kernel and wk.warmed > 0  # started and warmed as a process of its own
        wk.shutdown()
    finally:
        pool.close()
    assert pool.fork is False
    assert "forked kernels are off in this worker (the fork server did not start: ImportError: kaputt)" \
        in capsys.readouterr().err


def test_a_server_reports_why_it_did_not_start(tmp_path):
    """Its imports fail (a package shadowed by an empty module on its path): the client raises
    with the server's reason, it does not hang."""
    (tmp_path / "shapely.py").write_text("raise ImportError('kaputt')\n")
    with pytest.raises(forkserver.ForkServerError, match=r"did not start: ImportError: kaputt"):
        forkserver.ForkServer(str(tmp_path), {"PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])})


def test_fresh_turns_forked_kernels_off(monkeypatch):
    monkeypatch.setenv(forkserver.ENV_VAR, "fresh")
    assert forkserver.available() is False
    assert kernels.KernelPool().fork is False
