"""Interactive maps (sozialanalyse.render.maps) and the pages that publish them: geometry, the
same classes as the static map, no value for a suppressed area, and the disclosure audit reading
the map's data and its own markup (planted leaks are found)."""
from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import sozialanalyse as sa
from sozialanalyse.build import audit
from sozialanalyse.render import figures, maps

PAGE = "<html><body><h1>Seite</h1>{}</body></html>"


def _data(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/json" class="sa-data">(.*?)</script>',
                                              html, re.S)]


def _boxes(n=3):
    return gpd.GeoDataFrame({"area_id": [str(i + 1) for i in range(n)], "name": ["Nord", "Mitte", "Süd"][:n]},
                            geometry=[box(0, 2 - i, 1, 3 - i) for i in range(n)], crs="EPSG:25832")


def test_svg_coordinates_by_hand():
    # Two unit squares stacked: x 0..1, y 0..2; width 640 -> s = 640, height 1280, north up:
    # Nord (y 1..2) is drawn from y' = (2 - 2) * 640 = 0 to (2 - 1) * 640 = 640.
    g = _boxes(2).set_geometry([box(0, 1, 1, 2), box(0, 0, 1, 1)])
    rows = [{"area_id": "1", "name": "Nord"}, {"area_id": "2", "name": "Mitte"}]
    h = maps.svg_map(g, rows, ["#ff0000", None], {"area_id": "text", "name": "text"}, "T", []).data
    assert 'viewBox="-4 -4 648 1288"' in h  # 4 units of margin around the district
    paths = re.findall(r'<path class="sa-area"[^>]* d="([^"]+)"', h)
    assert paths[0] == "M640 640L640 0L0 0L0 640Z"  # shapely's box ring: (1,1) (1,2) (0,2) (0,1)
    assert paths[1] == "M640 1280L640 640L0 640L0 1280Z"
    assert re.search(r'data-key="2" fill="url\(#sa-hatch-[0-9a-f]{8}\)"', h)  # no value: hatched


def test_rows_shapes_and_fills_must_agree():
    with pytest.raises(ValueError, match="3 shapes, 2 rows"):
        maps.svg_map(_boxes(), [{"area_id": "1", "name": "a"}] * 2, [None] * 2, {}, "T", [])


def test_classes_as_the_static_map_and_suppressed_area_empty():
    # Quantiles of 10, 20, 30 with k = 2 (mapclassify): bins 20 and 30, i.e. classes
    # 10 < x <= 20 and 20 < x <= 30 -> Nord and Mitte in class 1, Süd in class 2. Mitte is
    # suppressed: it carries no value, interval or class, and the classes are computed without it.
    g = _boxes()
    h = maps.choropleth(g, [10.0, 25.0, 30.0], [8.0, 23.0, 27.0], [12.0, 27.5, 33.0],
                        status=["", "secondary", ""], title="Quote", unit="%", k=2).data
    rows = _data(h)[0]["rows"]
    assert rows[1] == {"name": "Mitte", "area_id": "2", "value": None, "lower": None, "upper": None,
                       "class": "gesperrt", "status": "secondary"}
    # without Mitte: values 10 and 30, quantile bins 20 and 30
    assert [r["class"] for r in rows] == ["10,0 bis 20,0\u00a0%", "gesperrt", "20,0 bis 30,0\u00a0%"]
    assert (rows[0]["value"], rows[0]["lower"], rows[0]["upper"]) == ("10,0\u00a0%", "8,0\u00a0%", "12,0\u00a0%")
    cls, colors, _ = figures.classify(pd.Series([10.0, np.nan, 30.0]), k=2)
    fills = re.findall(r'<path class="sa-area"[^>]* fill="([^"]+)"', h)
    assert fills[0] == colors[cls[0]] and fills[2] == colors[cls[2]] and fills[1].startswith("url(#sa-hatch-")
    assert not re.search(r"25|23,0|27,5", h)  # the suppressed value and its interval nowhere


def test_fixed_classes_left_closed():
    # SMR classes: [90, 95) ... a value of exactly 95 is in "95 bis unter 105"
    h = maps.choropleth(_boxes(), [89.6, 95.0, 110.0], title="SMR", decimals=0, kind="index",
                        bins=[-np.inf, 90, 95, 105, 110, np.inf], colors=list("abcde"),
                        class_labels=["<90", "90-95", "95-105", "105-110", ">=110"]).data
    assert [r["class"] for r in _data(h)[0]["rows"]] == ["<90", "95-105", ">=110"]
    assert [r["value"] for r in _data(h)[0]["rows"]] == ["90", "95", "110"]


# --------------------------------------------------------------------------- the audit

def _map(values, lower, upper, status=None, **kw) -> str:
    return maps.choropleth(_boxes(), values, lower, upper, status=status, title="Quote", unit="%", k=2, **kw).data


def test_audit_passes_a_clean_map():
    assert audit.audit_html(PAGE.format(_map([10.0, 20.0, 30.0], [8.0, 18.0, 27.0], [12.0, 22.0, 33.0])),
                            "m.html") == []


def test_audit_inverts_a_rate_with_its_interval_in_the_map_data():
    # 1,3 % with the Wilson interval 0,2 – 6,9 % fits only 1 of 78 (test_audit: hand-checked);
    # in the map's data the interval's bounds are two columns, lower and upper.
    found = audit.audit_html(PAGE.format(_map([1.3, 20.0, 30.0], [0.2, 18.0, 27.0], [6.9, 22.0, 33.0])), "m.html")
    assert [(f.caption, f.row, f.column) for f in found] == [("Quote", "Nord", "value")]
    assert "fits only a count of 1" in found[0].problem


def test_audit_finds_numbers_in_the_map_markup():
    clean = _map([10.0, 20.0, 30.0], [8.0, 18.0, 27.0], [12.0, 22.0, 33.0], label_names=True)
    assert audit.audit_html(PAGE.format(clean), "m.html") == []  # names written on the map: fine
    # planted: a value in an attribute of a path, and a count in a tooltip title
    leak = clean.replace('data-key="2"', 'data-key="2" data-value="2"', 1)
    leak = leak.replace("<title>Süd</title>", "<title>Süd: 2 Fälle</title>", 1)
    found = audit.audit_html(PAGE.format(leak), "m.html")
    assert [(f.row, f.problem) for f in found] == [
        ("<path data-value>", "the map's markup holds a number ('2') outside its declared data"),
        ("Süd: 2 Fälle", "a label of the map holds a number outside its declared data")]


def test_audit_finds_a_small_count_planted_in_the_map_data():
    h = _map([10.0, 20.0, 30.0], [8.0, 18.0, 27.0], [12.0, 22.0, 33.0],
             extra={"faelle": ("count", [40, 2, 50], "Fälle")})
    found = audit.audit_html(PAGE.format(h), "m.html")
    assert [str(f) for f in found] == ["m.html: table 'Quote', row 'Mitte', column 'faelle': count 2 below "
                                       "the threshold 3"]


# --------------------------------------------------------------------------- pages on Musterland

@pytest.fixture(scope="module")
def d():
    return sa.load("musterland")


def test_kreis_map_shows_the_published_values(d):
    year = d.report_year
    h = sa.pages.kreisuebersicht.municipality_map_interactive(d, year, "sgb2_quote").data
    (data,) = _data(h)
    rows = {r["area_id"]: r for r in data["rows"]}
    pub = sa.pages.common.published_results(d, ["sgb2_quote"], "gemeindeverband", years=[year])
    munis = sa.pages.common.muni_shapes(d)
    assert set(rows) == set(munis["area_id"]) and h.count('class="sa-area"') == len(munis)
    for r in pub.itertuples():
        shown = rows[r.area_id]
        if r.status:
            assert shown["value"] is None and shown["lower"] is None and shown["status"] == r.status
        else:
            assert shown["value"] == sa.render.fmt.pct(r.value) and shown["upper"] == sa.render.fmt.pct(r.upper)
    assert audit.audit_html(PAGE.format(h), "k.html") == []


def test_base_level_maps_one_per_indicator_and_pass_the_audit(d):
    ids = sa.pages.senioren.SENIOR_IDS[:2]
    h = sa.pages.senioren.indicator_maps_interactive(d, ids, d.report_year, level="base").data
    data = _data(h)
    assert len(data) == 2 and h.count('<figure class="sa-map"') == 2
    base = sa.model.areas.base_areas(d.areas)
    assert [len(x["rows"]) for x in data] == [len(base)] * 2
    assert 'class="sa-outline"' in h  # the municipalities' outlines over the base areas
    assert audit.audit_html(PAGE.format(h), "s.html") == []


def test_smr_map_says_what_is_significant(d):
    h = sa.pages.gesundheit.smr_map_interactive(d, d.report_year).data
    (data,) = _data(h)
    assert data["kinds"]["value"] == "index" and data["labels"]["einstufung"] == "Einstufung (95 %)"
    shown = [r for r in data["rows"] if r["value"] is not None]
    assert shown and all(r["einstufung"] in ("nicht signifikant verschieden", "signifikant höher als im Landkreis",
                                             "signifikant niedriger als im Landkreis") for r in shown)
    assert all(r["einstufung"] is None for r in data["rows"] if r["status"])


def test_monitoring_class_map_names_status_and_dynamics(d):
    h = sa.pages.sozialraum_monitoring.class_map_interactive(d, d.report_year).data
    (data,) = _data(h)
    m = sa.pages.sozialraum_monitoring.published_monitoring(d, d.report_year)
    t = m.result.table
    assert len(data["rows"]) == len(m.data)
    for r in data["rows"]:
        if r["status"]:
            assert r["class"] == "gesperrt" and r["dynamik"] is None
        elif isinstance(t.loc[r["area_id"], "status_class"], str):
            assert r["class"] == t.loc[r["area_id"], "status_class"]
    assert 'class="sa-outline"' in h and audit.audit_html(PAGE.format(h), "s.html") == []


def test_lisa_cluster_map_interactive_like_the_static_one(d):
    """The LISA cluster map's interactive twin: every base area, its published rate and the same
    local clusters as the static map (the same computation); areas left out carry no value."""
    mon = sa.pages.sozialraum_monitoring
    h = mon.lisa_map_interactive(d, d.report_year, seed=12345).data
    (data,) = _data(h)
    base, gdf, _glob = mon._lisa(d, d.report_year, "sgb2_quote", 12345, 999, 0.05)
    assert len(data["rows"]) == len(sa.model.areas.base_areas(d.areas))
    clusters = dict(zip(gdf["area_id"], gdf["cluster"]))
    for r in data["rows"]:
        if r["area_id"] in clusters and not r["status"]:
            assert r["class"] == mon._LISA_TEXT[clusters[r["area_id"]]] and r["value"].endswith("%")
        else:
            assert r["value"] is None
    assert data["kinds"]["value"] == "rate" and audit.audit_html(PAGE.format(h), "s.html") == []


def test_facilities_marked_by_name_and_the_audit_allows_their_names(d):
    h = sa.pages.kreisuebersicht.municipality_map_interactive(d, d.report_year, "sgb2_quote").data
    psp = d.facilities[d.facilities["type"] == "Pflegestützpunkt"]
    (data,) = _data(h)
    assert [p["name"] for p in data["points"]] == psp["name"].tolist() and h.count('class="sa-point"') == len(psp)
    assert audit.audit_html(PAGE.format(h), "k.html") == []
    # a facility name with a number that is not declared as a point is a finding
    leak = h.replace(f"<title>{psp['name'].iloc[0]}</title>", "<title>Pflegestützpunkt: 2 Fälle</title>", 1)
    assert [f.row for f in audit.audit_html(PAGE.format(leak), "k.html")] == ["Pflegestützpunkt: 2 Fälle"]


def test_official_kreis_map(mirror):
    from sozialanalyse.io import official

    od = official.load_official("harburg")
    year = od.report_year
    h = sa.pages.amtlich_kreis.indicator_map_interactive(od, "arbeitslosenanteil", year).data
    (data,) = _data(h)
    assert len(data["rows"]) == 12 and data["kinds"]["value"] == "share"
    spec = official.INDICATORS["arbeitslosenanteil"]
    for r in data["rows"]:
        v = od.value("arbeitslosenanteil", r["area_id"], year)
        assert r["value"] == (None if pd.isna(v) else f"{v:.{spec['decimals']}f}".replace(".", ",") + "\u00a0%")
    assert audit.audit_html(PAGE.format(h), "a.html") == []


def test_class_map_marks_dynamics(d):
    h = sa.pages.sozialraum_monitoring.class_map_interactive(d, d.report_year).data
    (data,) = _data(h)
    up = sum(r["dynamik"] == "positiv" for r in data["rows"])
    down = sum(r["dynamik"] == "negativ" for r in data["rows"])
    assert up and down and h.count('class="sa-symbol"') == up + down
    # each direction in the colour its legend entry shows: ▲ an upward triangle (apex, then down to the
    # base), ▼ a downward one; the two colours differ so that the map reads without the shape too
    (up_colour,) = re.findall(r'<span class="sa-point-swatch" style="color:(#[0-9A-Fa-f]{6})">▲</span>Dynamik positiv', h)
    (down_colour,) = re.findall(r'<span class="sa-point-swatch" style="color:(#[0-9A-Fa-f]{6})">▼</span>Dynamik negativ', h)
    assert up_colour != down_colour
    assert len(re.findall(rf'class="sa-symbol" fill="{up_colour}" d="M[\d.]+ [\d.]+l6 10h-12z"', h)) == up
    assert len(re.findall(rf'class="sa-symbol" fill="{down_colour}" d="M[\d.]+ [\d.]+l6 -10h-12z"', h)) == down


# --- review #16: the Sozialraum maps number their areas and outline the town, as the static map ------

def _numbers(h: str) -> dict[str, tuple[float, float]]:
    return {k: (float(x), float(y)) for k, x, y in
            re.findall(r'<text class="sa-map-number" data-key="([^"]+)" x="([^"]+)" y="([^"]+)"', h)}


def test_area_numbers_at_the_representative_point_from_the_declared_data():
    # Nord is the unit square x 0..1, y 2..3 of a district x 0..1, y 0..3: width 640 -> s = 640; its
    # representative point (0,5; 2,5) is drawn at x' = 0,5 * 640 = 320, y' = (3 - 2,5) * 640 = 320.
    rows = [{"area_id": "1", "name": "Nord", "nr": "1"}, {"area_id": "2", "name": "Mitte", "nr": "2"},
            {"area_id": "3", "name": "Süd", "nr": ""}]
    h = maps.svg_map(_boxes(), rows, ["#ffffff", "#000000", None], {"area_id": "text", "name": "text", "nr": "text"},
                     "T", [], number_key="nr", symbols=[("up", "#0072B2"), None, None]).data
    assert _numbers(h) == {"1": (320.0, 320.0), "2": (320.0, 960.0)}  # none for an area without a number
    assert '<text class="sa-map-number" data-key="1" x="320.0" y="320.0" fill="#1a1a1a" stroke="#ffffff"></text>' in h
    assert 'data-key="2" x="320.0" y="960.0" fill="#ffffff" stroke="#1a1a1a"' in h  # light on a dark fill
    (data,) = _data(h)
    assert data["number_key"] == "nr" and [r["nr"] for r in data["rows"]] == ["1", "2", ""]
    # the triangle beside the number (9 + 4 * 1 units to the right of 320), never on it
    assert '<path class="sa-symbol" fill="#0072B2" d="M333.0 314.0l6 10h-12z"/>' in h
    assert audit.audit_html(PAGE.format(h), "n.html") == []


def test_monitoring_map_numbers_every_sozialraum(d):
    h = sa.pages.sozialraum_monitoring.class_map_interactive(d, d.report_year).data
    (data,) = _data(h)
    nums = _numbers(h)
    assert set(nums) == {r["area_id"] for r in data["rows"]} and data["number_key"] == "nr"
    by_id = {r["area_id"]: r["nr"] for r in data["rows"]}
    assert by_id["03499016-07"] == "7" and by_id["03499016-01"] == "1"  # "…-07" is Nr. 7 in the tables
    assert data["labels"]["nr"] == "Nr."
    assert 'class="sa-outline"' in h and audit.audit_html(PAGE.format(h), "s.html") == []


def test_profile_sozialraum_map_numbers_and_outlines_the_town(d):
    h = sa.pages.gemeindeprofil.sozialraum_map_interactive(d, "03499016", d.report_year).data
    (data,) = _data(h)
    assert set(_numbers(h)) == {r["area_id"] for r in data["rows"]} and len(data["rows"]) > 1
    assert all(r["nr"] == str(int(r["area_id"].rsplit("-", 1)[1])) for r in data["rows"])
    assert h.count('class="sa-outline"') == 1  # the town's own boundary
    assert audit.audit_html(PAGE.format(h), "p.html") == []


def test_tooltip_text_is_typographic():
    """Review #16: tooltips showed "12,5 %" with a breaking space and "-3" with a hyphen."""
    rows = [{"area_id": "03499016-06", "name": "Nord", "value": "12,5 %", "lower": "-3,0", "class": "-3 bis 0 %"},
            {"area_id": "2", "name": "Mitte", "value": None, "lower": None, "class": "keine Angabe"},
            {"area_id": "3", "name": "Süd", "value": "0,5 %", "lower": "0,1 %", "class": "0 bis 5 %"}]
    kinds = {"area_id": "text", "name": "text", "value": "rate", "lower": "interval", "class": "text"}
    h = maps.svg_map(_boxes(), rows, ["#ffffff", None, "#eeeeee"], kinds, "T", [("#ffffff", "-3 bis 0 %")]).data
    (data,) = _data(h)
    first = data["rows"][0]
    assert first["value"] == "12,5\u00a0%" and first["lower"] == "\u22123,0" and first["class"] == "\u22123 bis 0\u00a0%"
    assert first["area_id"] == "03499016-06"  # a key is never touched
    assert "<li>" in h and "\u22123 bis 0\u00a0%</li>" in h  # the legend as well
