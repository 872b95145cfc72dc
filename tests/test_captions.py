"""Captions that say what a table holds, for which areas and when (review #16: "Städte, Gemeinden
und Samtgemeinden, 2024" named the rows, not the content)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import sozialanalyse as sa

ROOT = Path(__file__).resolve().parents[1]

#: A caption made only of area nouns, names of the district, "und"/"im"/commas and a year or span.
AREA_WORDS = r"(?:Städte|Gemeinden|Samtgemeinden|Mitgliedsgemeinden|Sozialräume|Gemeindeverbände|Landkreise|Quartiere)"
ONLY_AREAS = re.compile(rf"^(?:{AREA_WORDS}|und|im|in|der|den|Landkreis|Musterland|[\d.,–\s-])+$")


def _captions(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).replace("\u00a0", " ").strip()
            for c in re.findall(r"<caption\b[^>]*>(.*?)</caption>", html.replace("\n", " "), re.S)]


def test_only_area_nouns_are_recognised():
    assert ONLY_AREAS.match("Städte, Gemeinden und Samtgemeinden, 2024")
    assert ONLY_AREAS.match("Gemeindeverbände im Landkreis Musterland, 2024")
    assert ONLY_AREAS.match("Sozialräume, 2024")
    assert not ONLY_AREAS.match("Kennzahlen der Städte, Gemeinden und Samtgemeinden, 2024")
    assert not ONLY_AREAS.match("SGB-II-Quote der Sozialräume, 2024")


@pytest.fixture(scope="module")
def d():
    return sa.load("musterland")


def test_indicator_table_caption_names_content_areas_and_year(d):
    many = sa.pages.common.indicator_table(d, ["sgb2_quote", "kinderarmut"], d.report_year).data
    assert _captions(many) == [f"Kennzahlen der Städte, Gemeinden und Samtgemeinden, {d.report_year}"]
    one = sa.pages.common.indicator_table(d, ["sgb2_quote"], d.report_year, level="sozialraum").data
    assert _captions(one) == [f"SGB-II-Quote der Sozialräume, {d.report_year}"]


def test_municipality_table_caption_names_content(d):
    html = sa.pages.kreisuebersicht.municipality_table(d, d.report_year).data
    assert _captions(html) == [f"Einwohner und Kennzahlen der Städte, Gemeinden und Samtgemeinden, {d.report_year}"]


def test_official_municipality_table_caption_names_content(mirror):
    from sozialanalyse.io import official

    od = official.load_official("harburg")
    (cap,) = _captions(sa.pages.amtlich_kreis.gvb_table(od, od.report_year).data)
    assert cap.startswith("Amtliche Kennzahlen der Gemeindeverbände im ") and not ONLY_AREAS.match(cap)


def test_profile_subarea_table_caption_names_content_and_town(d):
    """The profile's table of a town's Sozialräume says what it holds and of which town; a
    Samtgemeinde's table of its member municipalities says what it holds."""
    kinds = d.areas.set_index("area_id")["kind"]
    town = next(str(a) for a in d.areas["area_id"]
                if not d.children(str(a)).empty and (d.children(str(a))["kind"] == "Sozialraum").all())
    (cap,) = _captions(sa.pages.gemeindeprofil.subareas(d, town, d.report_year).data)
    assert cap == f"Kennzahlen der Sozialräume in {d.name_of(town)}, {d.report_year}"
    sg = next(str(a) for a in d.areas["area_id"] if kinds.get(a) == "Samtgemeinde")
    (cap,) = _captions(sa.pages.gemeindeprofil.subareas(d, sg, d.report_year).data)
    assert cap == f"Kennzahlen der Mitgliedsgemeinden, {d.report_year}"


@pytest.mark.slow  # end-to-end: renders two whole chapters (`make test-slow`, CI runs it)
@pytest.mark.parametrize("chapter", ["kreisuebersicht", "senioren"])
def test_no_caption_of_a_chapter_is_only_area_nouns(chapter):
    """Every table caption the chapter's notebook cells produce (the template run as the build
    runs it, without papermill) says more than which areas it lists."""
    nb = json.loads((ROOT / "notebooks" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    ns = {"config": "musterland", "year": 0}
    captions = []
    for c in nb["cells"]:
        tags = c["metadata"].get("tags", [])
        src = "".join(c["source"]).strip()
        if c["cell_type"] != "code" or "parameters" in tags or "footer" in src:
            continue
        if "remove-input" not in tags:
            exec(src, ns)  # the setup cell
            continue
        out = eval(src, ns)
        for item in out if isinstance(out, (list, tuple)) else [out]:
            html = getattr(item, "data", None)
            if isinstance(html, str):
                captions += _captions(html)
    assert len(captions) >= 2, captions
    assert not [c for c in captions if ONLY_AREAS.match(c)], captions
