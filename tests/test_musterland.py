"""Tests of the generator of the synthetic demo district Landkreis Musterland."""
from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.demo import musterland
from sozialanalyse.model.areas import AGE_GROUPS, age_groups_between, base_areas

COMMITTED = Path(__file__).resolve().parents[1] / "data" / "musterland"
YEARS = list(range(2015, 2025))

#: file -> variable -> dimension columns (data/README.md)
SPEC = {
    "population.csv": {"einwohner": ("age_group", "sex", "nationality")},
    "households.csv": {"haushalte": ("type",)},
    "movements.csv": {"geburten": ("sex",), "sterbefaelle": ("age_group", "sex"),
                      "zuzuege": ("nationality",), "fortzuege": ("nationality",)},
    "transfers.csv": {"sgb2_personen": (), "sgb2_personen_unter15": (),
                      "grundsicherung_65plus": (), "wohngeld_haushalte": ()},
    "labour.csv": {"arbeitslose": ("type",), "langzeitarbeitslose": (), "svb_wohnort": ("sex",)},
    "housing.csv": {"wohnflaeche_qm": (), "mietangebote": (), "miete_summe_eur_qm": (),
                    "wohndauer_jahre_summe": ()},
    "school_entry.csv": {"einschulung_untersuchte": (), "einschulung_uebergewicht": (),
                         "einschulung_sprachfoerderbedarf": ()},
    "care.csv": {"pflegebeduerftige": ("age_group", "sex", "type")},
    "disability.csv": {"schwerbehinderte": ("age_group", "sex")},
    "elections.csv": {"wahlberechtigte": ("type",), "waehler": ("type",)},
}
DIM_VALUES = {
    "age_group": set(AGE_GROUPS),
    "sex": {"m", "w"},
    "nationality": {"deutsch", "nichtdeutsch"},
}
TYPE_VALUES = {
    "haushalte": {"einpersonen_unter65", "einpersonen_65plus", "paare_ohne_kinder",
                  "paare_mit_kindern", "alleinerziehende", "sonstige"},
    "arbeitslose": {"sgb2", "sgb3"},
    "pflegebeduerftige": {"pflegegeld", "ambulant", "stationaer"},
    "wahlberechtigte": {"bundestagswahl", "kommunalwahl"},
    "waehler": {"bundestagswahl", "kommunalwahl"},
}
ALL_DIMS = ("age_group", "sex", "nationality", "type")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("musterland")
    musterland.generate(folder, seed=musterland.DEFAULT_SEED)
    return folder


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype={"area_id": str, "parent_id": str},
                       keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def areas(out) -> pd.DataFrame:
    a = _read(out, "areas.csv")
    a["parent_id"] = a["parent_id"].fillna("")
    return a


@pytest.fixture(scope="module")
def counts(out) -> pd.DataFrame:
    frames = []
    for fname in SPEC:
        df = _read(out, fname)
        for d in ALL_DIMS:
            df[d] = df[d].fillna("insgesamt") if d in df.columns else "insgesamt"
        frames.append(df[["area_id", "year", "variable", *ALL_DIMS, "value"]])
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def gebiete(out):
    gpd = pytest.importorskip("geopandas")
    return gpd.read_file(out / "gebiete.gpkg", layer="gebiete")


def _by_area(counts, var, year, **dims):
    x = counts[(counts["variable"] == var) & (counts["year"] == year)]
    for k, v in dims.items():
        x = x[x[k].isin(v if isinstance(v, list) else [v])]
    return x.groupby("area_id")["value"].sum()


# -------------------------------------------------------------------------------------------

def test_matches_committed_files(out):
    """The committed data are exactly what the generator writes (catches a drifting generator)."""
    names = sorted(p.name for p in out.iterdir() if p.suffix in (".csv", ".yml"))
    assert names == sorted(p.name for p in COMMITTED.iterdir() if p.suffix in (".csv", ".yml"))
    for name in names:
        assert (out / name).read_bytes() == (COMMITTED / name).read_bytes(), name


def test_committed_geometries_match(out):
    gpd = pytest.importorskip("geopandas")
    new = gpd.read_file(out / "gebiete.gpkg", layer="gebiete").set_index("area_id")
    old = gpd.read_file(COMMITTED / "gebiete.gpkg", layer="gebiete").set_index("area_id")
    assert list(new.index) == list(old.index)
    diff = new.geometry.symmetric_difference(old.geometry.reindex(new.index)).area
    assert diff.max() < 1.0


def test_rerun_is_byte_identical(out, tmp_path):
    musterland.generate(tmp_path, seed=musterland.DEFAULT_SEED)
    files = sorted(p for p in out.rglob("*") if p.is_file())  # projekte/*.xlsx too
    assert any(p.parent.name == "projekte" for p in files)
    for p in files:
        rel = p.relative_to(out)
        assert (tmp_path / rel).read_bytes() == p.read_bytes(), rel


def test_area_tree(areas):
    assert areas.iloc[0].tolist() == ["03499", "Landkreis Musterland", "Landkreis", ""]
    assert areas["area_id"].is_unique
    ids = set(areas["area_id"])
    assert set(areas["parent_id"][1:]) <= ids
    kind = dict(zip(areas["area_id"], areas["kind"]))
    munis = areas[areas["parent_id"] == "03499"]
    assert 11 <= len(munis) <= 12
    assert munis["kind"].value_counts().to_dict() == {"Stadt": 3, "Einheitsgemeinde": 4,
                                                     "Samtgemeinde": 4}
    for row in areas.itertuples():
        if row.kind in ("Stadt", "Einheitsgemeinde", "Mitgliedsgemeinde"):
            assert len(row.area_id) == 8 and row.area_id.startswith("03499") and row.area_id.isdigit()
        if row.kind == "Samtgemeinde":
            assert len(row.area_id) == 12 and row.area_id.startswith("03499")
            assert row.area_id.endswith("000")
            members = areas[areas["parent_id"] == row.area_id]
            assert 3 <= len(members) <= 5
            assert set(members["kind"]) == {"Mitgliedsgemeinde"}
        if row.kind == "Sozialraum":
            assert kind[row.parent_id] == "Stadt"
            assert row.area_id.startswith(row.parent_id + "-") and len(row.area_id) == 11
    n_sr = (areas["kind"] == "Sozialraum").sum()
    assert 30 <= n_sr <= 60
    # every Stadt has Sozialräume, Einheitsgemeinden are base areas
    for row in munis.itertuples():
        children = areas[areas["parent_id"] == row.area_id]
        assert (len(children) > 0) == (row.kind != "Einheitsgemeinde")


def test_counts_only_for_base_areas_and_years(areas, counts):
    base = set(base_areas(areas.replace({"parent_id": {"": None}}))["area_id"])
    assert set(counts["area_id"]) == base
    non_election = counts[~counts["variable"].isin(["wahlberechtigte", "waehler"])]
    assert sorted(non_election["year"].unique()) == YEARS
    el = counts[counts["variable"] == "waehler"]
    assert set(zip(el["type"], el["year"])) == {("bundestagswahl", 2017), ("bundestagswahl", 2021),
                                                ("kommunalwahl", 2016), ("kommunalwahl", 2021)}
    assert (counts["value"] >= 0).all()


def test_every_readme_variable_with_its_dimensions(out, counts):
    for fname, variables in SPEC.items():
        df = _read(out, fname)
        assert list(df.columns[:3]) == ["area_id", "year", "variable"] and df.columns[-1] == "value"
        assert set(df["variable"]) == set(variables), fname
        for var, dims in variables.items():
            rows = df[df["variable"] == var]
            for d in ALL_DIMS:
                if d in dims:
                    assert rows[d].notna().all(), (var, d)
                    allowed = DIM_VALUES.get(d) or TYPE_VALUES[var]
                    assert set(rows[d]) == allowed, (var, d)
                elif d in df.columns:
                    assert rows[d].isna().all(), (var, d)
            # complete grid, no duplicates
            keys = ["area_id", "year", *dims]
            assert not rows.duplicated(keys).any(), var
    # integer counts written as integers (only the rent sum has decimals)
    text = (out / "population.csv").read_text(encoding="utf-8")
    assert ".0\n" not in text


def test_population_balance(counts):
    """Stocks and flows are consistent: P(t) = P(t-1) + births - deaths + in - out."""
    pop = counts[counts["variable"] == "einwohner"].groupby(["area_id", "year"])["value"].sum()
    flows = counts[counts["variable"].isin(["geburten", "sterbefaelle", "zuzuege", "fortzuege"])]
    f = flows.pivot_table(index=["area_id", "year"], columns="variable", values="value",
                          aggfunc="sum")
    net = f["geburten"] - f["sterbefaelle"] + f["zuzuege"] - f["fortzuege"]
    change = pop - pop.groupby(level="area_id").shift(1)
    both = pd.concat([change, net], axis=1, keys=["change", "net"]).dropna()
    assert len(both) > 0
    assert (both["change"] == both["net"]).all()


def test_magnitudes(counts, areas):
    total = counts[counts["variable"] == "einwohner"].groupby("year")["value"].sum()
    assert 120_000 <= total[2024] <= 150_000
    sr = set(areas.loc[areas["kind"] == "Sozialraum", "area_id"])
    pop_sr = counts[(counts["variable"] == "einwohner") & counts["area_id"].isin(sr)]
    pop_sr = pop_sr.groupby(["area_id", "year"])["value"].sum()
    assert pop_sr.min() >= 1000 and pop_sr.max() <= 6000
    y = counts[counts["year"] == 2024]
    pop = y.loc[y["variable"] == "einwohner", "value"].sum()
    # Pflegequote of the district between 4 and 7 %
    care = y.loc[y["variable"] == "pflegebeduerftige", "value"].sum()
    assert 0.04 < care / pop < 0.07
    # share 65+ and 80+
    p65 = y[(y["variable"] == "einwohner") & y["age_group"].isin(age_groups_between(65))]
    assert 0.19 < p65["value"].sum() / pop < 0.27
    # SGB II quote (persons / population under 65)
    u65 = y[(y["variable"] == "einwohner") & y["age_group"].isin(age_groups_between(0, 64))]
    sgb2 = y.loc[y["variable"] == "sgb2_personen", "value"].sum()
    assert 0.04 < sgb2 / u65["value"].sum() < 0.15
    # mean rent of the offers 6-11 EUR/m²
    rent = (y.loc[y["variable"] == "miete_summe_eur_qm", "value"].sum()
            / y.loc[y["variable"] == "mietangebote", "value"].sum())
    assert 6 < rent < 11
    # crude birth and death rates per 1,000
    births = y.loc[y["variable"] == "geburten", "value"].sum() / pop * 1000
    deaths = y.loc[y["variable"] == "sterbefaelle", "value"].sum() / pop * 1000
    assert 7 < births < 11 and 9 < deaths < 14
    # sub-counts never exceed their totals
    kids = _by_area(counts, "sgb2_personen_unter15", 2024)
    assert (kids <= _by_area(counts, "sgb2_personen", 2024)).all()
    lza = _by_area(counts, "langzeitarbeitslose", 2024)
    assert (lza <= _by_area(counts, "arbeitslose", 2024)).all()


def test_deprivation_correlations(counts, areas):
    """Across Sozialräume, SGB II quote and turnout are negatively correlated.

    2024 is no election year, so the last Bundestagswahl in the data (2021) is used.
    """
    sr = areas.loc[areas["kind"] == "Sozialraum", "area_id"]
    year = 2021
    u65 = _by_area(counts, "einwohner", year, age_group=age_groups_between(0, 64))
    quote = (_by_area(counts, "sgb2_personen", year) / u65).reindex(sr)
    turnout = (_by_area(counts, "waehler", year, type="bundestagswahl")
               / _by_area(counts, "wahlberechtigte", year, type="bundestagswahl")).reindex(sr)
    rho = quote.rank().corr(turnout.rank())  # Spearman
    assert rho < -0.4
    # child poverty goes with the SGB II quote in 2024
    u15 = _by_area(counts, "einwohner", 2024, age_group=age_groups_between(0, 14))
    kinder = (_by_area(counts, "sgb2_personen_unter15", 2024) / u15).reindex(sr)
    q24 = (_by_area(counts, "sgb2_personen", 2024)
           / _by_area(counts, "einwohner", 2024, age_group=age_groups_between(0, 64))).reindex(sr)
    assert kinder.rank().corr(q24.rank()) > 0.6


def test_geometries(areas, gebiete):
    import shapely

    assert gebiete.crs.to_epsg() == 25832
    assert sorted(gebiete["area_id"]) == sorted(areas["area_id"])
    geo = dict(zip(gebiete["area_id"], gebiete.geometry))
    assert all(g is not None and not g.is_empty and g.is_valid for g in geo.values())
    for parent, children in areas[areas["parent_id"] != ""].groupby("parent_id"):
        parts = [geo[c] for c in children["area_id"]]
        union = shapely.union_all(parts)
        assert union.symmetric_difference(geo[parent]).area < 1.0, parent
        for a, b in combinations(parts, 2):
            assert a.intersection(b).area < 1.0, parent
    minx, miny, maxx, maxy = geo["03499"].bounds
    assert 30_000 < maxx - minx < 50_000 and 25_000 < maxy - miny < 45_000


def test_facilities(out, areas, gebiete):
    import shapely

    fac = _read(out, "facilities.csv")
    assert list(fac.columns) == ["facility_id", "name", "type", "area_id", "x", "y", "capacity", "staff_hours",
                                 "opening_hours"]
    assert fac["facility_id"].is_unique
    assert set(fac["type"]) == {"Stadtteilhaus", "Pflegestützpunkt", "Seniorenberatung", "Kita",
                                "Hausarztpraxis"}
    assert 2 <= (fac["type"] == "Pflegestützpunkt").sum() <= 3
    base = set(base_areas(areas.replace({"parent_id": {"": None}}))["area_id"])
    assert set(fac["area_id"]) <= base
    geo = dict(zip(gebiete["area_id"], gebiete.geometry))
    inside = [bool(shapely.contains_xy(geo[r.area_id], r.x, r.y)) for r in fac.itertuples()]
    assert all(inside)
    kitas = fac[fac["type"] == "Kita"]
    assert kitas["capacity"].notna().all() and (kitas["capacity"] > 0).all()
    assert np.isfinite(fac[["x", "y"]].to_numpy()).all()
