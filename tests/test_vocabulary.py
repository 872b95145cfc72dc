"""One vocabulary for a planner: the results of the statistics floor name the same things alike.

Checked on the Musterland district (the table of names is in the docstring of
:mod:`sozialanalyse.stats`):

* the interval of a result is ``lower`` / ``upper`` (prefixed by the statistic where a result
  carries several, e.g. ``dsr_lower``); ``lower_95`` / ``lower_998`` only where a result
  genuinely carries several levels (funnel limits and classes); never ``ci_low``, ``low``;
* caveats on a value are ``notes`` (``flags`` would shadow :attr:`pandas.DataFrame.flags`),
  why a value is missing is ``reason``;
* ``name`` stands beside ``area_id``;
* polarity uses the catalog's terms, levels are lower case;
* a result merges with a plain frame of string keys as it is.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.model.areas import LEVELS
from sozialanalyse.stats import health, indicators
from sozialanalyse.stats.access import base_area_distances, facility_distance
from sozialanalyse.stats.care import care_projection
from sozialanalyse.stats.monitoring import attention, monitoring
from sozialanalyse.stats.mortality import kreis_dsr_by_year, mortality_input, pooled_mortality
from sozialanalyse.stats.school_entry import school_entry_shares

#: Column names of the old vocabularies, none of which a result may carry.
RETIRED = {"ci_low", "ci_high", "low", "high", "flags", "note", "lower_99_8", "upper_99_8"}
LEVEL_SUFFIX = re.compile(r"_(95|998|99_8)$")


def check_names(df: pd.DataFrame, *, levels: bool = False, named: bool = True) -> None:
    """The agreed names: no retired column; per-level suffixes only in a multi-level result;
    ``name`` right after ``area_id`` (``named``: the function knows the district's names)."""
    cols = list(df.columns)
    assert not RETIRED & set(cols), sorted(RETIRED & set(cols))
    suffixed = [c for c in cols if LEVEL_SUFFIX.search(c)]
    if levels:
        assert suffixed and not any(c.endswith("_99_8") for c in suffixed), suffixed
    else:
        assert not suffixed, suffixed
    if "area_id" in cols and named:
        assert "name" in cols, cols
        assert cols.index("name") == cols.index("area_id") + 1, cols


@pytest.fixture(scope="module")
def district():
    return sa.load_district("musterland")


@pytest.fixture(scope="module")
def result(district):
    return indicators.compute(district, ["sgb2_quote", "anteil_65plus", "mietniveau", "sterberate"],
                              level=list(LEVELS), years=district.years[-6:])


def test_compute_names(result, district):
    check_names(result)
    assert list(result.columns) == indicators.RESULT_COLUMNS
    assert {"lower", "upper", "notes", "reason"} <= set(result.columns)
    names = dict(zip(district.areas["area_id"], district.areas["name"]))
    assert (result["name"].astype(str) == result["area_id"].astype(str).map(names)).all()
    assert set(result["level"].astype(str)) == set(LEVELS)  # lower case, as the API takes them
    ok = result["lower"].notna()
    assert ok.any() and (result.loc[ok, "lower"] <= result.loc[ok, "value"]).all()
    assert (result.loc[ok, "value"] <= result.loc[ok, "upper"]).all()


def test_levels_are_lower_case(district):
    with pytest.raises(ValueError, match=r"unknown level 'Sozialraum'.*lower case: 'sozialraum'"):
        indicators.compute(district, ["sgb2_quote"], level="Sozialraum")


def test_change_and_index_base_names(result):
    check_names(indicators.change(result, years=5))
    check_names(indicators.index_base(result, base_year=int(result["year"].min())))


@pytest.mark.parametrize("dtype", [object, "str"])
def test_result_merges_with_a_plain_frame(result, district, dtype):
    plain = pd.DataFrame({"area_id": district.areas["area_id"].astype(dtype),
                          "kind": district.areas["kind"].astype(dtype)})
    m = result.merge(plain, on="area_id")
    assert len(m) == len(result) and m["kind"].notna().all()
    assert (m["kind"] == m["area_id"].map(dict(zip(plain["area_id"], plain["kind"])))).all()
    back = plain.merge(result, on="area_id", how="left")
    assert back["value"].notna().any() and len(back) >= len(result)
    # on several keys, and with a plain frame of the indicator ids
    ids = pd.DataFrame({"indicator": pd.Series(["sgb2_quote", "mietniveau"], dtype=dtype), "x": [1, 2]})
    both = result.merge(plain, on="area_id").merge(ids, on="indicator")
    assert set(both["indicator"].astype(str)) == {"sgb2_quote", "mietniveau"}
    key = ["area_id", "indicator", "year"]  # a Stadt is gemeinde and gemeindeverband: one key, two rows
    keyed = result[key].astype({"area_id": dtype, "indicator": dtype}).drop_duplicates()
    assert len(result.merge(keyed, on=key)) == len(result)


def test_health_results_names(district):
    years = district.years[-5:]
    m = mortality_input(district, years, "gemeindeverband")
    by_age = m.groupby(["area_id", "age_group"], as_index=False)[["deaths", "population"]].sum()
    r = health.dsr(by_age.dropna(), "deaths", "population", by="area_id")
    assert {"value", "lower", "upper", "reason"} <= set(r.columns)
    check_names(r, named=False)  # a method on any frame: it keeps the group columns it is given
    ref = by_age.groupby("age_group", as_index=False)[["deaths", "population"]].sum()
    s = health.isr(by_age.dropna(), ref, count="deaths", by="area_id")
    assert {"smr", "smr_lower", "smr_upper", "isr", "isr_lower", "isr_upper"} <= set(s.columns)
    check_names(s, named=False)
    lim = health.funnel_limits("ratio", 1.0, [5.0, 50.0], multiplier=100)
    assert {"lower_95", "upper_95", "lower_998", "upper_998"} <= set(lim.columns)
    check_names(lim, levels=True)


def test_mortality_and_school_entry_names(district):
    m = pooled_mortality(district)
    check_names(m, levels=True)  # the funnel classes come per level
    assert {"smr_lower", "smr_upper", "dsr_lower", "dsr_upper", "einstufung_95", "einstufung_998"} <= set(m.columns)
    assert [c for c in m.columns if LEVEL_SUFFIX.search(c)] == ["einstufung_95", "einstufung_998"]
    k = kreis_dsr_by_year(district)
    assert {"lower", "upper", "reason"} <= set(k.columns) and not RETIRED & set(k.columns)
    s = school_entry_shares(district)
    check_names(s)
    assert {"lower", "upper"} <= set(s.columns)


def test_spine_chart_takes_the_catalog_polarity(result):
    cat = indicators.catalog().set_index("id")
    assert set(cat["polarity"].dropna()) <= set(health.POLARITIES)
    d = result[(result["level"] == "gemeindeverband") & (result["year"] == result["year"].max())
               & result["indicator"].isin(["sgb2_quote", "anteil_65plus"])]
    pol = {i: cat.loc[i, "polarity"] for i in ("sgb2_quote", "anteil_65plus")}
    s = health.spine_chart_data(d, by="indicator", polarity=pol)
    check_names(s)
    assert s["bewertung"].dropna().isin(["besser", "ähnlich", "schlechter", "höher", "niedriger"]).all()
    with pytest.raises(ValueError, match="higher_is_worse"):
        health.spine_chart_data(d, by="indicator", polarity="low_is_good")


def test_monitoring_names(district):
    m = monitoring(district)
    t = m.result.table
    assert t.index.name == "area_id" and list(t.columns)[0] == "name"
    assert (t["name"] == m.data["name"]).all()
    att = attention(m.result)
    assert list(att.columns)[0] == "name" and not RETIRED & set(att.columns)


def test_care_and_access_names(district):
    p = care_projection(district)
    check_names(p["care"])
    check_names(p["history"])
    check_names(facility_distance(district))
    check_names(base_area_distances(district))
