"""The published health statistics (``sozialanalyse.protected.health``) against hand calculations
from the CSV files of a planted copy of Musterland.

The plant (as in ``tests/test_gesundheit_protected.py``): Brakenhagen has 2 deaths in 2020-2024
and 1 overweight child of 78 examined in 2022-2024 (16 with language-support need). The expected
deaths, the SMR, the Kreis DSR and the Wilson intervals are written out here from the rows of
``population.csv``, ``movements.csv`` and ``school_entry.csv``.
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.protected import health

MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"
BRAK, TOWN, KREIS = "03499007", "03499016", "03499"  # Brakenhagen, Musterstadt
POOL5 = list(range(2020, 2025))
#: European Standard Population 2013, 0-4 ... 85-89, 90+ (Eurostat 2013, Table 3.1).
ESP = dict(zip(["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
                "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"],
               [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
                7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000]))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("protected_health") / "musterland"
    shutil.copytree(MUSTERLAND, out)
    mv = pd.read_csv(out / "movements.csv", dtype={"area_id": str}, keep_default_na=False)
    deaths = (mv["area_id"] == BRAK) & (mv["variable"] == "sterbefaelle") & mv["year"].between(2020, 2024)
    mv.loc[deaths, "value"] = 0
    for year, age, sex in ((2021, "80-84", "w"), (2023, "85-89", "m")):
        mv.loc[deaths & (mv["year"] == year) & (mv["age_group"] == age) & (mv["sex"] == sex), "value"] = 1
    mv.to_csv(out / "movements.csv", index=False)
    se = pd.read_csv(out / "school_entry.csv", dtype={"area_id": str})
    here = (se["area_id"] == BRAK) & se["year"].between(2022, 2024)
    for var, values in (("einschulung_untersuchte", (26, 26, 26)), ("einschulung_uebergewicht", (0, 1, 0)),
                        ("einschulung_sprachfoerderbedarf", (5, 6, 5))):
        for year, v in zip((2022, 2023, 2024), values):
            se.loc[here & (se["variable"] == var) & (se["year"] == year), "value"] = v
    se.to_csv(out / "school_entry.csv", index=False)
    return out


@pytest.fixture(scope="module")
def planted(folder):
    return sa.load_district(folder)


def _rows(folder: Path, file: str, variable: str, years) -> pd.DataFrame:
    df = pd.read_csv(folder / file, dtype={"area_id": str}, keep_default_na=False)
    df = df[(df["variable"] == variable) & df["year"].isin(years)]
    return df.assign(value=pd.to_numeric(df["value"]))


# --- mortality -----------------------------------------------------------------------------------


def test_mortality_hides_all_that_follows_from_two_deaths(planted):
    m = health.published_mortality(planted, 2024)
    assert m.attrs["years"] == POOL5
    row = m.set_index("area_id").loc[BRAK]
    assert row["status"] == "primary"
    assert row[list(health.FROM_DEATHS)].isna().all()
    # the raw sums behind the statistics are not part of what is published
    assert not {"isr", "isr_lower", "isr_upper", "person_years"} & set(m.columns)
    assert m["area_id"].iloc[-1] == KREIS and m["status"].iloc[-1] == ""


def test_mortality_of_a_published_area_is_the_hand_calculation(planted, folder):
    pop = _rows(folder, "population.csv", "einwohner", POOL5)
    dth = _rows(folder, "movements.csv", "sterbefaelle", POOL5)
    rate = (dth.groupby(["age_group", "sex"])["value"].sum() / pop.groupby(["age_group", "sex"])["value"].sum())
    town_pop = pop[pop["area_id"].str.startswith(TOWN)].groupby(["age_group", "sex"])["value"].sum()
    expected = float((town_pop * rate.reindex(town_pop.index).fillna(0.0)).sum())
    observed = float(dth.loc[dth["area_id"].str.startswith(TOWN), "value"].sum())
    assert observed == 2113  # movements.csv, Musterstadt's Sozialräume 2020-2024
    row = health.published_mortality(planted, 2024).set_index("area_id").loc[TOWN]
    assert row["status"] == ""
    assert row["observed"] == observed
    assert row["expected"] == pytest.approx(expected, rel=1e-9)
    assert row["smr"] == pytest.approx(100 * observed / expected, rel=1e-9)
    assert row["smr_lower"] < row["smr"] < row["smr_upper"]


def test_kreis_dsr_is_the_hand_calculation_and_nothing_is_hidden(planted, folder):
    d = health.published_kreis_dsr(planted)
    assert (d["status"] == "").all() and d["value"].notna().all()
    assert not {"total_count", "total_pop"} & set(d.columns)
    pop = _rows(folder, "population.csv", "einwohner", [2024]).groupby("age_group")["value"].sum()
    dth = _rows(folder, "movements.csv", "sterbefaelle", [2024]).groupby("age_group")["value"].sum()
    by_hand = sum(w * dth.get(a, 0.0) / pop[a] for a, w in ESP.items())  # per 100.000 (weights sum to it)
    row = d[(d["year"] == 2024) & (d["sex"] == "insgesamt")].iloc[0]
    assert row["value"] == pytest.approx(by_hand, rel=1e-9)
    assert row["lower"] < row["value"] < row["upper"]


@pytest.fixture(scope="module")
def few_men(tmp_path_factory):
    """Only 2 men died in the whole Kreis in 2018 (Brakenhagen, 80-84 and 85-89)."""
    out = tmp_path_factory.mktemp("protected_health_men") / "musterland"
    shutil.copytree(MUSTERLAND, out)
    mv = pd.read_csv(out / "movements.csv", dtype={"area_id": str}, keep_default_na=False)
    men = (mv["variable"] == "sterbefaelle") & (mv["year"] == 2018) & (mv["sex"] == "m")
    mv.loc[men, "value"] = 0
    for age in ("80-84", "85-89"):
        mv.loc[men & (mv["area_id"] == BRAK) & (mv["age_group"] == age), "value"] = 1
    mv.to_csv(out / "movements.csv", index=False)
    return sa.load_district(out)


def test_kreis_dsr_hides_the_year_of_two_deaths(few_men):
    d = health.published_kreis_dsr(few_men).set_index(["year", "sex"])
    assert d.loc[(2018, "m"), "status"] == "primary"
    assert np.isnan(d.loc[(2018, "m"), ["value", "lower", "upper"]].to_numpy(dtype=float)).all()
    # women + men = all: one of the two others goes with it, else 2 = all - women
    assert d.loc[(2018, "w"), "status"] != "" or d.loc[(2018, "insgesamt"), "status"] != ""
    assert d.loc[(2017, "m"), "status"] == "" and d.loc[(2017, "m"), "value"] > 0


# --- school entry --------------------------------------------------------------------------------


def _wilson(x: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson's score interval written out (Wilson 1927), in %."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def test_school_entry_hides_one_child_and_keeps_the_other_share(planted):
    d = health.published_school_entry(planted, 2024, "gemeindeverband")
    assert d.attrs["years"] == [2022, 2023, 2024]
    rows = d[d["area_id"] == BRAK].set_index("variable")
    over, lang = rows.loc["einschulung_uebergewicht"], rows.loc["einschulung_sprachfoerderbedarf"]
    assert over["status"] == "primary"
    assert np.isnan(over[["x", "value", "lower", "upper"]].to_numpy(dtype=float)).all()
    # 16 of 78 children with language-support need: published, with the Wilson interval
    assert lang["status"] == "" and lang["n_status"] == ""
    assert (lang["x"], lang["n"]) == (16, 78)
    assert lang["value"] == pytest.approx(100 * 16 / 78, rel=1e-12)
    lo, hi = _wilson(16, 78)
    assert lang["lower"] == pytest.approx(lo, abs=1e-4) and lang["upper"] == pytest.approx(hi, abs=1e-4)
    # the 78 children examined stay published beside the hidden share
    assert over["n"] == 78 and over["n_status"] == ""


def test_round_mode_shares_follow_from_the_rounded_counts(folder):
    import dataclasses

    d = sa.load_district(folder)
    d.config = dataclasses.replace(d.config, disclosure=dataclasses.replace(d.config.disclosure, mode="round"))
    se = pd.read_csv(folder / "school_entry.csv", dtype={"area_id": str})
    se = se[se["area_id"].str.startswith(TOWN) & se["year"].between(2022, 2024)]
    raw_n = int(se.loc[se["variable"] == "einschulung_untersuchte", "value"].sum())
    raw_x = int(se.loc[se["variable"] == "einschulung_sprachfoerderbedarf", "value"].sum())
    row = (health.published_school_entry(d, 2024, "gemeindeverband")
           .set_index(["area_id", "variable"]).loc[(TOWN, "einschulung_sprachfoerderbedarf")])
    # the published counts are multiples of 5 within 2,5 of the true ones (rounding to base 5) ...
    assert row["n"] % 5 == 0 and abs(row["n"] - raw_n) <= 2.5
    assert row["x"] % 5 == 0 and abs(row["x"] - raw_x) <= 2.5
    assert (raw_x, row["x"]) == (422, 420)  # school_entry.csv 2022-2024: 422 children, published 420
    # ... and the share and its Wilson interval are computed from them, not from the true counts
    assert row["value"] == pytest.approx(100 * row["x"] / row["n"], rel=1e-12)
    lo, hi = _wilson(int(row["x"]), int(row["n"]))
    assert row["lower"] == pytest.approx(lo, abs=1e-4) and row["upper"] == pytest.approx(hi, abs=1e-4)
