"""The methods page says what is suppressed and why (issue #14 point 1): the one protected layer,
its relations, derived values, and how many cells it suppressed for this district; in the modes
``round`` and ``cellkey`` what the text claims holds for the layer's published values."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from sozialanalyse.io.own import load_district
from sozialanalyse.model.config import read_config
from sozialanalyse.pages import daten_methoden
from sozialanalyse.protected import layer as pl

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"


@pytest.fixture(scope="module")
def district():
    return load_district(ROOT / "config" / "musterland.yml")


def _with(district, tmp_path, block: str):
    cfg = tmp_path / "modus.yml"
    cfg.write_text(f"data: {MUSTERLAND}\nreport_year: 2024\ndisclosure: {block}\n", encoding="utf-8")
    return dataclasses.replace(district, config=read_config(cfg))


def _german(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def test_the_text_names_the_rules_and_this_districts_counts(district):
    text = daten_methoden.disclosure_text(district)
    cells = pl.of(district).cells
    # the reference: threshold 3 with zeros visible makes every cell of a true count 1 or 2 primary,
    # counted here from the true values, not from the statuses; every other suppression is secondary
    primary = int(cells["value"].between(1, 2).sum())
    suppressed = int((cells["status"] != "").sum())
    assert primary > 0 and suppressed > primary
    assert (f"Geprüft wurden {_german(len(cells))} Zellen (eine Fallzahl je Gebiet, Merkmal und Jahr oder "
            f"Zeitraum). Davon wurden {_german(primary)} wegen einer Fallzahl unter der Schwelle gesperrt "
            f"(Primärsperrung) und {_german(suppressed - primary)} zu deren Schutz (Sekundärsperrung).") in text
    assert "Die Fallzahlen 1 und 2 werden nicht veröffentlicht („.“)" in text
    for rule in ("über den Gebietsbaum", "nach Alter, Geschlecht und Art", "das Gegenstück eines Anteils",
                 "über zusammengefasste Jahre", "ist deshalb auf allen Seiten gesperrt",
                 "Konfidenzintervalle werden nur aus veröffentlichten Fallzahlen berechnet",
                 "z-Werte und Indexwerte werden für Gebiete, deren Eingangswerte gesperrt sind, nicht gezeigt"):
        assert rule in text, rule
    assert "99,8\u00a0%" in text  # German figures only: no decimal point, no English thousands separator
    assert not re.search(r"\d\.\d{1,2}(?!\d)", text) and not re.search(r"\d,\d{3}(?!\d)", text)
    html = daten_methoden.disclosure(district).data
    assert "Primärsperrung" in html


def test_round_mode_text_holds_for_the_published_values(district, tmp_path):
    d = _with(district, tmp_path, "{mode: round, round_base: 5}")
    text = daten_methoden.disclosure_text(d)
    assert "Fallzahlen werden auf Vielfache von 5 gerundet" in text
    assert "aus den gerundeten Fallzahlen berechnet" in text
    assert "Primärsperrung" not in text and "Umfang" not in text  # nothing is suppressed in this mode
    layer = pl.of(d)
    assert (layer.cells["status"] == "").all()
    pub = layer.cells["published"].dropna()
    assert (pub % 5 == 0).all()
    # "Quoten ... aus den gerundeten Fallzahlen": SGB-II-Quote = 100 x rounded numerator / rounded denominator
    res = layer.indicators(["sgb2_quote"], level="gemeinde", years=[2024]).dropna(subset=["value"])
    assert len(res) and (res["numerator"] % 5 == 0).all() and (res["denominator"] % 5 == 0).all()
    np.testing.assert_allclose(res["value"], 100 * res["numerator"] / res["denominator"], rtol=1e-12)


def test_cellkey_text_holds_for_the_published_values(district, tmp_path):
    d = _with(district, tmp_path, "{mode: cellkey}")
    text = daten_methoden.disclosure_text(d)
    assert "Cell-Key-Verfahren" in text and "Werte unter 3 werden dabei zu 0 oder 3" in text
    assert "auf jeder Seite gleich verändert" in text and "Primärsperrung" not in text
    layer = pl.of(d)
    cells = layer.cells
    small = cells["value"].between(1, 2)
    assert small.any() and set(cells.loc[small, "published"]) <= {0.0, 3.0}
    # the same cell on another "page": the Einwohner of a Gemeinde as a count and as the
    # denominator of a share are one perturbed value
    einw = layer.counts({"variable": "einwohner"}, level="gemeinde", years=[2024]).set_index("area_id")["value"]
    share = layer.indicators(["anteil_65plus"], level="gemeinde", years=[2024]).set_index("area_id")["denominator"]
    assert len(einw) > 5
    np.testing.assert_array_equal(share.loc[einw.index].to_numpy(), einw.to_numpy())
