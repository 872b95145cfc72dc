"""``sozialanalyse verify``: a fresh build verifies; a changed input value is found, by page,
cell and line; an edited page, an edited output and edited code are each named, and code from a
published notebook is never run."""
from __future__ import annotations

import re
import shutil

import nbformat
import pandas as pd
import pytest

from sozialanalyse import cli
from sozialanalyse.build import verify
from sozialanalyse.build.site import NUMBER
from sozialanalyse.io.own import load_district

#: the tests sharing one session build run in one process (make test: pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("two_municipality_build")


def test_compare_names_cell_output_and_line():
    def nb(*texts):
        cells = []
        for t in texts:
            c = nbformat.v4.new_code_cell("sa.pages.gemeindeprofil.intro(d, area_id, year)")
            c.outputs = [nbformat.v4.new_output("display_data", data={"text/html": t, "text/plain": "x"})]
            cells.append(c)
        return nbformat.v4.new_notebook(cells=cells)

    assert verify.compare(nb("a", "<p>1.234</p>"), nb("a", "<p>1.234</p>")) == []
    (msg,) = verify.compare(nb("a", "<p>1.234</p>"), nb("a", "<p>1.334</p>"))
    assert msg.startswith("cell 2 ('sa.pages.gemeindeprofil.intro(d, area_id, year)'), output 1 text/html: line 1:")
    assert "1.234" in msg and "1.334" in msg
    subs = verify.load_sanitizers()
    d1 = 'Erstellt am: <span data-datum="01.01.2025, 10:00 UTC"></span>'
    d2 = 'Erstellt am: <span data-datum="02.01.2025, 11:00 UTC"></span>'
    assert verify.compare(nb(d1), nb(d2), subs) == []
    assert verify.compare(nb(d1), nb(d2)) != []


def _cell(source, *outputs, tags=()):
    c = nbformat.v4.new_code_cell(source)
    c.metadata["tags"] = list(tags)
    c.outputs = [nbformat.v4.new_output("display_data", data=d) for d in outputs]
    return c


def test_compare_code_names_the_cell_that_is_not_the_templates():
    template = nbformat.v4.new_notebook(cells=[_cell("area_id = '03499016'", tags=["parameters"]),
                                               _cell("sa.pages.pflege.care_table(d, year)")])
    published = nbformat.v4.new_notebook(cells=[*template.cells[:1],
                                                _cell("area_id = '03499003'", tags=["injected-parameters"]),
                                                _cell("sa.pages.pflege.care_table(d, year)")])
    assert verify.compare_code(published, template) == []
    published.cells[2].source = "import os; os.system('x')\nsa.pages.pflege.care_table(d, year)"
    assert verify.compare_code(published, template) == [
        ("code cell 2 differs from the template: published \"import os; os.system('x')\", "
         "template 'sa.pages.pflege.care_table(d, year)'")]
    published.cells.append(_cell("print(1)"))
    assert verify.compare_code(published, template) == [
        "code cells differ from the template: 3 published, 2 in the template"]


def test_compare_code_takes_the_title_from_the_build_and_every_other_text_from_the_template():
    md = nbformat.v4.new_markdown_cell
    template = nbformat.v4.new_notebook(cells=[md("# Gemeindeprofil"), md("Die Zahlen stammen aus ...")])
    published = nbformat.v4.new_notebook(cells=[md("# Musterstadt"), md("Die Zahlen stammen aus ...")])
    assert verify.compare_code(published, template) == []
    published.cells[1].source = "Die Zahlen stammen aus dem Amt."
    assert verify.compare_code(published, template) == [
        ("Markdown cell 2 differs from the template: published 'Die Zahlen stammen aus dem Amt.', "
         "template 'Die Zahlen stammen aus ...'")]
    published.cells[1].source = template.cells[1].source
    published.cells[0].source = "# Musterstadt\n\nEin Satz, den keine Vorlage kennt."
    assert verify.compare_code(published, template) == ["Markdown cell 1 (the title) is more than one heading line"]


def test_compare_page_finds_each_output_as_myst_nb_renders_it():
    png = "iVBORw0KGgo="  # the bytes of a PNG's signature
    digest = "4c4b6a3be1314ab86138bef4314dde022e600960d8689a2c8f8631802d20dab6"
    nb = nbformat.v4.new_notebook(cells=[
        _cell("area_id = '03499016'", tags=["injected-parameters"]),
        _cell("sa.pages.pflege.care_intro(d, year)",
              {"text/markdown": "Am 15.12.2024 waren **8.582** Menschen \"pflegebedürftig\" -- so.",
               "text/plain": "<Markdown>"}),
        _cell("sa.pages.pflege.care_table(d, year)",
              {"text/html": "<table><td>1.122</td></table>", "text/plain": "<HTML>"}),
        _cell("sa.pages.pflege.figure(d)", {"image/png": png, "text/plain": "<Figure>"}),
        _cell("secret()", {"text/plain": "nicht gezeigt"}, tags=["remove-output"]),
    ])
    page = ("<main><p>Am 15.12.2024 waren <strong>8.582</strong> Menschen „pflegebedürftig“ – so.</p>"
            f"<div><table><td>1.122</td></table></div><img src=\"../_images/{digest}.png\"/></main>")
    assert verify.compare_page(nb, page) == []
    (msg,) = verify.compare_page(nb, page.replace("<td>1.122", "<td>1.123"))
    assert msg.startswith("cell 3 ('sa.pages.pflege.care_table(d, year)'), output 1 text/html: not in the page:")
    (msg,) = verify.compare_page(nb, page.replace("8.582", "8.583"))
    assert msg.startswith("cell 2 ('sa.pages.pflege.care_intro(d, year)'), output 1 text/markdown:")
    assert "8.582" in msg
    (msg,) = verify.compare_page(nb, page.replace(digest, "0" * 64))
    assert msg.startswith("cell 4 ('sa.pages.pflege.figure(d)'), output 1 image/png: not in the page: 'image 4c4b6a3be131")


def test_a_notebook_without_a_recorded_template_is_not_executed(tmp_path):
    marker = tmp_path / "executed"
    nb = nbformat.v4.new_notebook(cells=[_cell(f"open({str(marker)!r}, 'w')")])
    nb.metadata["papermill"] = {"parameters": {}}
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "notebooks").mkdir()
    res = verify.verify_notebook(path, tmp_path)
    assert res.status == "failed" and "sozialanalyse.template" in res.details[0]
    for name in ("../a", "fehlt"):
        nb.metadata["sozialanalyse"] = {"template": name}
        nbformat.write(nb, path)
        res = verify.verify_notebook(path, tmp_path)
        assert res.status == "failed" and f"template {name!r}: no notebook" in res.details[0]
    assert not marker.exists()


def test_find_notebooks_in_a_site(tmp_path):
    site = tmp_path / "html"
    (site / "_sources" / "book").mkdir(parents=True)
    (site / "_sources" / "book" / "a.ipynb").write_text("{}")
    (site / "book").mkdir()
    (site / "book" / "a.html").write_text("")
    assert verify.find_notebooks(site) == [site / "_sources" / "book" / "a.ipynb"]
    with pytest.raises(FileNotFoundError):
        verify.find_notebooks(tmp_path / "missing")


@pytest.mark.slow
def test_verify_a_fresh_build_then_a_changed_value(two_municipality_build, tmp_path, capsys):
    root = two_municipality_build  # built once per session (tests/conftest.py); this copy's data are changed below
    site = root / "_build" / "html"
    assert cli.main(["verify", str(site), "--root", str(root), "--jobs", "2"]) == 0
    out = capsys.readouterr()
    assert "identical  _sources/book/_generated/gemeinden/03499016.ipynb" in out.out
    assert "0 differ, 0 failed" in out.err

    # change one count after the build: the Einwohner of one base area of Musterstadt in 2024
    district = load_district(root / "config" / "zwei.yml")
    base = district.base_of("03499016")[0]
    path = root / "data" / "musterland" / "population.csv"
    pop = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = pop.index[(pop["area_id"] == base) & (pop["year"] == "2024") & (pop["variable"] == "einwohner")][0]
    pop.loc[hit, "value"] = str(int(pop.loc[hit, "value"]) + 5000)
    pop.to_csv(path, index=False, lineterminator="\n")

    page = site / "_sources" / "book" / "_generated" / "gemeinden" / "03499016.ipynb"
    other = site / "_sources" / "book" / "_generated" / "indikatorenkatalog.ipynb"  # shows no counts
    picked = tmp_path / "picked"
    picked.mkdir()
    for nb_path in (page, other, page.parent.parent / "herkunft.ipynb"):
        shutil.copy(nb_path, picked / nb_path.name)
    results = {r.path: r for r in verify.verify(picked, root=root, quiet=True)}
    assert results[page.name].status == "differs"
    assert any(d.startswith("cell ") and "published" in d and "re-executed" in d
               for d in results[page.name].details), results[page.name].details
    assert results[other.name].status == "identical", results[other.name].details
    # the provenance page names the changed file's checksum
    assert results["herkunft.ipynb"].status == "differs"
    assert any("population.csv" in d or "text/html" in d for d in results["herkunft.ipynb"].details)
    assert cli.main(["verify", str(page), "--root", str(root), "-q"]) == 1
    assert "1 differ" in capsys.readouterr().err


def _tampered_site(site, into, rel):
    """A copy of one notebook of ``site`` and its page, as a site of its own below ``into``."""
    nb_path, page = site / "_sources" / rel, site / rel.with_suffix(".html")
    (into / "_sources" / rel).parent.mkdir(parents=True)
    (into / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(nb_path, into / "_sources" / rel)
    shutil.copy(page, into / rel.with_suffix(".html"))
    return into / "_sources" / rel, into / rel.with_suffix(".html")


@pytest.mark.slow
def test_verify_names_an_edited_page_output_or_code(two_municipality_build, tmp_path):
    root = two_municipality_build
    site = root / "_build" / "html"
    rel = verify.Path("book/_generated/gemeinden/03499016.ipynb")
    published = nbformat.read(site / "_sources" / rel, as_version=4)
    assert published.metadata["sozialanalyse"] == {"template": "gemeindeprofil"}
    # the first number of a table in a shown text/html output: the cell, its output, the number
    # (cells carry their kind for the audit: <td class="num" data-sa-kind="count">)
    n, k, html, cell = next(
        (n, k, o["data"]["text/html"], m)
        for n, c in enumerate(published.cells) if c.cell_type == "code"
        for k, o in enumerate(c.outputs) if "text/html" in o.get("data", {})
        for m in [re.search(r'(<td class="num"[^>]*>)([0-9.,]+)</td>', o["data"]["text/html"])] if m)
    changed = html.replace(cell.group(0), f"{cell.group(1)}9.999</td>", 1)
    assert changed != html
    sites = tmp_path / "sites"
    _tampered_site(site, sites / "untouched", rel)

    _, page = _tampered_site(site, sites / "page", rel)  # the HTML only
    # without the figure and table numbers the build's tidy writes into captions (verify ignores them)
    text = NUMBER.sub("", page.read_text(encoding="utf-8"))
    assert html in text
    page.write_text(text.replace(html, changed, 1), encoding="utf-8")

    nb_path, _ = _tampered_site(site, sites / "output", rel)  # a stored output only
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[n].outputs[k]["data"]["text/html"] = changed
    nbformat.write(nb, nb_path)

    marker = tmp_path / "executed"  # code and output: the new code would write it if run
    nb_path, _ = _tampered_site(site, sites / "code", rel)
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[n].source = f"open({str(marker)!r}, 'w').close()\n" + nb.cells[n].source
    nb.cells[n].outputs[k]["data"]["text/html"] = changed
    nbformat.write(nb, nb_path)

    results = {r.path.split("/")[0]: r for r in verify.verify(sites, root=root, quiet=True)}
    assert results["untouched"].status == "identical", results["untouched"].details
    assert (results["page"].status, results["page"].what) == ("differs", [verify.PAGE])
    assert any(d.startswith("page 03499016.html: cell ") and "not in the page" in d
               for d in results["page"].details), results["page"].details
    assert (results["output"].status, results["output"].what) == ("differs", [verify.OUTPUTS])
    assert any("9.999" in d and "published" in d for d in results["output"].details), results["output"].details
    assert results["code"].status == "differs" and verify.CODE in results["code"].what
    assert any(d.startswith("code cell ") and "differs from the template" in d
               for d in results["code"].details), results["code"].details
    assert not marker.exists()  # the published notebook's code never ran
