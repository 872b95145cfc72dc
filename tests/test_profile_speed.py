"""Issue 19: what every Gemeindeprofil shares is computed once per district object
(``pages.gemeindeprofil._shared``: the catalog, the pyramid cells of every area, the spine chart
table) and must give exactly what a fresh computation gives.

The references are independent of the memo: the pyramid as the layer's counts asked band by band
for one area (the way the page asked before the memo), and the rendered page sections of two
municipalities on a district whose memo is warm from other profiles against a newly loaded
district that computes everything for them first.
"""
from __future__ import annotations

import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.model.areas import AGE_GROUPS
from sozialanalyse.pages import gemeindeprofil as gp
from sozialanalyse.protected import layer as protected_layer
from sozialanalyse.protected.measures import _band


@pytest.fixture(scope="module")
def d():
    return sa.load("musterland")


@pytest.fixture(scope="module")
def munis(d):
    return [str(a) for a in d.municipalities()["area_id"]]


def _html(obj) -> str:
    return obj._repr_html_() if hasattr(obj, "_repr_html_") and obj._repr_html_() is not None else str(obj.data)


def test_pyramid_from_the_memo_equals_the_layer_asked_for_one_area(d, munis):
    L = protected_layer.of(d)
    year = d.report_year
    gp.pyramid_data(d, munis[0], year)  # fills the memo with every area's cells
    for area_id in (munis[1], munis[-1], str(d.kreis["area_id"])):
        frames = [L.counts({"variable": "einwohner", "age": _band(b), "sex": [s]}, area_ids=[area_id],
                           years=[year]).assign(age_group=b, sex=s)
                  for b in AGE_GROUPS for s in ("m", "w")]
        expected = pd.concat(frames, ignore_index=True)[["age_group", "sex", "value", "status"]]
        got = gp.pyramid_data(d, area_id, year)
        assert len(got) == 2 * len(AGE_GROUPS)
        pd.testing.assert_frame_equal(got, expected)


def test_a_caller_cannot_change_what_the_next_profile_reads(d):
    year = d.report_year
    first = gp._spine_data(d, year)
    first["value"] = -1.0
    first.attrs["smr_years"] = []
    again = gp._spine_data(d, year)
    pd.testing.assert_frame_equal(again, gp._spine_table(d, year))
    assert (again["value"] != -1.0).any() and again.attrs["smr_years"]


@pytest.mark.slow  # end-to-end: renders the profiles of every municipality twice (`make test-slow`, CI runs it)
def test_warm_profiles_render_what_a_fresh_district_renders(d, munis):
    year = d.report_year
    calls = [
        lambda dd, a: gp.key_figures(dd, a, year),
        lambda dd, a: gp.kgst_fields(dd, a, year),
        lambda dd, a: gp.at_a_glance(dd, a, year),
        lambda dd, a: gp.trends_table(dd, a),
        lambda dd, a: gp.pyramid_and_locator(dd, a, year),
        lambda dd, a: gp.spine_chart(dd, a, year),
        lambda dd, a: gp.trend_vs_kreis(dd, a, ["sgb2_quote", "kinderarmut", "anteil_65plus"]),
    ]
    import matplotlib.pyplot as plt

    for a in munis[:3]:  # the memo of ``d`` warm from other profiles
        for call in calls:
            _html(call(d, a))
        plt.close("all")
    fresh = sa.load("musterland")
    assert fresh is not d and "_profile_shared" not in fresh.__dict__
    for a in (munis[-1], munis[-2]):
        for call in calls:
            assert _html(call(fresh, a)) == _html(call(d, a))
        plt.close("all")
