"""A report from official open data: one Landkreis at Gemeindeverband level.

:func:`load_official` reads the files of the local mirror (:func:`sozialanalyse.io.mirror_dir`,
see ``/work/shared/data/README.md`` and ``sozialanalyse/datasets.yml``) for the Kreis a config
names (``kreis: "03353"`` in ``config/harburg.yml``: Landkreis Harburg) and returns a
:class:`~sozialanalyse.model.district.District` of kind ``"official"`` (io floor; the pages that
show it are :mod:`sozialanalyse.pages.amtlich_kreis` and :mod:`sozialanalyse.pages.amtlich_profil`):

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
Every key of every source that finds no partner is kept in :attr:`District.mapping`
with a status other than ``ok`` (listed on the Kreis page, warned about): nothing is dropped
silently.

Names (``GEN``, ``BEZ`` of BKG, the area names of INKAR and GISD) are read as the publisher wrote
them, except for bidirectional control characters (:data:`sozialanalyse.model.names.BIDI_CONTROLS`,
visual spoofing): those are removed before the names are matched or shown, with a warning naming
file, key, column and character (``U+202E``), as the keys without a partner are warned about. The
files are the publisher's and cannot be corrected by the user, so the Kreis is not refused for them.

The indicators (:data:`INDICATORS`) are not those of ``stats/catalog.yml``: the catalog defines
rates computed from the counts of the own format (numerator and denominator per base area), these
are values as INKAR and GISD publish them (INKAR's definitions and reference populations, GISD
scores), plus the one share computed here from two INKAR indicators.
"""
from __future__ import annotations

import html
import re
import warnings
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import names as _names
from ..model.config import Config, as_config, read_config
from ..model.district import OFFICIAL, District
from ..model.errors import DataError
from .bkg import read_bkg
from .gisd import read_gisd
from .inkar import read_inkar
from .mirror import file_sha, files_hash, load_manifest, mirror_dir

__all__ = [
    "INDICATORS",
    "LAND_NAMES",
    "YEARS",
    "MirrorMissing",
    "attribution_html",
    "attribution_text",
    "attributions",
    "data_hash",
    "file_sha",
    "load_official",
    "load_or_none",
    "mirror_files",
    "normalise_name",
]

CRS = "EPSG:25832"
YEARS = (1998, 2019)

#: The indicators of the pages: label, unit, decimals, direction ("higher" is worse/better).
#: INKAR's and GISD's own definitions, not computed from counts: hence not in ``stats/catalog.yml``.
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
#: The comparison set of all German Landkreise (page Vergleichskreise,
#: :mod:`sozialanalyse.planning.peers`): Einwohner and area of every Kreis, INKAR Kreis files.
F_VG250_KRS = "bkg-vg250-ew-2022/VG250_KRS.dbf"
F_PEERS_INKAR = {
    "beschaeftigtenquote": "inkar-1998-2019/Indikatoren_Kreisebene/A_BeschaeftigtenquoteKreis.xlsx",
    "arbeitslose": "inkar-1998-2019/Indikatoren_Kreisebene/A_ArbeitslosigkeitKreis.xlsx",
    "erwerbsfaehige": "inkar-1998-2019/Indikatoren_Kreisebene/A_ErwerbsfaehigeBevoelkerungKreis.xlsx",
    "haushaltseinkommen": "inkar-1998-2019/E_Haushaltseinkommen.xlsx",
    "bruttoverdienst": "inkar-1998-2019/A_Bruttoverdienst.xlsx",
    "schuldnerquote": "inkar-1998-2019/E_Schuldnerquote.xlsx",
    "schulabgaenger_ohne_abschluss": "inkar-1998-2019/B_SchulabgaengerohneAbschluss.xlsx",
    "schulabgaenger_hochschulreife": "inkar-1998-2019/B_SchulabgaengermitHochschulreife.xlsx",
}
LAND_NAMES = {"03": "Niedersachsen", "05": "Nordrhein-Westfalen"}
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
    explicit = cfg.mirror if cfg is not None else None
    try:
        folder = mirror_dir(explicit) if explicit else mirror_dir()
    except FileNotFoundError as exc:
        raise MirrorMissing(str(exc)) from exc
    if folder is None:
        raise MirrorMissing(MISSING_MESSAGE)
    return folder


def _kreis_id(cfg: Config) -> str:
    """The Kreis key of a config of official data (``kreis:``); a config without one is refused."""
    if not cfg.kreis:
        raise DataError(f"{cfg.path or 'config'}: source: official needs 'kreis' (the 5-digit key of the "
                        "Landkreis, e.g. kreis: \"03353\")")
    return str(cfg.kreis).zfill(5)


def mirror_files(cfg: Config) -> list[str]:
    """The mirror files (relative paths) a config's report reads."""
    land = LAND_NAMES.get(_kreis_id(cfg)[:2])
    if land is None:
        raise DataError(f"kreis {cfg.kreis}: official Gemeindeverband data (GISD per Land) is recorded "
                        f"for Niedersachsen (03) and Nordrhein-Westfalen (05) only")
    shapefiles = [shp[:-3] + ext for shp in (F_VG5000_GEM, F_VG5000_KRS) for ext in ("shp", "shx", "dbf", "prj", "cpg")]
    files = [*shapefiles, F_VG250_GEM,
             *F_INKAR_GVB.values(), *F_INKAR_KRS.values(),
             F_GISD22_GVB.format(land=land), F_GISD22_KRS.format(land=land), F_GISD22_BUND,
             F_GISD25_GVB.format(land=land)]
    files += [f for f in (F_VG250_KRS, *F_PEERS_INKAR.values()) if f not in files]
    return files


def _check_complete(folder: Path, cfg: Config) -> None:
    """Raise :class:`MirrorMissing` naming what is missing and how to get it."""
    files = mirror_files(cfg)
    missing = [rel for rel in files if not (folder / rel).is_file()]
    if missing:
        where = cfg.path or "<config>"
        raise MirrorMissing(
            f"{folder}: {len(missing)} of the {len(files)} official files this report reads are missing "
            f"(first: {missing[0]}). Fetch them with `sozialanalyse data fetch --config {where}`, or name a "
            f"complete mirror with SOZIALANALYSE_DATA_MIRROR.")


def _scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None)))


def data_hash(cfg: Config) -> str:
    """sha256 over the sha256 of every mirror file the report reads (computed from the files)."""
    folder = _mirror(cfg)
    _check_complete(folder, cfg)
    return files_hash(folder, mirror_files(cfg), {k: v for k, v in cfg.as_dict().items() if _scalar(v)})


ATTRIBUTED = ("inkar-1998-2019", "gisd-2022", "gisd-2025", "bkg-vg5000-2021", "bkg-vg250-ew-2022")


def attributions() -> list[dict]:
    """The publishers' attributions the report prints, in German (``report:`` in ``datasets.yml``):
    ``titel``, ``quellenvermerk`` (with the note of changes the licence asks for), ``link`` (the
    publisher's page, which the BKG requires the attribution to link to), ``lizenz``, ``lizenz_url``."""
    manifest = load_manifest()
    return [dict(manifest["datasets"][key]["report"]) for key in ATTRIBUTED]


def attribution_text(a: dict) -> str:
    """One attribution as plain text.

    >>> attribution_text(attributions()[3]).startswith("Verwaltungsgebiete 1:5 000 000 (VG5000), Stand 01.01.2021: "
    ...                                                "© GeoBasis-DE / BKG 2021 (Daten verändert")
    True
    """
    return f"{a['titel']}: {a['quellenvermerk']}. Lizenz: {a['lizenz']} ({a['lizenz_url']})"


def attribution_html(a: dict) -> str:
    """One attribution as HTML: the attribution linked to the publisher, the licence to its text."""
    e = html.escape
    return (f"{e(a['titel'])}: <a href=\"{e(a['link'], quote=True)}\">{e(a['quellenvermerk'])}</a>. "
            f"Lizenz: <a href=\"{e(a['lizenz_url'], quote=True)}\">{e(a['lizenz'])}</a>")


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
def _load(folder: str, kreis_id: str, cfg: Config) -> District:
    m = Path(folder)
    land_id = kreis_id[:2]
    land = LAND_NAMES.get(land_id)
    if land is None:
        raise DataError(f"kreis {kreis_id}: the mirror has Gemeindeverband data for Niedersachsen (03) and "
                        f"Nordrhein-Westfalen (05) only")
    _check_complete(m, cfg)
    loads: list[dict] = []  # the reconciliation line of every file read
    stripped: dict[str, None] = {}  # names with bidirectional control characters removed (warned about)

    def without_bidi(frame: pd.DataFrame, rel: str) -> pd.DataFrame:
        """``frame`` (read from ``rel``) without bidirectional control characters in its names."""
        key = "ags" if "ags" in frame.columns else "area_id"
        for col in ("name", "kind", "area_name"):
            if col not in frame.columns:
                continue
            text = frame[col]
            hit = text.str.contains(_names.PATTERN, regex=True, na=False).astype(bool)
            if hit.any():
                for k, v in zip(frame.loc[hit, key], text[hit]):
                    stripped[f"{rel}, key {k}, column {col}: {_names.describe(v)}"] = None
                frame = frame.assign(**{col: text.where(~hit, text[hit].map(_names.strip))})
        return frame

    def features(rel: str) -> int:  # rows of a BKG file itself, water rows included (read_bkg drops them)
        import pyogrio  # pyogrio: GIS stack, loaded only where geometry is read

        return int(pyogrio.read_info(m / rel)["features"])

    def reconcile(rel: str, read: int, scope: pd.DataFrame, matched=None, value: str | None = None) -> None:
        """rows read = used + other areas or years + key without partner + without value."""
        ok = pd.Series(True, index=scope.index) if matched is None else matched.reindex(scope.index, fill_value=False)
        has = scope[value].notna() if value else pd.Series(True, index=scope.index)
        loads.append({"file": rel, "read": int(read), "used": int((ok & has).sum()),
                      "outside": int(read - len(scope)), "unmatched": int((~ok).sum()),
                      "no_value": int((ok & ~has).sum())})

    # --- geometry and member Gemeinden (VG5000 2021), inhabitants (VG250-EW 2022)
    gem_all = without_bidi(read_bkg(m / F_VG5000_GEM, to_crs=CRS), F_VG5000_GEM)
    gem = gem_all[gem_all["ags"].str[:5] == kreis_id].copy()
    reconcile(F_VG5000_GEM, features(F_VG5000_GEM), gem)
    if gem.empty:
        raise DataError(f"{m / F_VG5000_GEM}: no Gemeinde in Kreis {kreis_id}")
    gem["ars9"] = gem["ars"].str[:9]
    ew_all = without_bidi(read_bkg(m / F_VG250_GEM, geometry=False), F_VG250_GEM)
    ew = ew_all[ew_all["ags"].str[:5] == kreis_id].copy()
    reconcile(F_VG250_GEM, features(F_VG250_GEM), ew, value="inhabitants")
    ew["ars9"] = ew["ars"].str[:9]
    krs = without_bidi(read_bkg(m / F_VG5000_KRS, geometry=False), F_VG5000_KRS)
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
    g25_all = without_bidi(read_gisd(m / F_GISD25_GVB.format(land=land)), F_GISD25_GVB.format(land=land))
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
        t_all = without_bidi(read_inkar(m / rel), rel)
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
        t_all = without_bidi(read_inkar(m / rel), rel)
        t = t_all[t_all["area_id"].isin(set(kreise["ags"])) & t_all["year"].between(*YEARS)]
        reconcile(rel, len(t_all), t, value="value")
        missing = sorted(set(kreise["ags"]) - set(t["area_id"]))
        for a in missing:
            mapping.append({"source": f"INKAR {Path(rel).stem}", "source_key": a, "source_name": "",
                            "area_id": a, "status": "Landkreis ohne Daten in dieser Quelle"})
        comp.append(pd.DataFrame({"area_id": t["area_id"], "year": t["year"], "indicator": ind, "value": t["value"],
                                  "unit": INDICATORS[ind]["unit"], "source": SOURCE_INKAR}))
    comp = pd.concat(comp, ignore_index=True)
    gisd_all = without_bidi(read_gisd(m / F_GISD22_BUND), F_GISD22_BUND)
    gisd_b = gisd_all[gisd_all["area_id"].isin(set(kreise["ags"])) & gisd_all["year"].between(*YEARS)]
    reconcile(F_GISD22_BUND, len(gisd_all), gisd_b, value="gisd_score")
    comp = pd.concat([comp, pd.DataFrame({"area_id": gisd_b["area_id"], "year": gisd_b["year"].astype(int),
                                          "indicator": "gisd_bund", "value": gisd_b["gisd_score"], "unit": "",
                                          "source": SOURCE_GISD + ", Bund"})], ignore_index=True)
    comp = _add_share(comp, SOURCE_OWN)
    comp = comp.merge(kreise.rename(columns={"ags": "area_id"}), on="area_id", how="left")
    # --- GISD 2022 Gemeindeverband (BBSR keys) and Kreis, Niedersachsen scaling
    g22_all = without_bidi(read_gisd(m / F_GISD22_GVB.format(land=land)), F_GISD22_GVB.format(land=land))
    g22 = g22_all[(g22_all["kreis_id"] == kreis_id) & g22_all["year"].between(*YEARS)]
    keys = g22.drop_duplicates("area_id")[["area_id", "area_name"]].rename(columns={"area_id": "key", "area_name": "name"})
    mp = _match(keys, gvb, "GISD 2022 Gemeindeverband")
    mapping.extend(mp.to_dict("records"))
    ok = mp[mp["status"] == "ok"].set_index("source_key")["area_id"]
    reconcile(F_GISD22_GVB.format(land=land), len(g22_all), g22, g22["area_id"].isin(set(ok.index)), "gisd_score")
    g22 = g22.assign(area_id=g22["area_id"].map(ok)).dropna(subset=["area_id"])
    gk_all = without_bidi(read_gisd(m / F_GISD22_KRS.format(land=land)), F_GISD22_KRS.format(land=land))
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
    meta = {"stand": f"INKAR und GISD {YEARS[0]}–{YEARS[1]}, Gebietsstand VG5000 01.01.2021, "
                     "Einwohner VG250-EW 31.12.2022"}
    od = District(kind=OFFICIAL, areas=areas, boundaries=geometry, meta=meta, config=cfg,
                  gemeinden=gem.drop(columns="geometry").merge(ew[["ags", "inhabitants"]], on="ags", how="left"),
                  indicators=ind, comparison=comp.dropna(subset=["value"]).reset_index(drop=True),
                  mapping=mapping, attributions=attributions(), mirror=m, loads=loads_df)
    if len(od.unmatched):
        warnings.warn(f"{kreis_name}: {len(od.unmatched)} key(s) without a partner (see District.unmatched):\n"
                      + od.unmatched.to_string(index=False), stacklevel=2)
    if stripped:
        listed = list(stripped)
        more = f"\n... and {len(listed) - 10} more" if len(listed) > 10 else ""
        warnings.warn(f"{kreis_name}: bidirectional control characters (visual spoofing) removed from "
                      f"{len(listed)} name(s) of the official data:\n" + "\n".join(listed[:10]) + more,
                      stacklevel=2)
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


def load_official(config) -> District:
    """The :class:`~sozialanalyse.model.district.District` (kind ``"official"``) of a config: its
    name (``"harburg"``), its path, the :class:`~sozialanalyse.model.config.Config`, or a mapping
    with ``kreis``."""
    cfg = as_config(config) if isinstance(config, Mapping) else read_config(config)
    folder = _mirror(cfg)
    kreis_id = _kreis_id(cfg)
    return _load(str(folder), kreis_id, cfg)  # a Config is hashable: the cache key of the load


def load_or_none(config):
    """:func:`load_official`, or ``None`` after printing a clear message when there is no mirror
    (the template notebooks then skip their cells)."""
    try:
        return load_official(config)
    except MirrorMissing as exc:
        print(str(exc))
        return None
