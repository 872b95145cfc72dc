"""Goals with key figures (issue #17): Eurostat's progress assessment against hand calculations,
the trend forecast against a hand-computed OLS prediction interval, every bad input of
``goals.yml`` with its message, and the page Ziele and the profiles' section on Musterland.

Reference of the method: Eurostat (2023), *Sustainable development in the European Union.
Monitoring report on progress towards the SDGs in an EU context*, Annex II "Methodological
notes": CAGR = (y_t / y_t0)^(1/(t - t0)) - 1; with a quantified target the ratio of the actual to
the required CAGR is classed at 95 %, 60 % and 0 %; without a target the actual CAGR at 1 % and
0 % a year. The numbers below are chosen so that the roots are exact (1.1² = 1.21, 0.9² = 0.81,
1.01² = 1.0201), so every expected value is written out by hand.
"""
from __future__ import annotations

import textwrap

import pytest

import sozialanalyse as sa
from sozialanalyse.steering import goals as G
from sozialanalyse.steering.goals import (
    GoalsError,
    assess,
    cagr,
    classify_growth,
    classify_ratio,
    forecast,
)

ROOT = sa.io.provenance.PACKAGE_DIR.parent


@pytest.fixture(scope="module")
def d():
    return sa.load("musterland")


# ------------------------------------------------------------------ the method, by hand
def test_cagr_by_hand():
    assert cagr(100, 121, 2) == pytest.approx(0.10, abs=1e-12)  # 1.1² = 1.21
    assert cagr(100, 81, 2) == pytest.approx(-0.10, abs=1e-12)  # 0.9² = 0.81
    assert cagr(200, 200, 7) == 0.0
    assert cagr(100, 0, 4) == -1.0  # to zero: -100 % a year


@pytest.mark.parametrize("start,end,years,message", [
    (0, 5, 3, "start value of 0"),
    (-2, 5, 3, "start value of -2"),
    (10, -1, 3, "end value of -1"),
    (10, 12, 0, "positive number of years"),
])
def test_cagr_is_not_defined_for_zero_or_negative_values(start, end, years, message):
    with pytest.raises(ValueError, match=message):
        cagr(start, end, years)


def test_quantified_target_increase_by_hand():
    # baseline 100 (2020), 121 in 2022: actual (121/100)^(1/2) - 1 = 10 %.
    # target 133.1 by 2023: required (1.331)^(1/3) - 1 = 10 % -> ratio 1 -> substantial
    a = assess(100, 121, 2020, 2022, target=133.1, deadline=2023)
    assert a.actual == pytest.approx(0.10) and a.required == pytest.approx(0.10) and a.ratio == pytest.approx(1.0)
    assert (a.status, a.label, a.symbol) == ("substantial", "deutlicher Fortschritt", "↑")
    # target 126.5625 by 2022 needs (1.265625)^(1/2) - 1 = 12.5 %: ratio 0.10/0.125 = 0.8 -> moderate
    a = assess(100, 121, 2020, 2022, target=126.5625, deadline=2022)
    assert a.ratio == pytest.approx(0.8) and a.status == "moderate" and a.label == "mäßiger Fortschritt"
    # target 144 by 2022 needs 1.44^(1/2) - 1 = 20 %: ratio 0.5 -> insufficient
    a = assess(100, 121, 2020, 2022, target=144, deadline=2022)
    assert a.ratio == pytest.approx(0.5) and a.label == "unzureichender Fortschritt"
    # falling to 81 (-10 % a year) while 144 is the target: ratio -0.10/0.20 = -0.5 -> movement away
    a = assess(100, 81, 2020, 2022, target=144, deadline=2022)
    assert a.ratio == pytest.approx(-0.5) and a.label == "Entwicklung weg vom Ziel"


def test_quantified_target_decrease_by_hand():
    # 100 -> 81 in two years: -10 % a year; target 72.9 (= 100 * 0.9³) by 2023: required -10 %
    a = assess(100, 81, 2020, 2022, target=72.9, deadline=2023)
    assert a.required == pytest.approx(-0.10) and a.ratio == pytest.approx(1.0) and a.status == "substantial"
    # target 64 by 2022: required 0.64^(1/2) - 1 = -20 %; ratio (-0.1)/(-0.2) = 0.5 -> insufficient
    assert assess(100, 81, 2020, 2022, target=64, deadline=2022).status == "insufficient"
    # rising to 121 while a decrease to 64 is the target: ratio 0.1/(-0.2) = -0.5 -> movement away
    a = assess(100, 121, 2020, 2022, target=64, deadline=2022)
    assert a.ratio == pytest.approx(-0.5) and a.status == "away"


def test_exactly_on_the_thresholds():
    # actual 10 %; a required rate of 0.1/0.95 puts the ratio exactly on 95 %: substantial, not moderate
    r95 = 0.10 / 0.95
    a = assess(100, 121, 2020, 2022, target=100 * (1 + r95) ** 2, deadline=2022)
    assert a.ratio == pytest.approx(0.95) and a.status == "substantial"
    r60 = 0.10 / 0.60
    a = assess(100, 121, 2020, 2022, target=100 * (1 + r60) ** 2, deadline=2022)
    assert a.ratio == pytest.approx(0.60) and a.status == "moderate"
    # a ratio of exactly 0: the values did not move (100 -> 100) -> insufficient, not movement away
    a = assess(100, 100, 2020, 2022, target=144, deadline=2022)
    assert a.ratio == 0.0 and a.status == "insufficient"
    assert [classify_ratio(x) for x in (0.95, 0.9499999, 0.60, 0.5999999, 0.0, -1e-6)] == [
        "substantial", "moderate", "moderate", "insufficient", "insufficient", "away"]
    # no target: exactly 1 % a year (1.01² = 1.0201) is significant progress, 0 % moderate
    assert assess(100, 102.01, 2020, 2022, direction="increase").status == "substantial"
    assert assess(100, 100, 2020, 2022, direction="increase").status == "moderate"
    assert [classify_growth(x) for x in (0.01, 0.0099999, 0.0, -1e-6)] == [
        "substantial", "moderate", "moderate", "away"]


def test_direction_only_by_hand():
    # 100 -> 98.01 in two years: 0.99² = 0.9801, -1 % a year; desired: decrease -> +1 % -> substantial
    assert assess(100, 98.01, 2020, 2022, direction="decrease").status == "substantial"
    # the same fall where an increase is desired: -1 % -> movement away (Eurostat: significant movement away)
    a = assess(100, 98.01, 2020, 2022, direction="increase")
    assert a.status == "away" and a.label == "Entwicklung weg vom Ziel" and "deutlich" in a.detail
    # +0.5 % a year (1.005² = 1.010025) upwards: moderate progress
    assert assess(100, 100.0 * 1.010025, 2020, 2022, direction="increase").label == "mäßiger Fortschritt"


def test_target_reached_too_few_values_and_zero():
    assert assess(100, 121, 2020, 2022, target=120, deadline=2030).status == "reached"
    assert assess(100, 120, 2020, 2022, target=120, deadline=2030).label == "Ziel erreicht"  # exactly on it
    assert assess(100, 81, 2020, 2022, target=85, deadline=2030).status == "reached"  # decrease goal
    # fewer than 3 values since the baseline, or no year after it: too few
    assert assess(100, 110, 2020, 2022, target=150, deadline=2030, n_values=2).label == "zu wenige Werte"
    assert assess(100, 110, 2020, 2020, target=150, deadline=2030).status == "too_few"
    # a latest value of 0: -100 % a year; towards a decrease target of 50 it is reached, for an increase away
    assert assess(100, 0, 2020, 2022, target=50, deadline=2030).status == "reached"
    assert assess(100, 0, 2020, 2022, direction="increase").status == "away"


@pytest.mark.parametrize("kwargs,message", [
    ({"target": 150, "deadline": 2019}, "deadline 2019 is not after the baseline year 2020"),
    ({"target": 150, "deadline": 2020}, "deadline 2020 is not after the baseline year 2020"),
    ({"target": 100, "deadline": 2030}, "reached at baseline"),
    ({"target": 120, "deadline": 2030, "direction": "decrease"}, "already reached at baseline"),
    ({"target": -5, "deadline": 2030}, "negative target"),
    ({}, "a target value or a direction"),
])
def test_assess_refuses_bad_goals(kwargs, message):
    with pytest.raises(ValueError, match=message):
        assess(100, 110, 2020, 2022, **kwargs)


@pytest.mark.parametrize("baseline,current", [(0, 5), (-3, 5), (10, -1)])
def test_assess_refuses_values_without_a_growth_rate(baseline, current):
    with pytest.raises(ValueError, match="not defined"):
        assess(baseline, current, 2020, 2022, direction="increase")


def test_forecast_against_a_hand_computed_ols_prediction_interval():
    # points (2020, 1), (2021, 3), (2022, 2): mean year 2021, mean value 2; slope
    # sum((t - 2021)(y - 2)) / sum((t - 2021)²) = (1 + 0 + 0) / 2 = 0.5; fitted 1.5, 2, 2.5;
    # residuals -0.5, 1, -0.5, SSE 1.5, s² = 1.5 / (3 - 2) = 1.5.
    # At 2024: 2 + 0.5 * 3 = 3.5; se = s * sqrt(1 + 1/3 + 3²/2) = sqrt(1.5) * sqrt(35/6) = 2.958040;
    # t(0.975, 1 df) = 12.706205 (table); half width 37.585489.
    f = forecast([2020, 2021, 2022], [1.0, 3.0, 2.0], 2024)
    assert f["year"].tolist() == [2020, 2021, 2022, 2023, 2024]
    last = f.iloc[-1]
    assert last["value"] == pytest.approx(3.5)
    assert last["lower"] == pytest.approx(3.5 - 37.585489, abs=1e-4)
    assert last["upper"] == pytest.approx(3.5 + 37.585489, abs=1e-4)
    assert forecast([2020, 2021], [1.0, 2.0], 2024).empty  # two points: no interval, no forecast


# ------------------------------------------------------------------ bad inputs, each with its message
def _goal(**fields) -> dict:
    base = {"id": "T1", "title": "Testziel", "indicator": "kinderarmut", "area": "03499016",
            "baseline_year": 2019, "target": 12.0, "deadline": 2030, "responsible": "Fachbereich Test"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def _write(tmp_path, goals, name="goals.yml"):
    import yaml

    p = tmp_path / name
    p.write_text(yaml.safe_dump({"goals": goals}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def _problems(d, tmp_path, goals) -> list[str]:
    return G.read(_write(tmp_path, goals), d, mode="lenient").problems


@pytest.mark.parametrize("fields,message", [
    ({"indicator": "kinderarmutt"}, "goals.yml: goal 'T1': indicator: unknown indicator 'kinderarmutt'; did you "
                                    "mean 'kinderarmut'?"),
    ({"area": "03499099"}, "goals.yml: goal 'T1': area: unknown area '03499099' (not in areas.csv)"),
    ({"area": 3499016}, "goals.yml: goal 'T1': area: 3499016 is not written as text (write it in quotes: '3499016')"),
    ({"deadline": 2018}, "goals.yml: goal 'T1': deadline: 2018 is before the baseline year 2019"),
    ({"deadline": 2019}, "goals.yml: goal 'T1': deadline: 2019 is the baseline year 2019"),
    ({"baseline_value": 12.0}, "goals.yml: goal 'T1': target: 12 is already reached at baseline (12 in 2019)"),
    # from the data: Kinderarmut in Musterstadt 2019 is 14,65 %; "decrease to 15" is reached already
    ({"target": 15.0, "direction": "decrease"}, "goals.yml: goal 'T1': target: 15 is already reached at baseline "
                                                "(14.65 in 2019) for a goal to decrease"),
    ({"target": "zehn"}, "goals.yml: goal 'T1': target: 'zehn' is not a number"),
    ({"baseline_value": "14,2"}, "goals.yml: goal 'T1': baseline_value: '14,2' is not a number"),
    ({"baseline_value": 0}, "goals.yml: goal 'T1': baseline_value: 0 is not above 0"),
    ({"deadline": "2030"}, "goals.yml: goal 'T1': deadline: '2030' is not a year (1990 to 2100)"),
    ({"direction": "down"}, "goals.yml: goal 'T1': direction: 'down' is not one of increase, decrease"),
    ({"dedline": 2030}, "goals.yml: goal 'T1': dedline: unknown field; did you mean 'deadline'?"),
    ({"target": None}, "goals.yml: goal 'T1': target: give a target value or a direction"),
    ({"responsible": None}, "goals.yml: goal 'T1': responsible: missing"),
    ({"baseline_year": 2012}, "goals.yml: goal 'T1': baseline_year: 2012 is not a year of the data (2015–2024)"),
    ({"indicator": "vorzeitige_sterblichkeit", "area": "03499016-02"},
     "goals.yml: goal 'T1': indicator: 'vorzeitige_sterblichkeit' is not published below the level 'gemeinde'"),
    ({"kennzahl": {"name": "X", "file": "fehlt.csv"}}, "goals.yml: goal 'T1': indicator: give exactly one of"),
])
def test_each_bad_goal_has_its_message(d, tmp_path, fields, message):
    problems = _problems(d, tmp_path, [_goal(**fields)])
    assert any(p.startswith(message) for p in problems), problems


def test_duplicate_ids_and_a_list_missing(d, tmp_path):
    problems = _problems(d, tmp_path, [_goal(), _goal()])
    assert "goals.yml: goal 'T1': id: 'T1' given twice" in problems
    p = tmp_path / "goals.yml"
    p.write_text("ziele:\n  - id: A\n", encoding="utf-8")
    with pytest.raises(GoalsError, match="expected a list 'goals'"):
        G.read(p, d)


def _kennzahl_goal(file="k.csv", **fields):
    return _goal(indicator=None, kennzahl={"name": "Plätze", "file": file, "unit": "Plätze",
                                           "polarity": "higher_is_better", "kind": "count"},
                 area="03499", baseline_year=2020, target=None, direction="increase", **fields)


@pytest.mark.parametrize("csv,message", [
    ("area_id,year,wert\n03499,2020,10\n", "k.csv: missing column 'value'"),
    ("area_id,year,value\n03499,2020,10\n03499,2021,zehn\n", "k.csv, row 3: value: 'zehn' is not a number"),
    ("area_id,year,value\n03499,2020,10\n03499,2021,1.234,5\n", "k.csv, row 3: 4 fields, the header has 3"),
    ("area_id,year,value\n03499,2020,10\n03499,2021,-4\n", "k.csv, row 3: value: '-4' is not a count"),
    ("area_id,year,value\n03499,2020,10\n03498,2021,12\n", "k.csv, row 3: area_id: unknown area '03498'"),
    ("area_id,year,value\n03499,2020,10\n03499,2020,12\n", "k.csv, row 3: area '03499', year 2020 given twice"),
    ("area_id,year,value\n03499,2021,12\n", "goals.yml: goal 'T1': baseline_year: k.csv holds no value of '03499' "
                                          "in 2020"),
])
def test_each_bad_kennzahl_table_has_its_message(d, tmp_path, csv, message):
    (tmp_path / "k.csv").write_text(csv, encoding="utf-8")
    problems = _problems(d, tmp_path, [_kennzahl_goal()])
    assert any(p.startswith(message) for p in problems), problems


def test_a_missing_kennzahl_file_is_named(d, tmp_path):
    problems = _problems(d, tmp_path, [_kennzahl_goal(file="fehlt.csv")])
    assert any(p.startswith("goals.yml: goal 'T1': kennzahl.file: file 'fehlt.csv' missing") for p in problems)


def test_strict_stops_with_every_problem_lenient_keeps_the_good_goals(d, tmp_path):
    path = _write(tmp_path, [_goal(id="gut"), _goal(id="A", deadline=2018), _goal(id="B", area="0349")])
    with pytest.raises(GoalsError) as err:
        G.read(path, d, mode="strict")
    text = str(err.value)
    assert "2 problem(s)" in text and "goal 'A': deadline" in text and "goal 'B': area" in text
    gs = G.read(path, d, mode="lenient")
    assert [g.id for g in gs] == ["gut"] and len(gs.problems) == 2  # nothing dropped unsaid


def _vorlage(tmp_path, folder=None):
    """The template district, read leniently (its tables hold one area only: gaps)."""
    cfg = tmp_path / "vorlage.yml"
    cfg.write_text(f"data: {folder or ROOT / 'data' / 'vorlage'}\nvalidation: lenient\n", encoding="utf-8")
    return sa.load(cfg)


def test_the_template_reads_without_problems(tmp_path):
    v = _vorlage(tmp_path)
    gs = G.read(ROOT / "data" / "vorlage" / "goals.yml", v, mode="strict")
    assert [g.id for g in gs] == ["Z1", "Z2"] and gs.goals[1].kennzahl.kind == "count"


def test_the_config_names_the_goals_file(tmp_path):
    from sozialanalyse.model.config import Config, ConfigError

    (tmp_path / "ziele.yml").write_text("goals: []\n", encoding="utf-8")
    cfg = Config.from_mapping({"data": str(ROOT / "data" / "musterland"), "goals": "ziele.yml"}, tmp_path / "c.yml")
    assert cfg.goals == (tmp_path / "ziele.yml").resolve()
    with pytest.raises(ConfigError, match="goals: file .* missing"):
        Config.from_mapping({"data": str(ROOT / "data" / "musterland"), "goals": "nein.yml"}, tmp_path / "c.yml")


# ------------------------------------------------------------------ values: disclosure
def test_a_goal_on_a_suppressed_value_says_so(d, tmp_path):
    from sozialanalyse.protected import layer

    r = layer.of(d).indicators(["uebergewicht_einschulung"], level="sozialraum", years=[2024])
    held = r[r["status"] != ""]
    assert len(held), "Musterland has a suppressed Übergewicht of a Sozialraum in 2024"
    area = str(held["area_id"].iloc[0])
    goal = _goal(indicator="uebergewicht_einschulung", area=area, baseline_value=20.0, target=10.0)
    gs = G.read(_write(tmp_path, [goal]), d)
    p = G.evaluate(d, gs.goals[0], 2024, gs)
    assert p.status != "" and p.value is None and p.assessment.status == "not_assessable"
    assert "gesperrt" in p.note
    assert p.history.loc[p.history["year"] == 2024, "value"].isna().all()
    from sozialanalyse.pages import ziele

    row = ziele._rows([p], 2024)[0][0]
    assert row["Istwert"] == "." and row["Status"] == "– nicht bewertbar"


def test_a_count_kennzahl_has_its_small_values_suppressed(d, tmp_path):
    (tmp_path / "k.csv").write_text("area_id,year,value\n03499,2020,10\n03499,2021,2\n03499,2022,12\n"
                                    "03499,2023,0\n", encoding="utf-8")
    gs = G.read(_write(tmp_path, [_kennzahl_goal()]), d)
    p = G.evaluate(d, gs.goals[0], 2024, gs)
    h = p.history.set_index("year")
    assert h.loc[2021, "status"] == "primary" and h["value"].isna().sum() == 1  # 2 < threshold 3; 0 stays
    assert h.loc[2023, "value"] == 0.0


# ------------------------------------------------------------------ Musterland: statuses and pages
def test_musterland_goals_and_their_statuses(d):
    ps = {p.goal.id: p for p in G.progress(d, 2024)}
    assert {k: p.assessment.status for k, p in ps.items()} == {
        "Z1": "away", "Z2": "moderate", "Z3": "substantial", "Z4": "insufficient", "Z5": "too_few",
        "Z6": "reached", "Z7": "substantial", "Z8": "moderate"}
    # Z7 by hand from kennzahl_pflegeberatungen.csv: 1713 (2019) -> 2249 (2024), direction increase:
    # (2249 / 1713)^(1/5) - 1 = 1.312901^(0.2) - 1 = 0.055957 (5,6 % a year >= 1 %)
    assert ps["Z7"].baseline == 1713 and ps["Z7"].value == 2249
    assert ps["Z7"].assessment.actual == pytest.approx(0.055957, abs=1e-6)
    # Z5: the Kommunalwahl was held in 2016 and 2021 only: two values since the baseline
    assert ps["Z5"].n_values == 2 and "mindestens 3" in ps["Z5"].note
    assert len(ps["Z1"].forecast) == 2030 - 2019 + 1 and ps["Z5"].forecast.empty
    # Z4 (a share): the OLS band reaches below 0 % by 2030; a share cannot, so the band is cut at 0
    h = ps["Z4"].history
    raw = forecast(h.loc[h["year"] >= 2019, "year"], h.loc[h["year"] >= 2019, "value"], 2030)
    assert raw["lower"].min() < 0 and ps["Z4"].forecast["lower"].min() == 0.0


def test_progress_is_kept_per_year_and_every_caller_gets_its_own_copy(d, monkeypatch):
    """progress() is computed once per district and year (a notebook's pages and a build's fork
    server ask again); a caller that changes what it got changes nothing the next caller gets."""
    first = G.progress(d, 2024)
    with monkeypatch.context() as m:  # kept: asked again (also as the default year), nothing is evaluated
        m.setattr(G, "evaluate", lambda *a, **k: pytest.fail("progress() evaluated a goal again"))
        assert [p.value for p in G.progress(d, 2024)] == [p.value for p in G.progress(d)] == \
            [p.value for p in first]
    z7 = next(p for p in first if p.goal.id == "Z7")
    z7.history.loc[:, "value"] = -1.0  # a caller scribbling on its copy
    z7.value = 0
    again = {p.goal.id: p for p in G.progress(d, 2024)}
    assert again["Z7"].value == 2249 and again["Z7"].history["value"].min() > 0  # 2249: by hand, above
    assert again["Z7"] is not z7 and again["Z7"].history is not z7.history
    # the same as evaluating the goal on its own, and another year is its own entry
    alone = G.evaluate(d, next(g for g in G.of(d) if g.id == "Z7"), 2024)
    assert again["Z7"].value == alone.value and again["Z7"].assessment == alone.assessment
    earlier = {p.goal.id: p for p in G.progress(d, 2023)}  # its own entry: 2101 in kennzahl_pflegeberatungen.csv
    assert (earlier["Z7"].year, earlier["Z7"].value) == (2023, 2101)


def test_sa_goals_is_the_goals_module():
    assert sa.goals.assess is assess


def test_the_page_table_declares_its_kinds_and_shows_symbol_and_word(d):
    from sozialanalyse.pages import ziele

    html = ziele.overview(d, 2024).data
    assert html.count('<tr id="ziel-') == 8
    for word in ("✓ Ziel erreicht", "↑ deutlicher Fortschritt", "↗ mäßiger Fortschritt",
                 "→ unzureichender Fortschritt", "↓ Entwicklung weg vom Ziel", "? zu wenige Werte"):
        assert word in html
    assert "border-left: 0.7em solid" in html  # the colour, beside the symbol and the word
    assert '<td class="num" data-sa-kind="share">18,2\u00a0%</td>' in html  # Kinderarmut Musterstadt 2024
    assert '<td class="num" data-sa-kind="count">2.249\u00a0Beratungen</td>' in html
    intro = ziele.intro(d, 2024).data
    assert "**8** Ziele" in intro and "1 × ✓ Ziel erreicht" in intro


def test_the_goal_sections_read_well(d):
    from sozialanalyse.pages import ziele

    items = ziele.goal_sections(d, 2024).items
    texts = [i.data for i in items if hasattr(i, "data") and isinstance(i.data, str)]
    z1 = next(t for t in texts if t.startswith("**Z1"))
    assert "Ausgangswert 2019: 14,7\u00a0% (aus den Daten); Zielwert 12,0\u00a0% bis 2030; Wert 2024: 18,2\u00a0%" in z1
    assert "nötig wären −1,8\u00a0% pro Jahr: die Kennzahl entfernt sich vom Zielwert" in z1
    z3 = next(t for t in texts if t.startswith("**Z3"))
    assert "das Tempo erreicht 114\u00a0% des nötigen" in z3
    # the measures serving Z3 are those of massnahmen.xlsx (column Ziele names Z3 in rows PF-03,
    # PF-05, PF-08, PF-11, PF-14), as the page Umsetzungsstand: Pflege lists them; goals.yml's PF-05 once
    assert (r"Maßnahmen: PF\-05 \(Pflege\), PF\-03 \(Pflege\), PF\-08 \(Pflege\), PF\-11 \(Pflege\), "
            r"PF\-14 \(Pflege\).") in z3
    assert sum(1 for i in items if type(i).__name__ == "Figure") == 8


def test_profiles_list_the_goals_of_their_area(d):
    from sozialanalyse.pages import gemeindeprofil

    html = gemeindeprofil.profile_goals(d, "03499003", 2024).data  # Bad Lindenau: Z4, and Z8 of a Sozialraum
    assert 'href="../ziele.html#ziel-Z4"' in html and 'href="../ziele.html#ziel-Z8"' in html
    assert "Altstadt Lindenau" in html and "Z1" not in html
    assert "auf der Seite „Ziele und Kennzahlen“" in html  # the page's title, as the Umsetzung pages name it
    none = gemeindeprofil.profile_goals(d, "03499008", 2024).data
    assert none == "Für Eichenbrück sind keine Ziele mit Kennzahlen hinterlegt."
    assert gemeindeprofil.profile_goals(d, "034995401000", 2024).data == (
        "Für Samtgemeinde Heidetal und ihre Mitgliedsgemeinden sind keine Ziele mit Kennzahlen hinterlegt.")


def test_no_goals_file_no_goals(tmp_path):
    import shutil

    shutil.copytree(ROOT / "data" / "vorlage", tmp_path / "v", ignore=shutil.ignore_patterns("goals.yml", "kennzahlen"))
    v = _vorlage(tmp_path, tmp_path / "v")
    assert len(G.of(v)) == 0 and G.input_files(v) == []
    from sozialanalyse.pages import ziele

    assert "keine Ziele hinterlegt" in ziele.intro(v).data


def test_demo_module_docstring_names_the_stream():
    assert "[seed, 17]" in textwrap.dedent(sa.demo.steering_goals.__doc__)


def test_validate_lists_the_problems_of_the_goals(tmp_path, capsys):
    import shutil

    from sozialanalyse.cli import main

    folder = tmp_path / "m"
    shutil.copytree(ROOT / "data" / "musterland", folder)
    text = (folder / "goals.yml").read_text(encoding="utf-8").replace("deadline: 2030", "deadline: 2018", 1)
    (folder / "goals.yml").write_text(text, encoding="utf-8")
    assert main(["validate", str(folder), "--no-geometry"]) == 1
    out = capsys.readouterr().out
    assert "goals.yml: goal 'Z1': deadline: 2018 is before the baseline year 2019" in out
