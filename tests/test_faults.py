"""Fault injection (issue #12, item 7): no variant of the input may publish a changed number silently.

Each variant of ``tests/faults.py`` is one named change of one table of Musterland (rows removed,
duplicated, truncated or corrupted). For every variant either

(a) ``validate(folder, strict=True)`` raises ``ValidationError`` with a problem that names the file and,
    where the variant knows them, the area key, variable, year, row and the bad text; or
(b) the numbers the pages publish, computed through the library from the variant loaded leniently
    (``validation: lenient``), are unchanged where the data did not change and missing where it did:
    every indicator value, numerator and denominator of ``indicators.compute`` at every level and year
    equals the untouched district's or is NaN with a ``reason``, and the NaN lies on a changed row's
    area and year or above it in the area tree; the same for the monitoring classes and populations
    of the Sozialräume and for the facilities.

Where rows the format requires are absent (rows removed, a file cut off or holding only its header,
a category misspelt), strict validation must name the gap itself (issue item 1; ``Variant.must_name``):
(b) alone is not enough. A lenient build publishes whatever passes validation, so for a few variants
of the issue (b) is required on its own as well (``test_lenient_build_publishes_no_changed_number``).
"""
from __future__ import annotations

import re
import warnings

import faults
import numpy as np
import pandas as pd
import pytest
import yaml

from sozialanalyse.io.own import DataError, load_district
from sozialanalyse.io.validate import ValidationError, validate
from sozialanalyse.model.areas import LEVELS
from sozialanalyse.stats import indicators
from sozialanalyse.stats.monitoring import attention, monitoring

#: the tests sharing one session build run in one process (make test: pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("faults")

VARIANTS = faults.variants()
SOURCE = faults.source()
CONFIG = faults.ROOT / "config" / "musterland.yml"
FACILITY_COLUMNS = ["name", "type", "area_id", "x", "y", "capacity"]
#: Variants of the issue's list that a lenient build must survive with every number right or missing.
LENIENT = ("transfers-remove-row-sgb2", "population-remove-area-year", "transfers-truncate-1499-rows",
           "population-truncate-mid-row", "labour-value-thousands-separator", "transfers-year-fraction",
           "areas-name-bidi-override")
PER_KIND = 4  #: examples per kind of wrong number in a failure message


# ---------------------------------------------------------------------------------------- publishing

def _config(tmp_path, data) -> str:
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg.update(data=str(data), validation="lenient")
    path = tmp_path / "lenient.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return str(path)


def _published(config: str) -> dict:
    """What the pages publish, computed through the library from the district loaded leniently."""
    district = load_district(config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "indicators skipped": compared as absent rows below
        res = indicators.compute(district, level=list(LEVELS), years=None)
    res = res.astype({"area_id": str, "level": str, "indicator": str})
    m = monitoring(district)
    mon = m.result.table[["status_class", "dynamics_class", "gesamtindex", "reason"]].astype(object)
    mon = mon.join(m.data[["population"]])
    fac = district.facilities.copy()
    return {"compute": res, "monitoring": mon, "attention": set(attention(m.result).index),
            "years": (m.start, m.year), "facilities": fac}


@pytest.fixture(scope="session")
def baseline(tmp_path_factory):
    return _published(_config(tmp_path_factory.mktemp("baseline"), faults.MUSTERLAND))


# ---------------------------------------------------------------------------------------- (a) validation

def _found(text: str, expect: dict) -> bool:
    """Does one problem's text name everything the variant expects?"""
    if expect["file"] not in text:
        return False
    for k in ("area_id", "variable", "text"):
        if k in expect and str(expect[k]) not in text:
            return False
    if "year" in expect and not re.search(rf"(?<![\d.]){expect['year']}(?![\d])", text):
        return False
    if "row" in expect:
        row = expect["row"]
        if not any(re.search(rf"(?<![\d.,]){re.escape(r)}(?![\d])", text) for r in (str(row), f"{row:,}")):
            return False
    return True


def _validation(folder, expect: dict, geometry: bool = False) -> tuple[bool, str, set]:
    """(named, note, files named by a problem) of ``validate(folder, strict=True)``; with the
    boundaries (as the build validates) where the variant changes facilities, whose places are
    checked against them."""
    try:
        validate(folder, strict=True, geometry=geometry)
    except ValidationError as err:
        result = getattr(err, "result", None)
        texts = [str(p) for p in result.problems] if result is not None else str(err).splitlines()
        files = {f for f in [*faults.COUNT_FILES, "areas.csv", "facilities.csv"] if any(f in t for t in texts)}
        if any(_found(t, expect) for t in texts):
            return True, "", files
        head = "\n    ".join(t[:300] for t in texts[:5])
        return False, (f"validation raised, but no problem names {expect} ({len(texts)} problem(s); "
                       f"first:\n    {head})"), files
    except DataError as err:  # a folder validation cannot read at all
        return False, f"validation raised {type(err).__name__}, not ValidationError: {str(err)[:300]}", set()
    return False, f"validate(strict=True) found no problem (expected one naming {expect})", set()


# ---------------------------------------------------------------------------------------- (b) numbers

def _justifier(variant: faults.Variant):
    """``ok(area, year)``: True where the variant changed a row of that area and year or of a base
    area below it (``None`` in a changed cell: every area / every year)."""
    pairs, any_year, any_area, everything = set(), set(), set(), False
    for base, year in variant.changed:
        if base is None and year is None:
            everything = True
            continue
        if base is None:
            any_area.add(year)
            continue
        a, chain = base, []
        while a:
            chain.append(a)
            a = SOURCE.parent.get(a)
        for a in chain:
            (any_year.add(a) if year is None else pairs.add((a, int(year))))

    def ok(area, year) -> bool:
        return everything or area in any_year or int(year) in any_area or (area, int(year)) in pairs

    return ok


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "NaN"
    if isinstance(x, (int, float, np.integer, np.floating)):
        return f"{float(x):.10g}"
    return repr(x)


def _same(b: pd.Series, v: pd.Series) -> np.ndarray:
    b, v = b.to_numpy(dtype=float), v.to_numpy(dtype=float)
    return np.isclose(b, v, rtol=1e-9, atol=1e-9) | (np.isnan(b) & np.isnan(v))


def _classified(mon: pd.DataFrame) -> pd.Series:
    """Sozialräume with a Gesamtindex class (not "nicht klassifizierbar", not missing)."""
    g = mon["gesamtindex"]
    text = g.astype(str).str.lower()
    return g.notna() & ~text.str.contains("nicht klassifizierbar|fehlt", regex=True)


def _compare(base: dict, var: dict, variant: faults.Variant, listed: set) -> list[str]:
    """Every published number of the variant that is neither the baseline's nor justly missing."""
    ok = _justifier(variant)
    out = []
    key = ["area_id", "level", "year", "indicator"]
    cols = ["value", "numerator", "denominator"]
    res = var["compute"]
    has_reason = "reason" in res.columns
    keep = key + cols + (["reason"] if has_reason else [])
    m = base["compute"][key + cols].merge(res[keep], on=key, how="outer", suffixes=("_b", "_v"), indicator=True)
    both = m[m["_merge"] == "both"]
    for c in cols:
        b, v = both[f"{c}_b"], both[f"{c}_v"]
        same = _same(b, v)
        missing = v.isna().to_numpy() & b.notna().to_numpy()
        for r in both[~same & ~missing].itertuples(index=False):
            out.append(f"changed {c}: {r.indicator} {r.level} {r.area_id} {r.year}: "
                       f"{_fmt(getattr(r, f'{c}_b'))} -> {_fmt(getattr(r, f'{c}_v'))}")
        for r in both[missing].itertuples(index=False):
            where = f"{r.indicator} {r.level} {r.area_id} {r.year}"
            if not ok(r.area_id, r.year):
                out.append(f"missing {c} where the data did not change: {where}")
            elif not has_reason:
                out.append(f"missing {c} without a reason: {where} (compute() has no 'reason' column)")
            elif not (isinstance(r.reason, str) and r.reason.strip()):
                out.append(f"missing {c} without a reason: {where} (reason {r.reason!r})")
    for r in m[m["_merge"] == "left_only"].itertuples(index=False):
        just = "" if ok(r.area_id, r.year) else " (and the data did not change there)"
        out.append(f"left out of the result instead of NaN with a reason: {r.indicator} {r.level} "
                   f"{r.area_id} {r.year}{just}")
    extra = m[m["_merge"] == "right_only"]
    for r in extra[extra[[f"{c}_v" for c in cols]].notna().any(axis=1)].itertuples(index=False):
        out.append(f"new number the untouched data does not have: {r.indicator} {r.level} {r.area_id} "
                   f"{r.year}: value {_fmt(r.value_v)}")

    # monitoring: classes and populations of the Sozialräume
    start, year = base["years"]
    mb, mv = base["monitoring"], var["monitoring"]
    if list(mv.index) != list(mb.index):
        out.append(f"monitoring: Sozialräume {sorted(set(mb.index) ^ set(mv.index))} added or dropped")
    mv = mv.reindex(mb.index)
    pop_same = _same(mb["population"], mv["population"])
    for a in mb.index[~pop_same]:
        if not (pd.isna(mv.loc[a, "population"]) and ok(a, year)):
            out.append(f"monitoring: population of {a} in {year}: {_fmt(mb.loc[a, 'population'])} -> "
                       f"{_fmt(mv.loc[a, 'population'])}")
    cls_b, cls_v = _classified(mb), _classified(mv)
    for a in mb.index[cls_b & ~cls_v]:
        if not (ok(a, year) or ok(a, start)):
            out.append(f"monitoring: {a} not classified although its data did not change "
                       f"(reason {mv.loc[a, 'reason']!r})")
        elif not (isinstance(mv.loc[a, "reason"], str) and mv.loc[a, "reason"].strip()):
            out.append(f"monitoring: {a} not classified without a reason")
    if (cls_b == cls_v).all():  # same areas classified: the same classes and the same list
        for c in ("status_class", "dynamics_class", "gesamtindex"):
            diff = mb[c].astype(str) != mv[c].astype(str)
            for a in mb.index[diff]:
                out.append(f"monitoring: {c} of {a} in {year}: {mb.loc[a, c]!r} -> {mv.loc[a, c]!r}")
        if var["attention"] != base["attention"]:
            out.append(f"monitoring: Quartiere mit besonderem Aufmerksamkeitsbedarf changed: "
                       f"{sorted(base['attention'] ^ var['attention'])}")

    # facilities: each kept one as it was; a left-out one only if validation lists facilities.csv
    fb = base["facilities"].set_index("facility_id")[FACILITY_COLUMNS]
    fv = var["facilities"]
    twice = fv["facility_id"][fv["facility_id"].duplicated()]
    out += [f"facility {f} kept twice" for f in twice]
    fv = fv.drop_duplicates("facility_id").set_index("facility_id")[FACILITY_COLUMNS]
    out += [f"facility {f} not in the untouched data" for f in fv.index.difference(fb.index)]
    for f in fb.index.difference(fv.index):
        if "facilities.csv" not in listed:
            out.append(f"facility {f} left out without a problem listed for facilities.csv")
    common = fb.index.intersection(fv.index)
    for c in FACILITY_COLUMNS:
        b, v = fb.loc[common, c], fv.loc[common, c]
        if c in ("x", "y", "capacity"):
            same = _same(b, v)
        else:
            same = (b.astype(str) == v.astype(str)).to_numpy()
        for f in common[~same]:
            out.append(f"facility {f}: {c} {_fmt(b[f])} -> {_fmt(v[f])}")
    return out


def _numbers(base, tmp_path, folder, variant, listed) -> list[str]:
    try:
        var = _published(_config(tmp_path, folder))
    except Exception as exc:  # noqa: BLE001 - a crash is reported with the variant
        return [f"lenient load / computing the published numbers failed: {type(exc).__name__}: {str(exc)[:500]}"]
    return _compare(base, var, variant, listed)


def _report(variant, note, problems) -> str:
    """The problems grouped by kind (the text before the first colon), a few examples of each."""
    kinds: dict[str, list[str]] = {}
    for p in problems:
        kinds.setdefault(p.split(":")[0], []).append(p)
    lines = []
    for kind, ps in kinds.items():
        lines += ps[:PER_KIND]
        if len(ps) > PER_KIND:
            lines.append(f"... and {len(ps) - PER_KIND} more of '{kind}'")
    body = "\n  ".join(lines)
    return (f"variant {variant.id}: {variant.description}\n{note}\n"
            f"published numbers of the lenient build ({len(problems)} wrong):\n  {body}")


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_variant_is_named_or_publishes_nothing_wrong(variant, baseline, tmp_path):
    folder = variant.write(tmp_path / "data")
    named, note, listed = _validation(folder, variant.expect, variant.file == "facilities.csv")
    if named:
        return
    problems = _numbers(baseline, tmp_path, folder, variant, listed)
    if variant.must_name:
        pytest.fail(_report(variant, note + "\nrows the format requires are absent: strict validation must name "
                            "file, variable, area key and year (issue #12, item 1)", problems), pytrace=False)
    assert not problems, _report(variant, note, problems)


@pytest.mark.parametrize("vid", LENIENT)
def test_lenient_build_publishes_no_changed_number(vid, baseline, tmp_path):
    variant = faults.by_id(vid)
    folder = variant.write(tmp_path / "data")
    _named, note, listed = _validation(folder, variant.expect, variant.file == "facilities.csv")
    problems = _numbers(baseline, tmp_path, folder, variant, listed)
    assert not problems, _report(variant, note or "validation named the problem", problems)


# ---------------------------------------------------------------------------------------- the checker itself

def test_generator_is_deterministic_and_changes_exactly_one_file(tmp_path):
    again = faults.variants(faults.Source(faults.MUSTERLAND))
    assert [(v.id, v.description, v.expect) for v in again] == [(v.id, v.description, v.expect) for v in VARIANTS]
    tables = {*faults.COUNT_FILES, "areas.csv", "facilities.csv"}
    assert {v.file for v in VARIANTS} == tables  # every table of the format is broken at least once
    v = faults.by_id("transfers-remove-row-sgb2")
    folder = v.write(tmp_path / "d")
    for name in sorted(tables):
        old = (faults.MUSTERLAND / name).read_text(encoding="utf-8")
        new = (folder / name).read_text(encoding="utf-8")
        if name != "transfers.csv":
            assert new == old, name
    removed = set(old.splitlines()) - set(new.splitlines())
    assert removed == {"03499016-03,2024,sgb2_personen,940"}  # line 1359 of transfers.csv
    assert len(new.splitlines()) == len(old.splitlines()) - 1
    cut = faults.by_id("population-truncate-mid-row").write(tmp_path / "p") / "population.csv"
    text = cut.read_text(encoding="utf-8")
    assert not text.endswith("\n") and text.endswith(",2")  # 22 -> 2, as 49 -> 4 in the issue


def test_checker_finds_a_silent_zero(baseline):
    """The comparison is not vacuous: a Sozialraum's SGB II count set to 0 is a changed number, and a
    NaN where nothing changed is an unjustified gap."""
    var = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in baseline.items()}
    res = var["compute"]
    hit = (res["area_id"] == "03499016-03") & (res["year"] == 2024) & (res["indicator"] == "sgb2_quote")
    res.loc[hit, ["value", "numerator"]] = 0.0
    res["reason"] = ""
    other = (res["area_id"] == "03499003-01") & (res["year"] == 2020) & (res["indicator"] == "sgb2_quote")
    res.loc[other, "value"] = np.nan
    res.loc[other, "reason"] = "incomplete"
    variant = faults.by_id("transfers-remove-row-sgb2")
    problems = _compare(baseline, var, variant, set())
    assert any(p.startswith("changed value: sgb2_quote sozialraum 03499016-03 2024") for p in problems)
    assert any(p.startswith("missing value where the data did not change: sgb2_quote sozialraum 03499003-01 2020")
               for p in problems)
    # NaN with a reason on the changed area-year and the areas above it is accepted
    var["compute"] = baseline["compute"].copy()
    res = var["compute"]
    res["reason"] = ""
    up = res["area_id"].isin(["03499016-03", "03499016", "03499"]) & (res["year"] == 2024) \
        & (res["indicator"] == "sgb2_quote")
    res.loc[up, ["value", "numerator"]] = np.nan
    res.loc[up, "reason"] = "incomplete: sgb2_personen 2024"
    assert _compare(baseline, var, variant, set()) == []


def test_checker_finds_changed_classes_and_facilities(baseline):
    var = dict(baseline)
    mon = baseline["monitoring"].copy()
    a = mon.index[0]
    mon.loc[a, "gesamtindex"] = "hoch / positiv" if mon.loc[a, "gesamtindex"] != "hoch / positiv" else "mittel / stabil"
    fac = baseline["facilities"].copy()
    fac.loc[0, "capacity"] = 1.025
    var.update(monitoring=mon, facilities=fac.iloc[:-1])
    problems = _compare(baseline, var, faults.by_id("facilities-capacity-thousands-separator"), set())
    assert any(p.startswith(f"monitoring: gesamtindex of {a} in 2024") for p in problems)
    assert any(p.startswith(f"facility {fac.loc[0, 'facility_id']}: capacity") for p in problems)
    last = fac["facility_id"].iloc[-1]
    assert f"facility {last} left out without a problem listed for facilities.csv" in problems
    assert f"facility {last} left out without a problem listed for facilities.csv" not in _compare(
        baseline, var, faults.by_id("facilities-capacity-thousands-separator"), {"facilities.csv"})


def test_expectations_match_problem_texts():
    assert _found("transfers.csv, row 1359, column value, area 03499016-03: has no rows for sgb2_personen in 2024",
                  {"file": "transfers.csv", "area_id": "03499016-03", "variable": "sgb2_personen", "year": 2024})
    assert not _found("transfers.csv: sgb2_personen 03499016-03 in 20245",
                      {"file": "transfers.csv", "area_id": "03499016-03", "variable": "sgb2_personen", "year": 2024})
    assert _found("care.csv: rows 12,841, 12,900: duplicate", {"file": "care.csv", "row": 12841})
    assert not _found("care.csv, row 128410: duplicate", {"file": "care.csv", "row": 12841})
    assert not _found("population.csv, row 141: duplicate", {"file": "care.csv", "row": 141})
