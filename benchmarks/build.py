"""Benchmark of the report build, all measured side by side in one run on a copy of the project.

1. cold build (empty execution cache, ``--jobs 2``)
2. rebuild with nothing changed
3. rebuild after one municipality's data changed, two ways:
   a. a facility of the Kreisstadt renamed: only its profile and the chapters show it;
   b. one count in one Sozialraum changed: the Kreis totals change, so every page that prints
      them runs again (correct, not a cache miss)
4. the same notebooks executed by Jupyter Book itself (``execute_notebooks: force``)
5. the same notebooks executed by a sequential papermill loop (no cache, one process)
6. the floor (issue 19): papermill running, in a fresh kernel, a notebook that only imports the
   stack and draws one figure (the best of three), and what one notebook pays before its first
   cell: the kernel's start and the stack import inside it (:mod:`sozialanalyse.build.kernels`)

Prints seconds and ratios against the cold build, then the issue's targets: cold build at most 0.5
of "notebooks x floor", at least 2.5 times faster than Jupyter Book's own execution, no-change
rebuild under 5 % of cold. Usage: ``python benchmarks/build.py`` (``--floor`` measures 6 only).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import copy_project, machine

from sozialanalyse.build import report


def timed(label: str, fn, results: dict):
    t0 = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - t0
    extra = f" ({out['executed']} executed, {out['cached']} cached, book {out['book']})" if isinstance(out, dict) else ""
    print(f"{label:<52} {results[label]:7.1f} s{extra}", flush=True)
    return out


def jupyter_book_execution(root: Path) -> None:
    """Parameterised copies of the templates, executed by Jupyter Book (myst-nb) itself."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    cfg, jobs = report.plan(root / "config" / "musterland.yml", root)
    gen = root / report.GENERATED
    shutil.rmtree(gen, ignore_errors=True)
    for job in jobs:
        nb = load_notebook_node(str(root / "notebooks" / f"{job.template}.ipynb"))
        nb = parameterize_notebook(nb, job.parameters)
        target = gen / f"{job.output}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    toc, book_cfg = report._toc_and_config(cfg, jobs, root)
    conf = yaml.safe_load(book_cfg.read_text(encoding="utf-8"))
    conf["execute"] = {"execute_notebooks": "force", "timeout": 600}
    # Jupyter Book as it comes: without the build's extension that shares the sidebar's navigation
    extensions = conf.get("sphinx", {}).get("extra_extensions") or []
    conf["sphinx"]["extra_extensions"] = [e for e in extensions if e != report.SHARED_EXTENSION]
    book_cfg.write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
    report._jupyter_book(root, toc, book_cfg, root / "_build" / ".jb-exec", quiet=True)


def papermill_loop(root: Path) -> None:
    import papermill as pm

    _, jobs = report.plan(root / "config" / "musterland.yml", root)
    out = root / "_pm"
    out.mkdir(exist_ok=True)
    for job in jobs:
        pm.execute_notebook(str(root / "notebooks" / f"{job.template}.ipynb"),
                            str(out / f"{job.output.replace('/', '_')}.ipynb"),
                            parameters=job.parameters, cwd=str(root), progress_bar=False, kernel_name="python3")


def floor(root: Path, runs: int = 3) -> dict[str, float]:
    """The floor of one notebook and the kernel's costs before a notebook's first cell (best of ``runs``)."""
    import nbformat
    import papermill as pm

    from sozialanalyse.build import kernels

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sozialanalyse as sa\nimport matplotlib.pyplot as plt\n"
                                          "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nplt.show()")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = root / "_floor.ipynb"
    nbformat.write(nb, path)
    best = {"floor": float("inf"), "kernel start": float("inf"), "stack import": float("inf")}
    for _ in range(runs):
        t0 = time.perf_counter()
        pm.execute_notebook(str(path), str(root / "_floor.out.ipynb"), cwd=str(root), progress_bar=False,
                            kernel_name="python3")
        best["floor"] = min(best["floor"], time.perf_counter() - t0)
        wk = kernels.start_kernel(str(root))
        wk.shutdown()
        best["kernel start"] = min(best["kernel start"], wk.started)
        best["stack import"] = min(best["stack import"], wk.warmed)
    for label, seconds in best.items():
        print(f"{'6 ' + label + ' (best of ' + str(runs) + ')':<52} {seconds:7.2f} s", flush=True)
    return best


def main() -> None:
    print(machine(), flush=True)
    if "--floor" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            floor(copy_project(Path(tmp) / "projekt", data="musterland"))
        print(f"after the run: {machine()}")
        return
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "projekt", data="musterland")
        config = root / "config" / "musterland.yml"
        cold = timed("1 cold build (jobs=2)", lambda: report.build(config, 2, True, root), results)
        timed("2 rebuild, nothing changed", lambda: report.build(config, 2, True, root), results)

        fac_path = root / "data" / "musterland" / "facilities.csv"
        fac = pd.read_csv(fac_path, dtype=str, keep_default_na=False)
        first = fac.index[fac["area_id"].str.startswith("03499016-")][0]
        fac.loc[first, "name"] = fac.loc[first, "name"] + " (neu)"
        fac.to_csv(fac_path, index=False, lineterminator="\n")
        timed("3a rebuild, one facility of Musterstadt renamed", lambda: report.build(config, 2, True, root), results)

        tr_path = root / "data" / "musterland" / "transfers.csv"
        tr = pd.read_csv(tr_path, dtype=str, keep_default_na=False)
        hit = tr.index[(tr["area_id"] == "03499016-02") & (tr["variable"] == "sgb2_personen")
                       & (tr["year"] == "2024")][0]
        tr.loc[hit, "value"] = str(int(tr.loc[hit, "value"]) + 10)
        tr.to_csv(tr_path, index=False, lineterminator="\n")
        timed("3b rebuild, one SGB II count in one Sozialraum", lambda: report.build(config, 2, True, root), results)

        timed("4 Jupyter Book executes (execute_notebooks: force)", lambda: jupyter_book_execution(root), results)
        timed("5 sequential papermill loop (no book build)", lambda: papermill_loop(root), results)
        print(f"\nnotebooks per build: {cold['executed']}")
        one = floor(root)
    base = results["1 cold build (jobs=2)"]
    print("\nratios against the cold build (lower is faster):")
    for label, seconds in results.items():
        print(f"  {label:<52} {seconds / base:6.3f}")
    n = cold["executed"]
    print(f"\nfloor: {one['floor']:.2f} s per notebook (kernel start {one['kernel start']:.2f} s, stack import "
          f"{one['stack import']:.2f} s of it); {n} notebooks x floor = {n * one['floor']:.1f} s")
    print(f"cold build / (notebooks x floor) = {base / (n * one['floor']):.2f} (target <= 0.5)")
    jb = results["4 Jupyter Book executes (execute_notebooks: force)"]
    print(f"Jupyter Book's execution / cold build = {jb / base:.2f} (target >= 2.5)")
    print(f"no-change rebuild / cold build = {results['2 rebuild, nothing changed'] / base:.3f} (target < 0.05)")
    print(f"after the run: {machine()}")


if __name__ == "__main__":
    main()
