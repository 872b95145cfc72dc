"""The real-data example: Landkreis Harburg (AGS 03353) at Gemeindeverband level, from the files
of the local read-only data mirror (``SOZIALANALYSE_DATA_MIRROR`` or ``<repo>/../shared/data``).
Skipped when there is no mirror. Expected numbers were read off the files by hand; each says where.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from sozialanalyse.build import report
from sozialanalyse.io import official
from sozialanalyse.io.mirror import ENV_VAR
from sozialanalyse.pages import amtlich_kreis

ROOT = Path(__file__).resolve().parents[1]

HARBURG = {  # ARS[:9] -> (name, kind, BBSR key of INKAR / GISD 2022)
    "033530005": ("Buchholz in der Nordheide", "Stadt", "03353005"),
    "033530026": ("Neu Wulmstorf", "Einheitsgemeinde", "03353026"),
    "033530029": ("Rosengarten", "Einheitsgemeinde", "03353029"),
    "033530031": ("Seevetal", "Einheitsgemeinde", "03353031"),
    "033530032": ("Stelle", "Einheitsgemeinde", "03353032"),
    "033530040": ("Winsen (Luhe)", "Stadt", "03353040"),
    "033535401": ("Elbmarsch", "Samtgemeinde", "03353901"),
    "033535402": ("Hanstedt", "Samtgemeinde", "03353902"),
    "033535403": ("Hollenstedt", "Samtgemeinde", "03353903"),
    "033535404": ("Jesteburg", "Samtgemeinde", "03353904"),
    "033535405": ("Salzhausen", "Samtgemeinde", "03353905"),
    "033535406": ("Tostedt", "Samtgemeinde", "03353906"),
}


@pytest.fixture(scope="module")
def harburg(mirror):
    return official.load_official("harburg")


def test_gemeindeverbaende_of_harburg(harburg):
    munis = harburg.municipalities()
    assert len(munis) == 12
    got = {r.area_id: (r.name, r.kind) for r in munis.itertuples()}
    assert got == {k: v[:2] for k, v in HARBURG.items()}
    assert harburg.name == "Landkreis Harburg"
    assert munis.set_index("area_id").loc["033535401", "n_gemeinden"] == 3  # Drage, Marschacht, Tespe
    assert str(harburg.geometry.crs) == "EPSG:25832" and len(harburg.geometry) == 12


def test_inhabitants_vg250_ew_2022(harburg):
    # VG250-EW 31.12.2022, VG250_GEM.dbf: EWZ of the 42 Gemeinden with AGS 03353xxx sums to 261,890
    assert harburg.area("03353")["inhabitants"] == 261_890
    assert harburg.municipalities()["inhabitants"].sum() == 261_890
    assert harburg.area("033530031")["inhabitants"] == 42_449  # Seevetal, EWZ of AGS 03353031


def test_key_mapping_complete(harburg):
    assert harburg.unmatched.empty, harburg.unmatched.to_string()
    got = dict(zip(harburg.municipalities()["area_id"], harburg.municipalities()["bbsr_key"]))
    assert got == {k: v[2] for k, v in HARBURG.items()}
    ok = harburg.mapping[harburg.mapping["status"] == "ok"]
    # every Gemeindeverband file (4 INKAR, GISD 2022) maps all 12 keys
    assert ok.groupby("source")["area_id"].nunique().eq(12).all() and ok["source"].nunique() == 5


def test_known_inkar_values(harburg):
    # inkar-1998-2019/E_Einkommensteuer.xlsx, sheet Daten, row 384: A384 '03353901' Elbmarsch,
    # Gemeindeverband; column AB (2019) = 533.87 (read with openpyxl)
    assert harburg.value("einkommensteuer", "033535401", 2019) == pytest.approx(533.87)
    # inkar-1998-2019/A_Arbeitslosigkeit.xlsx, sheet Daten, A384 '03353901', column Y (2019) = 246
    assert harburg.value("arbeitslose", "033535401", 2019) == 246
    # Kreis: Indikatoren_Kreisebene/A_ArbeitslosigkeitKreis.xlsx 03353 2019 = 5155 unemployed,
    # A_ErwerbsfaehigeBevoelkerungKreis.xlsx 03353 2019 = 160985 aged 15-64
    assert harburg.value("arbeitslosenanteil", "03353", 2019) == pytest.approx(5155 / 160985 * 100)


def test_comparison_group_all_landkreise_of_niedersachsen(harburg):
    c = harburg.comparison
    assert c["area_id"].str.startswith("03").all()
    assert c["area_id"].nunique() == 37  # Landkreise incl. Region Hannover, no kreisfreie Städte
    assert "03353" in set(c["area_id"]) and "03101" not in set(c["area_id"])  # Braunschweig: kreisfrei
    assert sorted(c["year"].unique()) == list(range(1998, 2020))


def test_name_matching():
    assert official.normalise_name("Winsen (Luhe), Stadt") == official.normalise_name("Winsen (Luhe)")
    assert official.normalise_name("Samtgemeinde Tostedt") == "tostedt"


def test_no_mirror_is_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))  # an empty folder: files missing
    official._load.cache_clear()
    assert official.load_or_none("harburg") is None
    assert "28 official files this report reads are missing" in capsys.readouterr().out
    with pytest.raises(official.MirrorMissing, match=r"28 of the 28 official files this report reads are missing "
                                                     r"\(first: bkg-vg5000-2021/VG5000_GEM\.shp\)\. Fetch them with "
                                                     r"`sozialanalyse data fetch --config .*harburg\.yml`"):
        official.load_official("harburg")


def test_plan_uses_the_configured_templates(harburg):
    _cfg, jobs = report.plan(ROOT / "config" / "harburg.yml", ROOT)
    assert [j.template for j in jobs] == ["amtlich_kreis", "vergleichskreise", "herkunft"] + ["amtlich_profil"] * 12
    assert jobs[0].title == "Überblick Landkreis Harburg"
    assert {j.parameters.get("area_id") for j in jobs[3:]} == set(HARBURG)
    assert "Samtgemeinde Elbmarsch" in [j.title for j in jobs]
    assert len({j.data_hash for j in jobs}) == 1 and len(jobs[0].data_hash) == 64


@pytest.mark.slow
def test_harburg_build_end_to_end(tmp_path, harburg):
    from test_build import _copy_sources

    root = _copy_sources(tmp_path / "projekt")
    result = report.build(root / "config" / "harburg.yml", jobs_n=2, quiet=True, root=root)
    assert result["executed"] == 15
    html_dir = root / "_build" / "html"
    index = (html_dir / "book" / "_generated" / "index.html").read_text(encoding="utf-8")
    for area_id, (name, _kind, _key) in HARBURG.items():
        assert f"gemeinden/{area_id}.html" in index
        page = (html_dir / "book" / "_generated" / "gemeinden" / f"{area_id}.html").read_text(encoding="utf-8")
        assert "GeoBasis-DE / BKG" in page and "BBSR Bonn" in page and "Robert Koch-Institut" in page
        # the licences' terms: the BKG attribution links to the BKG and notes the changes made,
        # every licence is named and linked
        assert '<a href="https://www.bkg.bund.de">© GeoBasis-DE / BKG 2021 (Daten verändert' in page
        assert 'href="https://www.govdata.de/dl-de/by-2-0"' in page
        assert 'href="https://creativecommons.org/licenses/by/4.0/deed.de"' in page
    text = re.sub(r"<[^>]+>", "", index).replace("\\", "")
    for name, *_ in HARBURG.values():
        assert name in text
    assert "GeoBasis-DE / BKG" in index and "BBSR Bonn" in index
    kreis = (html_dir / "book" / "_generated" / "amtlich_kreis.html").read_text(encoding="utf-8")
    assert "Landkreis Harburg" in kreis and "GeoBasis-DE / BKG" in kreis
    # the reviewer's path: every official file read, its sha256 checked against datasets.yml
    herkunft = (html_dir / "book" / "_generated" / "herkunft.html").read_text(encoding="utf-8")
    assert "Eingangsdaten (28 amtliche Dateien)" in herkunft
    assert herkunft.count("<td>stimmt</td>") == 28 and "weicht ab" not in herkunft
    assert (html_dir / "book" / "pruefende.html").is_file()
    # only the configured chapters: no Musterland chapter in the book
    assert not (html_dir / "book" / "_generated" / "kreisuebersicht.html").exists()


def test_every_file_read_is_reconciled(harburg):
    """rows read = used + other area/year + key without partner + without value, per file, with
    the counts a reader can check by hand: the mirror's README gives 10,997 VG5000 Gemeinden,
    11,119 VG250-EW rows and 401 Kreise; Landkreis Harburg has 42 Gemeinden in 12
    Gemeindeverbände; Niedersachsen has 37 Landkreise (with the Region Hannover); 1998–2019 are
    22 years."""
    t = harburg.loads.set_index("file")
    assert (t[["used", "outside", "unmatched", "no_value"]].sum(axis=1) == t["read"]).all()
    assert t.loc["bkg-vg5000-2021/VG5000_GEM.shp", ["read", "used"]].tolist() == [10_997, 42]
    assert t.loc["bkg-vg250-ew-2022/VG250_GEM.dbf", ["read", "used"]].tolist() == [11_119, 42]
    assert t.loc["bkg-vg5000-2021/VG5000_KRS.shp", ["read", "used"]].tolist() == [401, 37]
    assert t.loc["inkar-1998-2019/A_Arbeitslosigkeit.xlsx", "used"] == 12 * 22
    assert t.loc["inkar-1998-2019/Indikatoren_Kreisebene/A_ArbeitslosigkeitKreis.xlsx", "used"] == 37 * 22
    assert t.loc["gisd-2022/GISD_Niedersachsen_Kreis.csv", "used"] == 22  # the Kreis itself, every year
    # the peers' tables of every German Kreis are read by sozialanalyse.planning.peers, not by the
    # district's loader: the page Vergleichskreise names what it took from them
    peers_only = {official.F_VG250_KRS, *official.F_PEERS_INKAR.values()} - set(t.index)
    tables = [f for f in official.mirror_files(harburg.config) if f.endswith((".csv", ".xlsx")) and f not in peers_only]
    shapes = ["bkg-vg5000-2021/VG5000_GEM.shp", "bkg-vg5000-2021/VG5000_KRS.shp", "bkg-vg250-ew-2022/VG250_GEM.dbf"]
    assert sorted(t.index) == sorted(tables + shapes)  # every table read has its line
    html = amtlich_kreis.reconciliation_table(harburg).data
    assert "10.997" in html and "Schlüssel ohne Gegenstück" in html
