"""Register microdata (Melderegister extract) -> small-area counts in the project's long format.

A register extract has **one row per person** with these columns (other names are mapped with
``columns={"GEBJAHR": "birth_year", ...}``; extra columns are ignored):

=================  ==========================================================================
``birth_year``     year of birth (integer)
``sex``            ``m`` / ``w`` (also ``männlich``/``weiblich``, ``1``/``2``; case-insensitive)
``nationality``    ``deutsch`` / ``nichtdeutsch`` (also ``d``/``nd``, ``1``/``2``)
``household_id``   household key (persons with the same key live in one household)
``street_key``     street key (*Straßenschlüssel*), with ``house_number`` (``12``, ``12a``, ``12 b``)
``block_key``      or a block key (*Baublock*) instead of street + house number
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
leading integer of its house number (``12a`` -> 12). Sections of a street must not overlap: an
address that two sections match would be counted twice, so the directory is rejected.

Output (``RegisterResult.counts``): ``area_id, year, variable, age_group, sex, nationality, type,
value`` with

* ``einwohner`` by ``age_group`` (the 19 bands of :data:`sozialanalyse.areas.AGE_GROUPS`) x
  ``sex`` x ``nationality``, for every Sozialraum of the directory (zeros included);
* ``haushalte`` by ``type``, derived from the composition of each household.

Age is the age reached on 31.12. of ``year`` (``year - birth_year``).

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
members; if its members are registered at different addresses it is counted at the first one
(in sort order), and the number of such households is reported.

Nothing is dropped
------------------
Persons whose address matches no section of the directory are **not** in ``counts``; they are
listed per address in ``RegisterResult.unmatched`` (with persons and households) and counted in
``RegisterResult.summary``. Persons with an invalid birth year, sex or nationality are counted
per reason in ``summary["invalid"]``. The summary always reconciles:
``persons_read = persons_counted + persons_unmatched + persons_invalid``.

Files larger than memory are streamed by DuckDB (CSV, gzip-compressed CSV, Parquet; a glob like
``extract/*.parquet`` reads many files), with a memory limit beyond which it spills to disk.

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

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..areas import AGE_GROUPS
from .own import DataError

__all__ = [
    "REGISTER_COLUMNS",
    "HOUSEHOLD_TYPES",
    "COUPLE_MAX_AGE_GAP",
    "RegisterResult",
    "aggregate_register",
    "read_directory",
]

REGISTER_COLUMNS = ("birth_year", "sex", "nationality", "household_id", "street_key", "house_number",
                    "block_key")
HOUSEHOLD_TYPES = ("einpersonen_unter65", "einpersonen_65plus", "paare_ohne_kinder", "paare_mit_kindern",
                   "alleinerziehende", "sonstige")
#: Two adults count as a couple if their ages differ by at most this many years.
COUPLE_MAX_AGE_GAP = 15
OUTPUT_COLUMNS = ("area_id", "year", "variable", "age_group", "sex", "nationality", "type", "value")

_SIDES = {"odd": "odd", "ungerade": "odd", "u": "odd", "even": "even", "gerade": "even", "g": "even",
          "all": "all", "alle": "all", "a": "all", "beide": "all", "": "all"}
_SEX_SQL = ("CASE lower(trim(CAST(sex AS VARCHAR))) WHEN 'm' THEN 0 WHEN 'männlich' THEN 0 WHEN '1' THEN 0 "
            "WHEN 'w' THEN 1 WHEN 'weiblich' THEN 1 WHEN 'f' THEN 1 WHEN '2' THEN 1 END")
_NAT_SQL = ("CASE lower(trim(CAST(nationality AS VARCHAR))) WHEN 'deutsch' THEN 0 WHEN 'd' THEN 0 "
            "WHEN '1' THEN 0 WHEN 'nichtdeutsch' THEN 1 WHEN 'nd' THEN 1 WHEN '2' THEN 1 END")


@dataclass
class RegisterResult:
    """Counts from a register extract, the unmatched addresses and a reconciliation summary."""

    counts: pd.DataFrame
    unmatched: pd.DataFrame
    summary: dict = field(default_factory=dict)

    def report(self) -> str:
        """Human-readable reconciliation (persons read = counted + unmatched + invalid)."""
        s = self.summary
        lines = [
            f"persons read {s['persons_read']:,} = counted {s['persons_counted']:,} + unmatched address "
            f"{s['persons_unmatched']:,} + invalid {s['persons_invalid']:,}",
            f"households {s['households']:,} = counted {s['households_counted']:,} + unmatched address "
            f"{s['households_unmatched']:,}; at split addresses: {s['households_split_address']:,}; "
            f"persons without household key: {s['persons_without_household']:,}",
        ]
        for reason, n in s["invalid"].items():
            lines.append(f"  invalid: {reason}: {n:,}")
        if len(self.unmatched):
            lines.append(f"{len(self.unmatched):,} address(es) match no Sozialraum:")
            for row in self.unmatched.head(50).itertuples(index=False):
                addr = (f"block {row.block_key}" if pd.notna(row.block_key)
                        else f"street {row.street_key} no. {row.house_number}")
                lines.append(f"  {addr}: {row.persons} person(s), {row.households} household(s)")
            if len(self.unmatched) > 50:
                lines.append(f"  ... and {len(self.unmatched) - 50:,} more (see RegisterResult.unmatched)")
        return "\n".join(lines)

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``population.csv``, ``households.csv`` (the project's input format) and
        ``register_unmatched.csv`` (the addresses that match no Sozialraum, so none is lost).

        Files already in ``folder`` keep their rows of other years (and of areas this extract does
        not cover); rows of this extract's year and areas are replaced. So a planner can load
        one extract per reference date, one after another.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        c = self.counts
        pop = c[c["variable"] == "einwohner"][["area_id", "year", "variable", "age_group", "sex", "nationality",
                                                "value"]]
        hh = c[c["variable"] == "haushalte"][["area_id", "year", "variable", "type", "value"]]
        out = [folder / "population.csv", folder / "households.csv"]
        for path, new in zip(out, (pop, hh)):
            _merge_write(path, new)
        if len(self.unmatched):
            out.append(folder / "register_unmatched.csv")
            self.unmatched.to_csv(out[-1], index=False)
        return out


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


def _read_table(source) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.is_file():
        raise DataError(f"{path}: file missing")
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def read_directory(source) -> pd.DataFrame:
    """Read and check a street directory (see the module docstring).

    Returns a table with ``street_key, number_from, number_to, side, block_key, area_id`` and
    raises :class:`DataError` (naming the row) for an unknown side, a malformed range or two
    sections of a street that overlap.
    """
    d = _read_table(source)
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


def _source_sql(con, extract, columns: dict | None) -> str:
    """A SQL relation (FROM clause) over the extract, with columns renamed to the standard names."""
    if isinstance(extract, pd.DataFrame):
        con.register("register_df", extract)
        rel = "register_df"
    else:
        text = str(extract)
        if not any(ch in text for ch in "*?[") and not Path(text).is_file():
            raise DataError(f"{text}: register extract missing")
        quoted = "'" + text.replace("'", "''") + "'"
        if text.lower().endswith(".parquet"):
            rel = f"read_parquet({quoted})"
        else:
            rel = f"read_csv({quoted}, header=true, all_varchar=true)"
    have = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    rename = {std: src for src, std in (columns or {}).items()}  # standard name -> source name
    select = []
    missing = []
    for std in REGISTER_COLUMNS:
        src = rename.get(std, std)
        if src in have:
            select.append(f'CAST("{src}" AS VARCHAR) AS {std}')
        elif std in ("street_key", "house_number", "block_key"):
            select.append(f"CAST(NULL AS VARCHAR) AS {std}")
        else:
            missing.append(src)
    if missing:
        raise DataError(f"register extract: column(s) {', '.join(missing)} missing (has: {', '.join(have)})")
    if not any(rename.get(c, c) in have for c in ("street_key", "block_key")):
        raise DataError("register extract: needs street_key + house_number or block_key")
    return f"(SELECT {', '.join(select)} FROM {rel})"


def aggregate_register(extract, directory, year: int, *, columns: dict | None = None,
                       memory_limit: str = "768MB", threads: int | None = None,
                       temp_directory: str | None = None) -> RegisterResult:
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
        Source column name -> standard name (``{"GEBJAHR": "birth_year"}``).
    memory_limit, threads, temp_directory
        DuckDB settings: beyond ``memory_limit`` the aggregation spills to ``temp_directory``.
    """
    import duckdb

    dirx = read_directory(directory)
    year = int(year)
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit='{memory_limit}'")
        con.execute(f"SET threads={int(threads or os.cpu_count() or 1)}")
        con.execute("SET preserve_insertion_order=false")
        if temp_directory:
            con.execute(f"SET temp_directory='{temp_directory}'")
        src = _source_sql(con, extract, columns)
        con.register("dir_df", dirx)
        # one normalised row per person; addr is one string key per address
        persons = f"""
            SELECT
              {_SEX_SQL} AS sx,
              {_NAT_SQL} AS nat,
              {year} - TRY_CAST(trim(birth_year) AS INTEGER) AS age,
              NULLIF(trim(household_id), '') AS hh,
              CASE WHEN NULLIF(trim(street_key), '') IS NOT NULL
                   THEN 'S' || trim(street_key) || '|' || coalesce(trim(house_number), '')
                   WHEN NULLIF(trim(block_key), '') IS NOT NULL THEN 'B' || trim(block_key)
                   ELSE '-' END AS addr
            FROM {src}"""
        # one scan of the extract into a compact table (DuckDB spills it to disk beyond memory_limit)
        con.execute(f"CREATE TEMP TABLE p AS {persons}")
        persons = "SELECT * FROM p"
        # persons by address x band x sex x nationality
        con.execute(f"""
            CREATE TEMP TABLE pa AS SELECT addr,
              CASE WHEN age IS NULL THEN 'birth year missing or not a number'
                   WHEN age < 0 THEN 'born after the reference year'
                   WHEN age > 120 THEN 'older than 120'
                   WHEN sx IS NULL THEN 'sex not m/w'
                   WHEN nat IS NULL THEN 'nationality not deutsch/nichtdeutsch' END AS invalid,
              least(age // 5, 18) AS band, sx, nat, hh IS NULL AS no_hh, count(*) AS n
            FROM ({persons}) GROUP BY ALL""")
        # households: composition per household, then households by address x type
        con.execute(f"""
            CREATE TEMP TABLE hh AS
            WITH h AS (
              SELECT hh, min(addr) AS addr, min(addr) <> max(addr) AS split, count(*) AS n,
                     count(*) FILTER (WHERE age IS NULL OR age < 0 OR age > 120) AS n_bad,
                     count(*) FILTER (WHERE age < 18) AS n_child,
                     count(*) FILTER (WHERE age >= 18) AS n_adult,
                     max(age) FILTER (WHERE age >= 18) AS max_adult,
                     min(age) FILTER (WHERE age >= 18) AS min_adult,
                     max(age) AS max_age
              FROM ({persons}) WHERE hh IS NOT NULL GROUP BY hh)
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
        # distinct addresses -> Sozialraum through the directory (sections do not overlap)
        con.execute(r"""
            CREATE TEMP TABLE addrs AS
            SELECT addr,
              CASE WHEN addr[1] = 'S' THEN split_part(addr[2:], '|', 1) END AS street_key,
              CASE WHEN addr[1] = 'S' THEN substr(addr, strpos(addr, '|') + 1) END AS house_number,
              CASE WHEN addr[1] = 'B' THEN addr[2:] END AS block_key,
              CASE WHEN addr[1] = 'S' THEN TRY_CAST(regexp_extract(substr(addr, strpos(addr, '|') + 1),
                   '^\s*(\d+)', 1) AS BIGINT) END AS num
            FROM (SELECT DISTINCT addr FROM pa UNION SELECT DISTINCT addr FROM hh)""")
        con.execute("""
            CREATE TEMP TABLE amap AS
            SELECT a.addr, min(d.area_id) AS area_id FROM addrs a JOIN dir_df d
              ON a.street_key = d.street_key AND a.num BETWEEN d.number_from AND d.number_to
             AND (d.side = 'all' OR (d.side = 'odd') = (a.num % 2 = 1))
            GROUP BY a.addr
            UNION ALL
            SELECT a.addr, d.area_id FROM addrs a JOIN dir_df d ON a.block_key = d.block_key""")
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
    finally:
        con.close()

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
        "addresses_unmatched": int(len(unmatched)),
    }
    assert summary["persons_read"] == (summary["persons_counted"] + summary["persons_unmatched"]
                                       + summary["persons_invalid"])
    assert summary["persons_counted"] == int(pop["value"].sum())
    return RegisterResult(counts=counts, unmatched=unmatched, summary=summary)
