"""The build: planning errors, the execution cache, failures that leave the site alone, and an
end-to-end Jupyter Book build of a two-municipality report."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from sozialanalyse.build import report
from sozialanalyse.build.report import BuildError

#: the tests sharing one session build run in one process (make test: pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("two_municipality_build")

ROOT = Path(__file__).resolve().parents[1]
TWO = ["03499016", "034995401000"]  # the Kreisstadt Musterstadt and a Samtgemeinde
CHAPTERS = ["kreisuebersicht", "daten_methoden", "indikatorenkatalog", "herkunft"]  # a subset: fast


def _copy_sources(root: Path) -> Path:
    """Copy the book configuration, templates, book pages and configs into ``root``."""
    root.mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, root / name)
    for folder in ("notebooks", "book", "config"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("_generated"))
    return root


def _project(tmp_path: Path, profiles=TWO, data: Path | None = None) -> Path:
    """A copy of the project (templates, book sources, configs, data) to build in."""
    root = _copy_sources(tmp_path / "projekt")
    shutil.copytree(data or ROOT / "data" / "musterland", root / "data" / "musterland")
    (root / "config" / "zwei.yml").write_text(
        "title: Testbericht\ndata: ../data/musterland\nreport_year: 2024\n"
        f"chapters: [{', '.join(CHAPTERS)}]\n"
        f"profiles: [{', '.join(repr(p) for p in profiles)}]\n", encoding="utf-8")
    return root


def test_plan_lists_chapters_and_profiles(tmp_path):
    root = _project(tmp_path)
    cfg, jobs = report.plan(root / "config" / "zwei.yml", root)
    assert [j.output for j in jobs] == CHAPTERS + ["gemeinden/03499016", "gemeinden/034995401000"]
    assert jobs[len(CHAPTERS)].parameters == {"config": "config/zwei.yml", "area_id": "03499016"}
    assert len({j.key for j in jobs}) == len(jobs)


def test_a_rebuilds_plan_checks_the_goals_on_the_saved_layer_instead_of_computing_it(tmp_path, monkeypatch):
    """The plan checks goals.yml against published figures. In a rebuild it reads the protected
    layer an earlier build saved (it computed the whole layer again: 3.0 s of Musterland's 3.9 s
    no-change rebuild), and the build's layer step takes that one without reading or writing
    the file again. A first build computes it once, in the plan, and saves it."""
    from sozialanalyse.protected import layer as pl

    root = _project(tmp_path)
    computed = []
    real_build = pl._build
    monkeypatch.setattr(pl, "_build", lambda d: computed.append(d) or real_build(d))
    planned, _ = report.plan(root / "config" / "zwei.yml", root)
    assert len(computed) == 1 and pl.kept(planned.district).loaded is None
    env, _ = report.protected_layer_once(planned, root, quiet=True)
    path = Path(env[pl.ENV_VAR])
    assert len(computed) == 1 and pl.saved_fingerprint(path) == pl.fingerprint(planned.district)
    written = path.stat().st_mtime_ns

    reads, hashed = [], []
    real_load, real_fingerprint = pl.load, pl.fingerprint
    monkeypatch.setattr(pl, "load", lambda d, p, fp=None: reads.append(p) or real_load(d, p, fp))
    monkeypatch.setattr(pl, "fingerprint", lambda d: hashed.append(d) or real_fingerprint(d))
    again, _ = report.plan(root / "config" / "zwei.yml", root)
    layer = pl.kept(again.district)
    assert computed == [planned.district] and reads == [path] and layer._path == path
    assert len(hashed) == 1  # the fingerprint (it hashes every data file) once for the plan's read
    assert report.protected_layer_once(again, root, quiet=True)[0] == env
    assert reads == [path] and pl.kept(again.district) is layer and path.stat().st_mtime_ns == written
    assert len(hashed) == 2  # and once to check the file: the shared frames, all read, need none


def test_default_config_runs_every_toc_chapter_and_every_municipality():
    cfg, jobs = report.plan("musterland", ROOT)
    chapters = [j.template for j in jobs if j.template not in ("gemeindeprofil", "umsetzung")]
    assert chapters == report.toc_chapters(ROOT) and "kreisuebersicht" in chapters
    assert len([j for j in jobs if j.template == "gemeindeprofil"]) == 11
    # one status page per Teilkonzept of data/musterland/massnahmen.xlsx (the toc's umsetzung/* glob)
    status = [j for j in jobs if j.template == "umsetzung"]
    assert [(j.output, j.title, j.parameters["teilkonzept"]) for j in status] == [
        ("umsetzung/pflege", "Umsetzungsstand: Pflege", "Pflege"),
        ("umsetzung/menschen-mit-behinderungen", "Umsetzungsstand: Menschen mit Behinderungen",
         "Menschen mit Behinderungen")]
    for chapter in chapters:
        assert (ROOT / "notebooks" / f"{chapter}.ipynb").is_file()


def test_unknown_area_key_is_named(tmp_path):
    root = _project(tmp_path, profiles=["03499016", "03499999"])
    with pytest.raises(BuildError, match=r"unknown area key\(s\) 03499999"):
        report.plan(root / "config" / "zwei.yml", root)


def test_missing_file_is_named(tmp_path):
    root = _project(tmp_path)
    (root / "data" / "musterland" / "labour.csv").unlink()
    with pytest.raises(BuildError, match=r"labour\.csv: file missing"):
        report.plan(root / "config" / "zwei.yml", root)


def test_missing_column_is_named(tmp_path):
    root = _project(tmp_path)
    path = root / "data" / "musterland" / "transfers.csv"
    text = path.read_text(encoding="utf-8").replace("variable", "merkmal", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BuildError, match=r"transfers\.csv, column variable: column\(s\) variable missing"):
        report.plan(root / "config" / "zwei.yml", root)


def test_bad_value_names_row_and_area(tmp_path):
    root = _project(tmp_path)
    path = root / "data" / "musterland" / "transfers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[5].split(",")
    fields[-1] = "viele"
    lines[5] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"transfers\.csv, row 6, column value, area [0-9-]+: "
                                         r"value is not a number \(value 'viele'\)"):
        report.plan(root / "config" / "zwei.yml", root)


def test_changing_one_facility_changes_only_that_profile_and_the_chapters(tmp_path):
    root = _project(tmp_path)
    _, before = report.plan(root / "config" / "zwei.yml", root)
    path = root / "data" / "musterland" / "facilities.csv"
    fac = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = fac.index[fac["area_id"].str.startswith("03499016-")][0]
    fac.loc[hit, "name"] = "Neu: " + fac.loc[hit, "name"]
    fac.to_csv(path, index=False, lineterminator="\n")
    _, after = report.plan(root / "config" / "zwei.yml", root)
    changed = [b.output for b, a in zip(before, after) if a.key != b.key]
    assert changed == CHAPTERS + ["gemeinden/03499016"]


def test_markdown_escape_neutralises_markup():
    assert report.markdown_escape("<script>alert(1)</script> *x*") == \
        r"\<script\>alert\(1\)\</script\> \*x\*"


@pytest.mark.slow
def test_two_municipality_build_end_to_end(two_municipality_build):
    root = two_municipality_build  # built once per session (tests/conftest.py), restored for this test
    result = json.loads((root / ".first-build.json").read_text(encoding="utf-8"))
    assert result["executed"] == len(CHAPTERS) + 2 and result["book"] == "built"
    html_dir = root / "_build" / "html"
    redirect = (html_dir / "index.html").read_text(encoding="utf-8")
    assert "book/_generated/index.html" in redirect  # Jupyter Book's root redirect
    index = (html_dir / "book" / "_generated" / "index.html").read_text(encoding="utf-8")
    # one link per profile, the synthetic note, German text
    for area_id in TWO:
        assert f"gemeinden/{area_id}.html" in index
    assert "synthetischen Daten" in index
    pages = {a: (html_dir / "book" / "_generated" / "gemeinden" / f"{a}.html").read_text(encoding="utf-8")
             for a in TWO}
    for area_id, page in pages.items():
        assert len(re.findall(r'<figure class="sa-figure"[^>]*><img src="data:image/png;base64,', page)) >= 3, "map, pyramid and charts"
        assert "Kennzahlen 2024" in page and "SGB-II-Quote" in page
        assert "fiktiv" in page  # the banner on every page
        assert "injected-parameters" not in page and "papermill" not in page
        assert re.search(r"\d{1,3}(\.\d{3})+", page), "German thousands separator"
        assert re.search(r"\d,\d\u00a0%", page), "German percent format, no-break space before %"
    # indicator names link to their definitions in the Indikatorenkatalog, whose rows carry the anchors
    catalog = (html_dir / "book" / "_generated" / "indikatorenkatalog.html").read_text(encoding="utf-8")
    assert 'href="../indikatorenkatalog.html#ind-sgb2_quote"' in pages["03499016"]
    assert 'id="ind-sgb2_quote"' in catalog and "Kinderarmut" in catalog
    assert "Mitgliedsgemeinden" in pages["034995401000"]
    assert "Sozialräume" in pages["03499016"]

    # nothing changed: nothing executed, the book is not rebuilt
    again = report.build(root / "config" / "zwei.yml", jobs_n=2, quiet=True, root=root)
    assert again["executed"] == 0 and again["book"] == "unchanged"

    # a change of the report's style sheet reaches the site (Sphinx alone keeps the old copy)
    css = root / "book" / "_static" / "sozialanalyse.css"
    css.write_text(css.read_text(encoding="utf-8") + "/* Testregel */\n", encoding="utf-8")
    styled = report.build(root / "config" / "zwei.yml", jobs_n=2, quiet=True, root=root)
    assert styled["executed"] == 0 and styled["book"] == "built"
    assert "Testregel" in (html_dir / "_static" / "sozialanalyse.css").read_text(encoding="utf-8")

    # a notebook that raises stops the build with municipality, cell and error, site unchanged
    site_before = (html_dir / "index.html").resolve()
    template = root / "notebooks" / "gemeindeprofil.ipynb"
    nb = nbformat.read(template, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(
        'if area_id == "034995401000":\n    raise ValueError("Testfehler in der Vorlage")'))
    nbformat.write(nb, template)
    with pytest.raises(BuildError) as err:
        report.build(root / "config" / "zwei.yml", jobs_n=2, quiet=True, root=root)
    message = str(err.value)
    assert "Gemeindeprofil" in message and "034995401000" in message
    assert "ValueError: Testfehler in der Vorlage" in message and "cell" in message
    assert (html_dir / "index.html").resolve() == site_before and site_before.is_file()

    # a smaller config in the same project: the published site holds exactly its pages, no
    # leftovers of the earlier build
    nb.cells.pop(3)
    nbformat.write(nb, template)
    cfg_path = root / "config" / "zwei.yml"
    cfg_path.write_text(cfg_path.read_text(encoding="utf-8").replace(", '034995401000'", ""), encoding="utf-8")
    smaller = report.build(cfg_path, jobs_n=2, quiet=True, root=root)
    # only the provenance page, which prints the config, runs again; the rest comes from the cache
    assert smaller["executed"] == 1 and smaller["book"] == "built"
    gemeinden = html_dir / "book" / "_generated" / "gemeinden"
    assert (gemeinden / "03499016.html").is_file()
    assert not (gemeinden / "034995401000.html").exists()
    assert not list(html_dir.rglob("034995401000*"))


@pytest.mark.slow
def test_the_fork_servers_read_the_builds_saved_files_once_for_their_kernels(two_municipality_build):
    """Each worker's fork server (Linux) loaded the district and read the build's saved layer, its
    snapshot, the shared frames and the boundaries, and computed the goals' progress and the
    published monitoring, before forking; the kernels' outputs are
    those of kernels started fresh (tests/test_forkserver.py, benchmarks/forked_kernels.py)."""
    from sozialanalyse.build import forkserver

    if not forkserver.available():
        pytest.skip("forked kernels: Linux only")
    logs = sorted((two_municipality_build / report.CACHE / "kernels").glob("forkserver-*.log"))
    assert logs, "no fork server ran"
    for log in logs:
        text = log.read_text(encoding="utf-8")
        line = next(ln for ln in text.splitlines() if ln.startswith("read for the kernels of"))
        assert line.startswith("read for the kernels of 'config/zwei.yml': layer, snapshot, shared ")
        assert "shared supply_gaps_2024" in line and line.endswith(", boundaries, goals, monitoring"), line


def test_the_disclosure_manifest_stays_beside_the_site(two_municipality_build, monkeypatch):
    """The private manifest (true values of the suppressed cells) and the count of suppressed
    cells per page are written under _build/disclosure, never into the published site; the
    kernels read the one layer the build saved under the district's fingerprint (issue #14)."""
    import sozialanalyse as sa
    from sozialanalyse.protected import layer as pl

    root = two_municipality_build
    site = (root / "_build" / "html").resolve()
    manifest = pd.read_csv(root / "_build" / "disclosure" / "suppressed.csv", dtype={"area_id": str})
    assert len(manifest) and set(manifest["status"]) == {"primary", "secondary"}
    assert not [p for p in site.rglob("*") if p.suffix == ".parquet" or p.name in ("suppressed.csv", "pages.csv")
                or "disclosure" in p.relative_to(site).parts]
    # the layer is "<fingerprint>.parquet"; its companions beside it carry a second suffix
    # ("<fingerprint>.indicators.parquet", "<fingerprint>.shared.<key>.parquet")
    (saved,) = [p for p in (root / ".cache" / "protected").glob("*.parquet") if "." not in p.stem]
    assert pl.snapshot_path(saved).is_file()
    # the shared frames, once per build: supply gaps, street network, life expectancy, and the
    # profile's tables over all municipalities (benchmarks of two id lists, spine, population, pyramid)
    shared = [p.name.split(".")[2] for p in saved.parent.glob(f"{saved.stem}.shared.*.parquet")]
    assert sorted(k.split("_")[0] for k in shared) == sorted(
        ["supply", "street", "life", "benchmarks", "benchmarks", "spine", "population", "pyramid"]), shared
    monkeypatch.chdir(root)  # as a kernel loads it: the notebook's parameter, from the project folder
    assert saved.stem == pl.saved_fingerprint(saved) == pl.fingerprint(sa.load("config/zwei.yml"))
    # pages.csv: the "." cells of each page's report tables, counted here by a plain regex
    pages = pd.read_csv(root / "_build" / "disclosure" / "pages.csv")
    assert "book/_generated/daten_methoden.html" in set(pages["page"])
    for page, n in pages.itertuples(index=False):
        text = (site / page).read_text(encoding="utf-8")
        tables = re.findall(r'<table class="[^"]*\bsa-table\b.*?</table>', text, re.S)
        assert n == sum(len(re.findall(r"<td[^>]*>\s*\.\s*</td>", t)) for t in tables), page
    # the methods page prints this district's figures, as in the manifest
    methods = (site / "book" / "_generated" / "daten_methoden.html").read_text(encoding="utf-8")
    primary = f"{int((manifest['status'] == 'primary').sum()):,}".replace(",", ".")
    assert f"Davon wurden {primary} wegen einer Fallzahl unter der Schwelle gesperrt" in methods


def test_kernel_start_failures_are_retried_cell_errors_are_not(monkeypatch):
    """Two kernels starting at once can collide on a port (jupyter_client picks free ports and
    closes them before the kernel binds): that start is tried again; an error in a cell is not."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    calls = []

    def collide_twice(*args, **kwargs):
        calls.append(args)
        if len(calls) < 3:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return "executed"

    monkeypatch.setattr(papermill, "execute_notebook", collide_twice)
    assert report.run_papermill("t.ipynb", "o.ipynb", pause=0) == "executed" and len(calls) == 3

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: calls.append(a) or (_ for _ in ()).throw(
        RuntimeError("Kernel didn't respond in 60 seconds")))
    with pytest.raises(RuntimeError, match="didn't respond"):
        report.run_papermill("t.ipynb", "o.ipynb", pause=0)
    assert len(calls) == 3  # gives up after three starts

    calls.clear()

    def cell_error(*args, **kwargs):
        calls.append(args)
        raise PapermillExecutionError(3, 4, "Kernel didn't respond", "ValueError", "x", [])

    monkeypatch.setattr(papermill, "execute_notebook", cell_error)
    with pytest.raises(PapermillExecutionError):
        report.run_papermill("t.ipynb", "o.ipynb", pause=0)
    assert len(calls) == 1


def test_a_kernel_pool_and_a_lone_kernel_retry_a_start_that_collided_on_a_port(monkeypatch, tmp_path):
    """The pool's kernels and ``start_kernel(attempts=...)`` (verify's kernels) retry the same
    start errors as papermill's own start: at most ``attempts`` starts, and a start that failed
    for any other reason is not retried."""
    from sozialanalyse.build import kernels

    monkeypatch.setattr(kernels.time, "sleep", lambda s: None)
    calls = []

    def collide(times, error="Address already in use"):
        def start(*args, **kwargs):
            calls.append(args)
            if len(calls) <= times:
                raise RuntimeError(error)
            return "kernel"
        return start

    monkeypatch.setattr(kernels, "_start_kernel", collide(2))
    assert kernels.start_kernel(str(tmp_path), attempts=3) == "kernel" and len(calls) == 3
    calls.clear()
    with pytest.raises(RuntimeError, match="Address already in use"):
        kernels.start_kernel(str(tmp_path), attempts=2)
    assert len(calls) == 2
    calls.clear()
    with pytest.raises(RuntimeError, match="Address"):
        kernels.start_kernel(str(tmp_path))  # one attempt unless asked for more
    assert len(calls) == 1

    pool = kernels.KernelPool(fork=False)  # attempts=3
    calls.clear()
    monkeypatch.setattr(kernels, "start_kernel", collide(2, "Kernel didn't respond in 60 seconds"))
    assert pool._start_with_retries(str(tmp_path), {}, None) == "kernel" and len(calls) == 3
    calls.clear()
    monkeypatch.setattr(kernels, "start_kernel", collide(1, "No such kernel named python3"))
    with pytest.raises(RuntimeError, match="No such kernel"):
        pool._start_with_retries(str(tmp_path), {}, None)
    assert len(calls) == 1


@pytest.mark.slow
def test_the_build_holds_no_district_while_the_notebooks_and_jupyter_book_run(two_municipality_build, monkeypatch):
    """The build process only waits while the kernels execute the notebooks and Sphinx builds the
    book: by then it has let go of the district it loaded and of the protected layer kept on it
    (issue 19: at 400 municipalities the build held 2,35 GiB beside Sphinx). Weak references to
    both are dead when the execution starts and when Jupyter Book starts."""
    import weakref

    from sozialanalyse.protected import layer as pl

    root = two_municipality_build
    (root / "_build" / ".published.json").unlink()  # the same inputs: the book is built again
    refs, alive = {}, {}
    plan, layer_once, execute = report.plan, report.protected_layer_once, report.execute

    def planned(*args, **kwargs):
        result = plan(*args, **kwargs)
        refs["district"] = weakref.ref(result[0].district)
        return result

    def layer(planned, *args, **kwargs):
        out = layer_once(planned, *args, **kwargs)
        refs["layer"] = weakref.ref(pl.of(planned.district))  # the one kept with the district
        return out

    def notebooks(*args, **kwargs):
        alive["notebooks"] = {name: ref() is not None for name, ref in refs.items()}
        return execute(*args, **kwargs)

    class BookStarted(Exception):
        pass

    def book(*args, **kwargs):
        alive["book"] = {name: ref() is not None for name, ref in refs.items()}
        raise BookStarted  # the rest of the build is the session build's (tested above)

    monkeypatch.setattr(report, "plan", planned)
    monkeypatch.setattr(report, "protected_layer_once", layer)
    monkeypatch.setattr(report, "execute", notebooks)
    monkeypatch.setattr(report, "_jupyter_book", book)
    with pytest.raises(BookStarted):
        report.build(root / "config" / "zwei.yml", jobs_n=1, quiet=True, root=root)
    assert set(refs) == {"district", "layer"}
    gone = {"district": False, "layer": False}
    assert alive == {"notebooks": gone, "book": gone}
