"""A report from official open data: one Landkreis at Gemeindeverband level.

:func:`load_official` reads the files of the local mirror (:func:`sozialanalyse.io.mirror_dir`,
see ``/work/shared/data/README.md`` and ``sozialanalyse/datasets.yml``) for the Kreis a config
names (``kreis: "03353"``, Landkreis Harburg) and returns an :class:`OfficialDistrict`:

- **areas**: the Kreis and its Gemeindeverbände (Städte, Einheitsgemeinden and Samtgemeinden),
  keyed by ``ARS[:9]`` (Amtlicher Regionalschlüssel, first nine digits). The kind comes from the
  BKG field ``BEZ``: a Gemeindeverband with several Gemeinden is a *Samtgemeinde*; one with a
  single Gemeinde is a *Stadt* when ``BEZ`` says ``Stadt``, else an *Einheitsgemeinde*.
- **geometry**: BKG VG5000 (Stand 01.01.2021) Gemeinden, dissolved by ``ARS[:9]`` and reprojected
  from EPSG:31467 to EPSG:25832.
- **inhabitants**: BKG VG250-EW (31.12.2022), ``EWZ`` summed by ``ARS[:9]``.
- **indicators**: a long table ``area_id, year, indicator, value, unit, source`` 1998–2019 from
  INKAR (unemployed, population aged 15–64, Beschäftigtenquote, income tax per inhabitant;
  the share ``arbeitslosenanteil`` = unemployed per 100 aged 15–64 is computed here) and GISD
  2022 (Niedersachsen scaling) for the Gemeindeverbände and the Kreis.
- **comparison**: the same for all Landkreise of the Land (Kreis-level INKAR files in
  ``Indikatoren_Kreisebene/`` and GISD Bund Kreis).

Key mapping (the quirk)
-----------------------
INKAR 1998–2019 and GISD release 2022 key a Gemeindeverband with an **8-digit BBSR key**: the
5-digit Kreis and three digits, the Gemeinde number for a verbandsfreie Gemeinde (``03353005``
Buchholz i.d.N.) and ``9xx`` for a Samtgemeinde (``03353901`` Elbmarsch). That is *not*
``ARS[:9]`` (``033535401`` for Elbmarsch), and the ``9xx`` numbers do not follow from the ARS.
GISD release 2025 uses ``ARS[:9]`` with the names. So the mapping is made by **name within the
Kreis**: the reference names per ``ARS[:9]`` come from GISD 2025 (for a verbandsfreie Gemeinde
without a GISD 2025 row, the name of its single Gemeinde in VG5000); names are compared after
:func:`normalise_name` (lower case, without ``, Stadt``, ``Samtgemeinde``, ``Stadt``, ``SG``).
For a verbandsfreie Gemeinde the result is checked against the key (BBSR key == AGS).
Every key of every source that finds no partner is kept in :attr:`OfficialDistrict.mapping`
with a status other than ``ok`` (listed on the Kreis page, warned about): nothing is dropped
silently.
"""
from __future__ import annotations

import hashlib
import html
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.config import Config, as_config, read_config
from ..render import fmt
from .own import DataError

__all__ = [
    "INDICATORS",
    "MirrorMissing",
    "OfficialDistrict",
    "data_hash",
    "load_official",
    "load_or_none",
    "mirror_files",
    "normalise_name",
]

CRS = "EPSG:25832"
YEARS = (1998, 2019)

#: The indicators of the pages: label, unit, decimals, direction ("higher" is worse/better).
INDICATORS = {
    "arbeitslosenanteil": {"label": "Arbeitslose je 100 Einwohner von 15 bis 64 Jahren", "short": "Arbeitslosenanteil",
                           "unit": "%", "decimals": 1, "better": "lower"},
    "beschaeftigtenquote": {"label": "Beschäftigtenquote (SV-Beschäftigte am Wohnort je 100 Einwohner von 15 bis 64 Jahren)",
                            "short": "Beschäftigtenquote", "unit": "%", "decimals": 1, "better": "higher"},
    "einkommensteuer": {"label": "Einkommensteuer (Gemeindeanteil) je Einwohner", "short": "Einkommensteuer je Einwohner",
                        "unit": "€", "decimals": 0, "better": "higher"},
    "gisd_score": {"label": "GISD-Score (Deprivationsindex, 0 bis 1, innerhalb Niedersachsens skaliert)",
                   "short": "GISD-Score (Niedersachsen)", "unit": "", "decimals": 3, "better": "lower"},
    "gisd_bund": {"label": "GISD-Score (Deprivationsindex, 0 bis 1, bundesweit skaliert)", "short": "GISD-Score (Bund)",
                  "unit": "", "decimals": 3, "better": "lower"},
    "arbeitslose": {"label": "Arbeitslose", "short": "Arbeitslose", "unit": "Personen", "decimals": 0, "better": "lower"},
    "erwerbsfaehige": {"label": "Einwohner von 15 bis 64 Jahren", "short": "Einwohner 15–64", "unit": "Personen",
                       "decimals": 0, "better": ""},
}

# mirror files (relative to the mirror folder)
F_VG5000_GEM = "bkg-vg5000-2021/VG5000_GEM.shp"
F_VG5000_KRS = "bkg-vg5000-2021/VG5000_KRS.shp"
F_VG250_GEM = "bkg-vg250-ew-2022/VG250_GEM.dbf"
F_INKAR_GVB = {"arbeitslose": "inkar-1998-2019/A_Arbeitslosigkeit.xlsx",
               "erwerbsfaehige": "inkar-1998-2019/A_ErwerbsfaehigeBevoelkerung.xlsx",
               "beschaeftigtenquote": "inkar-1998-2019/A_Beschaeftigtenquote.xlsx",
               "einkommensteuer": "inkar-1998-2019/E_Einkommensteuer.xlsx"}
F_INKAR_KRS = {"arbeitslose": "inkar-1998-2019/Indikatoren_Kreisebene/A_ArbeitslosigkeitKreis.xlsx",
               "erwerbsfaehige": "inkar-1998-2019/Indikatoren_Kreisebene/A_ErwerbsfaehigeBevoelkerungKreis.xlsx",
               "beschaeftigtenquote": "inkar-1998-2019/Indikatoren_Kreisebene/A_BeschaeftigtenquoteKreis.xlsx"}
F_GISD22_GVB = "gisd-2022/GISD_{land}_Gemeindeverband.csv"
F_GISD22_KRS = "gisd-2022/GISD_{land}_Kreis.csv"
F_GISD22_BUND = "gisd-2022/GISD_Bund_Kreis.csv"
F_GISD25_GVB = "gisd-2025/GISD_{land}_Gemeindeverband.csv"
LAND_NAMES = {"03": "Niedersachsen", "05": "Nordrhein-Westfalen"}
DATASET_OF = {"bkg-vg5000-2021": "bkg-vg5000-2021", "bkg-vg250-ew-2022": "bkg-vg250-ew-2022",
              "inkar-1998-2019": "inkar-1998-2019", "gisd-2022": "gisd-2022", "gisd-2025": "gisd-2025"}
SOURCE_INKAR = "INKAR (BBSR), 1998–2019"
SOURCE_OWN = "INKAR (BBSR), eigene Berechnung"
SOURCE_GISD = "GISD 2022 v1.1 (RKI)"

MISSING_MESSAGE = ("Keine amtlichen Daten gefunden (SOZIALANALYSE_DATA_MIRROR, <repo>/../shared/data oder der "
                   "Zwischenspeicher von 'sozialanalyse data fetch'): Diese Seite wird übersprungen. / No official "
                   "data found (SOZIALANALYSE_DATA_MIRROR, <repo>/../shared/data or the cache of "
                   "'sozialanalyse data fetch --config config/harburg.yml'): this page is skipped.")


class MirrorMissing(DataError):
    """No mirror folder, or a file of it is missing."""


def normalise_name(name: str) -> str:
    """A name for matching across sources.

    >>> normalise_name("Buchholz in der Nordheide, Stadt")
    'buchholz in der nordheide'
    >>> normalise_name("Samtgemeinde Elbmarsch")
    'elbmarsch'
    >>> normalise_name("Winsen (Luhe)") == normalise_name("Stadt Winsen (Luhe)")
    True
    """
    s = " ".join(str(name).replace("\u00a0", " ").split()).lower()
    s = re.sub(r",\s*(stadt|hansestadt|flecken|gemeinde|samtgemeinde|sg)$", "", s)
    s = re.sub(r"^(samtgemeinde|sg|stadt|hansestadt|flecken|gemeinde|einheitsgemeinde)\s+", "", s)
    return s.replace("ß", "ss").strip()


def _mirror(cfg: Config | None = None) -> Path:
    from .mirror import mirror_dir

    explicit = cfg.mirror if cfg is not None else None
    try:
        folder = mirror_dir(explicit) if explicit else mirror_dir()
    except FileNotFoundError as exc:
        raise MirrorMissing(str(exc)) from exc
    if folder is None:
        raise MirrorMissing(MISSING_MESSAGE)
    return folder


def mirror_files(cfg: Config) -> list[str]:
    """The mirror files (relative paths) a config's report reads."""
    land = LAND_NAMES.get(str(cfg.kreis or "03353")[:2])
    if land is None:
        raise DataError(f"kreis {cfg.kreis}: official Gemeindeverband data (GISD per Land) is recorded "
                        f"for Niedersachsen (03) and Nordrhein-Westfalen (05) only")
    shapefiles = [shp[:-3] + ext for shp in (F_VG5000_GEM, F_VG5000_KRS) for ext in ("shp", "shx", "dbf", "prj", "cpg")]
    files = [*shapefiles, F_VG250_GEM,
             *F_INKAR_GVB.values(), *F_INKAR_KRS.values(),
             F_GISD22_GVB.format(land=land), F_GISD22_KRS.format(land=land), F_GISD22_BUND,
             F_GISD25_GVB.format(land=land)]
    return files


@lru_cache(maxsize=64)
def _file_sha(path: str, size: int, mtime: float) -> str:
    from .fetch import _sha256

    return _sha256(Path(path))


def file_sha(path: Path) -> str:
    """sha256 of a mirror file, computed once per process for an unchanged file."""
    st = path.stat()
    return _file_sha(str(path), st.st_size, st.st_mtime)


def _check_complete(folder: Path, cfg: Config) -> None:
    """Raise :class:`MirrorMissing` naming what is missing and how to get it."""
    files = mirror_files(cfg)
    missing = [rel for rel in files if not (folder / rel).is_file()]
    if missing:
        where = cfg.path or "config/harburg.yml"
        raise MirrorMissing(
            f"{folder}: {len(missing)} of the {len(files)} official files this report reads are missing "
            f"(first: {missing[0]}). Fetch them with `sozialanalyse data fetch --config {where}`, or name a "
            f"complete mirror with SOZIALANALYSE_DATA_MIRROR.")


def _scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None)))


def data_hash(cfg: Config) -> str:
    """sha256 over the sha256 of every mirror file the report reads (computed from the files)."""
    folder = _mirror(cfg)
    h = hashlib.sha256()
    _check_complete(folder, cfg)
    for rel in mirror_files(cfg):
        p = folder / rel
        h.update(f"{rel}\x00{file_sha(p)}\x00".encode())
    h.update(repr(sorted((k, str(v)) for k, v in cfg.as_dict().items() if _scalar(v))).encode())
    return h.hexdigest()


ATTRIBUTED = ("inkar-1998-2019", "gisd-2022", "gisd-2025", "bkg-vg5000-2021", "bkg-vg250-ew-2022")


def _attributions() -> list[dict]:
    """The publishers' attributions the report prints, in German (``report:`` in ``datasets.yml``):
    ``titel``, ``quellenvermerk`` (with the note of changes the licence asks for), ``link`` (the
    publisher's page, which the BKG requires the attribution to link to), ``lizenz``, ``lizenz_url``."""
    from .fetch import load_manifest

    manifest = load_manifest()
    return [dict(manifest["datasets"][key]["report"]) for key in ATTRIBUTED]


def attribution_text(a: dict) -> str:
    """One attribution as plain text.

    >>> attribution_text(_attributions()[3]).startswith("Verwaltungsgebiete 1:5 000 000 (VG5000), Stand 01.01.2021: "
    ...                                                "© GeoBasis-DE / BKG 2021 (Daten verändert")
    True
    """
    return f"{a['titel']}: {a['quellenvermerk']}. Lizenz: {a['lizenz']} ({a['lizenz_url']})"


def attribution_html(a: dict) -> str:
    """One attribution as HTML: the attribution linked to the publisher, the licence to its text."""
    e = html.escape
    return (f"{e(a['titel'])}: <a href=\"{e(a['link'], quote=True)}\">{e(a['quellenvermerk'])}</a>. "
            f"Lizenz: <a href=\"{e(a['lizenz_url'], quote=True)}\">{e(a['lizenz'])}</a>")


@dataclass
class OfficialDistrict:
    """A Landkreis and its Gemeindeverbände from official files (see the module notes)."""

    kreis_id: str
    name: str
    land_id: str
    areas: pd.DataFrame
    geometry: object  # GeoDataFrame of the Gemeindeverbände (EPSG:25832)
    gemeinden: pd.DataFrame  # member Gemeinden: ags, ars9, name, kind, inhabitants
    indicators: pd.DataFrame
    comparison: pd.DataFrame
    mapping: pd.DataFrame
    attributions: list[dict]  # see _attributions
    mirror: Path
    config: Config = field(default_factory=Config)
    #: one reconciliation line per file read: read = used + outside + unmatched + no_value
    loads: pd.DataFrame = field(default_factory=pd.DataFrame)

    #: what :func:`sozialanalyse.build.report.plan` asks of a district (duck-typed with ``District``)
    source = "official"
    synthetic = False

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.indicators["year"].unique())

    @property
    def meta(self) -> dict:
        return {"stand": f"INKAR und GISD {YEARS[0]}–{YEARS[1]}, Gebietsstand VG5000 01.01.2021, "
                         "Einwohner VG250-EW 31.12.2022"}

    def data_hash(self, area_id: str | None = None) -> str:
        """Cache key of the data: the sha256 of every mirror file read (same for every page)."""
        return data_hash(self.config)

    @property
    def report_year(self) -> int:
        return int(self.config.report_year or YEARS[1])

    @property
    def unmatched(self) -> pd.DataFrame:
        return self.mapping[self.mapping["status"] != "ok"]

    def municipalities(self) -> pd.DataFrame:
        """The Gemeindeverbände: area_id (ARS[:9]), name, kind, label, bbsr_key, inhabitants."""
        return self.areas[self.areas["level"] == "gemeindeverband"].reset_index(drop=True)

    def area(self, area_id: str) -> pd.Series:
        hit = self.areas[self.areas["area_id"] == str(area_id)]
        if hit.empty:
            raise DataError(f"unknown area key {area_id!r} (Gemeindeverbände of {self.name}: "
                            f"{', '.join(self.municipalities()['area_id'])})")
        return hit.iloc[0]

    def series(self, indicator: str, area_id: str) -> pd.DataFrame:
        t = self.indicators
        return t[(t["indicator"] == indicator) & (t["area_id"] == area_id)].sort_values("year")

    def value(self, indicator: str, area_id: str, year: int) -> float:
        s = self.series(indicator, area_id)
        s = s[s["year"] == year]
        return float(s["value"].iloc[0]) if len(s) else float("nan")


def _kind(members: pd.DataFrame) -> str:
    if len(members) > 1:
        return "Samtgemeinde"
    return "Stadt" if str(members["kind"].iloc[0]) == "Stadt" else "Einheitsgemeinde"


def _label(kind: str, name: str) -> str:
    return {"Samtgemeinde": f"Samtgemeinde {name}", "Stadt": f"Stadt {name}"}.get(kind, f"Gemeinde {name}")


def _match(keys: pd.DataFrame, reference: pd.DataFrame, source: str) -> pd.DataFrame:
    """Match BBSR keys (columns key, name) to ARS[:9] (reference: area_id, name, n) by name."""
    ref = {}
    for row in reference.itertuples():
        ref.setdefault(normalise_name(row.name), []).append(row.area_id)
    rows = []
    for row in keys.itertuples():
        hits = ref.get(normalise_name(row.name), [])
        status, area = "ok", None
        if len(hits) == 1:
            area = hits[0]
            if area[5] != "5" and row.key != area[:5] + area[6:]:  # verbandsfreie: BBSR key == AGS
                status = f"Name passt, Schlüssel widerspricht (AGS {area[:5] + area[6:]})"
        elif not hits:
            status = "kein Gegenstück (Name nicht gefunden)"
        else:
            status = f"mehrdeutig ({', '.join(hits)})"
        rows.append({"source": source, "source_key": row.key, "source_name": row.name,
                     "area_id": area if status == "ok" else None, "status": status})
    out = pd.DataFrame(rows, columns=["source", "source_key", "source_name", "area_id", "status"])
    used = set(out["area_id"].dropna())
    for row in reference.itertuples():
        if row.area_id not in used:
            out.loc[len(out)] = {"source": source, "source_key": None, "source_name": row.name,
                                 "area_id": row.area_id, "status": "ohne Daten in dieser Quelle"}
    return out


@lru_cache(maxsize=4)
def _load(folder: str, kreis_id: str, cfg: Config) -> OfficialDistrict:
    from . import read_bkg, read_gisd, read_inkar

    m = Path(folder)
    land_id = kreis_id[:2]
    land = LAND_NAMES.get(land_id)
    if land is None:
        raise DataError(f"kreis {kreis_id}: the mirror has Gemeindeverband data for Niedersachsen (03) and "
                        f"Nordrhein-Westfalen (05) only")
    _check_complete(m, cfg)
    loads: list[dict] = []  # the reconciliation line of every file read

    def features(rel: str) -> int:  # rows of a BKG file itself, water rows included (read_bkg drops them)
        import pyogrio

        return int(pyogrio.read_info(m / rel)["features"])

    def reconcile(rel: str, read: int, scope: pd.DataFrame, matched=None, value: str | None = None) -> None:
        """rows read = used + other areas or years + key without partner + without value."""
        ok = pd.Series(True, index=scope.index) if matched is None else matched.reindex(scope.index, fill_value=False)
        has = scope[value].notna() if value else pd.Series(True, index=scope.index)
        loads.append({"file": rel, "read": int(read), "used": int((ok & has).sum()),
                      "outside": int(read - len(scope)), "unmatched": int((~ok).sum()),
                      "no_value": int((ok & ~has).sum())})

    # --- geometry and member Gemeinden (VG5000 2021), inhabitants (VG250-EW 2022)
    gem_all = read_bkg(m / F_VG5000_GEM, to_crs=CRS)
    gem = gem_all[gem_all["ags"].str[:5] == kreis_id].copy()
    reconcile(F_VG5000_GEM, features(F_VG5000_GEM), gem)
    if gem.empty:
        raise DataError(f"{m / F_VG5000_GEM}: no Gemeinde in Kreis {kreis_id}")
    gem["ars9"] = gem["ars"].str[:9]
    ew_all = read_bkg(m / F_VG250_GEM, geometry=False)
    ew = ew_all[ew_all["ags"].str[:5] == kreis_id].copy()
    reconcile(F_VG250_GEM, features(F_VG250_GEM), ew, value="inhabitants")
    ew["ars9"] = ew["ars"].str[:9]
    krs = read_bkg(m / F_VG5000_KRS, geometry=False)
    kreis_row = krs[krs["ags"] == kreis_id]
    if kreis_row.empty:
        raise DataError(f"{m / F_VG5000_KRS}: no Kreis {kreis_id}")
    kreis_name = f"{kreis_row['kind'].iloc[0]} {kreis_row['name'].iloc[0]}"
    mapping = []
    missing_ew = sorted(set(gem["ags"]) - set(ew["ags"]))
    extra_ew = sorted(set(ew["ags"]) - set(gem["ags"]))
    for a in missing_ew:
        mapping.append({"source": "VG250-EW 2022", "source_key": a, "source_name": "", "area_id": None,
                        "status": "Gemeinde aus VG5000 2021 fehlt in VG250-EW 2022"})
    for a in extra_ew:
        mapping.append({"source": "VG250-EW 2022", "source_key": a,
                        "source_name": ew.loc[ew["ags"] == a, "name"].iloc[0], "area_id": None,
                        "status": "Gemeinde aus VG250-EW 2022 fehlt in VG5000 2021"})
    # --- reference names per ARS[:9]: GISD 2025 (ARS[:9] keys), else the single Gemeinde's name
    g25_all = read_gisd(m / F_GISD25_GVB.format(land=land))
    g25_scope = g25_all[g25_all["kreis_id"] == kreis_id]
    reconcile(F_GISD25_GVB.format(land=land), len(g25_all), g25_scope, value="area_name")
    g25 = g25_scope.drop_duplicates("area_id").set_index("area_id")["area_name"]
    groups = []
    for ars9, members in gem.groupby("ars9", sort=True):
        kind = _kind(members)
        name = g25.get(ars9)
        if name is None or pd.isna(name):
            name = members["name"].iloc[0] if len(members) == 1 else f"Samtgemeinde {ars9}"
            mapping.append({"source": "GISD 2025", "source_key": ars9, "source_name": "", "area_id": ars9,
                            "status": "ohne Daten in dieser Quelle"})
        plain = re.sub(r",\s*(Stadt|Hansestadt|Flecken)$", "", str(name)).strip()
        inh = ew.loc[ew["ars9"] == ars9, "inhabitants"]
        groups.append({"area_id": ars9, "name": plain, "kind": kind, "label": _label(kind, plain),
                       "level": "gemeindeverband", "parent_id": kreis_id,
                       "inhabitants": int(inh.sum()) if len(inh) else np.nan,
                       "n_gemeinden": len(members), "gemeinden": ", ".join(sorted(members["name"]))})
    gvb = pd.DataFrame(groups)
    geometry = gem.dissolve(by="ars9", as_index=False)[["ars9", "geometry"]].rename(columns={"ars9": "area_id"})
    geometry = geometry.merge(gvb[["area_id", "name", "label", "kind"]], on="area_id")
    # --- INKAR Gemeindeverband files (8-digit BBSR keys) -> ARS[:9] by name
    frames = []
    key_map: dict[str, str] = {}
    for ind, rel in F_INKAR_GVB.items():
        t_all = read_inkar(m / rel)
        t = t_all[(t_all["area_id"].str[:5] == kreis_id) & t_all["year"].between(*YEARS)]
        keys = t.drop_duplicates("area_id")[["area_id", "area_name"]].rename(columns={"area_id": "key", "area_name": "name"})
        mp = _match(keys, gvb, f"INKAR {Path(rel).stem}")
        mapping.extend(mp.to_dict("records"))
        ok = mp[mp["status"] == "ok"].set_index("source_key")["area_id"]
        key_map.update(ok.to_dict())
        reconcile(rel, len(t_all), t, t["area_id"].isin(set(ok.index)), "value")
        t = t.assign(area_id=t["area_id"].map(ok)).dropna(subset=["area_id"])  # unmatched rows are in mapping
        frames.append(pd.DataFrame({"area_id": t["area_id"], "year": t["year"], "indicator": ind, "value": t["value"],
                                    "unit": INDICATORS[ind]["unit"], "source": SOURCE_INKAR}))
    # --- INKAR Kreis files: the Kreis and the comparison group
    kreise = krs[(krs["ags"].str[:2] == land_id) & (krs["kind"] == "Landkreis")][["ags", "name"]]
    reconcile(F_VG5000_KRS, features(F_VG5000_KRS), krs[krs["ags"].isin(set(kreise["ags"]) | {kreis_id})])
    comp = []
    for ind, rel in F_INKAR_KRS.items():
        t_all = read_inkar(m / rel)
        t = t_all[t_all["area_id"].isin(set(kreise["ags"])) & t_all["year"].between(*YEARS)]
        reconcile(rel, len(t_all), t, value="value")
        missing = sorted(set(kreise["ags"]) - set(t["area_id"]))
        for a in missing:
            mapping.append({"source": f"INKAR {Path(rel).stem}", "source_key": a, "source_name": "",
                            "area_id": a, "status": "Landkreis ohne Daten in dieser Quelle"})
        comp.append(pd.DataFrame({"area_id": t["area_id"], "year": t["year"], "indicator": ind, "value": t["value"],
                                  "unit": INDICATORS[ind]["unit"], "source": SOURCE_INKAR}))
    comp = pd.concat(comp, ignore_index=True)
    gisd_all = read_gisd(m / F_GISD22_BUND)
    gisd_b = gisd_all[gisd_all["area_id"].isin(set(kreise["ags"])) & gisd_all["year"].between(*YEARS)]
    reconcile(F_GISD22_BUND, len(gisd_all), gisd_b, value="gisd_score")
    comp = pd.concat([comp, pd.DataFrame({"area_id": gisd_b["area_id"], "year": gisd_b["year"].astype(int),
                                          "indicator": "gisd_bund", "value": gisd_b["gisd_score"], "unit": "",
                                          "source": SOURCE_GISD + ", Bund"})], ignore_index=True)
    comp = _add_share(comp, SOURCE_OWN)
    comp = comp.merge(kreise.rename(columns={"ags": "area_id"}), on="area_id", how="left")
    # --- GISD 2022 Gemeindeverband (BBSR keys) and Kreis, Niedersachsen scaling
    g22_all = read_gisd(m / F_GISD22_GVB.format(land=land))
    g22 = g22_all[(g22_all["kreis_id"] == kreis_id) & g22_all["year"].between(*YEARS)]
    keys = g22.drop_duplicates("area_id")[["area_id", "area_name"]].rename(columns={"area_id": "key", "area_name": "name"})
    mp = _match(keys, gvb, "GISD 2022 Gemeindeverband")
    mapping.extend(mp.to_dict("records"))
    ok = mp[mp["status"] == "ok"].set_index("source_key")["area_id"]
    reconcile(F_GISD22_GVB.format(land=land), len(g22_all), g22, g22["area_id"].isin(set(ok.index)), "gisd_score")
    g22 = g22.assign(area_id=g22["area_id"].map(ok)).dropna(subset=["area_id"])
    gk_all = read_gisd(m / F_GISD22_KRS.format(land=land))
    gk = gk_all[(gk_all["area_id"] == kreis_id) & gk_all["year"].between(*YEARS)]
    reconcile(F_GISD22_KRS.format(land=land), len(gk_all), gk, value="gisd_score")
    frames.append(pd.DataFrame({"area_id": pd.concat([g22["area_id"], gk["area_id"]]),
                                "year": pd.concat([g22["year"], gk["year"]]).astype(int), "indicator": "gisd_score",
                                "value": pd.concat([g22["gisd_score"], gk["gisd_score"]]), "unit": "",
                                "source": f"{SOURCE_GISD}, {land}"}))
    kreis_comp = comp[comp["area_id"] == kreis_id].drop(columns=["name"])
    frames.append(kreis_comp)
    ind = pd.concat(frames, ignore_index=True)
    ind = _add_share(ind[ind["indicator"] != "arbeitslosenanteil"], SOURCE_OWN)
    ind = ind.dropna(subset=["value"]).sort_values(["indicator", "area_id", "year"]).reset_index(drop=True)
    ind["year"] = ind["year"].astype(int)
    kreis_area = pd.DataFrame([{"area_id": kreis_id, "name": kreis_name, "kind": str(kreis_row["kind"].iloc[0]),
                                "label": kreis_name, "level": "kreis", "parent_id": None,
                                "inhabitants": int(ew["inhabitants"].sum()), "n_gemeinden": len(gem),
                                "gemeinden": ""}])
    gvb["bbsr_key"] = gvb["area_id"].map({v: k for k, v in key_map.items()})
    areas = pd.concat([kreis_area, gvb], ignore_index=True)
    mapping = pd.DataFrame(mapping, columns=["source", "source_key", "source_name", "area_id", "status"])
    loads_df = pd.DataFrame(loads, columns=["file", "read", "used", "outside", "unmatched", "no_value"])
    parts = loads_df[["used", "outside", "unmatched", "no_value"]].sum(axis=1)
    if not (parts == loads_df["read"]).all():  # every row read is accounted for, or the load stops
        bad = loads_df[parts != loads_df["read"]]
        raise DataError("rows read != used + outside + unmatched + without value:\n" + bad.to_string(index=False))
    od = OfficialDistrict(kreis_id=kreis_id, name=kreis_name, land_id=land_id, areas=areas, geometry=geometry,
                          gemeinden=gem.drop(columns="geometry").merge(ew[["ags", "inhabitants"]], on="ags", how="left"),
                          indicators=ind, comparison=comp.dropna(subset=["value"]).reset_index(drop=True),
                          mapping=mapping, attributions=_attributions(), mirror=m, config=cfg, loads=loads_df)
    if len(od.unmatched):
        warnings.warn(f"{kreis_name}: {len(od.unmatched)} key(s) without a partner (see OfficialDistrict.unmatched):\n"
                      + od.unmatched.to_string(index=False), stacklevel=2)
    return od


def _add_share(t: pd.DataFrame, source: str) -> pd.DataFrame:
    """Add ``arbeitslosenanteil`` = Arbeitslose / Einwohner 15–64 × 100 where both exist."""
    a = t[t["indicator"] == "arbeitslose"].set_index(["area_id", "year"])["value"]
    e = t[t["indicator"] == "erwerbsfaehige"].set_index(["area_id", "year"])["value"]
    share = (a / e * 100).dropna()
    if share.empty:
        return t
    new = share.rename("value").reset_index()
    new = new.assign(indicator="arbeitslosenanteil", unit="%", source=source)
    return pd.concat([t, new[t.columns.intersection(new.columns)]], ignore_index=True)


def load_official(config="harburg") -> OfficialDistrict:
    """The :class:`OfficialDistrict` of a config (name, path or dict with ``kreis``)."""
    cfg = as_config(config) if isinstance(config, Mapping) else read_config(config)
    folder = _mirror(cfg)
    kreis_id = str(cfg.kreis or "03353").zfill(5)
    return _load(str(folder), kreis_id, cfg)  # a Config is hashable: the cache key of the load


def load_or_none(config="harburg"):
    """:func:`load_official`, or ``None`` after printing a clear message when there is no mirror
    (the template notebooks then skip their cells)."""
    try:
        return load_official(config)
    except MirrorMissing as exc:
        print(str(exc))
        return None


# ----------------------------------------------------------------------------------------------
# pages
# ----------------------------------------------------------------------------------------------

def _v(ind: str, value) -> str:
    spec = INDICATORS[ind]
    if spec["unit"] == "%":
        return fmt.pct(value, spec["decimals"])
    return fmt.num(value, spec["decimals"], spec["unit"] or None)


def _fig(*args, **kw):
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kw)


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)
    return fig


def intro(od: OfficialDistrict | None):
    """Kreis page: what the report shows."""
    from ..render.tables import text

    if od is None:
        return None
    munis = od.municipalities()
    kinds = munis["kind"].value_counts()
    parts = [f"{kinds.get(k, 0)} {p}" for k, p in (("Stadt", "Städte"), ("Einheitsgemeinde", "Einheitsgemeinden"),
                                                   ("Samtgemeinde", "Samtgemeinden")) if kinds.get(k, 0)]
    md = (f"Der **{html.escape(od.name)}** hat {fmt.num(od.area(od.kreis_id)['inhabitants'])} Einwohnerinnen und "
          f"Einwohner (31.12.2022, BKG VG250-EW) in {fmt.num(len(od.gemeinden))} Gemeinden, die zu "
          f"{len(munis)} Gemeindeverbänden gehören: {', '.join(parts)}. Diese Seiten beruhen ausschließlich auf "
          "amtlichen, offen lizenzierten Daten (INKAR des BBSR, GISD des Robert Koch-Instituts, "
          f"Verwaltungsgrenzen des BKG) für die Jahre {YEARS[0]} bis {YEARS[1]}; verglichen wird mit allen "
          f"{od.comparison['area_id'].nunique()} Landkreisen in {LAND_NAMES[od.land_id]}.\n\n"
          "Der Arbeitslosenanteil ist die Zahl der Arbeitslosen je 100 Einwohner von 15 bis 64 Jahren "
          "(eigene Berechnung aus zwei INKAR-Indikatoren, ab 2001 für die Gemeindeverbände), keine amtliche "
          "Arbeitslosenquote.")
    return text(md)


def gvb_table(od: OfficialDistrict | None, year: int | None = None):
    """Kreis page: one row per Gemeindeverband with the indicators of ``year``."""
    from ..render.tables import table

    if od is None:
        return None
    year = year or od.report_year
    rows = []
    for a in [od.area(od.kreis_id), *[r for _, r in od.municipalities().iterrows()]]:
        rows.append({"Gebiet": a["label"], "Art": a["kind"], "Einwohner 2022": fmt.num(a["inhabitants"]),
                     **{INDICATORS[i]["short"]: _v(i, od.value(i, a["area_id"], year))
                        for i in ("arbeitslosenanteil", "beschaeftigtenquote", "einkommensteuer", "gisd_score")}})
    return table(pd.DataFrame(rows), caption=f"Gemeindeverbände im {od.name}, {year}",
                 footnotes=[("Einwohner: BKG VG250-EW, 31.12.2022. Einkommensteuer je Einwohner gibt es nur "
                            "für Gemeindeverbände (–: kein Kreiswert). GISD-Score: Release 2022, innerhalb "
                            f"{LAND_NAMES[od.land_id]}s skaliert (höher = stärker benachteiligt)."),
                            "Quellen: siehe Quellenangaben unten."])


def indicator_map(od: OfficialDistrict | None, indicator: str = "arbeitslosenanteil", year: int | None = None):
    """Kreis page: a choropleth of ``indicator`` over the Gemeindeverbände."""
    from ..render import figures

    if od is None:
        return None
    year = year or od.report_year
    spec = INDICATORS[indicator]
    gdf = od.geometry.copy()
    gdf["wert"] = [od.value(indicator, a, year) for a in gdf["area_id"]]
    fig, ax = _fig(figsize=(7, 6))
    figures.choropleth(gdf, "wert", ax=ax, k=4, decimals=spec["decimals"], unit=spec["unit"] or None,
                     cmap="YlOrRd" if spec["better"] == "lower" else "YlGnBu", labels="name",
                     title=f"{spec['short']} {year}")
    return _close(fig)


def kreis_comparison(od: OfficialDistrict | None, year: int | None = None):
    """Kreis page: the Kreis among all Landkreise of the Land (table with rank, and a dot plot)."""
    from IPython.display import display

    from ..render.tables import table

    if od is None:
        return None
    year = year or od.report_year
    inds = ["arbeitslosenanteil", "beschaeftigtenquote", "gisd_bund"]
    c = od.comparison[od.comparison["year"] == year]
    rows = []
    fig, axes = _fig(len(inds), 1, figsize=(7, 1.1 * len(inds) + 0.6))
    for ax, ind in zip(np.atleast_1d(axes), inds):
        s = c[c["indicator"] == ind].set_index("area_id")["value"].dropna()
        spec = INDICATORS[ind]
        ascending = spec["better"] != "higher"
        rank = int(s.rank(ascending=ascending, method="min")[od.kreis_id]) if od.kreis_id in s else None
        rows.append({"Indikator": spec["short"], od.name: _v(ind, s.get(od.kreis_id)),
                     "Rang": f"{rank} von {len(s)}" if rank else fmt.MISSING,
                     "Minimum": _v(ind, s.min()), "Median": _v(ind, s.median()), "Maximum": _v(ind, s.max())})
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(s))
        other = s.index != od.kreis_id
        ax.scatter(s[other], jitter[other], s=18, color="#9e9e9e", alpha=0.8)
        ax.scatter(s[~other], jitter[~other] * 0, s=60, color="#c0392b", zorder=3, label=od.name)
        ax.axvline(s.median(), color="#555555", lw=0.8, ls="--")
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.5)
        ax.set_title(spec["short"], fontsize=9, loc="left")
        ax.xaxis.set_major_formatter(fmt.axis_formatter(spec["decimals"],
                                                        "%" if spec["unit"] == "%" else None))
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    fig.suptitle(f"{od.name} (rot) unter den Landkreisen in {LAND_NAMES[od.land_id]}, {year} "
                 "(grau: die anderen Landkreise, Linie: Median)", fontsize=9)
    fig.tight_layout()
    display(table(pd.DataFrame(rows), caption=f"{od.name} im Vergleich der {c['area_id'].nunique()} Landkreise in "
                                              f"{LAND_NAMES[od.land_id]}, {year}",
                  footnotes=[("Rang 1: der günstigste Wert (niedrigster Arbeitslosenanteil und GISD-Score, höchste "
                             "Beschäftigtenquote). Kreisfreie Städte sind nicht im Vergleich."),
                             "Quellen: INKAR (Kreisebene), GISD 2022 Bund Kreis."]))
    return _close(fig)


def trends(od: OfficialDistrict | None):
    """Kreis page: the Kreis over 1998–2019 against the median and range of the Landkreise."""
    if od is None:
        return None
    inds = ["arbeitslosenanteil", "beschaeftigtenquote", "gisd_bund"]
    fig, axes = _fig(1, len(inds), figsize=(10, 3.2))
    for ax, ind in zip(axes, inds):
        spec = INDICATORS[ind]
        c = od.comparison[od.comparison["indicator"] == ind]
        g = c.groupby("year")["value"]
        ax.fill_between(g.min().index, g.min(), g.max(), color="#dddddd", label="Spanne der Landkreise")
        ax.plot(g.median().index, g.median(), color="#777777", ls="--", label="Median der Landkreise")
        k = c[c["area_id"] == od.kreis_id].sort_values("year")
        ax.plot(k["year"], k["value"], color="#c0392b", lw=2, label=od.name)
        ax.set_title(spec["short"], fontsize=9)
        ax.yaxis.set_major_formatter(fmt.axis_formatter(spec["decimals"],
                                                        "%" if spec["unit"] == "%" else None))
        ax.set_xlim(YEARS)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].legend(fontsize=7, frameon=False, loc="upper right")
    fig.suptitle(f"Entwicklung {YEARS[0]}–{YEARS[1]}", fontsize=10)
    fig.tight_layout()
    return _close(fig)


def gvb_trends(od: OfficialDistrict | None, indicator: str = "arbeitslosenanteil"):
    """Kreis page: ``indicator`` over the years for every Gemeindeverband and the Kreis."""
    if od is None:
        return None
    spec = INDICATORS[indicator]
    fig, ax = _fig(figsize=(8, 3.8))
    for a in od.municipalities().itertuples():
        s = od.series(indicator, a.area_id)
        ax.plot(s["year"], s["value"], lw=1, alpha=0.8, label=a.name)
    s = od.series(indicator, od.kreis_id)
    if len(s):
        ax.plot(s["year"], s["value"], lw=2.5, color="black", label=od.name)
    ax.set_title(f"{spec['short']} der Gemeindeverbände", fontsize=10)
    ax.yaxis.set_major_formatter(fmt.axis_formatter(spec["decimals"],
                                                    "%" if spec["unit"] == "%" else spec["unit"] or None))
    ax.legend(fontsize=7, frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return _close(fig)


def mapping_table(od: OfficialDistrict | None):
    """Kreis page: how the keys of the sources were matched, and everything unmatched."""
    from IPython.display import display

    from ..render.tables import note, table

    if od is None:
        return None
    munis = od.municipalities()
    display(table(pd.DataFrame({"Gemeindeverband": munis["label"], "ARS (9 Stellen)": munis["area_id"],
                                "BBSR-Schlüssel (INKAR, GISD 2022)": munis["bbsr_key"].fillna(fmt.MISSING),
                                "Gemeinden": munis["n_gemeinden"].map(fmt.num)}),
                  caption="Schlüssel der Gemeindeverbände", align_right=["Gemeinden"],
                  footnotes=[("INKAR und GISD 2022 verwenden achtstellige BBSR-Schlüssel (Kreis + 3 Stellen, 9xx für "
                             "Samtgemeinden), die Verwaltungsgrenzen den Regionalschlüssel (ARS, erste 9 Stellen). "
                             "Zugeordnet wird über den Namen innerhalb des Kreises (Namen aus GISD 2025, das den ARS "
                             "verwendet); bei verbandsfreien Gemeinden wird zusätzlich BBSR-Schlüssel = AGS geprüft.")]))
    un = od.unmatched
    if un.empty:
        return note("Alle Schlüssel aller Quellen wurden zugeordnet; kein Gebiet fehlt.")
    return table(un.rename(columns={"source": "Quelle", "source_key": "Schlüssel", "source_name": "Name",
                                    "area_id": "ARS", "status": "Status"}).fillna(fmt.MISSING),
                 caption="Nicht zugeordnete Schlüssel (nicht verwendet)")


def reconciliation_table(od: OfficialDistrict | None):
    """Every file read, reconciled: Zeilen gelesen = verwendet + anderes Gebiet/Jahr + Schlüssel ohne
    Gegenstück + ohne Wert. Nothing read disappears without being counted."""
    from ..render.tables import table

    if od is None or od.loads.empty:
        return None
    t = od.loads
    df = pd.DataFrame({"Datei": t["file"], "gelesen": t["read"].map(fmt.num), "verwendet": t["used"].map(fmt.num),
                       "anderes Gebiet oder Jahr": t["outside"].map(fmt.num),
                       "Schlüssel ohne Gegenstück": t["unmatched"].map(fmt.num),
                       "ohne Wert": t["no_value"].map(fmt.num)})
    return table(df, caption="Abgleich je Datei: gelesene Zeilen = verwendet + anderes Gebiet oder Jahr + "
                             "Schlüssel ohne Gegenstück + ohne Wert",
                 footnotes=[("Eine Zeile ist ein Wert für ein Gebiet und ein Jahr (bei Grenzdateien ein Gebiet). "
                             "„Anderes Gebiet oder Jahr“: Gebiete außerhalb des Landkreises (bei den Vergleichsdaten: "
                             "außerhalb der Landkreise des Landes), Jahre außerhalb 1998–2019 und die Gewässerflächen "
                             "der Grenzdateien. „Ohne Wert“: in der Quelle leer.")],
                 # numbers of file rows, not of persons: no disclosure control applies
                 kinds={c: "text" for c in df.columns[1:]})


def attribution(od: OfficialDistrict | None = None, **parameters):
    """Every page: the publishers' attributions and the page's parameters."""
    from IPython.display import HTML

    lines = od.attributions if od is not None else _attributions()
    items = "".join(f"<li>{attribution_html(a)}</li>" for a in lines)
    shown = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())
    return HTML('<div class="sa-attribution"><p><strong>Quellenangaben</strong></p><ul>' + items + "</ul>"
                '<p class="sa-footnote">Die Dateien wurden unverändert von ihren Herausgebern übernommen '
                "(Prüfsummen auf der Seite „Herkunft und Nachvollziehbarkeit“); die Zuordnung der Gebiete, "
                "die zu Gemeindeverbänden zusammengefassten Grenzen und Einwohnerzahlen, Summen und der "
                "Arbeitslosenanteil sind eigene Berechnungen.</p>"
                + (f'<p class="sa-footnote sa-parameters">Parameter dieser Seite: <code>{html.escape(shown)}</code>.</p>'
                   if shown else "") + "</div>")


def profile_intro(od: OfficialDistrict | None, area_id: str):
    """Profile page: what the Gemeindeverband is."""
    from ..render.tables import text

    if od is None:
        return None
    a = od.area(area_id)
    kreis = od.area(od.kreis_id)
    share = a["inhabitants"] / kreis["inhabitants"] * 100
    kind = {"Samtgemeinde": f"eine Samtgemeinde aus {a['n_gemeinden']} Gemeinden ({html.escape(a['gemeinden'])})",
            "Stadt": "eine verbandsfreie Stadt", "Einheitsgemeinde": "eine Einheitsgemeinde"}[a["kind"]]
    return text(f"**{html.escape(a['label'])}** ist {kind} im {html.escape(od.name)} mit "
                f"{fmt.num(a['inhabitants'])} Einwohnerinnen und Einwohnern am 31.12.2022 "
                f"({fmt.pct(share)} des Kreises). Regionalschlüssel (ARS, 9 Stellen) {a['area_id']}, "
                f"BBSR-Schlüssel in INKAR und GISD {a['bbsr_key'] if isinstance(a['bbsr_key'], str) else fmt.MISSING}.")


def profile_key_figures(od: OfficialDistrict | None, area_id: str, year: int | None = None):
    """Profile page: the indicators of ``year`` beside the Kreis and the rank within the Kreis."""
    from ..render.tables import table

    if od is None:
        return None
    year = year or od.report_year
    n = len(od.municipalities())
    rows = []
    for ind in ("arbeitslosenanteil", "arbeitslose", "beschaeftigtenquote", "einkommensteuer", "gisd_score"):
        spec = INDICATORS[ind]
        t = od.indicators[(od.indicators["indicator"] == ind) & (od.indicators["year"] == year)]
        own = t.set_index("area_id")["value"]
        gv = own[own.index.isin(od.municipalities()["area_id"])]
        rank = fmt.MISSING
        if area_id in gv and ind != "arbeitslose":
            rank = f"{int(gv.rank(ascending=spec['better'] != 'higher', method='min')[area_id])} von {n}"
        rows.append({"Indikator": spec["short"], "Gemeindeverband": _v(ind, own.get(area_id)),
                     od.name: _v(ind, own.get(od.kreis_id)), "Rang im Kreis": rank})
    return table(pd.DataFrame(rows), caption=f"{od.area(area_id)['label']}: Kennzahlen {year}",
                 footnotes=[("Rang 1: der günstigste Wert unter den Gemeindeverbänden des Kreises. –: keine Angabe "
                            "(Einkommensteuer je Einwohner gibt es in INKAR nicht auf Kreisebene)."),
                            "Quellen: INKAR (BBSR), GISD 2022 (RKI); Arbeitslosenanteil: eigene Berechnung."])


def profile_trends(od: OfficialDistrict | None, area_id: str):
    """Profile page: four indicators over the years, the Gemeindeverband beside the Kreis."""
    if od is None:
        return None
    inds = ["arbeitslosenanteil", "beschaeftigtenquote", "einkommensteuer", "gisd_score"]
    fig, axes = _fig(2, 2, figsize=(8.5, 5.6))
    a = od.area(area_id)
    for ax, ind in zip(axes.ravel(), inds):
        spec = INDICATORS[ind]
        others = od.indicators[(od.indicators["indicator"] == ind)
                               & od.indicators["area_id"].isin(od.municipalities()["area_id"])]
        g = others.groupby("year")["value"]
        if len(others):
            ax.fill_between(g.min().index, g.min(), g.max(), color="#e3e3e3", label="Spanne der Gemeindeverbände")
        s = od.series(ind, od.kreis_id)
        if len(s):
            ax.plot(s["year"], s["value"], color="#555555", ls="--", label=od.name)
        s = od.series(ind, area_id)
        ax.plot(s["year"], s["value"], color="#1f5fa8", lw=2, label=a["name"])
        ax.set_title(spec["short"], fontsize=9)
        ax.set_xlim(YEARS)
        ax.yaxis.set_major_formatter(fmt.axis_formatter(spec["decimals"],
                                                        "%" if spec["unit"] == "%" else spec["unit"] or None))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0, 0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"{a['label']}: Entwicklung {YEARS[0]}–{YEARS[1]}", fontsize=10)
    fig.tight_layout()
    return _close(fig)


def locator(od: OfficialDistrict | None, area_id: str):
    """Profile page: the Gemeindeverbände of the Kreis, ``area_id`` highlighted."""
    if od is None:
        return None
    fig, ax = _fig(figsize=(3.6, 3.6))
    geo = od.geometry
    geo.plot(ax=ax, color="#e4e4e4", edgecolor="white", linewidth=0.8)
    geo[geo["area_id"] == area_id].plot(ax=ax, color="#1f5fa8", edgecolor="white", linewidth=0.8)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(f"Lage im {od.name}", fontsize=9)
    return _close(fig)
