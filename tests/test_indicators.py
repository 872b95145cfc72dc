"""Tests of sozialanalyse.stats.indicators on a tiny hand-made district.

District: Landkreis 03 with Stadt A (03001, Sozialräume 03001-01 and 03001-02) and
Einheitsgemeinde B (03002, a base area itself); years 2015 and 2020.

Population: every cell (age band x sex x nationality) holds ``v`` inhabitants, v = 10 / 20 / 5
(SR 1 / SR 2 / B) in 2020 and 8 / 20 / 5 in 2015. So an area has 76 v inhabitants, 52 v under
65, 24 v from 65, 12 v from 80, 40 v aged 15-64, 36 v aged 20-64, 12 v under 15, 16 v under
20 and 14 v women aged 15-49. Most other counts are a base value times F = 1 / 2 / 1.
"""
from __future__ import annotations

import itertools
import math
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sozialanalyse.model.areas import AGE_GROUPS, age_groups_between, base_to_level
from sozialanalyse.stats import indicators as ind

SR1, SR2, B, STADT, KREIS = "03001-01", "03001-02", "03002", "03001", "03"
BASE = (SR1, SR2, B)
POP = {2015: {SR1: 8, SR2: 20, B: 5}, 2020: {SR1: 10, SR2: 20, B: 5}}
F = {SR1: 1, SR2: 2, B: 1}
SGB2 = {2015: {SR1: 104, SR2: 208, B: 26}, 2020: {SR1: 52, SR2: 208, B: 26}}
MIETANGEBOTE = {SR1: 10, SR2: 30, B: 5}
MIETE_SUMME = {SR1: 70, SR2: 270, B: 30}
HH = {"einpersonen_unter65": 10, "einpersonen_65plus": 6, "paare_ohne_kinder": 8,
      "paare_mit_kindern": 5, "alleinerziehende": 3, "sonstige": 2}  # sum 34

AREAS = pd.DataFrame(
    [(KREIS, "Landkreis Test", "Landkreis", None),
     (STADT, "Stadt A", "Stadt", KREIS),
     (SR1, "A-Nord", "Sozialraum", STADT),
     (SR2, "A-Süd", "Sozialraum", STADT),
     (B, "Gemeinde B", "Einheitsgemeinde", KREIS)],
    columns=["area_id", "name", "kind", "parent_id"])

T = "insgesamt"


def _rows(area, year, variable, value, age=False, sex=False, nat=False, types_=None):
    out = []
    for a, s, n, t in itertools.product(AGE_GROUPS if age else [T], ["m", "w"] if sex else [T],
                                        ["deutsch", "nichtdeutsch"] if nat else [T],
                                        types_ or [T]):
        val = value(a, s, n, t) if callable(value) else value
        out.append((area, year, variable, a, s, n, t, float(val)))
    return out


def make_counts() -> pd.DataFrame:
    rows = []
    over65 = set(age_groups_between(65))
    for year, area in itertools.product((2015, 2020), BASE):
        v, f = POP[year][area], F[area]
        ew = 76 * v
        rows += _rows(area, year, "einwohner", v, age=True, sex=True, nat=True)
        rows += _rows(area, year, "haushalte", lambda a, s, n, t, f=f: HH[t] * f, types_=list(HH))
        rows += _rows(area, year, "geburten", 2 * f, sex=True)
        rows += _rows(area, year, "sterbefaelle", 1, age=True, sex=True)
        rows += _rows(area, year, "zuzuege", lambda a, s, n, t, f=f: (30 if n == "deutsch" else 10) * f,
                      nat=True)
        rows += _rows(area, year, "fortzuege", lambda a, s, n, t, f=f: (25 if n == "deutsch" else 5) * f,
                      nat=True)
        rows += _rows(area, year, "sgb2_personen", SGB2[year][area])
        rows += _rows(area, year, "sgb2_personen_unter15", 12 * f)
        rows += _rows(area, year, "grundsicherung_65plus", 6 * f)
        rows += _rows(area, year, "wohngeld_haushalte", 4 * f)
        rows += _rows(area, year, "arbeitslose", lambda a, s, n, t, f=f: (20 if t == "sgb2" else 10) * f,
                      types_=["sgb2", "sgb3"])
        rows += _rows(area, year, "langzeitarbeitslose", 12 * f)
        rows += _rows(area, year, "svb_wohnort", lambda a, s, n, t, f=f: (150 if s == "m" else 130) * f,
                      sex=True)
        rows += _rows(area, year, "wohnflaeche_qm", 40 * ew)
        rows += _rows(area, year, "mietangebote", MIETANGEBOTE[area])
        rows += _rows(area, year, "miete_summe_eur_qm", MIETE_SUMME[area])
        rows += _rows(area, year, "wohndauer_jahre_summe", 12 * ew)
        rows += _rows(area, year, "einschulung_untersuchte", 10 * f)
        rows += _rows(area, year, "einschulung_uebergewicht", 1 * f)
        rows += _rows(area, year, "einschulung_sprachfoerderbedarf", 3 * f)
        rows += _rows(area, year, "pflegebeduerftige",
                      lambda a, s, n, t, f=f: 1 if a in over65 else 0, age=True, sex=True,
                      types_=["pflegegeld", "ambulant", "stationaer"])
        rows += _rows(area, year, "schwerbehinderte", 2, age=True, sex=True)
        # the KGSt fields (issue #18), optional tables income.csv and education.csv
        rows += _rows(area, year, "einkommensteuer_eur", 500 * ew)
        rows += _rows(area, year, "svb_vollzeit_wohnort", 200 * f)
        rows += _rows(area, year, "niedrigverdiener", 30 * f)
        rows += _rows(area, year, "sozialgeld_personen", 14 * f)
        rows += _rows(area, year, "kinder_kita_alter", 20 * f, types_=["unter3", "3bis5"])
        rows += _rows(area, year, "kita_kinder", lambda a, s, n, t, f=f: (8 if t == "unter3" else 19) * f,
                      types_=["unter3", "3bis5"])
        rows += _rows(area, year, "grundschulabgaenger", 10 * f)
        rows += _rows(area, year, "uebergaenge_gymnasium", 4 * f)
        rows += _rows(area, year, "schulabgaenger", 10 * f)
        rows += _rows(area, year, "schulabgaenger_ohne_abschluss", 1 * f)
        if year == 2020:  # election year only
            rows += _rows(area, year, "wahlberechtigte",
                          lambda a, s, n, t, f=f: (500 if t == "bundestagswahl" else 520) * f,
                          types_=["bundestagswahl", "kommunalwahl"])
            rows += _rows(area, year, "waehler",
                          lambda a, s, n, t, f=f: (380 if t == "bundestagswahl" else 300) * f,
                          types_=["bundestagswahl", "kommunalwahl"])
    return pd.DataFrame(rows, columns=["area_id", "year", "variable", "age_group", "sex",
                                       "nationality", "type", "value"])


@pytest.fixture(scope="module")
def counts():
    return make_counts()


@pytest.fixture(scope="module")
def result(counts):
    return ind.compute(counts, level=["sozialraum", "gemeinde", "gemeindeverband", "kreis"],
                       areas=AREAS)


def _row(res, area, indicator, year=2020, level="gemeinde"):
    sel = res[(res["area_id"] == area) & (res["indicator"] == indicator)
              & (res["year"] == year) & (res["level"] == level)]
    assert len(sel) == 1, (area, indicator, year, level, len(sel))
    return sel.iloc[0]


# Stadt A (SR 1 + SR 2) in 2020: v = 10 + 20 = 30 summed over cells, F = 1 + 2 = 3.
# (indicator, numerator, denominator, value)
CASES = [
    ("sgb2_quote", 52 + 208, 52 * 10 + 52 * 20, (52 + 208) / (52 * 30) * 100),
    ("kinderarmut", 12 * 3, 12 * 30, 36 / 360 * 100),
    ("sgb2_quote_15_64", 260 - 36, 40 * 30, (260 - 36) / 1200 * 100),
    ("altersarmut", 6 * 3, 24 * 30, 18 / 720 * 100),
    ("mindestsicherungsquote", 260 + 18, 76 * 30, 278 / 2280 * 100),
    ("wohngeldquote", 4 * 3, 34 * 3, 12 / 102 * 100),
    ("arbeitslosenquote", 30 * 3, 40 * 30, 90 / 1200 * 100),
    ("anteil_langzeitarbeitslose", 12 * 3, 30 * 3, 36 / 90 * 100),
    ("sgb2_anteil_arbeitslose", 20 * 3, 30 * 3, 60 / 90 * 100),
    ("beschaeftigtenquote", 280 * 3, 40 * 30, 840 / 1200 * 100),
    ("frauenbeschaeftigtenquote", 130 * 3, 20 * 30, 390 / 600 * 100),
    ("anteil_unter15", 12 * 30, 76 * 30, 12 / 76 * 100),
    ("anteil_80plus", 12 * 30, 76 * 30, 12 / 76 * 100),
    ("jugendquotient", 16 * 30, 36 * 30, 16 / 36 * 100),
    ("altenquotient", 24 * 30, 36 * 30, 24 / 36 * 100),
    ("geburtenrate", 4 * 3, 14 * 30, 12 / 420 * 1000),
    ("sterberate", 38 * 2, 76 * 30, 76 / 2280 * 1000),
    ("wanderungssaldo", (40 - 30) * 3, 76 * 30, 30 / 2280 * 1000),
    ("wanderungssaldo_nichtdeutsche", (10 - 5) * 3, 38 * 30, 15 / 1140 * 1000),
    ("vorzeitige_sterblichkeit", 26 * 2, 52 * 30, 52 / 1560 * 100_000),
    ("mietniveau", 70 + 270, 10 + 30, 340 / 40),
    ("wohnflaeche_je_einwohner", 40 * 76 * 30, 76 * 30, 40.0),
    ("mittlere_wohndauer", 12 * 76 * 30, 76 * 30, 12.0),
    ("haushaltsgroesse", 76 * 30, 34 * 3, 2280 / 102),
    ("anteil_einpersonenhaushalte", 16 * 3, 34 * 3, 16 / 34 * 100),
    ("anteil_alleinlebende_65plus", 6 * 3, 24 * 30, 18 / 720 * 100),
    ("anteil_alleinerziehende", 3 * 3, 8 * 3, 3 / 8 * 100),
    ("uebergewicht_einschulung", 1 * 3, 10 * 3, 10.0),
    ("sprachfoerderbedarf", 3 * 3, 10 * 3, 30.0),
    ("pflegequote_80plus", 18 * 2, 12 * 30, 36 / 360 * 100),
    ("anteil_haeusliche_pflege", 24 * 2, 36 * 2, 2 / 3 * 100),
    ("anteil_stationaere_pflege", 12 * 2, 36 * 2, 1 / 3 * 100),
    ("schwerbehindertenquote_65plus", 2 * 12 * 2, 24 * 30, 48 / 720 * 100),
    ("anteil_nichtdeutsche", 38 * 30, 76 * 30, 50.0),
    ("wahlbeteiligung_bundestag", 380 * 3, 500 * 3, 380 / 500 * 100),
    ("wahlbeteiligung_kommunal", 300 * 3, 520 * 3, 300 / 520 * 100),
    # KGSt fields, Stadt A 2020 (f = 1 + 2, inhabitants 76 x (10 + 20) = 2,280; under 15: 3 bands x 4 cells x 30)
    ("einkommensteuer_je_einwohner", 500 * 2280, 2280, 500.0),
    ("niedrigverdiener_anteil", 30 * 3, 200 * 3, 15.0),
    ("sozialgeldquote", 14 * 3, 12 * 30, 42 / 360 * 100),
    ("alg2_quote", 52 + 208 - 14 * 3, 10 * 4 * 30, 218 / 1200 * 100),  # SGB II minus Sozialgeld, per 15-64
    ("kita_quote_unter3", 8 * 3, 20 * 3, 40.0),
    ("kita_quote_3bis5", 19 * 3, 20 * 3, 95.0),
    ("uebergangsquote_gymnasium", 4 * 3, 10 * 3, 40.0),
    ("schulabgaenger_ohne_abschluss", 1 * 3, 10 * 3, 10.0),
]


@pytest.mark.parametrize("indicator, num, den, value", CASES, ids=[c[0] for c in CASES])
def test_hand_computed(result, indicator, num, den, value):
    r = _row(result, STADT, indicator)
    assert r["numerator"] == pytest.approx(num)
    assert r["denominator"] == pytest.approx(den)
    assert r["value"] == pytest.approx(value)


def test_result_columns(result):
    assert list(result.columns) == ind.RESULT_COLUMNS


def test_every_indicator_computes_and_matches_reference(counts, result):
    """Every catalog entry computes on the tiny table (catches YAML typos) and equals a
    plain filter-and-sum reference at every level."""
    cat = ind.load_catalog()
    assert set(result["indicator"].astype(str)) == set(cat)
    mapping = {lv: base_to_level(AREAS, lv) for lv in ("gemeinde", "kreis")}

    def total(spec, rows):
        if isinstance(spec, list):
            return sum(total(s, rows) for s in spec)
        if "minus" in spec:
            first, *rest = spec["minus"]
            return total(first, rows) - sum(total(s, rows) for s in rest)
        m = rows["variable"] == spec["variable"]
        if spec.get("age") is not None:
            m &= rows["age_group"].isin(age_groups_between(*spec["age"]))
        for d in ("sex", "nationality", "type"):
            if spec.get(d) is not None:
                m &= rows[d].isin(spec[d])
        return rows.loc[m, "value"].sum()

    for lv, mp in mapping.items():
        for area in set(mp):
            members = mp.index[mp == area]
            rows = counts[counts["area_id"].isin(members) & (counts["year"] == 2020)]
            for iid, e in cat.items():
                r = _row(result, area, iid, level=lv)
                num, den = total(e["numerator"], rows), total(e["denominator"], rows)
                assert r["numerator"] == pytest.approx(num), iid
                assert r["denominator"] == pytest.approx(den), iid
                assert r["value"] == pytest.approx(num / den * e["multiplier"]), iid


def test_aggregation_sums_counts_not_rates(result):
    sr = [_row(result, a, "sgb2_quote", level="sozialraum")["value"] for a in (SR1, SR2)]
    assert sr == pytest.approx([10.0, 20.0])
    stadt = _row(result, STADT, "sgb2_quote")["value"]
    assert stadt == pytest.approx(260 / 1560 * 100)   # 16.67, from summed counts
    assert stadt != pytest.approx(np.mean(sr))        # not the mean of rates (15.0)
    kreis = _row(result, KREIS, "sgb2_quote", level="kreis")
    assert kreis["numerator"] == 52 + 208 + 26
    assert kreis["denominator"] == 52 * (10 + 20 + 5)
    # a mean (rent) aggregates the same way: 340 / 40 = 8.5, not (7 + 9) / 2
    assert _row(result, STADT, "mietniveau")["value"] == pytest.approx(8.5)
    # a Stadt is at the gemeinde and the gemeindeverband level with the same figures
    gv = _row(result, STADT, "sgb2_quote", level="gemeindeverband")
    assert gv["value"] == pytest.approx(stadt)


def test_level_map_equals_base_to_level():
    areas = pd.concat([AREAS, pd.DataFrame(
        [("034005", "SG C", "Samtgemeinde", KREIS), ("03401", "C1", "Mitgliedsgemeinde", "034005"),
         ("03402", "C2", "Mitgliedsgemeinde", "034005")], columns=AREAS.columns)],
        ignore_index=True)
    for lv in ("sozialraum", "gemeinde", "gemeindeverband", "kreis"):
        fast = ind._level_map(areas, lv).sort_index()
        ref = base_to_level(areas, lv).sort_index()
        pd.testing.assert_series_equal(fast, ref, check_names=False)


def test_single_row_counts_and_district_object(counts):
    district = types.SimpleNamespace(counts=counts, areas=AREAS)
    res = ind.compute(district, ids="sgb2_quote", level="kreis", years=2020)
    assert len(res) == 1 and res["year"].iloc[0] == 2020
    assert res["value"].iloc[0] == pytest.approx(286 / (52 * 35) * 100)


def test_election_years_only(result):
    years = set(result.loc[result["indicator"] == "wahlbeteiligung_bundestag", "year"])
    assert years == {2020}
    assert set(result.loc[result["indicator"] == "sgb2_quote", "year"]) == {2015, 2020}


def _one_area(rows):
    areas = pd.DataFrame([("01", "K", "Landkreis", None), ("01001", "G", "Einheitsgemeinde", "01")],
                         columns=AREAS.columns)
    df = pd.DataFrame([("01001", 2020, *r) for r in rows],
                      columns=["area_id", "year", "variable", "age_group", "sex", "nationality",
                               "type", "value"])
    return df, areas


def test_wilson_and_byar_limits_propagate():
    counts, areas = _one_area([
        ("sgb2_personen", T, T, T, T, 65.0),                 # 65 of 100 under 65
        ("einwohner", "20-24", "m", "deutsch", T, 100.0),
        ("einwohner", "70-74", "m", "deutsch", T, 900.0),    # 1,000 inhabitants in all
        ("sterbefaelle", "70-74", "m", T, T, 65.0),          # 65 deaths
    ])
    res = ind.compute(counts, ids=["sgb2_quote", "sterberate"], level="gemeinde", areas=areas)
    p = res[res["indicator"] == "sgb2_quote"].iloc[0]
    assert p["value"] == pytest.approx(65.0)
    assert p["lower"] == pytest.approx(55.2544, abs=1e-4)
    assert p["upper"] == pytest.approx(73.6358, abs=1e-4)
    r = res[res["indicator"] == "sterberate"].iloc[0]
    assert r["value"] == pytest.approx(65.0)  # 65 per 1,000 inhabitants
    assert r["lower"] == pytest.approx(50.16319, abs=1e-5)
    assert r["upper"] == pytest.approx(82.84914, abs=1e-5)
    # 99.8 % limits are wider
    wide = ind.compute(counts, ids="sgb2_quote", level="gemeinde", areas=areas,
                       conf_level=0.998).iloc[0]
    assert wide["lower"] < p["lower"] and wide["upper"] > p["upper"]


def test_no_interval_for_mean_and_saldo(result):
    for iid in ("mietniveau", "wanderungssaldo"):
        r = _row(result, STADT, iid)
        assert math.isnan(r["lower"]) and math.isnan(r["upper"])
    r = _row(result, STADT, "geburtenrate")
    assert r["lower"] < r["value"] < r["upper"]


def test_notes(result):
    # 10 rental offers in SR 1 < min_denominator 20; the Stadt has 40
    assert "small_denominator" in _row(result, SR1, "mietniveau", level="sozialraum")["notes"]
    assert _row(result, STADT, "mietniveau")["notes"] == ""
    # vorzeitige Sterblichkeit is valid from the gemeinde level on: flagged, not hidden
    r = _row(result, SR1, "vorzeitige_sterblichkeit", level="sozialraum")
    assert "below_min_level" in r["notes"] and not math.isnan(r["value"])
    assert "below_min_level" not in _row(result, STADT, "vorzeitige_sterblichkeit")["notes"]


def test_zero_denominator_single_area(counts):
    c = counts.copy()
    c.loc[(c["variable"] == "einschulung_untersuchte") & (c["area_id"] == B), "value"] = 0.0
    c.loc[c["variable"].str.startswith("einschulung_") & (c["area_id"] == B), "value"] = 0.0
    res = ind.compute(c, ids="sprachfoerderbedarf", level="gemeinde", areas=AREAS, years=2020)
    b = res[res["area_id"] == B].iloc[0]
    assert math.isnan(b["value"]) and "zero_denominator" in b["notes"]
    assert res[res["area_id"] == STADT]["value"].iloc[0] == pytest.approx(30.0)
    ind.check_catalog({"sprachfoerderbedarf": ind.load_catalog()["sprachfoerderbedarf"]}, c)


def test_zero_denominator_everywhere_is_an_error(counts):
    c = counts.copy()
    c.loc[c["variable"] == "einschulung_untersuchte", "value"] = 0.0
    cat = {"uebergewicht_einschulung": ind.load_catalog()["uebergewicht_einschulung"]}
    with pytest.raises(ValueError, match=r"'uebergewicht_einschulung', field 'denominator'"):
        ind.check_catalog(cat, c)


def _bad(**changes):
    base = dict(ind.load_catalog()["sgb2_quote"], id="test_ind")
    base.update(changes)
    return {"test_ind": base}


@pytest.mark.parametrize("changes, field", [
    ({"field": "Soziales"}, "field"),
    ({"kind": "quote"}, "kind"),
    ({"polarity": "gut"}, "polarity"),
    ({"min_level": "land"}, "min_level"),
    ({"multiplier": 1000}, "multiplier"),                    # % with multiplier 1000
    ({"kind": "mean"}, "unit"),                              # % does not fit a mean
    ({"unit": "EUR/m²", "multiplier": 1}, "unit"),              # a proportion needs % / je N
    ({"unit": "je 1.000 Einw.", "multiplier": 100}, "multiplier"),
    ({"numerator": {"variable": "sgb2_personen", "alter": [0, 14]}}, "numerator.alter"),
    ({"numerator": {"variable": "sgb2_personen", "age": [3, 14]}}, "numerator.age"),
    ({"denominator": {"minus": [{"variable": "einwohner"}, {"variable": "sgb2_personen"}]}},
     "denominator"),
    ({"source": None}, "source"),
])
def test_catalog_structure_errors(changes, field):
    with pytest.raises(ValueError) as exc:
        ind.check_catalog(_bad(**changes))
    assert f"indicator 'test_ind', field '{field}'" in str(exc.value)


@pytest.mark.parametrize("changes, field", [
    ({"numerator": {"variable": "sgb2_persone"}}, "numerator.variable"),
    ({"denominator": {"variable": "einwohner", "nationality": ["auslaendisch"]}},
     "denominator.nationality"),
    ({"numerator": {"variable": "sgb2_personen", "sex": ["w"]}}, "numerator.sex"),
    ({"numerator": {"variable": "sgb2_personen", "age": [0, 14]}}, "numerator.age"),
])
def test_catalog_data_errors(counts, changes, field):
    with pytest.raises(ValueError) as exc:
        ind.check_catalog(_bad(**changes), counts)
    assert f"indicator 'test_ind', field '{field}'" in str(exc.value)
    with pytest.raises(ValueError, match="test_ind"):
        ind.compute(counts, ids="test_ind", level="gemeinde", areas=AREAS,
                    catalog=_bad(**changes))


def test_packaged_catalog_checks_against_data(counts):
    ind.check_catalog(ind.load_catalog(), counts)


def test_catalog_table_and_fields():
    cat = ind.catalog()
    assert len(cat) >= 40 and cat["id"].is_unique
    assert set(cat["field"]) == set(ind.FIELDS)
    assert {"sgb2_quote", "kinderarmut", "altersarmut", "wanderungssaldo", "mietniveau",
            "pflegequote_80plus", "wahlbeteiligung_kommunal"} <= set(cat["id"])
    row = cat.set_index("id").loc["wanderungssaldo"]
    assert row["numerator"] == "zuzuege - fortzuege"


def test_user_catalog_extends_and_overrides(tmp_path, counts):
    user = {"indicators": [
        {"id": "sgb2_quote", "min_denominator": 10_000},
        {"id": "anteil_maennlich", "name": "Männeranteil", "definition": "Männer je 100 Einw.",
         "field": "Demografie", "numerator": {"variable": "einwohner", "sex": ["m"]},
         "denominator": {"variable": "einwohner"}, "unit": "%", "multiplier": 100,
         "kind": "proportion", "polarity": "neutral", "source": "Melderegister",
         "min_level": "sozialraum", "min_denominator": 0},
    ]}
    path = tmp_path / "eigene.yml"
    path.write_text(yaml.safe_dump(user, allow_unicode=True), encoding="utf-8")
    cat = ind.load_catalog(path)
    assert cat["sgb2_quote"]["name"] == "SGB-II-Quote"      # kept
    assert cat["sgb2_quote"]["min_denominator"] == 10_000   # overridden
    res = ind.compute(counts, ids=["sgb2_quote", "anteil_maennlich"], level="kreis",
                      areas=AREAS, catalog=path, years=2020)
    assert "small_denominator" in res.set_index("indicator").loc["sgb2_quote", "notes"]
    assert res.set_index("indicator").loc["anteil_maennlich", "value"] == pytest.approx(50.0)
    assert len(ind.catalog(path)) == len(ind.catalog()) + 1


def test_missing_variables_are_skipped_with_warning(counts):
    c = counts[~counts["variable"].isin(["wahlberechtigte", "waehler"])]
    with pytest.warns(UserWarning, match="wahlbeteiligung_bundestag"):
        res = ind.compute(c, level="kreis", areas=AREAS)
    assert "wahlbeteiligung_bundestag" not in set(res["indicator"].astype(str))
    with pytest.raises(ValueError, match="wahlbeteiligung_bundestag"):
        ind.compute(c, ids="wahlbeteiligung_bundestag", level="kreis", areas=AREAS)


def test_categorical_input_gives_same_result(counts, result):
    c = counts.astype({k: "category" for k in ("area_id", "variable", "age_group", "sex",
                                                "nationality", "type")})
    res = ind.compute(c, level=["sozialraum", "gemeinde", "gemeindeverband", "kreis"],
                      areas=AREAS)
    pd.testing.assert_frame_equal(res, result)


def test_change_in_percentage_points(result):
    ch = ind.change(result, years=5)
    r = ch[(ch["area_id"] == SR1) & (ch["indicator"] == "sgb2_quote")
           & (ch["level"] == "sozialraum")].iloc[0]
    # 2015: 104 / (52 * 8) = 25 %; 2020: 52 / (52 * 10) = 10 %
    assert r["value_from"] == pytest.approx(25.0) and r["value_to"] == pytest.approx(10.0)
    assert r["value"] == pytest.approx(10.0 - 25.0)
    assert r["unit"] == "Prozentpunkte" and r["year"] == 2020 and r["from_year"] == 2015
    # absolute change in the indicator's unit otherwise: rent stays 7.0 EUR/m²
    m = ch[(ch["area_id"] == SR1) & (ch["indicator"] == "mietniveau")].iloc[0]
    assert m["value"] == pytest.approx(0.0) and m["unit"] == "EUR/m²"
    # elections have no value five years earlier
    assert "wahlbeteiligung_bundestag" not in set(ch["indicator"].astype(str))


def test_index_base_2015(result):
    ix = ind.index_base(result, base_year=2015)
    r = ix[(ix["area_id"] == SR1) & (ix["indicator"] == "sgb2_quote")
           & (ix["level"] == "sozialraum")].set_index("year")
    assert r.loc[2015, "value"] == pytest.approx(100.0)
    assert r.loc[2020, "value"] == pytest.approx(10.0 / 25.0 * 100)
    # SR 1 population 76 * 8 -> 76 * 10: living space per inhabitant stays 40 m² = 100
    w = ix[(ix["area_id"] == SR1) & (ix["indicator"] == "wohnflaeche_je_einwohner")]
    assert np.allclose(w["value"], 100.0)


def test_unknown_level_and_id(counts):
    with pytest.raises(ValueError, match="land"):
        ind.compute(counts, level="land", areas=AREAS)
    with pytest.raises(ValueError, match="gibtsnicht"):
        ind.compute(counts, ids="gibtsnicht", areas=AREAS)
    with pytest.raises(ValueError, match="areas"):
        ind.compute(counts)


def test_a_misspelt_id_gets_a_suggestion_and_a_year_must_be_whole(counts):
    with pytest.raises(ValueError, match=r"unknown indicator id\(s\): sgb2_qoute; did you mean 'sgb2_quote'"):
        ind.compute(counts, ids=["sgb2_qoute"], areas=AREAS)
    for bad in (2020.5, "2020", True):
        with pytest.raises(ValueError, match=rf"^compute\(\): years must be whole years such as 2024, got {bad!r}$"):
            ind.compute(counts, ids=["sgb2_quote"], years=[bad], areas=AREAS)
    by_range = ind.compute(counts, ids=["sgb2_quote"], years=range(2020, 2021), areas=AREAS)
    assert set(by_range["year"]) == {2020}


def test_errors_name_function_column_value_and_key(counts):
    with pytest.raises(ValueError, match=r"^compute\(\): counts has no column\(s\) 'value'"):
        ind.compute(counts.drop(columns="value"), areas=AREAS)
    broken = counts.copy()
    broken["area_id"] = broken["area_id"].astype(object)
    broken.loc[broken.index[3], "area_id"] = None
    row = broken.iloc[3]
    with pytest.raises(ValueError, match=rf"^compute\(\): counts column 'area_id' has a missing "
                       rf"value for year {row['year']}, variable '{row['variable']}'$"):
        ind.compute(broken, areas=AREAS)
    with pytest.raises(ValueError, match=r"^compute\(\): unknown level 'land'"):
        ind.compute(counts, level="land", areas=AREAS)


def test_no_warning_on_full_table(counts):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ind.compute(counts, level="gemeinde", areas=AREAS)


def test_a_configs_user_catalog_reaches_the_district(tmp_path):
    """``catalog:`` in a report config extends the packaged catalog for that district's pages."""
    import sozialanalyse as sa

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "user.yml").write_text("- id: sgb2_quote\n  name: Umbenannte Quote\n", encoding="utf-8")
    text = (root / "config" / "musterland.yml").read_text(encoding="utf-8")
    text = text.replace("data: ../data/musterland", f"data: {root / 'data' / 'musterland'}")
    (tmp_path / "c.yml").write_text(text + "catalog: user.yml\n", encoding="utf-8")
    d = sa.load(tmp_path / "c.yml")
    assert ind.district_catalog(d) == [(tmp_path / "user.yml").resolve()]
    assert ind.catalog(ind.district_catalog(d)).set_index("id").loc["sgb2_quote", "name"] == "Umbenannte Quote"
