"""Command line: ``sozialanalyse build``, ``sozialanalyse audit``, ``sozialanalyse musterland``,
``sozialanalyse datenblatt``, ..."""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

__all__ = ["main"]

# Each subcommand imports its floor inside its function: `sozialanalyse --help` then needs no pandas
# (measured: 0.03–0.09 s instead of 1.6 s with the imports at the top).


def _build(args) -> int:
    from .build import executors
    from .build.profile import Profile
    from .build.report import BuildError, ConfigError, DiskFullError, build

    if args.executor == "dask" and not args.scheduler:
        print("sozialanalyse build: error: --executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786; "
              "README: Building on a Dask cluster)", file=sys.stderr)
        return 2
    profile = Profile() if args.profile else None
    try:  # a scheduler that does not answer is named now, before the plan reads the data
        executor = executors.make(args.executor, jobs_n=args.jobs, scheduler=args.scheduler)
    except executors.ExecutorError as exc:
        print(f"sozialanalyse build: error: {exc}", file=sys.stderr)
        return 1
    try:
        result = build(args.config, jobs_n=args.jobs, quiet=args.quiet, pdf=args.pdf, executor=executor,
                       profile=profile)
    except ConfigError as exc:  # one line: file, line, key, value
        print(f"sozialanalyse build: error: {exc}", file=sys.stderr)
        return 2
    except DiskFullError as exc:  # one line: the folder, and that the published site is unchanged
        print(f"sozialanalyse build: error: {exc}", file=sys.stderr)
        return 1
    except BuildError as exc:
        print(f"sozialanalyse build: error: {exc}", file=sys.stderr)
        print("The previously published site (if any) was left unchanged.", file=sys.stderr)
        return 1
    finally:
        executor.close()
    if profile is not None:
        print(profile.report(), file=sys.stderr)
    print(f"{result['executed']} notebook(s) executed, {result['cached']} from the cache, "
          f"book {result['book']} in {result['seconds']:.1f} s", file=sys.stderr)
    print(os.path.relpath(result["index"]))
    return 0


# --- disclosure audit (sozialanalyse.build.audit) ---
def _audit(args) -> int:
    from .build.audit import audit_site

    threshold = args.threshold
    if threshold is None:
        from .io.own import DataError, read_config
        from .stats.disclosure import settings

        try:
            threshold = settings(read_config(args.config)).threshold if args.config else settings(None).threshold
        except (DataError, ValueError) as exc:
            print(f"sozialanalyse audit: error: {exc}", file=sys.stderr)
            return 2
    inputs = {}
    if args.config:  # a synthetic district's input files, copied beside "Daten und Methoden" by the build
        from .build.report import GENERATED
        from .io.own import DataError, file_hashes, load_district, read_config
        from .pages.daten_methoden import INPUTS, inputs_published

        try:
            cfg = read_config(args.config)
            district = None if cfg.official else load_district(cfg.path)
        except (DataError, ValueError) as exc:
            print(f"sozialanalyse audit: error: {exc}", file=sys.stderr)
            return 2
        if district is not None and inputs_published(district):
            inputs = {f"{GENERATED.as_posix()}/{INPUTS}/{name}": sha for name, sha in file_hashes(district.folder).items()}
    try:
        findings = audit_site(args.site, threshold=threshold, suppressed=args.suppressed, inputs=inputs,
                              jobs=args.jobs)
    except (FileNotFoundError, ValueError) as exc:
        print(f"sozialanalyse audit: error: {exc}", file=sys.stderr)
        return 2
    for f in findings:
        print(f)
    print(f"sozialanalyse audit: {len(findings)} finding(s) in {args.site} (threshold {threshold})", file=sys.stderr)
    return 1 if findings else 0


def _musterland(args) -> int:
    from .demo import musterland

    musterland.generate(args.out, seed=args.seed, municipalities=args.municipalities)
    print(args.out)
    return 0


# --- validate (sozialanalyse.io.validate) and data fetch (sozialanalyse.io.fetch) ---
def _validate_official(cfg) -> int:
    """``validate`` of a config with ``source: official``: load it and print every file's
    reconciliation line and every key without a partner."""

    from .io.official import MirrorMissing, load_official
    from .io.own import DataError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the keys without a partner are printed below
            od = load_official(cfg)
    except (MirrorMissing, DataError, OSError, ValueError) as exc:
        print(f"sozialanalyse validate: error: {exc}", file=sys.stderr)
        return 2
    for r in od.loads.itertuples(index=False):
        print(f"{r.file}: rows read {r.read:,} = used {r.used:,} + other area or year {r.outside:,} "
              f"+ key without partner {r.unmatched:,} + without value {r.no_value:,}")
    bad = od.unmatched
    for r in bad.itertuples(index=False):
        print(f"{r.source}: key {r.source_key} ({r.source_name}): {r.status}")
    print(f"{od.name}: {len(od.municipalities())} Gemeindeverbände, {len(bad)} key(s) without a partner")
    return 1 if len(bad) else 0


def _validate(args) -> int:
    """``sozialanalyse validate <folder or config> [--strict]``: print every problem and the
    reconciliation. A report config is checked with the data it names: its ``data`` folder (years
    up to its ``report_year``), or the official files of the mirror (``source: official``). The
    optional inputs read by later floors are checked here too, not only when first used: the
    Maßnahmen and project workbooks, the street network (``strassen.csv``) and the goals.

    Returns the exit status: 0 no problem, 1 problems listed (with or without ``--strict``), 2 the
    folder or config cannot be read."""

    from .io.own import DataError, read_config
    from .io.validate import config_references, validate

    cfg, report_year = None, None
    target = Path(args.folder)
    if not target.is_dir() and (target.suffix in (".yml", ".yaml") or not target.exists()):
        try:
            cfg = read_config(args.folder)
        except (DataError, OSError) as exc:
            if target.is_file():  # a config that cannot be used: its message names file, line and key
                print(f"sozialanalyse validate: error: {exc}", file=sys.stderr)
                return 2
            print(f"sozialanalyse validate: error: {args.folder} is neither a district folder nor a report "
                  f"config: {exc}", file=sys.stderr)
            return 2
        if cfg.official:
            return _validate_official(cfg)
        target = cfg.data
        report_year = cfg.report_year
    try:
        result = validate(target, strict=False, geometry=not getattr(args, "no_geometry", False),
                          report_year=report_year)
    except (DataError, OSError) as exc:  # the folder itself; problems of its files are listed below
        print(f"sozialanalyse validate: error: {exc}", file=sys.stderr)
        return 2
    print(result.report())
    steering = _steering_problems(target, result.areas) + _street_problems(target)
    for problem in steering:  # measures of the Teilkonzepte, project reports (sozialanalyse.steering)
        print(problem)
    wrong = config_references(cfg, result.areas) if cfg is not None else []
    wrong += _goal_problems(cfg, target, result)
    for message in wrong:  # what the config names that the data and the catalog do not have
        print(message)
    wrong = [*steering, *wrong]
    if result.problems or wrong:
        print(f"sozialanalyse validate: {len(result.problems) + len(wrong)} problem(s)", file=sys.stderr)
        return 1
    return 0


def _steering_problems(folder: Path, areas) -> list[str]:
    """Problems of the optional steering inputs of a district folder (``massnahmen.xlsx``,
    ``massnahmen_vorjahr.xlsx``, ``projekte/*.xlsx``), each as one line naming file, sheet, row,
    field and value."""
    from .model.errors import DataError
    from .steering import projects, teilkonzepte

    out = []
    try:
        for previous in (False, True):
            out += [str(p) for p in teilkonzepte.read(folder, strict=False, previous=previous).problems]
        ids = areas["area_id"].astype(str) if areas is not None and "area_id" in areas else None
        out += [str(p) for p in projects.read(folder, strict=False, area_ids=ids).problems]
    except DataError as exc:  # a file that is no workbook at all
        out.append(str(exc))
    return out


def _street_problems(folder: Path) -> list[str]:
    """Problems of the optional street network of a district folder (``strassen.csv``), each one
    line naming file, row, column, edge and value (the checks :func:`sozialanalyse.planning.streets.read_streets`
    makes when the reach along the streets is first computed); a file that cannot be read at all or
    lacks a column is one line."""
    from .model.errors import DataError
    from .planning import streets

    path = Path(folder) / streets.STREET_FILE
    if not path.is_file():
        return []
    try:
        return list(streets.read_streets(path, strict=False)[1])
    except DataError as exc:
        return [str(exc)]


def _goal_problems(cfg, folder: Path, result) -> list[str]:
    """The problems of the goals file (``goals.yml`` beside the data or the config's ``goals``),
    checked against the district (areas, catalog, published values); only when the data passed,
    since the goals are read against them."""
    named = getattr(cfg, "goals", None) if cfg is not None else None
    path = Path(named) if named is not None else Path(folder) / "goals.yml"
    if not path.is_file():
        return []
    if result.problems:  # a note, not a problem of its own
        print(f"{path.name}: not checked (the goals are read against the data: fix the problems above first)")
        return []
    from .io.own import load_district
    from .steering import goals

    try:
        district = load_district(cfg.path if cfg is not None else folder)
        return goals.read(path, district, mode="lenient").problems
    except goals.GoalsError as exc:  # the file as a whole cannot be read
        return [str(exc)]


def _register(args) -> int:
    """``sozialanalyse register``: a register extract -> population.csv / households.csv."""
    from .io.own import DataError
    from .io.register import aggregate_register

    columns = {}
    for item in args.column or []:
        src, sep, std = item.partition("=")
        if not sep or not src or not std:
            print(f"sozialanalyse register: error: --column {item!r}: write SOURCE=STANDARD, e.g. GEBJAHR=birth_year",
                  file=sys.stderr)
            return 2
        columns[src] = std
    try:
        result = aggregate_register(args.extract, args.directory, args.year, columns=columns or None,
                                    memory_limit=args.memory_limit, temp_directory=args.temp_directory,
                                    encoding=args.encoding, directory_encoding=args.directory_encoding,
                                    areas=args.out if os.path.isdir(args.out) else None)
        before = result.existing(args.out)
        written = result.write(args.out, replace=args.replace)
    except (DataError, OSError) as exc:  # OSError: e.g. the output folder is not writable
        print(f"sozialanalyse register: error: {exc}", file=sys.stderr)
        return 2
    print(result.report())
    if not any(os.path.isfile(os.path.join(args.out, f"areas{suffix}")) for suffix in (".csv", ".xlsx", ".parquet")):
        print(f"note: {args.out} has no areas table, so the directory's Sozialraum keys were not checked")
    s = result.summary
    for name, (n, v) in before.items():
        unit, now = (("persons", s["persons_counted"]) if name == "population.csv"
                     else ("households", s["households_counted"]))
        print(f"replaced the {args.year} counts of {n} Sozialräume in {name}: {v:,} {unit} before, {now:,} now")
    for path in written:
        print(f"wrote {path}")
    lost = s["persons_unmatched"] + s["persons_invalid"]
    return 1 if args.strict and lost else 0


def _data_fetch(args) -> int:
    from .io.fetch import cli_fetch

    return cli_fetch(args)


def _datenblatt(args) -> int:
    """``sozialanalyse datenblatt --config C --area KEY [--out FILE]``: the data sheet of one area
    (Excel workbook, its ``.kinds.json`` and the same content as a printable HTML page)."""
    from .io.load import load
    from .model.errors import DataError
    from .planning.datenblatt import write

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # keys without a partner (official data) are listed by validate
            district = load(args.config)
        xlsx, page = write(district, args.area, args.out, year=args.year)
    except DataError as exc:
        print(f"sozialanalyse datenblatt: error: {exc}", file=sys.stderr)
        return 2
    print(os.path.relpath(xlsx))
    print(os.path.relpath(page))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sozialanalyse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute the notebooks and build the HTML report")
    b.add_argument("--config", default="musterland",
                   help="report config (file or name in config/; default: musterland, the demo district)")
    b.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)),
                   help="parallel notebook workers on this machine, and processes of the disclosure audit (default: 2)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    b.add_argument("--pdf", action=argparse.BooleanOptionalAction, default=None,
                   help="PDFs of the Gemeindeprofile and the whole report, printed by Debian's Chromium "
                        "(default: if Chromium is installed; --pdf: required; --no-pdf: none)")
    b.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where the notebooks run: local worker processes with warm kernels (default), or a Dask "
                        "cluster (each notebook a task; the workers must see this project folder)")
    b.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="the Dask scheduler for --executor dask, e.g. tcp://127.0.0.1:8786")
    b.add_argument("--profile", action="store_true",
                   help="print where the time went: each phase, the kernels, the slowest pages and their cells")
    b.set_defaults(func=_build)
    a = sub.add_parser("audit", help="check a built site for undeclared numbers, small counts, recoverable or implied counts "
                                       "(non-zero exit on findings)")
    a.add_argument("site", nargs="?", default="_build/html", help="the built site folder (default: _build/html)")
    a.add_argument("--threshold", type=int, default=None,
                   help="counts below this are findings (default: the config's disclosure threshold, 3)")
    a.add_argument("--config", default=None, help="report config whose disclosure block sets the threshold (and, for "
                                                  "a synthetic district, whose input files the site may hold)")
    a.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)),
                   help="processes reading the files (default: 2; one per 400 files at most, so a small site is read by one)")
    a.add_argument("--suppressed", default=None, metavar="CSV",
                   help="private manifest of suppressed cells (name, measure, value, status; kept outside "
                        "the site): their values must not stand beside the area's name in any page text")
    a.set_defaults(func=_audit)
    m = sub.add_parser("musterland", help="regenerate the synthetic demo district")
    m.add_argument("out", nargs="?", default="data/musterland")
    m.add_argument("--seed", type=int, default=2024)
    m.add_argument("--municipalities", type=int, default=None, metavar="N",
                   help="a synthetic Land instead: Musterland's municipalities and generated Einheitsgemeinden, "
                        "N Gemeindeprofile in all (e.g. 400, to measure the build at scale)")
    m.set_defaults(func=_musterland)
    v = sub.add_parser("verify", help="re-execute the project's templates with the published "
                                      "notebooks' parameters; compare code, outputs and HTML pages "
                                      "(non-zero exit on any difference)")
    v.add_argument("target", nargs="?", default="_build/html",
                   help="a built site, a folder of executed notebooks or one .ipynb (default: _build/html)")
    v.add_argument("--root", default=None, help="project folder to execute in (default: found from here)")
    v.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="parallel kernels")
    v.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    v.set_defaults(func=lambda a: __import__("sozialanalyse.build.verify", fromlist=["main"]).main(
        a.target, root=a.root, jobs_n=a.jobs, quiet=a.quiet))
    va = sub.add_parser("validate", help="check a district folder and list every problem",
                        epilog="exit status: 0 no problem; 1 problems listed (with or without --strict); "
                               "2 the folder or config cannot be read")
    va.add_argument("folder", help="district folder in the project's input format, or a report config")
    va.add_argument("--strict", action="store_true",
                    help="kept for scripts: the exit status is 1 whenever a problem is listed")
    va.add_argument("--no-geometry", action="store_true", help="skip the nesting check of gebiete.gpkg")
    va.set_defaults(func=_validate)
    r = sub.add_parser("register", help="aggregate a person-level register extract to Sozialraum counts "
                                         "(population.csv, households.csv) through a street directory")
    r.add_argument("extract", help="CSV (.csv, .csv.gz) or Parquet file(s), one row per person; a glob reads many")
    r.add_argument("--directory", required=True, help="street directory: street sections and blocks -> area_id")
    r.add_argument("--year", type=int, required=True, help="reference year (counts refer to 31.12.)")
    r.add_argument("--out", required=True, help="district data folder to write into (other years are kept)")
    r.add_argument("--column", action="append", metavar="SOURCE=STANDARD",
                   help="map a column of the extract, e.g. --column GEBJAHR=birth_year (repeatable)")
    r.add_argument("--memory-limit", default="768MB", help="DuckDB memory limit before spilling to disk")
    r.add_argument("--temp-directory", default=None,
                   help="folder for DuckDB to spill to beyond the memory limit (default: .tmp here)")
    r.add_argument("--encoding", default="utf-8",
                   help="encoding of CSV files: utf-8 (default), latin-1, cp1252, ...")
    r.add_argument("--directory-encoding", default=None,
                   help="encoding of the directory if it differs from --encoding")
    r.add_argument("--strict", action="store_true",
                   help="exit with status 1 if any person matches no Sozialraum or has an invalid record")
    r.add_argument("--replace", action="store_true",
                   help="overwrite counts of --year that --out already holds for the directory's Sozialräume")
    r.set_defaults(func=_register)
    db = sub.add_parser("datenblatt", help="data sheet of one area for funding applications (Excel workbook and "
                                           "printable HTML page)")
    db.add_argument("--config", default="musterland", help="report config (file or name in config/)")
    db.add_argument("--area", required=True, help="area key (Sozialraum, municipality or Kreis) or its exact name")
    db.add_argument("--out", default=None, help="the workbook to write (default: datenblatt_<key>.xlsx); "
                                                "the HTML page is written beside it")
    db.add_argument("--year", type=int, default=None, help="the year (default: the config's report year)")
    db.set_defaults(func=_datenblatt)
    dat = sub.add_parser("data", help="official open data (download or copy from a mirror)")
    dat_sub = dat.add_subparsers(dest="data_command", required=True)
    fe = dat_sub.add_parser("fetch", help="download the official datasets into the cache, checked by sha256")
    fe.add_argument("--mirror", default=None, help="take the files from this local folder (offline machines)")
    fe.add_argument("--cache", default=None, help="cache folder (default: $SOZIALANALYSE_CACHE or "
                    "~/.cache/sozialanalyse/data)")
    fe.add_argument("--only", nargs="*", default=None, help="dataset names or file paths to fetch")
    fe.add_argument("--config", default=None,
                    help="fetch just the files this report config reads (e.g. config/harburg.yml)")
    fe.set_defaults(func=_data_fetch)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
