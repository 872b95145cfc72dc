"""Disclosure control: primary and secondary suppression, rounding, cell key, display.

Every expected pattern below is derived by hand in the comments; the tables are tiny on purpose.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.render import fmt
from sozialanalyse.stats import disclosure as dc

# Landkreis K: Stadt A (Sozialräume A1-A3), Stadt C (Sozialräume C1, C2), Einheitsgemeinde B.
AREAS = pd.DataFrame({
    "area_id": ["K", "A", "A1", "A2", "A3", "B", "C", "C1", "C2"],
    "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Sozialraum", "Einheitsgemeinde", "Stadt",
             "Sozialraum", "Sozialraum"],
    "parent_id": [None, "K", "A", "A", "A", "K", "K", "C", "C"],
})


def _pattern(p: dc.Protection, key: str = "area_id") -> dict:
    return {r[key]: r["status"] for _, r in p.table.iterrows() if r["status"]}


def test_single_sozialraum_recoverable_from_town_total_gets_a_partner():
    # A = A1 + A2 + A3 = 2 + 10 + 7 = 19 is published. A1 = 2 < 3 is suppressed (primary); alone
    # it would be 19 - 10 - 7. The smallest non-zero visible part of A is A3 = 7 (secondary).
    # K = A + B + C: nothing suppressed there. C = C1 + C2: nothing suppressed.
    t = pd.DataFrame({"area_id": ["K", "A", "A1", "A2", "A3", "B", "C", "C1", "C2"],
                      "value": [99, 19, 2, 10, 7, 50, 30, 12, 18]})
    p = dc.protect(t, AREAS)
    assert _pattern(p) == {"A1": "primary", "A3": "secondary"}
    assert p.check() == []
    # Without secondary suppression the pattern fails the exact check.
    p.table.loc[p.table["area_id"] == "A3", "status"] = ""
    assert len(p.check()) == 1 and "A1" in p.check()[0]


def test_suppressed_town_total_cascades_to_the_district_and_down_again():
    # A1 = 2 and A = 2 are primary (A2 = 0 stays visible). Constraint A: two suppressed, fine.
    # Constraint K = A + B + C: A alone -> smallest non-zero visible part: C = 25 < B = 40
    # (secondary). Constraint C = C1 + C2: now the total C alone -> smallest part C1 = 10.
    # A3 = 0 is visible (zeros are). Expected: A1 p, A p, C s, C1 s.
    t = pd.DataFrame({"area_id": ["K", "A", "A1", "A2", "A3", "B", "C", "C1", "C2"],
                      "value": [67, 2, 2, 0, 0, 40, 25, 10, 15]})
    p = dc.protect(t, AREAS)
    assert _pattern(p) == {"A": "primary", "A1": "primary", "C": "secondary", "C1": "secondary"}
    assert p.check() == []


def test_hierarchy_skips_a_level_absent_from_the_table():
    # Table without the Städte: K's nearest present descendants are A1-A3, B, C1, C2.
    # A1 = 1 primary; constraint K = A1+A2+A3+B+C1+C2 -> smallest non-zero visible: C1 = 4.
    t = pd.DataFrame({"area_id": ["K", "A1", "A2", "A3", "B", "C1", "C2"],
                      "value": [80, 1, 10, 20, 30, 4, 15]})
    p = dc.protect(t, AREAS)
    assert _pattern(p) == {"A1": "primary", "C1": "secondary"}
    assert p.check() == []


def test_two_way_table_rows_and_columns():
    #            m    w   insgesamt
    # 0-14       2    5    7
    # 15-64     10   12   22
    # 65+        6    1    7
    # insgesamt 18   18   36
    # Primary: (0-14, m) = 2 and (65+, w) = 1.
    # Column m (age_group constraint): (0-14, m) alone -> smallest visible part of m: (65+, m) = 6.
    # Column w: (65+, w) alone -> smallest visible part of w: (0-14, w) = 5.
    # Rows 0-14 and 65+ now hold two suppressed cells each; totals column and row untouched.
    ages = ["0-14", "15-64", "65+", "insgesamt"]
    grid = {"m": [2, 10, 6, 18], "w": [5, 12, 1, 18], "insgesamt": [7, 22, 7, 36]}
    t = pd.DataFrame([{"age_group": a, "sex": s, "value": grid[s][i]} for s in grid for i, a in enumerate(ages)])
    p = dc.protect(t)
    got = {(r.age_group, r.sex): r.status for r in p.table.itertuples() if r.status}
    assert got == {("0-14", "m"): "primary", ("65+", "w"): "primary",
                   ("65+", "m"): "secondary", ("0-14", "w"): "secondary"}
    assert p.check() == []
    assert sorted(c.source for c in p.constraints) == ["age_group"] * 3 + ["sex"] * 4


def test_area_hierarchy_and_age_bands_together():
    # Per age band (0-64, 65+, insgesamt) the hierarchy A = A1 + A2 + A3 holds, and per area the
    # bands add up. Values (0-64 / 65+ / insgesamt):
    #   A1: 9 / 1 / 10     A2: 20 / 5 / 25    A3: 30 / 8 / 38     A: 59 / 14 / 73
    # Primary: (A1, 65+) = 1.
    # Order of constraints: age_group per area first. A1's bands: (A1,65+) alone -> smallest
    # visible part (A1,0-64) = 9. Hierarchy, band 0-64: (A1,0-64) alone -> smallest visible
    # Sozialraum (A2,0-64) = 20. Band 65+: (A1,65+) alone -> (A2,65+) = 5. Then A2's bands hold
    # two suppressed cells, band insgesamt none. Fixed point.
    rows = []
    vals = {"A1": (9, 1, 10), "A2": (20, 5, 25), "A3": (30, 8, 38), "A": (59, 14, 73)}
    for a, v in vals.items():
        for band, x in zip(["0-64", "65+", "insgesamt"], v):
            rows.append({"area_id": a, "age_group": band, "value": x})
    p = dc.protect(pd.DataFrame(rows), AREAS)
    got = {(r.area_id, r.age_group): r.status for r in p.table.itertuples() if r.status}
    assert got == {("A1", "65+"): "primary", ("A1", "0-64"): "secondary",
                   ("A2", "0-64"): "secondary", ("A2", "65+"): "secondary"}
    assert p.check() == []


def test_zeros_visible_unless_configured():
    t = pd.DataFrame({"area_id": ["A", "A1", "A2", "A3"], "value": [15, 0, 5, 10]})
    assert _pattern(dc.protect(t, AREAS)) == {}
    # zeros_visible: false -> A1 = 0 primary, then A2 = 5 (smallest non-zero visible) secondary.
    p = dc.protect(t, AREAS, config={"zeros_visible": False})
    assert _pattern(p) == {"A1": "primary", "A2": "secondary"}


def test_threshold_from_config():
    t = pd.DataFrame({"area_id": ["A1", "A2", "A3"], "value": [3, 4, 5]})
    assert _pattern(dc.protect(t)) == {}
    cfg = {"data": "x", "disclosure": {"threshold": 5}}
    assert _pattern(dc.protect(t, config=cfg)) == {"A1": "primary", "A2": "primary"}
    assert dc.settings(cfg).footnote.startswith("Wert kleiner als 5 ")


def test_settings_defaults_and_errors():
    s = dc.settings({"data": "x"})
    assert (s.threshold, s.mode, s.round_base, s.zeros_visible) == (3, "suppress", 5, True)
    assert s.footnote == "Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt (Sekundärsperrung)."
    with pytest.raises(ValueError, match="mode"):
        dc.settings({"disclosure": {"mode": "blur"}})
    with pytest.raises(ValueError, match="unknown setting"):
        dc.settings({"disclosure": {"treshold": 3}})
    with pytest.raises(ValueError, match="threshold"):
        dc.settings({"disclosure": {"threshold": 0}})


def test_duplicate_cells_are_rejected():
    with pytest.raises(ValueError, match="duplicate cell area_id=A1"):
        dc.protect(pd.DataFrame({"area_id": ["A1", "A1"], "value": [1, 2]}))


def test_rates_follow_numerator_and_denominator():
    # Shares per Sozialraum: numerators 2 / 10 / 7 (town 19), denominators 100 / 200 / 150 (450).
    num = pd.DataFrame({"area_id": ["A", "A1", "A2", "A3"], "value": [19, 2, 10, 7]})
    den = pd.DataFrame({"area_id": ["A", "A1", "A2", "A3"], "value": [450, 100, 200, 150]})
    pn, pd_ = dc.protect(num, AREAS), dc.protect(den, AREAS)
    shares = pd.DataFrame({"area_id": ["A1", "A2", "A3", "A"]})
    status = dc.rate_status(pn.lookup(shares), pd_.lookup(shares))
    assert status.tolist() == ["primary", "", "secondary", ""]


def test_rounding_mode():
    t = pd.DataFrame({"area_id": ["A", "A1", "A2", "A3"], "value": [23, 2, 8, 13]})
    p = dc.protect(t, AREAS, config={"mode": "round"})
    assert p.table["published"].tolist() == [25, 0, 10, 15]
    assert (p.table["status"] == "").all()
    p10 = dc.protect(t, AREAS, config={"mode": "round", "round_base": 10})
    assert p10.table["published"].tolist() == [20, 0, 10, 10]


def test_cell_key_is_deterministic_and_hides_small_counts():
    t = pd.DataFrame({"area_id": [f"S{i}" for i in range(200)], "year": 2024,
                      "value": [i % 7 for i in range(200)]})
    a = dc.protect(t, config={"mode": "cellkey"})
    b = dc.protect(t.iloc[::-1], config={"mode": "cellkey"})  # same cells, other order and table
    key = ["area_id", "year"]
    merged = a.table.merge(b.table, on=key)
    assert (merged["published_x"] == merged["published_y"]).all()
    pub = a.table["published"]
    assert not pub.isin([1, 2]).any()                       # nothing below 3 except 0
    assert (pub[a.table["value"] == 0] == 0).all()           # zeros stay zeros
    big = a.table["value"] >= 3
    assert ((pub[big] - a.table.loc[big, "value"]).abs() <= 2).all() and (pub[big] >= 3).all()
    assert (pub != a.table["value"]).any()                   # something is perturbed
    other = dc.protect(t, config={"mode": "cellkey", "seed": "anders"})
    assert (other.table["published"] != pub).any()          # the key depends on the seed
    # The lookup table: value 1 -> 0 with probability 2/3, 3 with 1/3.
    assert dc.perturb(1, 0.5) == 0 and dc.perturb(1, 0.9) == 3
    assert dc.perturb(10, 0.0) == 8 and dc.perturb(10, 0.5) == 10 and dc.perturb(10, 0.99) == 12


def test_mask_and_formatted():
    t = pd.DataFrame({"area_id": ["A", "A1", "A2", "A3"], "value": [1019, 2, 1010, 7]})
    p = dc.protect(t, AREAS)
    assert p.formatted(fmt.num).tolist() == ["1.019", ".", "1.010", "."]
    frame = pd.DataFrame({"Gebiet": ["A", "A1", "A2", "A3"], "Anzahl": p.table["value"].astype(str)})
    m = dc.mask(frame, {"Anzahl": p.table["status"].tolist()})
    assert m.frame["Anzahl"].tolist() == ["1019", ".", "1010", "."]
    assert m.cells.to_dict("records") == [{"row": 1, "column": "Anzahl", "reason": "primary"},
                                          {"row": 3, "column": "Anzahl", "reason": "secondary"}]
    assert m.footnotes == ["„.“ Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt (Sekundärsperrung)."]
    assert dc.mask(frame, {"Anzahl": [""] * 4}).footnotes == []
    assert p.footnote is not None and dc.protect(t.assign(value=[30, 10, 10, 10]), AREAS).footnote is None


def test_lookup_missing_cell_is_empty():
    p = dc.protect(pd.DataFrame({"area_id": ["A1"], "value": [1]}))
    assert p.lookup(pd.DataFrame({"area_id": ["A1", "ZZ"]})).tolist() == ["primary", ""]
    assert np.isnan(p.lookup(pd.DataFrame({"area_id": ["A1"]}), "published").iloc[0])


def test_sozialraum_table_of_a_profile_hides_small_numerators():
    # Plant 2 children in SGB II in one Sozialraum of Bad Lindenau (03499003): its Kinderarmut
    # share shows "." (primary); since the Stadt's total is published, a second Sozialraum's
    # share is suppressed too (secondary), and the footnote explains the dot.
    import sozialanalyse as sa
    from sozialanalyse.pages import gemeindeprofil

    before = gemeindeprofil.subareas(sa.load_district("musterland"), "03499003", 2024).data
    assert "Geheimhaltung" not in before and 'data-sa-kind="count"' in before
    # the protected layer is computed once per district object: plant into a fresh one
    d = sa.load_district("musterland")
    c = d.counts
    hit = (c["area_id"] == "03499003-01") & (c["year"] == 2024) & (c["variable"] == "sgb2_personen_unter15")
    assert hit.sum() == 1
    c.loc[hit, "value"] = 2
    html = gemeindeprofil.subareas(d, "03499003", 2024).data
    assert html.count('data-sa-kind="rate">.</td>') == 2
    assert "Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt (Sekundärsperrung)." in html
    from sozialanalyse.build.audit import audit_html

    assert audit_html(html, "p.html") == []
