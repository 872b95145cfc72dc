"""The package is a house with floors (README "Layout"): each floor imports only the floors below
it, also inside functions, and no module imports itself round about.

The floors are written down once, as the import-linter contract in ``pyproject.toml``; these tests
run that contract, prove that it would catch an upward import, and look for import cycles (which
a layers contract does not see inside one floor).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "sozialanalyse"


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
         "sys.exit(lint_imports_command(['--no-cache', 'pyproject.toml']))"],
        cwd=cwd, env={"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300)


def _floors() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [floor.strip() for layer in contract["layers"] for floor in layer.split("|")]


def test_the_floors_are_the_subpackages():
    """Every subpackage (and cli.py) is a floor of the contract: a new floor cannot slip in unchecked."""
    on_disk = {f"{PACKAGE}.{p.name}" for p in (ROOT / PACKAGE).iterdir()
               if p.is_dir() and (p / "__init__.py").is_file()} | {f"{PACKAGE}.cli"}
    assert on_disk == set(_floors())


def test_floors_import_only_downwards():
    result = _lint(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_the_contract_catches_an_upward_import(tmp_path):
    """A planted import of a page module inside a statistics function breaks the contract."""
    shutil.copytree(ROOT / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / PACKAGE / "stats" / "health.py"
    target.write_text(target.read_text(encoding="utf-8")
                      + "\n\ndef _planted():\n    from ..pages import gemeindeprofil  # upward\n"
                        "    return gemeindeprofil\n", encoding="utf-8")
    result = _lint(tmp_path, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert "sozialanalyse.stats.health -> sozialanalyse.pages.gemeindeprofil" in result.stdout


#: The statistics that read a district's raw counts (or protect them): the pages reach them only
#: through the protected floor.
RAW = ["disclosure", "aggregate", "mortality", "school_entry", "care", "access", "monitoring"]


def test_the_pages_may_not_import_the_disclosure_control():
    """The second contract: the pages publish only what the protected floor protected; none of
    them imports :mod:`sozialanalyse.stats.disclosure` or a statistic that sums the raw counts
    itself (the protected floor does, so indirect imports are allowed)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    forbidden = [c for c in config["contracts"] if c["type"] == "forbidden"]
    assert [(c["source_modules"], sorted(c["forbidden_modules"]), c.get("allow_indirect_imports"))
            for c in forbidden] == [(["sozialanalyse.pages"], sorted(f"{PACKAGE}.stats.{m}" for m in RAW), True)]


#: A district's raw tables as attributes (a call such as ``layer.counts(...)`` is the protected
#: layer's method, not the attribute).
_RAW_ACCESS = re.compile(r"\.(counts|gaps)\b(?!\s*\()|\btotals\(|\bsum_counts\(")


@pytest.mark.parametrize("page", sorted(p.stem for p in (ROOT / PACKAGE / "pages").glob("*.py")))
def test_no_page_reads_the_raw_counts(page):
    """Import contracts see imports, not attributes: a page that reads ``district.counts`` would
    publish past the protected layer, so no page source mentions the raw tables at all."""
    source = (ROOT / PACKAGE / "pages" / f"{page}.py").read_text(encoding="utf-8")
    hits = [f"line {source.count(chr(10), 0, m.start()) + 1}: {m.group(0)}" for m in _RAW_ACCESS.finditer(source)]
    assert hits == [], f"pages/{page}.py reads the raw counts: {hits}"


def test_the_raw_access_check_can_fail():
    assert _RAW_ACCESS.search("n = district.counts[district.counts.variable == 'x']")
    assert _RAW_ACCESS.search("gap = d.gaps")
    assert not _RAW_ACCESS.search("L.counts({'variable': 'einwohner'}, level='kreis')")


def test_the_contract_catches_a_page_importing_the_disclosure_control(tmp_path):
    """A planted ``from ..stats import disclosure`` in a page breaks the forbidden contract and is
    named (whatever else the contract reports)."""
    shutil.copytree(ROOT / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / PACKAGE / "pages" / "indikatorenkatalog.py"
    source = target.read_text(encoding="utf-8")
    assert "disclosure" not in source  # the planted import is the only one of this page
    target.write_text(source + "\n\ndef _planted():\n    from ..stats import disclosure  # protects on its own\n"
                               "    return disclosure\n", encoding="utf-8")
    result = _lint(tmp_path, tmp_path)
    out = " ".join(result.stdout.split())  # the report wraps long lines
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Pages read the protected layer, never the disclosure control or the raw counts BROKEN" in out
    assert "sozialanalyse.pages.indikatorenkatalog -> sozialanalyse.stats.disclosure" in out


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for start in modules:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter[0]; counter[0] += 1
        stack.append(start); on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]; counter[0] += 1
                    stack.append(w); on.add(w)
                    work.append((w, iter(edges[w])))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop(); on.discard(w); comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_no_import_cycles():
    """Counting imports inside functions (grimp reads every import statement)."""
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for m in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(m)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


@pytest.mark.parametrize("floor", _floors())
def test_every_floor_says_what_it_is(floor):
    import importlib

    module = importlib.import_module(floor)
    assert module.__doc__ and len(module.__doc__.strip()) > 40, f"{floor} needs a module docstring"


def test_every_notebook_has_its_page_module():
    """A reader of ``notebooks/<name>.ipynb`` finds its code in ``sozialanalyse/pages/<name>.py``,
    and every page module serves a notebook (``common`` holds what several share)."""
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    pages = {p.stem for p in (ROOT / PACKAGE / "pages").glob("*.py")} - {"__init__", "common"}
    assert notebooks == pages


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_a_notebook_calls_its_own_page_module(path):
    """The notebook's calls go to ``sa.pages.<its name>`` (plus the footer of ``pages.common``)."""
    import re

    import nbformat

    nb = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    used = set(re.findall(r"\bsa\.pages\.(\w+)\.", source))
    assert used <= {path.stem, "common"}, f"{path.name} calls {sorted(used - {path.stem, 'common'})}"


def _readme_map() -> set[str]:
    """The package files the README's layout map names (``sozialanalyse/<floor>/<file>``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    named, folder, inside = set(), None, False
    for line in block.splitlines():
        if line.startswith(f"{PACKAGE}/"):
            inside = True
            continue
        if inside and line and not line.startswith(" "):
            break  # the package's block ends at the next top-level entry
        if not inside or not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        entry = re.split(r"\s{2,}", line.strip())[0]
        if indent == 2 and entry.endswith("/"):
            folder = entry.rstrip("/")
        elif indent == 2:
            named.add(entry)
        elif indent == 4:
            named |= {f"{folder}/{name.strip()}" for name in entry.split(",")}
    return named


def test_the_readme_layout_map_matches_the_tree():
    on_disk = {p.relative_to(ROOT / PACKAGE).as_posix() for p in (ROOT / PACKAGE).rglob("*")
               if p.is_file() and p.suffix in {".py", ".yml", ".cfg"} and p.name not in {"__init__.py", "_version.py"}}
    named = _readme_map()
    assert sorted(on_disk - named) == [], "files missing from the README's layout map"
    assert sorted(named - on_disk) == [], "the README's layout map names files that do not exist"


def test_no_config_name_or_kreis_key_as_a_default_in_the_library():
    """Defaults of that kind belong to the notebooks' parameters and the command line; a library
    function that silently picked a district would build the wrong report."""
    import ast

    configs = {p.stem for p in (ROOT / "config").glob("*.yml")}
    found = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        if path.name == "cli.py":
            continue  # the command line's --config default is the quickstart's demo district
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for default in [*node.args.defaults, *node.args.kw_defaults]:
                    if isinstance(default, ast.Constant) and isinstance(default.value, str) and (
                            default.value in configs or re.fullmatch(r"\d{5}", default.value)):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}(... = {default.value!r})")
    assert found == []


def test_reading_no_config_asks_for_one():
    from sozialanalyse.model.config import ConfigError, read_config

    with pytest.raises(ConfigError, match="no report config given: name one, e.g. 'musterland'"):
        read_config(None)


def test_results_print_short_in_jupyterlab():
    """A District and the Sozialraum-Monitoring's results say what they hold in a few lines."""
    import sozialanalyse as sa

    d = sa.load("musterland")
    m = sa.stats.monitoring.monitoring(d)
    for obj in (d, m, m.result):
        text = repr(obj)
        assert len(text) < 1000 and len(text.splitlines()) < 15, text
    assert "table: DataFrame 36 × 11 (name, valid, reason" in repr(m.result)


@pytest.mark.parametrize("floor", [f for f in _floors() if f != f"{PACKAGE}.cli"])
def test_every_module_of_a_floor_loads_on_first_use(floor):
    """``sa.<floor>.<module>`` works for every module file of the floor (its lazy list is complete)."""
    folder = ROOT / PACKAGE / floor.rsplit(".", 1)[1]
    modules = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    code = (f"import importlib; f = importlib.import_module({floor!r}); "
            f"print([m for m in {modules!r} if not hasattr(f, m)])")  # a fresh process: nothing preloaded
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_the_command_line_starts_without_pandas():
    """`sozialanalyse --help` answers at once: the CLI loads a floor only when its subcommand runs."""
    code = ("import sys, sozialanalyse.cli as c; "
            "heavy = [m for m in ('pandas', 'matplotlib', 'geopandas') if m in sys.modules]; "
            "sys.exit(', '.join(heavy) or None)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
