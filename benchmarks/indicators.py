"""Benchmark of :func:`sozialanalyse.stats.indicators.compute` on a synthetic Land.

A synthetic Land of 40 Landkreise, 1,000 Gemeinden (800 Städte / Einheitsgemeinden with six
Sozialräume each, 200 Mitgliedsgemeinden in 50 Samtgemeinden) and 5,000 base areas over 20
years, with every variable of the input format at its full breakdown (population: 5,000 x 20
x 19 age bands x 2 sexes x 2 nationalities = 7.6 million rows; about 27 million rows in all).

Every catalog indicator is computed at all four levels; the script prints the time, the peak
memory (tracemalloc, i.e. numpy/pandas allocations) and the ratio against a plain pandas loop
(one filter + groupby per indicator, then one sum per area and level), which is timed on a
sample of indicators and extrapolated to the whole catalog. Prints, never asserts.

Run: ``python benchmarks/indicators.py [--small]``
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from sozialanalyse.model.areas import AGE_GROUPS, LEVELS
from sozialanalyse.stats import indicators

YEARS = np.arange(2005, 2025)


def make_areas(n_kreise=40, n_staedte=800, n_sr=6, n_samt=50, n_mitglied=4) -> pd.DataFrame:
    rows = []
    for k in range(n_kreise):
        rows.append((f"{k:05d}", f"Landkreis {k}", "Landkreis", None))
    for g in range(n_staedte):
        kreis = f"{g % n_kreise:05d}"
        gid = f"{kreis}{g:03d}"
        rows.append((gid, f"Stadt {g}", "Stadt" if g % 4 == 0 else "Einheitsgemeinde", kreis))
        rows += [(f"{gid}-{s:02d}", f"SR {g}/{s}", "Sozialraum", gid) for s in range(n_sr)]
    for sg in range(n_samt):
        kreis = f"{sg % n_kreise:05d}"
        sid = f"{kreis}5{sg:03d}000"
        rows.append((sid, f"Samtgemeinde {sg}", "Samtgemeinde", kreis))
        rows += [(f"{kreis}9{sg:02d}{m}", f"Mitgliedsgemeinde {sg}/{m}", "Mitgliedsgemeinde", sid)
                 for m in range(n_mitglied)]
    return pd.DataFrame(rows, columns=["area_id", "name", "kind", "parent_id"])


CATS = {
    "age_group": list(AGE_GROUPS) + ["insgesamt"],
    "sex": ["m", "w", "insgesamt"],
    "nationality": ["deutsch", "nichtdeutsch", "insgesamt"],
    "type": ["insgesamt", "einpersonen_unter65", "einpersonen_65plus", "paare_ohne_kinder",
             "paare_mit_kindern", "alleinerziehende", "sonstige", "sgb2", "sgb3", "pflegegeld",
             "ambulant", "stationaer", "bundestagswahl", "kommunalwahl"],
}


def _block(rng, n_base, var_code, lam, age=False, sex=False, nat=False, types=None):
    """Long rows (as category codes) for one variable over base areas x years x dimensions."""
    dims = [("age_group", list(AGE_GROUPS) if age else ["insgesamt"]),
            ("sex", ["m", "w"] if sex else ["insgesamt"]),
            ("nationality", ["deutsch", "nichtdeutsch"] if nat else ["insgesamt"]),
            ("type", types or ["insgesamt"])]
    shape = [n_base, len(YEARS)] + [len(v) for _, v in dims]
    n = int(np.prod(shape))
    idx = np.indices(shape, dtype=np.int32).reshape(len(shape), n)
    out = {
        "area_id": idx[0],
        "year": YEARS[idx[1]].astype(np.int16),
        "variable": np.full(n, var_code, dtype=np.int8),
    }
    for j, (name, values) in enumerate(dims):
        codes = np.array([CATS[name].index(v) for v in values], dtype=np.int8)
        out[name] = codes[idx[2 + j]]
    out["value"] = rng.poisson(lam, n).astype(float)
    return out


def make_counts(areas: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Synthetic long counts table with categorical dimension columns."""
    rng = np.random.default_rng(seed)
    parents = set(areas["parent_id"].dropna())
    base = areas.loc[~areas["area_id"].isin(parents), "area_id"].to_numpy()
    hh = CATS["type"][1:7]
    specs = [
        ("einwohner", 12, {"age": True, "sex": True, "nat": True}),
        ("haushalte", 80, {"types": hh}),
        ("geburten", 5, {"sex": True}),
        ("sterbefaelle", 0.6, {"age": True, "sex": True}),
        ("zuzuege", 25, {"nat": True}),
        ("fortzuege", 25, {"nat": True}),
        ("sgb2_personen", 60, {}),
        ("sgb2_personen_unter15", 15, {}),
        ("grundsicherung_65plus", 8, {}),
        ("wohngeld_haushalte", 10, {}),
        ("arbeitslose", 15, {"types": ["sgb2", "sgb3"]}),
        ("langzeitarbeitslose", 10, {}),
        ("svb_wohnort", 150, {"sex": True}),
        ("wohnflaeche_qm", 40000, {}),
        ("mietangebote", 30, {}),
        ("miete_summe_eur_qm", 250, {}),
        ("wohndauer_jahre_summe", 12000, {}),
        ("einschulung_untersuchte", 9, {}),
        ("einschulung_uebergewicht", 1, {}),
        ("einschulung_sprachfoerderbedarf", 2, {}),
        ("pflegebeduerftige", 0.4, {"age": True, "sex": True, "types": ["pflegegeld", "ambulant",
                                                                   "stationaer"]}),
        ("schwerbehinderte", 1, {"age": True, "sex": True}),
        ("wahlberechtigte", 700, {"types": ["bundestagswahl", "kommunalwahl"]}),
        ("waehler", 500, {"types": ["bundestagswahl", "kommunalwahl"]}),
    ]
    variables = [v for v, _, _ in specs]
    parts = [_block(rng, len(base), i, lam, **kw) for i, (_, lam, kw) in enumerate(specs)]
    cols = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    cats = dict(CATS, variable=variables)
    return pd.DataFrame({
        "area_id": pd.Categorical.from_codes(cols["area_id"],
                                             categories=pd.Index(base, dtype=object)),
        "year": cols["year"],
        **{c: pd.Categorical.from_codes(cols[c], categories=pd.Index(cats[c], dtype=object))
           for c in ("variable", "age_group", "sex", "nationality", "type")},
        "value": cols["value"],
    })


def naive(counts, areas, cat, ids, levels):
    """Plain pandas: per indicator one filter + groupby, then per area and level one sum."""
    from sozialanalyse.stats.indicators import _level_map, _terms

    maps = {lv: _level_map(areas, lv) for lv in levels}
    out = []
    area_col = counts["area_id"].astype(object)
    for iid in ids:
        e = cat[iid]
        parts = {}
        for part in ("numerator", "denominator"):
            total = None
            for sign, s in _terms(e[part]):
                mask = counts["variable"] == s["variable"]
                if s.get("age") is not None:
                    lo, hi = s["age"]
                    from sozialanalyse.model.areas import age_groups_between
                    mask &= counts["age_group"].isin(age_groups_between(lo, hi))
                for d in ("sex", "nationality", "type"):
                    if s.get(d) is not None:
                        mask &= counts[d].isin(s[d])
                g = counts.loc[mask, "value"].groupby([area_col[mask], counts.loc[mask, "year"]]
                                                      ).sum() * sign
                total = g if total is None else total.add(g, fill_value=0)
            parts[part] = total.unstack("year")
        for lv, m in maps.items():
            for area, members in m.groupby(m).groups.items():
                num = parts["numerator"].reindex(members).sum()
                den = parts["denominator"].reindex(members).sum()
                out.append((iid, lv, area, (num / den * e["multiplier"]).to_numpy()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true", help="a tenth of the areas (quick check)")
    ap.add_argument("--naive-sample", type=int, default=2,
                    help="indicators timed with the plain pandas loop")
    args = ap.parse_args()
    if args.small:
        areas = make_areas(n_kreise=4, n_staedte=80, n_samt=5)
    else:
        areas = make_areas()
    t0 = time.perf_counter()
    counts = make_counts(areas)
    print(f"synthetic Land: {len(areas):,} areas, {counts['area_id'].nunique():,} base areas, "
          f"{len(YEARS)} years, {len(counts):,} count rows "
          f"({counts.memory_usage(deep=False).sum() / 1e6:,.0f} MB), built in "
          f"{time.perf_counter() - t0:.1f} s")
    cat = indicators.load_catalog()
    ids = list(cat)

    t0 = time.perf_counter()
    res = indicators.compute(counts, level=list(LEVELS), areas=areas, catalog=cat)
    elapsed = time.perf_counter() - t0
    # peak memory in a second run: tracemalloc slows the computation down several times
    tracemalloc.start()
    indicators.compute(counts, level=list(LEVELS), areas=areas, catalog=cat)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"compute: {len(ids)} indicators x 4 levels -> {len(res):,} result rows in "
          f"{elapsed:.2f} s, peak memory {peak / 1e6:,.0f} MB")

    t0 = time.perf_counter()
    indicators.change(res[res["level"] != "sozialraum"], years=5, catalog=cat)
    indicators.index_base(res[res["level"] != "sozialraum"], base_year=2015)
    print(f"change + index_base (levels above sozialraum): {time.perf_counter() - t0:.2f} s")

    sample = ids[: args.naive_sample]
    t0 = time.perf_counter()
    naive(counts, areas, cat, sample, list(LEVELS))
    per_ind = (time.perf_counter() - t0) / len(sample)
    est = per_ind * len(ids)
    print(f"plain pandas loop: {per_ind:.2f} s per indicator (timed on {len(sample)}), "
          f"estimated {est:.0f} s for all {len(ids)}; ratio {est / elapsed:.0f}x")


if __name__ == "__main__":
    main()
