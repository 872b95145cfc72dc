"""Benchmark of the Gemeindeprofil's page functions in one warm process (issue 19).

Loads a district once (``sa.load``), reads the library calls of the template notebook
``notebooks/gemeindeprofil.ipynb`` (one ``sa.pages.<module>.<function>(d, ...)`` per code cell)
and runs them for every municipality in the order of the notebook, timing each call together with
the rendering of its output (HTML, Markdown or PNG: what the kernel pays to display it) in CPU
seconds of this process (``time.process_time``: other load on the machine does not count). Prints
per function the seconds per profile (mean and max over the municipalities) and the mean and max
of a whole profile; with ``--baseline FILE`` also the ratio against an earlier run saved with
``--save FILE``.

``--fresh`` measures what a profile costs in a build: the protected layer, its indicator
snapshot and the shared frames (supply gaps, life expectancy) are saved once (as
``protected_layer_once`` does) and every profile gets a newly loaded district (its loading not
timed) that reads them, so nothing is shared between profiles but what those files hold.

``--dump DIR`` writes the rendered output of every call (``<area_id>/<nn>_<function>.txt``) and
``--compare DIR`` checks them byte for byte against such a dump: a speed-up must not change a
page. ``--cprofile N`` prints the N most expensive functions (cumulative) of the profiles after
the first (the first pays the work all profiles share).

Measured (2 December 2026, the 2-core development machine while a CI run used both cores; CPU
seconds per profile after the first, Musterland, 11 profiles, before = da150de, both runs side by
side): in one warm process 2,28 -> 1,74 s (figures 1,4-1,9x faster: ticks thinned after a layout
pass without rasterising, GeoPandas' plot no longer rasterising the figure; the catalog, the pyramid
cells and the spine chart table once per district); as in a build kernel (``--fresh``)
3,62 -> 3,16 s. What is left per build kernel: the figures (about 1,3 s: every PNG is laid out and
drawn at 150 dpi, population_development twice as its first PNG is too wide), the supply gaps of
"Auf einen Blick" (``planning.supply.gaps``: street network and reach, about 0,7 s, computed in every
kernel), published life expectancy (0,18 s) and the goals (0,1 s). The target of issue 19, under
1 s per profile, needs those shared across kernels (the build's snapshot) and cheaper figures.

Measured again (3 December 2026, same machine shared with other sessions, load about 4.5 on 2
cores after the second run, not recorded before the first; before = be3b603, ``--fresh``, the two
runs 12 minutes apart; outputs byte-identical): the supply gaps and the
published life expectancy now come from the build's files beside the layer
(``Layer.shared``): "Auf einen Blick" 0,78 -> 0,20 s, life expectancy 0,16 -> 0,009 s; the street
network (read and checked from ``strassen.csv``, 0,08-0,09 s) moved from "Auf einen Blick" to the
supply section, which still asks whether there is one (0,007 -> 0,107 s). A whole profile 2,94 ->
2,50 s (the others after the first 2,86 -> 2,42 s), the figures unchanged within the noise
(about 1,3-1,5 s). Left per kernel: the figures, the street network file, the intro (0,14 s) and the
goals (0,13 s).

Measured a third time (3 December 2026, same machine shared with other sessions, load average
1,5-1,9 on 2 cores by ``uptime`` during both runs, run back to back; before = a3e5427, ``--fresh``;
outputs byte-identical, also with the earlier benchmark that did not apply the house style): the
benchmark now runs ``sa.render.tables.setup()`` as the notebook's first cell does (before, its
figures were laid out at 100 dpi and other font sizes than in a build; the numbers above are
of that). A whole profile 3,05 -> 2,46 s (the others after the first 2,99 -> 2,38 s).
``Figure.png`` computes the tight box once per width and hands it to ``savefig`` (no layout
pass of its own, and a too-wide figure is narrowed before its one PNG:
population_development 0,72 -> 0,37 s); the year labels are thinned without a draw
(trend_vs_kreis 0,44 -> 0,35 s, pyramid_and_locator 0,39 -> 0,35 s); whether there is a street
network is the build's shared frame (supply_section 0,131 -> 0,012 s). Left per kernel: the
figures (about 1,1 s: each laid out twice by ``tight_layout``, its box measured, drawn at 150 dpi
and PNG-encoded; skipping the second ``tight_layout`` when no label was thinned changes the PNGs
of three figures, so it stays), the spine chart's table (about 0,17 s), the benchmarks of the key
figures (``_benchmarks``, about 0,15 s, twice: key figures and KGSt fields), the intro and the goals.

Measured a fourth time (3 December 2026, beside a CI run on both cores, CPU seconds; before =
a3e5427 with the house style applied, as in the third run; after = 29bfb01; 11 profiles,
``--fresh``; outputs byte-identical): a whole profile 3,19 -> 2,06 s (the others after the first
3,12 -> 2,00 s). Besides the figures and the street network (third run), the tables over all
municipalities that every profile computed alike are now shared frames computed once per build
(the key figures and the KGSt fields against the Kreis, the spine chart, the population, the
pyramid cells): "Auf einen Blick" 0,26 -> 0,10 s, the KGSt fields 0,10 -> 0,05 s, the spine
chart 0,45 -> 0,28 s, the intro 0,17 -> 0,11 s. In the synthetic Land of 400 municipalities
(``--config config/musterland-land.yml --limit 4`` in a project made by ``scale.py --keep``),
where those tables grow with the number of municipalities, the same step took a profile from
7,77 to 5,28 s (before = d255beb, after = the shared tables without the street-network step).
Left per kernel: the figures (about 1,1 s), the goals (0,16 s) and the intro's first read of the
layer and its snapshot.

Measured a fifth time (4 December 2026, the 2-CPU Xeon machine, nothing else running; CPU
seconds; the Land of 400, 8 profiles; before = 31e1d0d, after = bb1d2f1, back to back; outputs
byte-identical), with ``--forked``: each profile's district gets, untimed, what the build's fork
server reads and computes before it forks a kernel (``forkserver._warm``), so the times are what
a forked kernel's cells pay. The server now also computes the goals' progress and the published
monitoring of the report year: a whole profile 2,093 -> 1,797 s (profile_goals 0,229 -> 0,004 s,
profile_classes 0,066 -> 0,015 s). Left per kernel: the figures (about 1,2 s).

Measured a sixth time (5 December 2026, the 2-CPU Xeon machine, nothing else running; CPU
seconds; a synthetic Land of 100, 8 profiles, ``--forked``; before = 3ccc2c1, after = 3a813c4,
alternating before, after, before, after; outputs byte-identical): Agg's renderers get each font's
line metrics once per font, size and dpi (``figstyle.cache_font_heights``) instead of matplotlib
looking the font up and reading its tables for every text each time its extent is asked for: a
whole profile 1,445 and 1,448 -> 1,306 and 1,269 s (ratio 0,89). In whole builds of that Land
(``build --profile``, cold, before, after, before, after) the forked kernels' CPU fell from 1,44 to
1,35 s per notebook (summed over the processes, sampled every 20 ms by an ad-hoc sampler that
``_common.ProcessCPU`` has since replaced; ``scale.py`` prints it).

Usage::

    PYTHONPATH=$PWD python benchmarks/profile_pages.py --save /tmp/before.json --dump /tmp/before
    PYTHONPATH=$PWD python benchmarks/profile_pages.py --baseline /tmp/before.json --compare /tmp/before
    PYTHONPATH=$PWD python benchmarks/profile_pages.py --config musterland-land --forked --limit 8
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def calls(notebook: Path) -> list[tuple[str, str, str]]:
    """(module, function, source) of every library call cell of a template notebook."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        src = "".join(cell["source"]).strip()
        if cell["cell_type"] != "code" or not src.startswith("sa.pages."):
            continue
        func = ast.parse(src).body[0].value.func
        out.append((func.value.attr, func.attr, src))
    return out


def rendered(obj) -> str:
    """The text the notebook stores for a call's result (what the page shows)."""
    if obj is None:
        return "None"
    if hasattr(obj, "_repr_html_"):
        html = obj._repr_html_()
        if html is not None:
            return html
    if hasattr(obj, "_repr_markdown_"):
        md = obj._repr_markdown_()
        if md is not None:
            return md
    if hasattr(obj, "data"):
        return str(obj.data)
    return repr(obj)


def run(config: str, limit: int | None, dump: Path | None, compare: Path | None, prof, fresh: bool = False,
        forked: bool = False):
    import os
    import tempfile

    import matplotlib.pyplot as plt

    import sozialanalyse as sa

    sa.render.tables.setup()  # as the notebook's first cell: the house style (150 dpi, font sizes)
    t0 = time.perf_counter()
    d = sa.load(config)
    load_s = time.perf_counter() - t0
    if fresh:  # as in a build: the layer and its snapshot saved once, each profile a new district
        from sozialanalyse.build.report import shared_work_once
        from sozialanalyse.protected import layer as protected_layer

        path = Path(tempfile.mkdtemp()) / "layer.parquet"
        protected_layer.save(protected_layer.of(d), path)
        shared_work_once(d, path)  # the supply gaps and the life expectancy, as the build saves them
        os.environ[protected_layer.ENV_VAR] = str(path)
    year = d.report_year
    cells = calls(ROOT / "notebooks" / "gemeindeprofil.ipynb")
    areas = list(d.municipalities()["area_id"].astype(str))[:limit]
    times: dict[str, list[float]] = {f"{m}.{f}": [] for m, f, _ in cells}
    differ: list[str] = []
    env = {"sa": sa, "d": d, "year": year, "config": config}
    for n, area_id in enumerate(areas):
        if prof is not None and n == 1:  # the first profile pays the shared work once
            prof.enable()
        if fresh and forked:  # what a build's fork server does before it forks a kernel (not timed)
            from sozialanalyse.build import forkserver
            from sozialanalyse.io.load import preload

            if not preload(config):
                raise SystemExit(f"--forked: {config} cannot be preloaded (it printed or warned)")
            print(f"  {area_id}: the server read and computed {', '.join(forkserver._warm(config))}",
                  file=sys.stderr)
            d = env["d"] = sa.load(config)
        elif fresh:
            d = env["d"] = sa.load(config)
        env["area_id"] = area_id
        for k, (m, f, src) in enumerate(cells):
            t = time.process_time()
            out = rendered(eval(src, env))  # noqa: S307 - the template's own call
            times[f"{m}.{f}"].append(time.process_time() - t)
            name = f"{k:02d}_{f}.txt"
            if dump is not None:
                (dump / area_id).mkdir(parents=True, exist_ok=True)
                (dump / area_id / name).write_text(out, encoding="utf-8")
            if compare is not None:
                ref = compare / area_id / name
                if not ref.exists() or ref.read_text(encoding="utf-8") != out:
                    differ.append(f"{area_id}/{name}")
        plt.close("all")
    if prof is not None:
        prof.disable()
    return {"config": config, "load_s": load_s, "areas": areas, "times": times}, differ


def summary(result: dict, baseline: dict | None) -> str:
    import numpy as np

    lines = [f"{result['config']}: {len(result['areas'])} profiles, load {result['load_s']:.2f} s",
             f"{'function':<40} {'mean s':>8} {'max s':>8}" + (f" {'before':>8} {'ratio':>6}" if baseline else "")]
    total = np.zeros(len(result["areas"]))
    for name, ts in result["times"].items():
        ts = np.asarray(ts)
        total += ts
        row = f"{name:<40} {ts.mean():8.3f} {ts.max():8.3f}"
        if baseline and name in baseline["times"]:
            b = float(np.mean(baseline["times"][name]))
            row += f" {b:8.3f} {b / ts.mean() if ts.mean() else float('nan'):6.1f}"
        lines.append(row)
    row = f"{'whole profile':<40} {total.mean():8.3f} {total.max():8.3f}"
    if baseline:
        b = np.sum([np.asarray(v) for v in baseline["times"].values()], axis=0)
        row += f" {b.mean():8.3f} {b.mean() / total.mean():6.1f}"
        # the first profile pays the shared work; the rest show what one more profile costs
        lines.append(row)
        row = (f"{'first profile / the others (mean)':<40} {total[0]:8.3f} {total[1:].mean() if len(total) > 1 else 0:8.3f}"
               f" {b[0]:8.3f} {b[1:].mean() if len(b) > 1 else 0:8.3f}")
    else:
        lines.append(row)
        row = f"{'first profile / the others (mean)':<40} {total[0]:8.3f} {total[1:].mean() if len(total) > 1 else 0:8.3f}"
    lines.append(row)
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="musterland")
    p.add_argument("--limit", type=int, default=None, help="only the first N municipalities")
    p.add_argument("--save", type=Path, help="write the timings as JSON")
    p.add_argument("--baseline", type=Path, help="timings JSON of an earlier run: print the ratio")
    p.add_argument("--dump", type=Path, help="write every call's rendered output into this folder")
    p.add_argument("--compare", type=Path, help="compare every call's rendered output with a dump")
    p.add_argument("--cprofile", type=int, default=0, help="print the N most expensive functions")
    p.add_argument("--fresh", action="store_true", help="as in a build: each profile a newly loaded district "
                   "(not timed) reading the protected layer and its snapshot saved once")
    p.add_argument("--forked", action="store_true", help="as --fresh, and each new district also gets, untimed, "
                   "what a build's fork server reads and computes before forking a kernel (forkserver._warm: "
                   "layer, snapshot, shared frames, boundaries, goals, monitoring): what a forked kernel's cells pay")
    a = p.parse_args(argv)
    prof = None
    if a.cprofile:
        import cProfile

        prof = cProfile.Profile()
    result, differ = run(a.config, a.limit, a.dump, a.compare, prof, a.fresh or a.forked, a.forked)
    baseline = json.loads(a.baseline.read_text()) if a.baseline else None
    print(summary(result, baseline))
    if a.save:
        a.save.write_text(json.dumps(result))
    if prof is not None:
        import pstats

        pstats.Stats(prof).sort_stats("cumulative").print_stats(a.cprofile)
    if a.compare is not None:
        print(f"outputs compared with {a.compare}: " + ("all identical" if not differ else
                                                         f"{len(differ)} differ: {', '.join(differ[:10])}"))
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
