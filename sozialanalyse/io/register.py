"""Register microdata (Melderegister extract) -> small-area counts in the project's long format.

A register extract has **one row per person** with these columns (other names are mapped with
``columns={"GEBJAHR": "birth_year", ...}``; extra columns are ignored):

=================  ==========================================================================
``birth_year``     year of birth (integer)
``sex``            ``m`` / ``w`` (also ``männlich``/``weiblich``, ``f``, ``1``/``2``); ``d``, ``x``,
                   ``divers``, ``ohne Angabe``, ``unbestimmt`` are kept apart (see below)
``nationality``    ``deutsch`` / ``nichtdeutsch``, or a country code (rules below)
``household_id``   household key (persons with the same key live in one household)
``street_key``     street key (*Straßenschlüssel*), with ``house_number`` (``12``, ``12a``, ``12 b``)
``block_key``      or a block key (*Baublock*) instead of street + house number
``person_id``      optional: the person's key in the register; if given, a key that occurs more
                   than once refuses the extract (a person is never counted twice)
=================  ==========================================================================

Addresses are assigned to Sozialräume through a **street directory** (a CSV/Parquet file or a
DataFrame) with one row per street section or block::

    street_key, number_from, number_to, side, block_key, area_id
    0815,       1,           99,        odd,  ,          03499001-01
    0815,       2,           98,        even, ,          03499001-02
    4711,       ,            ,          all,  ,          03499001-01   (whole street)
    ,           ,            ,          ,     B17,       03499001-03   (a block)

``side`` is ``odd``/``even``/``all`` (German ``ungerade``/``gerade``/``alle``, ``u``/``g``/``a``);
empty ``number_from``/``number_to`` mean "from 1" / "to the end". The number of an address is the
leading integer of its house number (``12a`` -> 12). A **whole-street** row (both numbers empty,
side ``all``) matches every address of the street, also one with no house number or one without
a leading number (``a12``, ``o. Nr.``); every other section matches only addresses that have a
number, so an address without one on such a street stays unmatched (and listed). Sections of a
street must not overlap: an address that two sections match would be counted twice, so the
directory is rejected.

Output (``RegisterResult.counts``): ``area_id, year, variable, age_group, sex, nationality, type,
value`` with

* ``einwohner`` by ``age_group`` (the 19 bands of :data:`sozialanalyse.model.areas.AGE_GROUPS`) x
  ``sex`` x ``nationality``, for every Sozialraum of the directory (zeros included);
* ``haushalte`` by ``type``, derived from the composition of each household.

Age is the age reached on 31.12. of ``year`` (``year - birth_year``).

Sex and nationality (exact rules)
---------------------------------
Values are compared trimmed and case-insensitively.

* Sex ``m``, ``männlich``, ``1`` -> m; ``w``, ``weiblich``, ``f``, ``2`` -> w. ``d``, ``x``,
  ``divers``, ``ohne Angabe``, ``unbestimmt`` (the entries possible since 2018, § 22 (3) PStG) are
  not in the m/w tables: Destatis assigns such persons at random to male or female in its
  population tables, which this module does not do. They are counted in
  ``summary["invalid"]["sex d/x (not in the m/w tables)"]`` instead, so none is silently lost
  (their households are counted as usual). Anything else is ``sex missing or not m/w/d/x``.
* Nationality ``deutsch``, ``d``, ``1``, ``DE``, ``DEU``, ``000`` (the Destatis key of Germany)
  -> deutsch. ``nichtdeutsch``, ``nd``, ``2``, ``staatenlos``, ``ungeklärt`` -> nichtdeutsch
  (stateless persons and persons of unclear nationality are foreigners in official statistics);
  so is every other three-digit Destatis key (``163`` Türkei, ``997`` staatenlos, ``998``
  ungeklärt) except ``999`` (ohne Angabe), every other ISO 3166-1 alpha-2 or alpha-3 code
  (``TR``, ``TUR``), Kosovo ``XK``/``XKX`` and the ICAO codes ``XXA``, ``XXB``, ``XXC``, ``XXX``.
  ``NA`` counts as missing, not as Namibia (write ``NAM``), and ISO *numeric* codes are not
  recognised (``276`` would be read as a Destatis key: map them beforehand). Anything else, ``999``
  and an empty value are ``nationality not deutsch/nichtdeutsch``.

Household types (derivation rules)
----------------------------------
A *child* is a member aged under 18, an *adult* 18 or older. For each household (all rows
sharing a ``household_id``):

1. one member, aged under 65 -> ``einpersonen_unter65``; aged 65 or older -> ``einpersonen_65plus``;
2. exactly two adults whose ages differ by at most :data:`COUPLE_MAX_AGE_GAP` years and no
   other member -> ``paare_ohne_kinder``;
3. exactly two such adults and one or more children -> ``paare_mit_kindern``;
4. exactly one adult and one or more children -> ``alleinerziehende``;
5. everything else -> ``sonstige`` (three or more adults, two adults of different generations,
   children without an adult, a member without a valid birth year).

A register carries no relationship between members, so these rules are approximations of the
census definitions (a grandparent living with a grandchild counts as ``alleinerziehende``; two
flatmates of similar age count as a couple). A household is counted at the address of its
members; if its members are registered at different addresses it is counted at the first of
them (in the sort order of the address key: blocks before streets, then street key and house
number as text) **that matches a Sozialraum**, so a member without an address or at an unknown
address does not pull the household out of the counts. Only if no member's address matches is
the household unmatched. The number of households at split addresses is reported
(``summary["households_split_address"]``).

Nothing is dropped
------------------
Persons whose address matches no section of the directory are **not** in ``counts``; they are
listed per address in ``RegisterResult.unmatched`` (with persons and households) and counted in
``RegisterResult.summary``. Persons with an invalid birth year, sex or nationality (or sex d/x)
are counted per reason in ``summary["invalid"]``, under the first that applies in this order:
birth year, sex, sex d/x, nationality; :meth:`RegisterResult.report` names the first lines (rows)
of each reason but sex d/x. The summary always reconciles:
``persons_read = persons_counted + persons_unmatched + persons_invalid``.

Files larger than memory are streamed by DuckDB (CSV, gzip-compressed CSV, Parquet; a glob like
``extract/*.parquet`` reads many files), with a memory limit beyond which it spills to disk.
CSV files are UTF-8 unless ``encoding`` says otherwise (``latin-1``, ``cp1252``, ...). A file
that does not decode, a malformed file or too little memory is a :class:`DataError` naming the
file and what to do, never a traceback; error messages never quote a record.

Nothing is invented either
--------------------------
* A CSV line that cannot be read (more or fewer fields than the header, a broken quote, bytes
  that do not decode) refuses the extract: the :class:`DataError` gives the number of such lines
  and the first of them by file, line number and column. The delimiter (``,``, ``;``, tab or
  ``|``) is taken from the header line; fields are quoted with ``"``.
* A ``person_id`` that occurs more than once refuses the extract, with the number of such keys
  and the lines (rows) of the first of them.
* :meth:`RegisterResult.write` refuses (and writes nothing) if the extract holds no person (an
  empty file or a header alone) or if no person matches a Sozialraum; if a Sozialraum key of the
  street directory is not in the folder's ``areas.csv`` (with a hint when it is a key of
  ``areas.csv`` that lost its leading zero); and if the folder already holds counts of the year
  for the directory's Sozialräume, unless ``replace=True`` (``--replace``).

Examples
--------
>>> import pandas as pd
>>> persons = pd.DataFrame({
...     "birth_year": [1980, 1982, 2015, 1950, 1990],
...     "sex": ["w", "m", "w", "m", "m"],
...     "nationality": ["deutsch"] * 4 + ["nichtdeutsch"],
...     "household_id": ["h1", "h1", "h1", "h2", "h3"],
...     "street_key": ["0815", "0815", "0815", "0815", "9999"],
...     "house_number": ["3", "3", "3", "4a", "1"]})
>>> directory = pd.DataFrame({"street_key": ["0815", "0815"], "number_from": [1, 2],
...     "number_to": [99, 98], "side": ["odd", "even"], "area_id": ["03499001-01", "03499001-02"]})
>>> r = aggregate_register(persons, directory, year=2024)
>>> r.summary["persons_counted"], r.summary["persons_unmatched"]
(4, 1)
>>> hh = r.counts[(r.counts["variable"] == "haushalte") & (r.counts["value"] > 0)]
>>> hh[["area_id", "type", "value"]].to_records(index=False).tolist()
[('03499001-01', 'paare_mit_kindern', 1), ('03499001-02', 'einpersonen_65plus', 1)]
>>> r.unmatched[["street_key", "house_number", "persons", "households"]].to_records(index=False).tolist()
[('9999', '1', 1, 1)]
"""
from __future__ import annotations

import codecs
import csv
import glob
import gzip
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..model.areas import AGE_GROUPS
from ..model.errors import DataError
from .tables import read_table, table_path, year_range

__all__ = [
    "COUPLE_MAX_AGE_GAP",
    "HOUSEHOLD_TYPES",
    "NATIONALITY_FOREIGN_CODES",
    "NATIONALITY_FOREIGN_WORDS",
    "NATIONALITY_GERMAN",
    "REGISTER_COLUMNS",
    "RegisterResult",
    "aggregate_register",
    "check_directory_areas",
    "read_directory",
]

REGISTER_COLUMNS = ("birth_year", "sex", "nationality", "household_id", "street_key", "house_number",
                    "block_key", "person_id")
HOUSEHOLD_TYPES = ("einpersonen_unter65", "einpersonen_65plus", "paare_ohne_kinder", "paare_mit_kindern",
                   "alleinerziehende", "sonstige")
#: Two adults count as a couple if their ages differ by at most this many years.
COUPLE_MAX_AGE_GAP = 15
OUTPUT_COLUMNS = ("area_id", "year", "variable", "age_group", "sex", "nationality", "type", "value")

_SIDES = {"odd": "odd", "ungerade": "odd", "u": "odd", "even": "even", "gerade": "even", "g": "even",
          "all": "all", "alle": "all", "a": "all", "beide": "all", "": "all"}
#: Sex values (lower-cased, trimmed) -> 0 male, 1 female, 2 divers / without entry (kept out of the m/w tables).
_SEX = {"m": 0, "männlich": 0, "1": 0, "w": 1, "weiblich": 1, "f": 1, "2": 1,
        "d": 2, "x": 2, "divers": 2, "ohne angabe": 2, "unbestimmt": 2}
_SEX_OTHER_REASON = "sex d/x (not in the m/w tables)"
#: Nationality values read as German (lower-cased, trimmed).
NATIONALITY_GERMAN = ("deutsch", "d", "1", "de", "deu", "000")
#: Words and keys read as non-German besides the country codes (Destatis: stateless persons and
#: persons of unclear nationality are foreigners; 997/998 are their Destatis keys).
NATIONALITY_FOREIGN_WORDS = ("nichtdeutsch", "nd", "2", "staatenlos", "ungeklärt")
# ISO 3166-1 alpha-2 and alpha-3 codes (249 countries), plus Kosovo (XK, XKX) and the ICAO codes
# for stateless persons and refugees (XXA, XXB, XXC, XXX). "NA" is left out: it is far more often
# a missing-value marker than Namibia (write NAM).
_ISO_ALPHA2 = """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM
IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH
PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
XK"""
_ISO_ALPHA3 = """ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR
BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM
CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM
GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND
IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO
LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT
NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF
QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM
SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB
VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE XKX XXA XXB XXC XXX"""
#: Country codes (lower case) read as non-German: every ISO 3166-1 alpha-2/alpha-3 code except DE/DEU.
NATIONALITY_FOREIGN_CODES = tuple(sorted({c.lower() for c in (_ISO_ALPHA2 + " " + _ISO_ALPHA3).split()}
                                         - set(NATIONALITY_GERMAN)))


def _sql_list(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


_SEX_SQL = ("CASE sex_v " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in _SEX.items()) + " END")
_NAT_SQL = (f"CASE WHEN nat_v IN ({_sql_list(NATIONALITY_GERMAN)}) THEN 0 "
            f"WHEN nat_v IN ({_sql_list(NATIONALITY_FOREIGN_WORDS)}) THEN 1 "
            "WHEN regexp_full_match(nat_v, '[0-9]{3}') AND nat_v <> '999' THEN 1 "
            f"WHEN nat_v IN ({_sql_list(NATIONALITY_FOREIGN_CODES)}) THEN 1 END")
#: Encodings DuckDB's CSV reader decodes itself; any other is transcoded to UTF-8 first.
_DUCKDB_ENCODINGS = {"utf-8", "latin-1"}  # read by DuckDB itself; others are transcoded first


@dataclass
class RegisterResult:
    """Counts from a register extract, the unmatched addresses and a reconciliation summary."""

    counts: pd.DataFrame
    unmatched: pd.DataFrame
    summary: dict = field(default_factory=dict)
    #: the extract (file, glob or "register extract"), for messages
    source: str = "register extract"
    #: the street directory as read (:func:`read_directory`), checked against ``areas.csv`` on writing
    directory: pd.DataFrame | None = None
    directory_name: str = "street directory"
    #: the first places of the persons not counted, per reason: ``{"unit": "line", reason: ["5", "9"]}``
    invalid_lines: dict = field(default_factory=dict)

    def report(self) -> str:
        """Human-readable reconciliation (persons read = counted + unmatched + invalid)."""
        s = self.summary
        lines = [
            (f"persons read {s['persons_read']:,} = counted {s['persons_counted']:,} + unmatched address "
             f"{s['persons_unmatched']:,} + invalid {s['persons_invalid']:,}"),
            (f"households {s['households']:,} = counted {s['households_counted']:,} + unmatched address "
             f"{s['households_unmatched']:,}; at split addresses: {s['households_split_address']:,}; "
             f"persons without household key: {s['persons_without_household']:,}"),
        ]
        unit = self.invalid_lines.get("unit", "line")
        for reason, n in s["invalid"].items():
            where = self.invalid_lines.get(reason, [])
            at = (f" ({unit}{'s' if len(where) > 1 else ''} {', '.join(where)}{', ...' if n > len(where) else ''})"
                  if where else "")
            lines.append(f"  invalid: {reason}: {n:,}{at}")
        if len(self.unmatched):
            lines.append(f"{len(self.unmatched):,} address(es) match no Sozialraum:")
            for row in self.unmatched.head(50).itertuples(index=False):
                if pd.notna(row.block_key):
                    addr = f"block {row.block_key}"
                elif pd.isna(row.street_key):
                    addr = "no address"
                elif pd.isna(row.house_number):
                    addr = f"street {row.street_key} without house number"
                else:
                    addr = f"street {row.street_key} no. {row.house_number}"
                lines.append(f"  {addr}: {row.persons} person(s), {row.households} household(s)")
            if len(self.unmatched) > 50:
                lines.append(f"  ... and {len(self.unmatched) - 50:,} more (see RegisterResult.unmatched)")
        return "\n".join(lines)

    def existing(self, folder: str | Path) -> dict[str, tuple[int, int]]:
        """The counts of this result's year and Sozialräume that ``folder`` already holds:
        file name -> (number of Sozialräume, sum of their values); files without any are left out."""
        folder = Path(folder)
        year, areas = int(self.summary["year"]), set(self.counts["area_id"])
        held = {}
        for name in ("population.csv", "households.csv"):
            path = folder / name
            if not path.is_file():
                continue
            old = pd.read_csv(path, dtype={"area_id": str}, keep_default_na=False, na_values=[""])
            if not {"area_id", "year", "value"} <= set(old.columns):
                continue
            hit = old[(pd.to_numeric(old["year"], errors="coerce") == year) & old["area_id"].isin(areas)]
            if len(hit):
                held[name] = (int(hit["area_id"].nunique()), int(pd.to_numeric(hit["value"], errors="coerce").sum()))
        return held

    def write(self, folder: str | Path, replace: bool = False) -> list[Path]:
        """Write ``population.csv``, ``households.csv`` (the project's input format) and
        ``register_unmatched.csv`` (the addresses that match no Sozialraum, per ``year``, so none is lost).

        Files already in ``folder`` keep their rows of other years (and of areas this extract does
        not cover); ``register_unmatched.csv`` keeps the rows of other years. So a planner can load
        one extract per reference date, one after another.

        Refuses with a :class:`DataError`, writing nothing, if the extract holds no person, if no
        person matches a Sozialraum, if a Sozialraum key of the street directory is not in the
        folder's ``areas.csv`` (:func:`check_directory_areas`; not checked if the folder has no
        areas table), or if the folder already holds counts of this year for the directory's
        Sozialräume and ``replace`` is false (see :meth:`existing`).
        """
        folder = Path(folder)
        s = self.summary
        year = int(s["year"])
        if not s["persons_read"]:
            raise DataError(f"{self.source}: holds no person (an empty file or a header alone), so nothing is "
                            f"written and the counts of {year} in {folder} stay as they are")
        if not s["persons_counted"]:
            raise DataError(f"{self.source}: none of its {s['persons_read']:,} persons is counted "
                            f"({s['persons_unmatched']:,} at an address that matches no Sozialraum of "
                            f"{self.directory_name}, {s['persons_invalid']:,} with an invalid record), so nothing "
                            "is written. Check that the directory's street or block keys are written as in the "
                            "extract (leading zeros) and the --column mapping")
        if self.directory is not None and folder.is_dir():
            check_directory_areas(self.directory, folder, directory_name=self.directory_name)
        for name in ("population.csv", "households.csv"):  # refuse before writing anything
            held = table_path(folder, name) if folder.is_dir() else None
            if held is not None and held.suffix != ".csv":
                raise DataError(f"{held}: this folder keeps the table {held.stem!r} as {held.suffix}; register "
                                f"writes and merges CSV. Save it as {name} (and remove {held.name}) first, so "
                                "the folder keeps one file per table.")
        held = self.existing(folder)
        if held and not replace:
            what = "; ".join(f"{folder / name} already holds the {year} counts of {n} Sozialräume of "
                             f"{self.directory_name} "
                             f"({v:,} {'persons' if name == 'population.csv' else 'households'})"
                             for name, (n, v) in held.items())
            raise DataError(f"{what}; nothing written. Use --replace (write(..., replace=True)) to overwrite "
                            f"the {year} counts of the directory's Sozialräume with this extract's")
        folder.mkdir(parents=True, exist_ok=True)
        c = self.counts
        pop = c[c["variable"] == "einwohner"][["area_id", "year", "variable", "age_group", "sex", "nationality",
                                                "value"]]
        hh = c[c["variable"] == "haushalte"][["area_id", "year", "variable", "type", "value"]]
        out = [folder / "population.csv", folder / "households.csv"]
        for path, new in zip(out, (pop, hh)):
            _merge_write(path, new)
        path = folder / "register_unmatched.csv"
        if _write_unmatched(path, self.unmatched, year):
            out.append(path)
        return out


def _write_unmatched(path: Path, unmatched: pd.DataFrame, year: int) -> bool:
    """Write this year's unmatched addresses into ``path``, keeping the rows of other years (a file
    written before the ``year`` column existed keeps its rows with an empty year). Returns whether
    the file exists afterwards."""
    new = unmatched.copy()
    new.insert(0, "year", year)
    if path.is_file():
        old = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        if "year" not in old.columns:
            old.insert(0, "year", pd.NA)
        keep = old[pd.to_numeric(old["year"], errors="coerce") != year]
        new = pd.concat([keep.astype({"year": object}), new.astype({"year": object})], ignore_index=True)
        new = new.sort_values("year", kind="stable", key=lambda y: pd.to_numeric(y, errors="coerce"))
    elif not len(new):
        return False
    tmp = path.with_name(f".{path.name}.part")
    new.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return True


def _directory_name(source) -> str:
    if isinstance(source, pd.DataFrame):
        return "street directory"
    return Path(source).name


def check_directory_areas(directory: pd.DataFrame, areas, directory_name: str = "street directory") -> None:
    """Check that every Sozialraum key of a street directory is an area of the district.

    Parameters
    ----------
    directory : DataFrame
        The directory as :func:`read_directory` returns it (row ``i`` is line ``i + 2`` of its file).
    areas : path or collection of str
        A district folder (its ``areas`` table is read; a folder without one is not checked), an
        areas file, or the area keys.
    directory_name : str
        Name of the directory in messages.

    Raises
    ------
    DataError
        Naming each unknown key with the directory's rows, and the key of ``areas.csv`` it
        probably is when it lost its leading zero (``3499016-02`` for ``03499016-02``).

    Examples
    --------
    >>> d = pd.DataFrame({"area_id": ["03499016-01", "3499016-02"]})
    >>> check_directory_areas(d, ["03499016-01", "03499016-02"], "strassen.csv")
    Traceback (most recent call last):
    ...
    sozialanalyse.model.errors.DataError: strassen.csv: 1 Sozialraum key(s) not in areas.csv: row 3: '3499016-02' (did you mean '03499016-02'? a leading zero was lost, e.g. when the file was saved from Excel)
    """
    where = "areas.csv"
    if isinstance(areas, (str, os.PathLike)):
        path = Path(areas)
        if path.is_dir():
            path = table_path(path, "areas.csv")
            if path is None:
                return
        where = path.name
        t = read_table(path)
        if "area_id" not in t.df.columns:
            raise DataError(f"{path}: column area_id missing")
        known = set(t.df["area_id"].dropna().astype(str).str.strip())
    else:
        known = {str(a) for a in areas}
    unknown = directory[~directory["area_id"].isin(known) & directory["area_id"].notna()]
    if not len(unknown):
        return
    stripped = {}
    for k in known:
        stripped.setdefault(k.lstrip("0"), k)
    problems = []
    for key, rows in unknown.groupby("area_id", sort=False).groups.items():
        lines = [int(i) + 2 for i in rows]
        text = (f"row{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines[:_EXAMPLES]))}"
                f"{' ...' if len(lines) > _EXAMPLES else ''}: {key!r}")
        guess = stripped.get(str(key).lstrip("0"))
        if guess is not None and guess != key:
            text += (f" (did you mean {guess!r}? a leading zero was lost, e.g. when the file was saved "
                     "from Excel)")
        problems.append(text)
    more = f"; ... and {len(problems) - _EXAMPLES:,} more" if len(problems) > _EXAMPLES else ""
    raise DataError(f"{directory_name}: {len(problems):,} Sozialraum key(s) not in {where}: "
                    f"{'; '.join(problems[:_EXAMPLES])}{more}")


def _merge_write(path: Path, new: pd.DataFrame) -> None:
    """Write ``new``, keeping the rows of ``path`` for other years or areas (atomic replace)."""
    if path.is_file():
        old = pd.read_csv(path, dtype={"area_id": str}, keep_default_na=False, na_values=[""])
        missing = [c for c in new.columns if c not in old.columns]
        if missing:
            raise DataError(f"{path}: columns {', '.join(missing)} missing; not merging into it")
        years = set(new["year"].astype(int))
        areas = set(new["area_id"])
        keep = old[~(old["year"].astype(int).isin(years) & old["area_id"].isin(areas))]
        new = pd.concat([keep[list(new.columns)], new], ignore_index=True)
        new = new.sort_values(["year", "area_id"], kind="stable")
    tmp = path.with_name(f".{path.name}.part")
    new.to_csv(tmp, index=False)
    os.replace(tmp, path)


def _encoding(name) -> str:
    """Canonical name of an encoding: ``utf-8``, ``latin-1`` or another Python codec name."""
    try:
        codec = codecs.lookup(str(name or "utf-8")).name
    except LookupError:
        raise DataError(f"unknown encoding {name!r} (use utf-8, latin-1 or cp1252)") from None
    return {"utf-8-sig": "utf-8", "iso8859-1": "latin-1"}.get(codec, codec)


def _label(encoding: str) -> str:
    return "UTF-8" if encoding == "utf-8" else encoding


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def _decode_error(name: str, encoding: str, line: int | None, option: str) -> DataError:
    where = f" (line {line})" if line else ""
    if encoding == "utf-8":
        hint = (f"if it comes from Windows or an older register system give its encoding: {option} latin-1 "
                f"or {option} cp1252")
    else:
        hint = f"give its real encoding with {option} (utf-8, latin-1, cp1252)"
    return DataError(f"{name}: not {_label(encoding)}{where}; {hint}")


def _read_table(source, encoding: str = "utf-8") -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.is_file():
        raise DataError(f"{path}: file missing")
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        with _open_bytes(path) as f:
            data = f.read()
        enc = _encoding(encoding)
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise _decode_error(path.name, enc, line, "--directory-encoding") from None
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, EOFError, ValueError) as exc:  # ParserError, ArrowInvalid: ValueError; a cut .gz: EOFError
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path.name}: cannot be read: {exc}") from exc


def read_directory(source, encoding: str = "utf-8") -> pd.DataFrame:
    """Read and check a street directory (see the module docstring).

    Returns a table with ``street_key, number_from, number_to, side, block_key, area_id,
    whole_street`` and raises :class:`DataError` (naming the row) for an unknown side, a malformed
    range or two sections of a street that overlap. ``encoding`` is the CSV file's encoding
    (``utf-8``, ``latin-1``, ``cp1252``, ...); a file that does not decode is a :class:`DataError`.
    """
    d = _read_table(source, encoding)
    name = getattr(source, "name", None) if not isinstance(source, pd.DataFrame) else None
    fname = Path(source).name if isinstance(source, (str, os.PathLike)) else (name or "directory")
    if "area_id" not in d.columns:
        raise DataError(f"{fname}: column area_id missing (has: {', '.join(map(str, d.columns))})")
    for col in ("street_key", "number_from", "number_to", "side", "block_key"):
        if col not in d.columns:
            d[col] = None
    d = d[["street_key", "number_from", "number_to", "side", "block_key", "area_id"]].reset_index(drop=True)
    for col in ("street_key", "block_key", "area_id"):
        d[col] = d[col].map(lambda v: None if pd.isna(v) or str(v).strip() == "" else str(v).strip())
    problems = []
    sides = []
    for i, v in enumerate(d["side"]):
        key = "" if pd.isna(v) else str(v).strip().lower()
        if key not in _SIDES:
            problems.append(f"row {i + 2}, column side: unknown side {v!r} (odd, even or all)")
        sides.append(_SIDES.get(key, "all"))
    d["side"] = sides

    def empty(col):
        return d[col].isna() | (d[col].astype(str).str.strip() == "")

    # a whole street (no numbers, side all) matches every address of the street, even one without a number
    d["whole_street"] = d["street_key"].notna() & empty("number_from") & empty("number_to") & (d["side"] == "all")
    for col, default in (("number_from", 0), ("number_to", 10**9)):
        num = pd.to_numeric(d[col], errors="coerce")
        bad = num.isna() & d[col].notna() & (d[col].astype(str).str.strip() != "")
        for i in bad.to_numpy().nonzero()[0]:
            problems.append(f"row {i + 2}, column {col}: {d[col].iloc[i]!r} is not a number")
        d[col] = num.fillna(default).astype("int64")
    for i in d.index[d["area_id"].isna()]:
        problems.append(f"row {i + 2}, column area_id: empty")
    for i in d.index[d["street_key"].isna() == d["block_key"].isna()]:
        problems.append(f"row {i + 2}: give either street_key or block_key")
    for i in d.index[d["number_from"] > d["number_to"]]:
        problems.append(f"row {i + 2}: number_from {d['number_from'][i]} > number_to {d['number_to'][i]} "
                        f"(street {d['street_key'][i]})")
    # overlapping sections of a street: pairs on the same street whose ranges and sides intersect
    st = d[d["street_key"].notna()].reset_index(names="row")
    pairs = st.merge(st, on="street_key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["row_a"] < pairs["row_b"]]
    lo = pairs[["number_from_a", "number_from_b"]].max(axis=1)
    hi = pairs[["number_to_a", "number_to_b"]].min(axis=1)
    sa, sb = pairs["side_a"], pairs["side_b"]
    parity = sa.where(sa != "all", sb)  # the side both must share (all if both are all)
    has_number = ((parity == "all") & (lo <= hi)) | ((parity != "all") & (
        (lo + ((lo % 2 == 1) != (parity == "odd")).astype(int)) <= hi))
    clash = (lo <= hi) & ((sa == "all") | (sb == "all") | (sa == sb)) & has_number
    for r in pairs[clash].itertuples():
        problems.append(f"rows {r.row_a + 2} and {r.row_b + 2}: sections of street {r.street_key} overlap "
                        f"(areas {r.area_id_a}, {r.area_id_b})")
    blocks = d[d["block_key"].notna()]
    for i in blocks.index[blocks["block_key"].duplicated()]:
        problems.append(f"row {i + 2}, column block_key: duplicate block {d['block_key'].iloc[i]!r}")
    if problems:
        raise DataError(f"{fname}: " + "; ".join(problems))
    return d


def _check_mapping(columns: dict | None) -> dict:
    """Check ``columns`` (source name -> standard name): every standard name known, none twice."""
    columns = dict(columns or {})
    problems = []
    for src, std in columns.items():
        if std not in REGISTER_COLUMNS:
            problems.append(f"{src}={std}: unknown standard name {std!r}")
    targets = list(columns.values())
    for std in sorted({t for t in targets if targets.count(t) > 1}):
        problems.append(f"{' and '.join(s for s, t in columns.items() if t == std)} are all mapped to {std}")
    if problems:
        raise DataError(f"column mapping: {'; '.join(problems)} (valid: {', '.join(REGISTER_COLUMNS)})")
    return columns


def _transcode(files: list[str], encoding: str, folder: Path) -> dict[str, str]:
    """Decode CSV files (optionally gzip-compressed) from ``encoding`` into UTF-8 copies in
    ``folder``, 1 MiB at a time. Returns copy -> original file name."""
    copies = {}
    for i, name in enumerate(files):
        target = folder / f"part{i:05d}.csv"
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        try:
            with _open_bytes(Path(name)) as raw, open(target, "w", encoding="utf-8", newline="") as out:
                while chunk := raw.read(1 << 20):
                    try:
                        out.write(decoder.decode(chunk))
                    except UnicodeDecodeError as exc:
                        line = lines + chunk[:max(exc.start, 0)].count(b"\n") + 1
                        raise _decode_error(name, encoding, line, "--encoding") from None
                    lines += chunk.count(b"\n")
                out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:  # an incomplete multi-byte sequence at the end
            raise _decode_error(name, encoding, lines + 1, "--encoding") from None
        except (OSError, EOFError) as exc:  # e.g. a damaged or cut .gz file, a full disk
            raise DataError(f"{name}: cannot be read (or copied as UTF-8 into {folder}): {exc}") from exc
        copies[str(target)] = name
    return copies


@dataclass
class _Source:
    """The extract as DuckDB reads it: the FROM clause and what is needed to name lines in messages."""

    rel: str
    label: str
    kind: str = "frame"  # "csv", "parquet" or "frame"
    files: list = field(default_factory=list)  # the files DuckDB reads (UTF-8 copies if transcoded)
    copies: dict = field(default_factory=dict)  # transcoded copy -> original file name
    delimiter: str = ","
    encoding: str = "utf-8"  # of the files DuckDB reads
    mapping: dict = field(default_factory=dict)  # standard name -> the extract's column (those present)
    person_id: str | None = None  # the extract's column holding the person key, if any
    frame: pd.DataFrame | None = None

    def name(self, file: str) -> str:
        return self.copies.get(file, file)


_DELIMITERS = (",", ";", "\t", "|")


def _csv_header(files: list[str], encoding: str) -> tuple[str, list[str]]:
    """The delimiter and the column names of the CSV files, from their header lines: the delimiter
    is the one of ``,;\\t|`` that occurs most often in the header. An empty file, a column named
    twice or files with different headers are a :class:`DataError`."""
    found = {}
    for name in files:
        with _open_bytes(Path(name)) as f:
            head = f.readline(1 << 20).decode(encoding, errors="replace").lstrip("\ufeff").rstrip("\r\n")
        if not head.strip():
            raise DataError(f"{name}: empty file (not even a header line); nothing counted")
        counts = {d: head.count(d) for d in _DELIMITERS}
        delim = max(_DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","
        cols = [c.strip() or f"column{i}"  # an unnamed column (a trailing delimiter) named as DuckDB does
                for i, c in enumerate(next(csv.reader([head], delimiter=delim, quotechar='"')))]
        twice = sorted({c for c in cols if cols.count(c) > 1})
        if twice:
            raise DataError(f"{name}: the header names column(s) {', '.join(map(repr, twice))} more than once")
        found[name] = (delim, cols)
    if len(set(map(repr, found.values()))) > 1:
        first = next(iter(found))
        other = next(n for n in found if found[n] != found[first])
        raise DataError(f"{other}: its header (delimiter {found[other][0]!r}, columns {', '.join(found[other][1])}) "
                        f"differs from that of {first} ({found[first][0]!r}, {', '.join(found[first][1])}); "
                        "save the files alike")
    return found[files[0]]


def _source_sql(con, extract, columns: dict, encoding: str, workdir) -> _Source:
    """A SQL relation (FROM clause) over the extract, with columns renamed to the standard names,
    and what is needed to name its lines in messages."""
    if isinstance(extract, pd.DataFrame):
        con.register("register_df", extract)
        src = _Source(rel="register_df", label="register extract", frame=extract)
    else:
        text = str(extract)
        is_glob = any(ch in text for ch in "*?[")
        if not is_glob and not Path(text).is_file():
            raise DataError(f"{text}: register extract missing")
        files = sorted(glob.glob(text, recursive=True)) if is_glob else [text]
        if not files:
            raise DataError(f"{text}: no file matches")
        if text.lower().endswith(".parquet"):
            src = _Source(rel=f"read_parquet({_sql_list([text])})", label=text, kind="parquet", files=files)
        else:
            copies = {}
            if encoding not in _DUCKDB_ENCODINGS:
                copies = _transcode(files, encoding, workdir())
                files = list(copies)
            delim, header = _csv_header(files, "utf-8" if copies else encoding)
            # the dialect is given, not sniffed (a sniffer fails on a malformed line in its sample);
            # malformed lines go to a rejects table (checked after the scan) instead of stopping
            # the scan at the first with a message that cannot say how many there are
            types = ", ".join(f"{_sql_list([c])}: 'VARCHAR'" for c in header)
            options = (f"auto_detect=false, header=true, skip=0, delim={_sql_list([delim])}, quote='\"', "
                       f"escape='\"', columns={{{types}}}, store_rejects=true, rejects_table='register_rejects', "
                       "rejects_scan='register_scans'")
            if not copies:
                options += f", encoding='{encoding}'"
            src = _Source(rel=f"read_csv([{_sql_list(files)}], {options})", label=text, kind="csv", files=files,
                          copies=copies, delimiter=delim, encoding="utf-8" if copies else encoding)
    rel, label = src.rel, src.label
    have = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    name = Path(label).name if label != "register extract" and len(label) < 200 else label
    if len(have) == 1 and any(ch in have[0] for ch in ",;|\t"):
        raise DataError(f"{label}: its delimiter was not recognised (one column only); "
                        "does a line have more fields than the header?")
    rename = {std: src for src, std in columns.items()}  # standard name -> source name
    absent = [f"{src} (for {std})" for src, std in columns.items() if src not in have]
    if absent:
        raise DataError(f"{label}: mapped column(s) {', '.join(absent)} missing (has: {', '.join(have)})")
    select = []
    missing = []
    for std in REGISTER_COLUMNS:
        col = rename.get(std, std)
        if col in have:
            select.append(f'CAST("{col}" AS VARCHAR) AS {std}')
            src.mapping[std] = col
            if std == "person_id":
                src.person_id = col
        elif std in ("street_key", "house_number", "block_key", "person_id"):
            select.append(f"CAST(NULL AS VARCHAR) AS {std}")
        else:
            missing.append(col)
    if missing:
        raise DataError(f"{label}: column(s) {', '.join(missing)} missing (has: {', '.join(have)}); "
                        "map other names with --column SOURCE=STANDARD")
    if not any(rename.get(c, c) in have for c in ("street_key", "block_key")):
        raise DataError(f"{name}: needs street_key + house_number or block_key (has: {', '.join(have)})")
    src.rel = f"(SELECT {', '.join(select)} FROM {rel})"
    return src


def _duckdb_error(exc, label: str, copies: dict, encoding: str, memory_limit: str) -> DataError:
    """A DuckDB failure as a :class:`DataError` naming the file and what to do (never a data line)."""
    import duckdb  # duckdb: loaded only for register extracts

    msg = str(exc)
    file = re.search(r"^\s*file = (.+)$", msg, re.MULTILINE)
    name = copies.get(file.group(1).strip(), file.group(1).strip()) if file else label
    if isinstance(exc, duckdb.OutOfMemoryException):
        return DataError(f"{label}: out of memory with memory limit {memory_limit}: raise it (--memory-limit 2GB), "
                         "use fewer threads, or give --temp-directory on a disk with free space for DuckDB to spill to")
    if "invalid unicode" in msg.lower() or "not utf-8 encoded" in msg.lower():
        line = re.search(r"CSV Error on Line: (\d+)", msg)
        return _decode_error(name, encoding, int(line.group(1)) if line else None, "--encoding")
    # the first lines of the message, without "Original Line:" (it would print a person's record)
    lines = []
    for ln in msg.split("\n\n")[0].splitlines():
        if ln.startswith(("The search space", "Possible")):
            break
        if ln.strip() and not ln.startswith("Original Line"):
            lines.append(ln.strip())
    text = "; ".join(lines[:3]).replace("Invalid Input Error: ", "")
    if "sniffing" in text:
        text += " (does a line have more fields than the header?)"
    return DataError(f"{name}: {text}")


def _reference_year(year) -> int:
    """``year`` as an int within :func:`sozialanalyse.io.own.year_range`, else a :class:`DataError`
    (a typo such as 2099 would write counts that validation then rejects as implausible)."""
    try:
        whole = float(year).is_integer()
    except (TypeError, ValueError):
        whole = False
    if not whole:
        raise DataError(f"reference year {year} is not a whole number (write e.g. 2024)")
    lo, hi = year_range()
    if not lo <= int(float(year)) <= hi:
        raise DataError(f"reference year {int(float(year))} is not plausible ({lo} to {hi}, as validation "
                        "checks the years of a count); nothing counted")
    return int(float(year))


def aggregate_register(extract, directory, year: int, *, columns: dict | None = None,
                       memory_limit: str = "768MB", threads: int | None = None,
                       temp_directory: str | None = None, encoding: str = "utf-8",
                       directory_encoding: str | None = None, areas=None) -> RegisterResult:
    """Aggregate a person-level register extract to Sozialraum counts.

    Parameters
    ----------
    extract : path, glob or DataFrame
        CSV (optionally ``.gz``) or Parquet file(s) with one row per person (module docstring).
    directory : path or DataFrame
        Street directory mapping street sections and blocks to Sozialraum ids.
    year : int
        Reference year (counts refer to 31.12. of ``year``; age = ``year - birth_year``).
    columns : dict, optional
        Source column name -> standard name (``{"GEBJAHR": "birth_year"}``). An unknown standard
        name or a source column the extract lacks is a :class:`DataError`.
    memory_limit, threads, temp_directory
        DuckDB settings: beyond ``memory_limit`` the aggregation spills to ``temp_directory``.
    encoding : str
        Encoding of CSV extracts: ``utf-8`` (default) and ``latin-1`` are decoded by DuckDB; any
        other (``cp1252``, ...) is first transcoded to UTF-8 copies, 1 MiB at a time, in a folder
        under ``temp_directory`` (or the system's temporary folder) that is removed afterwards.
    directory_encoding : str, optional
        Encoding of a CSV directory (default: ``encoding``).
    areas : path or collection of str, optional
        The district folder (or its ``areas`` file, or the area keys) the counts are for: every
        Sozialraum key of the directory must be one of its areas (:func:`check_directory_areas`),
        checked before the extract is read. :meth:`RegisterResult.write` checks it again.

    Every failure on the input (a file that does not decode, a malformed CSV line, a person key
    that occurs twice, too little memory) is a :class:`DataError` whose message names the file,
    the line and what to do.
    """
    import duckdb  # duckdb: loaded only for register extracts

    year = _reference_year(year)
    encoding = _encoding(encoding)
    columns = _check_mapping(columns)
    dirx = read_directory(directory, encoding=directory_encoding or encoding)
    dname = _directory_name(directory)
    if areas is not None:
        check_directory_areas(dirx, areas, directory_name=dname)
    label = "register extract" if isinstance(extract, pd.DataFrame) else str(extract)
    folder: list[Path] = []

    def workdir() -> Path:
        if temp_directory:
            os.makedirs(temp_directory, exist_ok=True)
        folder.append(Path(tempfile.mkdtemp(prefix="register-utf8-", dir=temp_directory)))
        return folder[-1]

    copies: dict = {}
    con = duckdb.connect()
    try:
        try:
            con.execute("SET memory_limit=" + _sql_list([str(memory_limit)]))
        except duckdb.Error:
            raise DataError(f"memory limit {str(memory_limit)!r} not understood: write e.g. 768MB or 2GB") from None
        con.execute(f"SET threads={int(threads or os.cpu_count() or 1)}")
        con.execute("SET preserve_insertion_order=false")
        if temp_directory:
            con.execute("SET temp_directory=" + _sql_list([str(temp_directory)]))
        src = _source_sql(con, extract, columns, encoding, workdir)
        copies = src.copies
        tables = _aggregate(con, src, dirx, year, encoding)
        tot = tables[3]
        # the places of records in error (not of persons with sex d/x, a valid entry kept apart):
        # one more pass over the extract, only when there are such records
        wanted = tot[~tot["invalid"].isin(["", _SEX_OTHER_REASON])].groupby("invalid")["n"].sum()
        where = _invalid_lines(con, src, year, wanted.to_dict()) if len(wanted) else ("line", {})
    except duckdb.Error as exc:
        raise _duckdb_error(exc, label, copies, encoding, memory_limit) from exc
    finally:
        con.close()
        for f in folder:
            shutil.rmtree(f, ignore_errors=True)
    result = _result(dirx, year, *tables)
    result.source, result.directory, result.directory_name = label, dirx, dname
    result.invalid_lines = {"unit": where[0], **where[1]} if where[1] else {}
    return result


_FIELDS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
#: How many examples a message names (lines of malformed records, duplicate keys).
_EXAMPLES = 5


def _check_rejects(con, source: _Source, encoding: str) -> None:
    """Raise a :class:`DataError` if DuckDB rejected CSV lines of the extract: how many, and the
    first by file, line and column (never the line's content)."""
    rows = con.sql("""
        SELECT s.file_path, e.line, any_value(e.column_name ORDER BY e.column_idx),
               any_value(e.error_type ORDER BY e.column_idx), any_value(e.error_message ORDER BY e.column_idx)
        FROM register_rejects e JOIN register_scans s USING (scan_id, file_id)
        GROUP BY ALL ORDER BY 1, 2""").fetchall()
    if not rows:
        return
    for file, line, _col, kind, _msg in rows:
        if kind == "INVALID ENCODING":
            raise _decode_error(source.name(file), encoding, int(line), "--encoding")
    shown = []
    for file, line, col, kind, msg in rows[:_EXAMPLES]:
        fields = _FIELDS.search(msg or "")
        if fields:
            what = f"{fields.group(2)} fields, the header has {fields.group(1)}"
        elif kind == "UNQUOTED VALUE":
            what = f"column {col}: a quote is not closed or a field holds text after its closing quote"
        else:
            what = f"column {col}: {str(kind).lower()}"
        prefix = f"{Path(source.name(file)).name} " if len(source.files) > 1 else ""
        shown.append(f"{prefix}line {line}: {what}")
    more = f"; ... and {len(rows) - _EXAMPLES:,} more" if len(rows) > _EXAMPLES else ""
    raise DataError(f"{source.label}: {len(rows):,} line(s) cannot be read, so nothing is counted: "
                    f"{'; '.join(shown)}{more} (delimiter {source.delimiter!r}, fields quoted with \"). "
                    "Correct or remove these lines, or ask for a new extract")


def _check_duplicate_ids(con, source: _Source) -> None:
    """Raise a :class:`DataError` if a person key occurs more than once: how many keys, how many
    records, and the lines of the first keys (in file order; the keys themselves are not shown)."""
    n_ids, n_rows = con.sql("""
        SELECT count(*), coalesce(sum(n), 0) FROM (
          SELECT count(*) AS n FROM p WHERE pid IS NOT NULL GROUP BY pid HAVING count(*) > 1)""").fetchall()[0]
    if not n_ids:
        return
    ids = {r[0] for r in con.sql("""
        SELECT pid FROM p WHERE pid IS NOT NULL GROUP BY pid HAVING count(*) > 1 LIMIT 10000""").fetchall()}
    unit, lines = _lines_of_ids(source, ids)
    first = sorted(lines.values(), key=lambda ls: ls[0])[:_EXAMPLES]
    shown = "; ".join(f"{unit}s " + ", ".join(w for _, w in ls[:_EXAMPLES]) + (" ..." if len(ls) > _EXAMPLES else "")
                      for ls in first)
    raise DataError(f"{source.label}: {n_ids:,} person key(s) in column {source.person_id} occur more than once "
                    f"({n_rows:,} records), so nothing is counted (a person would be counted twice). First: "
                    f"{shown}. Remove the duplicates (was a file delivered or appended twice?)")


def _chunks(source: _Source, columns: list[str], size: int = 100_000):
    """Stream the extract again (an error path only): yields (unit, frame) with the extract's
    ``columns`` as text (``None`` where absent or empty) and ``where_``, the place of each record:
    the line of a CSV file where the record starts (header = line 1), the row of a Parquet file
    (header = row 1) or the position in a DataFrame (from 0); ``"teil1.csv:5"`` if the extract has
    several files. Lines DuckDB rejected are not there (the extract is refused before this)."""
    def text(v):
        if v is None or (isinstance(v, float) and v != v):
            return None
        return str(v)

    multi = len(source.files) > 1
    if source.kind == "frame":
        df = source.frame
        for start in range(0, len(df), size):
            part = df.iloc[start:start + size]
            out = pd.DataFrame({c: [text(v) for v in part[c].tolist()] if c in part.columns else None
                                for c in columns})
            out["where_"] = [str(i) for i in range(start, start + len(part))]
            yield "position", out
        return
    for f in source.files:
        prefix = f"{Path(source.name(f)).name}:" if multi else ""
        if source.kind == "parquet":
            import pyarrow.parquet as pq  # pyarrow: loaded only for Parquet/fast CSV

            pf = pq.ParquetFile(f)
            have = [c for c in columns if c in pf.schema_arrow.names]
            row = 2
            for batch in pf.iter_batches(batch_size=size, columns=have):
                part = batch.to_pydict()
                n = batch.num_rows
                out = pd.DataFrame({c: [text(v) for v in part[c]] if c in part else None for c in columns},
                                   index=range(n))
                out["where_"] = [f"{prefix}{row + i}" for i in range(n)]
                row += n
                yield "row", out
            continue
        with _open_bytes(Path(f)) as raw, io.TextIOWrapper(raw, encoding=source.encoding, errors="replace",
                                                             newline="") as handle:
            reader = csv.reader(handle, delimiter=source.delimiter, quotechar='"')
            header = [h.lstrip("\ufeff").strip() or f"column{i}" for i, h in enumerate(next(reader, []))]
            idx = {c: header.index(c) for c in columns if c in header}
            buf: dict[str, list] = {c: [] for c in columns}
            where: list[str] = []
            start = reader.line_num + 1
            for rec in reader:
                if len(rec) == len(header):
                    for c in columns:
                        buf[c].append(rec[idx[c]] if c in idx else None)
                    where.append(f"{prefix}{start}")
                start = reader.line_num + 1
                if len(where) >= size:
                    yield "line", pd.DataFrame({**buf, "where_": where})
                    buf, where = {c: [] for c in columns}, []
            if where:
                yield "line", pd.DataFrame({**buf, "where_": where})


def _lines_of_ids(source: _Source, ids: set) -> tuple[str, dict[str, list[tuple[int, str]]]]:
    """Where the person keys ``ids`` occur: the unit (line, row or position; see :func:`_chunks`)
    and key -> [(order, "5"), (order, "9")] in the order of the extract."""
    found: dict[str, list[tuple[int, str]]] = {}
    unit, order = "line", 0
    for unit, part in _chunks(source, [source.person_id]):
        for v, where in zip(part[source.person_id], part["where_"]):
            order += 1
            if v is not None:
                key = v.strip(" ")
                if key in ids:
                    found.setdefault(key, []).append((order, where))
    return unit, found


def _invalid_lines(con, source: _Source, year: int, wanted: dict[str, int]) -> tuple[str, dict[str, list[str]]]:
    """The first records of each reason in ``wanted`` (reason -> persons): the unit (line, row or
    position) and reason -> up to :data:`_EXAMPLES` places. Reads the extract again, until every
    reason has its examples."""
    need = {str(r): min(int(n), _EXAMPLES) for r, n in wanted.items() if n}
    found: dict[str, list[str]] = {r: [] for r in need}
    cols = {std: source.mapping.get(std) for std in REGISTER_COLUMNS}
    unit = "line"
    for unit, part in _chunks(source, [c for c in cols.values() if c]):
        std = pd.DataFrame({k: (part[c] if c else None) for k, c in cols.items()}, index=part.index)
        std = std.astype(object)
        std["line_"] = part["where_"]
        std["rn_"] = range(len(std))
        con.register("register_chunk", std)
        typed = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in REGISTER_COLUMNS)
        rows = con.sql(f"""
            SELECT invalid, list(line_ ORDER BY rn_)[1:{_EXAMPLES}] FROM (
              SELECT line_, rn_, {_INVALID_SQL} AS invalid
              FROM ({_persons_sql(f"(SELECT {typed}, line_, rn_ FROM register_chunk)", year, "line_, rn_,")}))
            WHERE invalid IS NOT NULL GROUP BY invalid""").fetchall()
        con.unregister("register_chunk")
        for reason, lines in rows:
            if reason in found:
                found[reason] = (found[reason] + list(lines))[:need[reason]]
        if all(len(found[r]) >= need[r] for r in need):
            break
    return unit, found


def _persons_sql(src: str, year: int, extra: str = "") -> str:
    """One normalised row per person of the relation ``src`` (standard columns); addr is one
    string key per address ('-' for none). ``extra`` is passed through (``"line_, "``)."""
    return f"""
        SELECT {extra}
          {_SEX_SQL} AS sx,
          {_NAT_SQL} AS nat,
          {year} - TRY_CAST(trim(birth_year) AS INTEGER) AS age,
          NULLIF(trim(household_id), '') AS hh,
          NULLIF(trim(person_id), '') AS pid,
          CASE WHEN NULLIF(trim(street_key), '') IS NOT NULL
               THEN 'S' || trim(street_key) || '|' || coalesce(trim(house_number), '')
               WHEN NULLIF(trim(block_key), '') IS NOT NULL THEN 'B' || trim(block_key)
               ELSE '-' END AS addr
        FROM (SELECT *, lower(trim(sex)) AS sex_v, lower(trim(nationality)) AS nat_v FROM {src})"""


#: The reason a person (a row of ``_persons_sql``) is not counted; the first that applies.
_INVALID_SQL = f"""CASE WHEN age IS NULL THEN 'birth year missing or not a number'
               WHEN age < 0 THEN 'born after the reference year'
               WHEN age > 120 THEN 'older than 120'
               WHEN sx IS NULL THEN 'sex missing or not m/w/d/x'
               WHEN sx = 2 THEN '{_SEX_OTHER_REASON}'
               WHEN nat IS NULL THEN 'nationality not deutsch/nichtdeutsch' END"""


def _aggregate(con, source: _Source, dirx: pd.DataFrame, year: int, encoding: str = "utf-8"):
    """Run the aggregation in DuckDB; returns the small result tables as DataFrames."""
    src = source.rel
    con.register("dir_df", dirx)
    persons = _persons_sql(src, year)
    # one scan of the extract into a compact table (DuckDB spills it to disk beyond memory_limit)
    con.execute(f"CREATE TEMP TABLE p AS {persons}")
    if source.kind == "csv":
        _check_rejects(con, source, encoding)
    if source.person_id is not None:
        _check_duplicate_ids(con, source)
    # persons by address x band x sex x nationality; the first reason that applies makes a person invalid
    con.execute(f"""
        CREATE TEMP TABLE pa AS SELECT addr,
          {_INVALID_SQL} AS invalid,
          least(age // 5, 18) AS band, sx, nat, hh IS NULL AS no_hh, count(*) AS n
        FROM p GROUP BY ALL""")
    # distinct addresses -> Sozialraum through the directory (sections do not overlap); a whole
    # street also matches a house number without a leading number, or none
    con.execute(r"""
        CREATE TEMP TABLE addrs AS
        SELECT addr,
          CASE WHEN addr[1] = 'S' THEN split_part(addr[2:], '|', 1) END AS street_key,
          CASE WHEN addr[1] = 'S' THEN NULLIF(substr(addr, strpos(addr, '|') + 1), '') END AS house_number,
          CASE WHEN addr[1] = 'B' THEN addr[2:] END AS block_key,
          CASE WHEN addr[1] = 'S' THEN TRY_CAST(regexp_extract(substr(addr, strpos(addr, '|') + 1),
               '^\s*(\d+)', 1) AS BIGINT) END AS num
        FROM (SELECT DISTINCT addr FROM pa)""")
    con.execute("""
        CREATE TEMP TABLE amap AS
        SELECT a.addr, min(d.area_id) AS area_id FROM addrs a JOIN dir_df d
          ON a.street_key = d.street_key
         AND (d.whole_street OR (a.num BETWEEN d.number_from AND d.number_to
              AND (d.side = 'all' OR (d.side = 'odd') = (a.num % 2 = 1))))
        GROUP BY a.addr
        UNION ALL
        SELECT a.addr, d.area_id FROM addrs a JOIN dir_df d ON a.block_key = d.block_key""")
    # the unmatched addresses: a small table, cheaper to probe than amap
    con.execute("CREATE TEMP TABLE unm AS SELECT addr FROM addrs ANTI JOIN amap USING (addr)")
    # households: composition per household, counted at the first matched address of its members
    # (in sort order); only if none matched, at the first address (which then is unmatched)
    con.execute(f"""
        CREATE TEMP TABLE hh AS
        WITH pm AS (SELECT hh, age, addr, NOT (addr IN (SELECT addr FROM unm)) AS matched
                    FROM p WHERE hh IS NOT NULL),
        h AS (
          SELECT hh, coalesce(min(addr) FILTER (WHERE matched), min(addr)) AS addr,
                 min(addr) <> max(addr) AS split, count(*) AS n,
                 count(*) FILTER (WHERE age IS NULL OR age < 0 OR age > 120) AS n_bad,
                 count(*) FILTER (WHERE age < 18) AS n_child,
                 count(*) FILTER (WHERE age >= 18) AS n_adult,
                 max(age) FILTER (WHERE age >= 18) AS max_adult,
                 min(age) FILTER (WHERE age >= 18) AS min_adult,
                 max(age) AS max_age
          FROM pm GROUP BY hh)
        SELECT addr,
          CASE WHEN n_bad > 0 THEN 'sonstige'
               WHEN n = 1 AND max_age < 65 THEN 'einpersonen_unter65'
               WHEN n = 1 THEN 'einpersonen_65plus'
               WHEN n_adult = 2 AND max_adult - min_adult <= {COUPLE_MAX_AGE_GAP} AND n_child = 0
                    THEN 'paare_ohne_kinder'
               WHEN n_adult = 2 AND max_adult - min_adult <= {COUPLE_MAX_AGE_GAP} THEN 'paare_mit_kindern'
               WHEN n_adult = 1 AND n_child > 0 THEN 'alleinerziehende'
               ELSE 'sonstige' END AS type,
          count(*) AS n, count(*) FILTER (WHERE split) AS n_split
        FROM h GROUP BY ALL""")
    pop_raw = con.sql("""
        SELECT m.area_id, band, sx, nat, sum(n) AS n FROM pa JOIN amap m USING (addr)
        WHERE invalid IS NULL GROUP BY ALL""").df()
    hh_raw = con.sql("""
        SELECT m.area_id, type, sum(n) AS n FROM hh JOIN amap m USING (addr) GROUP BY ALL""").df()
    um = con.sql("""
        WITH up AS (SELECT addr, sum(n) AS persons FROM pa ANTI JOIN amap USING (addr)
                    WHERE invalid IS NULL GROUP BY addr),
             uh AS (SELECT addr, sum(n) AS households FROM hh ANTI JOIN amap USING (addr) GROUP BY addr)
        SELECT a.street_key, a.house_number, a.block_key,
               coalesce(up.persons, 0) AS persons, coalesce(uh.households, 0) AS households, a.addr
        FROM addrs a JOIN (SELECT addr FROM up UNION SELECT addr FROM uh) u USING (addr)
        LEFT JOIN up USING (addr) LEFT JOIN uh USING (addr)
        ORDER BY persons DESC, a.addr""").df()
    tot = con.sql("""
        SELECT coalesce(invalid, '') AS invalid, addr IN (SELECT addr FROM amap) AS matched,
               no_hh, sum(n) AS n FROM pa GROUP BY ALL""").df()
    htot = con.sql("""
        SELECT addr IN (SELECT addr FROM amap) AS matched, sum(n) AS n, sum(n_split) AS n_split
        FROM hh GROUP BY ALL""").df()
    return pop_raw, hh_raw, um, tot, htot


def _result(dirx, year, pop_raw, hh_raw, um, tot, htot) -> RegisterResult:
    area_ids = sorted(dirx["area_id"].unique())
    # einwohner: full grid of every directory area x band x sex x nationality
    grid = pd.MultiIndex.from_product([area_ids, range(19), (0, 1), (0, 1)], names=["area_id", "band", "sx", "nat"])
    pop = (pop_raw.astype({"band": "int64", "sx": "int64", "nat": "int64"})
           .groupby(["area_id", "band", "sx", "nat"])["n"].sum().reindex(grid, fill_value=0).reset_index())
    pop = pd.DataFrame({
        "area_id": pop["area_id"], "year": year, "variable": "einwohner",
        "age_group": pd.Categorical.from_codes(pop["band"], AGE_GROUPS).astype(str),
        "sex": pop["sx"].map({0: "m", 1: "w"}), "nationality": pop["nat"].map({0: "deutsch", 1: "nichtdeutsch"}),
        "type": "insgesamt", "value": pop["n"].astype("int64")})
    hgrid = pd.MultiIndex.from_product([area_ids, HOUSEHOLD_TYPES], names=["area_id", "type"])
    hcount = hh_raw.groupby(["area_id", "type"])["n"].sum().reindex(hgrid, fill_value=0).reset_index()
    households = pd.DataFrame({
        "area_id": hcount["area_id"], "year": year, "variable": "haushalte", "age_group": "insgesamt",
        "sex": "insgesamt", "nationality": "insgesamt", "type": hcount["type"],
        "value": hcount["n"].astype("int64")})
    counts = pd.concat([pop, households], ignore_index=True)[list(OUTPUT_COLUMNS)]

    unmatched = um.drop(columns="addr").astype({"persons": "int64", "households": "int64"})
    unmatched = unmatched.astype({c: object for c in ("street_key", "house_number", "block_key")})
    unmatched = unmatched.where(unmatched.notna(), None)

    valid = tot["invalid"] == ""
    invalid = tot[~valid].groupby("invalid")["n"].sum()
    summary = {
        "year": year,
        "persons_read": int(tot["n"].sum()),
        "persons_counted": int(tot.loc[valid & tot["matched"], "n"].sum()),
        "persons_unmatched": int(tot.loc[valid & ~tot["matched"], "n"].sum()),
        "persons_invalid": int(invalid.sum()),
        "invalid": {str(k): int(v) for k, v in invalid.items()},
        "persons_without_household": int(tot.loc[tot["no_hh"], "n"].sum()),
        "households": int(htot["n"].sum()),
        "households_counted": int(htot.loc[htot["matched"], "n"].sum()),
        "households_unmatched": int(htot.loc[~htot["matched"], "n"].sum()),
        "households_split_address": int(htot["n_split"].sum()),
        "addresses_unmatched": len(unmatched),
    }
    assert summary["persons_read"] == (summary["persons_counted"] + summary["persons_unmatched"]
                                       + summary["persons_invalid"])
    assert summary["persons_counted"] == int(pop["value"].sum())
    return RegisterResult(counts=counts, unmatched=unmatched, summary=summary)
