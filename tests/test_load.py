"""The front door ``sa.load``: one District type for the own format and official open data."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sozialanalyse as sa
from sozialanalyse.io.own import DataError
from sozialanalyse.model.district import District

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("source", ["musterland", ROOT / "data" / "musterland", "config/musterland.yml"])
def test_load_own_format(source, monkeypatch):
    monkeypatch.chdir(ROOT)  # "config/musterland.yml" is relative to the project
    d = sa.load(source)
    assert isinstance(d, District) and type(d) is sa.District
    assert d.kind == "own" and d.kreis_id == "03499" and d.name == "Landkreis Musterland"
    assert len(d.municipalities()) == 11 and d.years[-1] == 2024


def test_load_harburg_config(mirror, monkeypatch):
    monkeypatch.chdir(ROOT)
    d = sa.load("config/harburg.yml")
    assert type(d) is District and d.kind == "official"
    assert d.kreis_id == "03353" and d.land_id == "03" and d.name == "Landkreis Harburg"
    assert len(d.municipalities()) == 12 and d.years == list(range(1998, 2020)) and d.report_year == 2019
    assert str(d.geometry.crs) == "EPSG:25832" and len(d.geometry) == 12
    assert sa.load("harburg").kreis_id == "03353"


def test_repr_is_a_short_summary():
    d = sa.load("musterland")
    for text in (repr(d), d._repr_html_()):
        assert len(text) < 1000, text
        assert "Landkreis Musterland" in text and "03499" in text
    text = repr(d)
    assert "own format" in text and "2015–2024" in text and "36 sozialraum" in text and "problems: 0" in text


def test_repr_of_official_data(mirror):
    text = repr(sa.load("harburg"))
    assert len(text) < 1000 and "Landkreis Harburg" in text and "official open data" in text
    assert "12 gemeindeverband" in text and "1998–2019" in text


def test_star_import_works():
    code = "from sozialanalyse import *; print(load.__name__, District.__name__, load_district.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["load", "District", "load_district"]


def test_load_district_refuses_an_official_config_clearly():
    """Not a bare KeyError: 'data': the message names the config and points to sa.load."""
    with pytest.raises(DataError) as info:
        sa.load_district("harburg")
    msg = str(info.value)
    assert "harburg.yml" in msg and "source: official" in msg and "sa.load('harburg')" in msg
    assert not isinstance(info.value, KeyError)


def test_official_loader_needs_a_kreis(tmp_path):
    """No Kreis key as a default inside the library: a config without one is refused."""
    from sozialanalyse.io import official

    cfg = tmp_path / "ohne_kreis.yml"
    cfg.write_text("source: official\n", encoding="utf-8")
    with pytest.raises(DataError, match="'kreis'"):
        official.mirror_files(sa.io.read_config(cfg))


def test_unknown_kind_is_refused():
    d = sa.load("musterland")
    with pytest.raises(ValueError, match="neither 'own' nor 'official'"):
        District(kind="amtlich", areas=d.areas)
