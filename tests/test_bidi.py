"""Bidirectional control characters in names (issue #14, item 5): visual spoofing.

A right-to-left override (U+202E) in an area or facility name shows the name in another order than
it is stored. Validation names file, row, column, area key and the character; strict mode refuses
the folder, lenient mode keeps the name without the character (the area stays in the tree, so no
total changes); official names are stripped with a warning; and the render floor never prints one.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sozialanalyse.io.own import load_district
from sozialanalyse.io.validate import ValidationError, validate
from sozialanalyse.model import names
from sozialanalyse.render import figures, tables
from sozialanalyse.stats import indicators

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
RLO = "\u202e"
AREA, AREA_NAME = "03499003-02", "Altstadt Lindenau"  # a Sozialraum of Bad Lindenau (03499003)
FACILITY, FACILITY_NAME, FACILITY_AREA = "STH-002", "Stadtteilhaus Salinenviertel", "03499003-04"


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in the one line holding it; returns that line's number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    (i,) = [k for k, line in enumerate(lines) if old in line]
    lines[i] = lines[i].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return i + 1


def _spoofed(tmp_path: Path, area: str = f"Alt{RLO}stadt Lindenau",
             facility: str = f"Stadtteilhaus {RLO}Salinenviertel") -> tuple[Path, int, int]:
    """A copy of Musterland with ``area`` as the name of 03499003-02 and ``facility`` as that of
    STH-002; returns the folder and the two lines changed."""
    folder = tmp_path / "data"
    shutil.copytree(MUSTERLAND, folder)
    area_line = _edit(folder / "areas.csv", f"{AREA},{AREA_NAME},", f"{AREA},{area},")
    fac_line = _edit(folder / "facilities.csv", f"{FACILITY},{FACILITY_NAME},", f"{FACILITY},{facility},")
    return folder, area_line, fac_line


def _config(tmp_path: Path, folder: Path, mode: str) -> Path:
    cfg = yaml.safe_load((ROOT / "config" / "musterland.yml").read_text(encoding="utf-8"))
    cfg.update(data=str(folder), validation=mode)
    path = tmp_path / f"{mode}.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def test_validation_names_file_row_column_key_and_character(tmp_path):
    folder, area_line, fac_line = _spoofed(tmp_path)
    r = validate(folder, geometry=False)
    found = [str(p) for p in r.problems]
    assert [p.code for p in r.problems] == ["bidi_control", "bidi_control"], found
    assert found[0].startswith(f"areas.csv, row {area_line}, column name, area {AREA}: name holds U+202E "
                               "(RIGHT-TO-LEFT OVERRIDE)")
    assert found[1].startswith(f"facilities.csv, row {fac_line}, column name, area {FACILITY_AREA}: name holds "
                               "U+202E (RIGHT-TO-LEFT OVERRIDE)")
    assert "(value 'Alt<U+202E>stadt Lindenau')" in found[0]  # the message itself is never reordered
    assert not any(RLO in f for f in found)
    # flagged, not rejected: the rows are kept (lenient) with the names without the character
    assert r.reconciliation["areas.csv"].line() == "areas.csv: rows read 64 = kept 64 + rejected 0; flagged: bidi_control 1"
    assert r.areas.set_index("area_id").loc[AREA, "name"] == AREA_NAME
    assert r.facilities.set_index("facility_id").loc[FACILITY, "name"] == FACILITY_NAME


def test_strict_refuses(tmp_path):
    folder, area_line, _ = _spoofed(tmp_path)
    with pytest.raises(ValidationError, match=rf"areas\.csv, row {area_line}, column name, area {AREA}: .*U\+202E"):
        validate(folder, strict=True, geometry=False)
    with pytest.raises(ValidationError, match=r"facilities\.csv, row \d+, column name, .*U\+202E"):
        load_district(_config(tmp_path, folder, "strict"))


def test_lenient_keeps_the_area_and_every_number(tmp_path):
    """Rejecting the area's row would drop the Sozialraum from the tree and silently lower its
    town's and the Kreis's totals; the name is kept without the character instead."""
    folder, _, _ = _spoofed(tmp_path)
    spoofed = load_district(_config(tmp_path, folder, "lenient"))
    clean = load_district("musterland")
    assert spoofed.areas.set_index("area_id").loc[AREA, "name"] == AREA_NAME
    assert spoofed.facilities.set_index("facility_id").loc[FACILITY, "name"] == FACILITY_NAME
    assert not spoofed.areas["name"].str.contains(names.PATTERN).any()
    assert len(spoofed.facilities) == len(clean.facilities)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, want = (indicators.compute(d, level=["sozialraum", "gemeinde", "kreis"], years=[2024])
                     for d in (spoofed, clean))
    key = ["area_id", "indicator"]
    merged = want.merge(got, on=key, suffixes=("", "_spoofed"))
    assert len(merged) == len(want)
    pd.testing.assert_series_equal(merged["value"], merged["value_spoofed"], check_names=False)


def test_marks_and_isolates_are_named_too(tmp_path):
    folder, area_line, fac_line = _spoofed(tmp_path, area="Altstadt \u2067Lindenau\u2069",
                                           facility="Stadtteilhaus \u200f12 34")  # shows "34 12"
    found = [str(p) for p in validate(folder, geometry=False).problems]
    assert f"areas.csv, row {area_line}, column name" in found[0]
    assert "name holds U+2067 (RIGHT-TO-LEFT ISOLATE), U+2069 (POP DIRECTIONAL ISOLATE)" in found[0]
    assert f"facilities.csv, row {fac_line}, column name" in found[1] and "U+200F (RIGHT-TO-LEFT MARK)" in found[1]


def test_a_control_character_outside_a_name_rejects_the_row(tmp_path):
    """In a key, a kind or a number the character is never stripped: the row is rejected."""
    folder, _, _ = _spoofed(tmp_path, area=AREA_NAME, facility=FACILITY_NAME)
    line = _edit(folder / "facilities.csv", f"{FACILITY},", f"{FACILITY}{RLO},")
    r = validate(folder, geometry=False)
    (p,) = r.problems
    assert str(p).startswith(f"facilities.csv, row {line}, column facility_id, area {FACILITY_AREA}: facility_id "
                             "holds U+202E")
    assert "the row is rejected" in str(p)
    assert r.reconciliation["facilities.csv"].rejected == {"bidi_control": 1}
    assert FACILITY not in set(r.facilities["facility_id"]) and not r.facilities["facility_id"].str.contains(RLO).any()


def test_meta_name_is_named_by_line_and_key(tmp_path):
    """``meta.yml``'s ``name`` is the Kreis's name in the book's title and banner."""
    folder, _, _ = _spoofed(tmp_path, area=AREA_NAME, facility=FACILITY_NAME)
    line = _edit(folder / "meta.yml", 'name: "Landkreis Musterland"', f'name: "Landkreis {RLO}Musterland"')
    (p,) = validate(folder, geometry=False).problems
    assert str(p).startswith(f"meta.yml, row {line}, column name: name holds U+202E (RIGHT-TO-LEFT OVERRIDE)")
    with pytest.raises(ValidationError, match=r"meta\.yml, row \d+, column name: .*U\+202E"):
        load_district(_config(tmp_path, folder, "strict"))
    assert load_district(_config(tmp_path, folder, "lenient")).name == "Landkreis Musterland"


def test_data_page_shows_no_control_character(tmp_path):
    from sozialanalyse.pages import daten_methoden

    folder, _, _ = _spoofed(tmp_path)
    html = daten_methoden.validation(load_district(_config(tmp_path, folder, "lenient"))).data
    assert "Steuerzeichen der Textrichtung" in html
    assert "Alt&lt;U+202E&gt;stadt Lindenau" in html
    assert not any(c in html for c in names.BIDI_CONTROLS)


@pytest.mark.parametrize("char", list(names.BIDI_CONTROLS))
def test_render_floor_removes_every_control_character(char):
    name = f"Nord{char}TSO <b>"
    assert tables.md_escape(name) == r"NordTSO \<b\>"
    html = tables.table(pd.DataFrame({f"Gebiet{char}": [name], "Wert": [name]}), caption=name,
                        footnotes=[name], group="Wert").data
    assert char not in html and "NordTSO &lt;b&gt;" in html
    assert char not in tables.note(name).data
    assert figures.wrap(name) == "NordTSO <b>"


def test_official_names_are_stripped_with_a_warning(mirror, monkeypatch):
    """A spoofed name in a publisher's file (GISD 2025, BKG VG5000) is shown and matched without the
    character; a warning names file, key, column and character. The Kreis is not refused."""
    from sozialanalyse.io import official
    from sozialanalyse.model.config import read_config

    read_gisd, read_bkg = official.read_gisd, official.read_bkg

    def gisd(path, *a, **k):
        t = read_gisd(path, *a, **k)
        if "GISD_Niedersachsen_Gemeindeverband" in str(path) and "2025" in str(path):
            hit = t["area_id"] == "033535401"  # Elbmarsch
            t.loc[hit, "area_name"] = t.loc[hit, "area_name"].str.replace("Elb", "Elb" + RLO)
        return t

    def bkg(path, *a, **k):
        t = read_bkg(path, *a, **k)
        if str(path).endswith("VG5000_KRS.shp"):
            t.loc[t["ags"] == "03353", "name"] = "Har" + RLO + "burg"
        return t

    monkeypatch.setattr(official, "read_gisd", gisd)
    monkeypatch.setattr(official, "read_bkg", bkg)
    with pytest.warns(UserWarning, match=r"(?s)bidirectional control characters.*removed from 2 name.*"
                                         r"gisd-2025/GISD_Niedersachsen_Gemeindeverband\.csv, key 033535401, "
                                         r"column area_name: U\+202E \(RIGHT-TO-LEFT OVERRIDE\)"):
        d = official._load.__wrapped__(str(mirror), "03353", read_config("harburg"))
    assert d.name == "Landkreis Harburg"
    assert d.municipalities().set_index("area_id").loc["033535401", "name"] == "Elbmarsch"
    assert d.unmatched.empty  # the stripped name still matches the BBSR keys of INKAR and GISD 2022
