"""``sozialanalyse verify``: a fresh build verifies; a changed input value is found, by page,
cell and line."""
from __future__ import annotations

import shutil

import nbformat
import pandas as pd
import pytest

from sozialanalyse import cli
from sozialanalyse.build import verify
from sozialanalyse.io.own import load_district


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
