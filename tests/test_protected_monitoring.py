"""Tests of the protected floor's published results of the monitoring and the population
(sozialanalyse.protected.monitoring, sozialanalyse.protected.population): every value checked
against a sum or rate computed by hand from the CSV files of a copy of Musterland with planted
small counts (the same plants as tests/test_monitoring.py and tests/test_pages_profile_protected.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.protected import monitoring as pm
from sozialanalyse.protected import population as pp

MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"
PLANTED_SR, TOWN = "03499016-18", "03499016"  # Ortschaft Osterwald: 2 inhabitants in 2024
SONNENHANG, BIRKENHOF = "03499016-03", "03499016-14"
LOCKED = ["03499016-14", "03499016-16", "03499016-17"]  # rates lost to secondary suppression
BRAKENHAGEN = "03499007"


def _read(folder, name):
    df = pd.read_csv(folder / name, dtype={"area_id": str}, keep_default_na=False)
    df["value"] = pd.to_numeric(df["value"])
    return df


@pytest.fixture(scope="module")
def planted_sr(tmp_path_factory):
    """Musterland with 2 inhabitants (a man and a woman of 30-34) and 1 SGB II recipient in the
    Sozialraum Ortschaft Osterwald in 2024, its other 2024 monitoring inputs 0."""
    folder = tmp_path_factory.mktemp("pm_sr") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    p = _read(folder, "population.csv")
    hit = (p["area_id"] == PLANTED_SR) & (p["year"] == 2024)
    p.loc[hit, "value"] = 0
    for sex in ("m", "w"):
        p.loc[hit & (p["age_group"] == "30-34") & (p["sex"] == sex) & (p["nationality"] == "deutsch"), "value"] = 1
    p.to_csv(folder / "population.csv", index=False)
    for name, keep in (("transfers.csv", {"sgb2_personen": 1}), ("labour.csv", {})):
        t = _read(folder, name)
        hit = (t["area_id"] == PLANTED_SR) & (t["year"] == 2024)
        t.loc[hit, "value"] = [keep.get(v, 0) for v in t.loc[hit, "variable"]]
        t.to_csv(folder / name, index=False)
    return sa.load_district(folder)


@pytest.fixture(scope="module")
def planted_deaths(tmp_path_factory):
    """Musterland with 1 death in Brakenhagen in 2020 and 1 in 2021 (a woman of 80-84), none in
    2022-2024."""
    folder = tmp_path_factory.mktemp("pm_deaths") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    df = _read(folder, "movements.csv")
    rows = (df["area_id"] == BRAKENHAGEN) & df["year"].between(2020, 2024) & (df["variable"] == "sterbefaelle")
    df.loc[rows, "value"] = 0
    for year in (2020, 2021):
        one = rows & (df["year"] == year) & (df["age_group"] == "80-84") & (df["sex"] == "w")
        assert one.sum() == 1
        df.loc[one, "value"] = 1
    df.to_csv(folder / "movements.csv", index=False)
    return sa.load_district(folder)


def _raw_sgb2(folder) -> pd.DataFrame:
    """SGB-II-Quote 2024 of the Sozialräume from the CSV files: sgb2_personen / Einwohner under 65."""
    p, t = _read(folder, "population.csv"), _read(folder, "transfers.csv")
    young = p[(p["year"] == 2024) & (p["age_group"].map(lambda g: int(g.rstrip("+").split("-")[0]) < 65))]
    n = young.groupby("area_id")["value"].sum()
    x = t[(t["year"] == 2024) & (t["variable"] == "sgb2_personen")].groupby("area_id")["value"].sum()
    out = pd.DataFrame({"x": x, "n": n}).dropna()
    out = out[out.index.str.contains("-")]
    out["rate"] = 100 * out["x"] / out["n"]
    return out


def test_published_monitoring_standardises_over_published_rates_and_says_why(planted_sr):
    m = pm.published_monitoring(planted_sr, 2024)
    t = m.result.table
    # z of Sonnenhang's SGB-II-Quote over the 32 classified Sozialräume (36 minus Osterwald,
    # under 300, minus the three with suppressed rates), population SD
    raw = _raw_sgb2(planted_sr.folder)
    assert len(raw) == 36
    shown = raw.drop(index=[*LOCKED, PLANTED_SR])
    z = (shown.loc[SONNENHANG, "rate"] - shown["rate"].mean()) / shown["rate"].std(ddof=0)
    assert m.result.z_status.loc[SONNENHANG, "sgb2_quote"] == pytest.approx(z, rel=1e-9)
    # status: the strongest status of the withholding rates; "" for every other area, also for
    # Osterwald (not classified for its size, not for a suppressed rate)
    assert sorted(t.index[t["status"] != ""]) == LOCKED
    assert set(t.loc[LOCKED, "status"]) == {"secondary"}
    assert t.loc[PLANTED_SR, "status"] == "" and not bool(t.loc[PLANTED_SR, "valid"])
    assert t.loc[LOCKED, "status_class"].isna().all()
    assert int(t["status_class"].notna().sum()) == 32


def test_population_is_the_layers_einwohner_cell(planted_sr):
    p = _read(planted_sr.folder, "population.csv")
    by_hand = p[p["year"] == 2024].groupby("area_id")["value"].sum()
    assert by_hand[SONNENHANG] == 4440 and by_hand[BIRKENHOF] == 1195
    pop = pm.population(planted_sr, [SONNENHANG, BIRKENHOF, PLANTED_SR], 2024)
    assert list(pop.index) == [SONNENHANG, BIRKENHOF, PLANTED_SR]
    assert pop.loc[SONNENHANG, "value"] == 4440 and pop.loc[SONNENHANG, "text"] == "4.440"
    assert pop.loc[SONNENHANG, "status"] == ""
    assert pop.loc[PLANTED_SR, "status"] == "primary"  # 2 inhabitants, under the threshold of 3
    assert pop.loc[BIRKENHOF, "status"] == "secondary"  # else the town total minus the rest gives Osterwald
    assert np.isnan(pop.loc[[BIRKENHOF, PLANTED_SR], "value"]).all()
    assert list(pop.loc[[BIRKENHOF, PLANTED_SR], "text"]) == [".", "."]
    # default: every Sozialraum of the district
    assert len(pm.population(planted_sr, year=2024)) == 36


def test_attention_list_holds_no_withheld_area_and_names_drivers(planted_sr):
    att = pm.attention_list(planted_sr, 2024)
    assert not set(att.index) & {*LOCKED, PLANTED_SR}
    # Sonnenhang's SGB-II-Quote is more than one SD above the mean of the published rates
    raw = _raw_sgb2(planted_sr.folder).drop(index=[*LOCKED, PLANTED_SR])
    z = (raw.loc[SONNENHANG, "rate"] - raw["rate"].mean()) / raw["rate"].std(ddof=0)
    assert z >= 1
    assert SONNENHANG in att.index and "sgb2_quote" in att.loc[SONNENHANG, "status_drivers"]


def test_rates_theil_and_base_rates_leave_suppressed_areas_out(planted_sr):
    r = pm.rates(planted_sr, "sgb2_quote", 2024)
    sr = r[r["level"].astype(str) == "sozialraum"].set_index("area_id")
    held = sorted(sr.index[sr["status"] != ""])
    assert held == ["03499016-14", "03499016-17", PLANTED_SR]
    assert sr.loc[held, ["value", "numerator", "denominator"]].isna().all().all()
    raw = _raw_sgb2(planted_sr.folder)
    assert sr.loc[SONNENHANG, "value"] == pytest.approx(raw.loc[SONNENHANG, "rate"], rel=1e-12)
    base = pm.base_rates(planted_sr, "sgb2_quote", 2024)
    assert sorted(base.attrs["suppressed"]["area_id"]) == held
    assert not set(base["area_id"]) & set(held)
    # Theil T between the three towns over the 33 published Sozialräume, by hand
    shown = raw.drop(index=held)
    x, n = shown["x"].to_numpy(float), shown["n"].to_numpy(float)
    town = shown.index.str[:8].to_numpy()
    q = x.sum() / n.sum()
    total = float(np.sum(x / x.sum() * np.log((x / n) / q)))
    between = sum(x[town == k].sum() / x.sum() * np.log(x[town == k].sum() / n[town == k].sum() / q)
                  for k in np.unique(town))
    sh = pm.theil(planted_sr, 2024, "sgb2_quote", over="sozialraum")
    assert sh.loc["total", "theil"] == pytest.approx(total, rel=1e-9)
    assert sh.loc["between", "share"] == pytest.approx(100 * between / total, rel=1e-9)
    assert sorted(sh.attrs["suppressed"]) == held and sh.attrs["n_areas"] == 33


def test_robustness_compares_the_classified_areas_only(planted_sr):
    st, gi = pm.robustness(planted_sr, 2024)
    assert list(st.summary.index) == list(pm.published_monitoring(planted_sr, 2024).status)
    # leaving one indicator out classifies none of the four withheld areas (each has at least
    # two suppressed rates or is under 300): the 32 classified ones are compared each time
    assert (st.summary["compared"] == 32).all()


def test_population_development_publishes_balances_but_not_suppressed_deaths(planted_deaths):
    dev = pp.development(planted_deaths, BRAKENHAGEN)
    assert set(dev["variable"]) == {"einwohner", "natuerlicher_saldo", "wanderungssaldo"}
    assert (dev["area_id"] == BRAKENHAGEN).all() and (dev["name"] == "Brakenhagen").all()
    mv = _read(planted_deaths.folder, "movements.csv")
    mv = mv[mv["area_id"] == BRAKENHAGEN].groupby(["year", "variable"])["value"].sum().unstack()
    natural = dev[dev["variable"] == "natuerlicher_saldo"].set_index("year")
    migration = dev[dev["variable"] == "wanderungssaldo"].set_index("year")
    # the years of one death each: births minus deaths would give the death back
    for y in (2020, 2021):
        assert np.isnan(natural.loc[y, "value"]) and natural.loc[y, "status"] == "primary"
    # every other published year is births minus deaths by hand; the migration balance always
    shown = natural[natural["status"] == ""]
    assert len(shown) >= 5
    for y in shown.index:
        assert shown.loc[y, "value"] == mv.loc[y, "geburten"] - mv.loc[y, "sterbefaelle"]
    for y in migration.index:
        assert migration.loc[y, "value"] == mv.loc[y, "zuzuege"] - mv.loc[y, "fortzuege"]
    assert (migration["status"] == "").all()
    assert migration.loc[2020, "value"] == mv.loc[2020, "zuzuege"] - mv.loc[2020, "fortzuege"]
    # Einwohner: the layer's cell, summed by hand from population.csv
    p = _read(planted_deaths.folder, "population.csv")
    p = p[p["area_id"] == BRAKENHAGEN].groupby("year")["value"].sum()
    pop = dev[dev["variable"] == "einwohner"].set_index("year")
    assert pop.loc[2024, "status"] == "" and pop.loc[2024, "value"] == p[2024]
    assert list(pop.index) == sorted(pop.index)
