"""The report config as one typed object: every key, its type, default and check in one place.

The model floor: imports nothing else of the package but :mod:`sozialanalyse.model.errors`.

A report config is a YAML file (``config/musterland.yml``, ``config/harburg.yml``) saying which
district a report is about and how it is built. :func:`read_config` (a name such as
``"musterland"`` or a path) and :meth:`Config.from_file` read it into a frozen :class:`Config`.
Every problem raises :class:`ConfigError` as one line naming the file, the line, the key and the
value; ``sozialanalyse validate`` and ``sozialanalyse build`` stop at once with exit status 2.
A key not listed below is refused at any level with the closest valid key
(``config/x.yml, line 3: unknown key 'profles'; did you mean 'profiles'?``). Paths are relative
to the config file. What is derived from a config (its file, the folders resolved) is an
attribute of the object; the mapping the user wrote is never changed.

Keys
----
``title`` : text, default none
    Title of the book and the start page; none: "Sozialbericht <name of the district>".
``description`` : text, default none
    First paragraph of the start page; none: a standard paragraph naming the district.
``source`` : ``own`` (default) or ``official``
    ``own``: the project's input format in the folder ``data``; ``official``: official open data
    (INKAR, GISD, BKG) from the data mirror, for the Kreis ``kreis``.
``data`` : folder
    The district's data folder in the project's input format (``data/README.md``). Must exist;
    required unless ``source: official``.
``kreis`` : text
    ``source: official``: the Kreis key, five digits written in quotes (``'03353'``); required
    there.
``mirror`` : folder, default none
    ``source: official``: the folder of the data mirror; must exist. None: the default mirror
    (environment variable ``SOZIALANALYSE_DATA_MIRROR``, ``<repo>/../shared/data`` or the
    fetch cache, :func:`sozialanalyse.io.mirror.mirror_dir`).
``report_year`` : whole number, default none
    The year the report is about, 1950 to 2100 (:data:`CONFIG_YEARS`); none: the latest year of
    the data. Counts of later years are data problems.
``chapters`` : list of text, default none
    The template notebooks (``notebooks/<name>.ipynb``) run as chapters; none: every chapter of
    ``_toc.yml``.
``profile_template`` : text, default ``gemeindeprofil``
    The template notebook of the page of each municipality (Gemeindeverband).
``profiles`` : ``all`` (default) or a list of area keys
    The municipalities that get a page. Area keys are text in quotes (``['03499001']``): YAML
    reads ``03499001`` without quotes as the octal number 939521, which is refused.
``toc_exclude`` : list of text, default none
    Book pages (``book/...``) left out of the table of contents, e.g. pages that need a chapter
    this config does not run.
``validation`` : ``strict`` (default) or ``lenient``
    ``strict``: any data problem stops the build; ``lenient``: the report is built from the rows
    that pass, and the page "Daten und Methoden" lists the problems.
``catalog`` : file or list of files, default none
    Indicator catalogs (YAML) extending the packaged ``stats/catalog.yml``; each must exist.
``key_figures`` : list of text, default none
    Indicator ids of the key-figure tables of the profiles; none: the page's default list
    (``sozialanalyse.pages.gemeindeprofil.DEFAULT_KEY_FIGURES``).
``goals`` : file, default none
    The council's goals with key figures (YAML, ``data/README.md``; page "Ziele"); must exist.
    None: ``goals.yml`` in the data folder when there is one, else no goals.
``publish_inputs`` : true or false (default)
    Whether the site offers copies of the data folder's input files on the page "Daten und
    Methoden" (``data/musterland``: yes). Only for a synthetic district (``meta.yml``:
    ``synthetic: true``); the build refuses it for any other, whose input files hold every count
    before protection.
``disclosure`` : mapping (:class:`DisclosureSettings`)
    Statistical disclosure control of everything the report publishes
    (:mod:`sozialanalyse.stats.disclosure`):

    ``threshold`` : whole number >= 1, default 3
        Counts from 1 to ``threshold - 1`` are not published. Below 3 only with
        ``threshold_below_3_acknowledged``.
    ``threshold_below_3_acknowledged`` : text
        Why this report may use a threshold below 3; printed on the page "Daten und Methoden".
    ``mode`` : ``suppress`` (default), ``round`` or ``cellkey``
        Suppression (primary and secondary), rounding, or the cell-key method.
    ``round_base`` : whole number >= 2, default 5
        ``mode: round``: the base counts are rounded to.
    ``zeros_visible`` : true (default) or false
        ``mode: suppress``: whether zeros stay visible.
    ``seed`` : text, default ``sozialanalyse``
        ``mode: cellkey``: the seed of the cell keys.
``monitoring`` : mapping (:class:`MonitoringSettings`)
    The Sozialraum monitoring (page "Sozialraum-Monitoring"):

    ``status`` : list of text, default none
        Indicator ids of the status index; none: the page's default list.
    ``dynamics_years`` : whole number >= 1, default none
        How many years the dynamics look back; none: the page's default (2).
``peers`` : mapping (:class:`PeerSettings`)
    The comparison districts (page "Vergleichskreise", :mod:`sozialanalyse.planning.peers`):

    ``k`` : whole number >= 1, default 10
        How many nearest statistical neighbours are chosen.
    ``variables`` : list of text, default none
        The structural variables the distance is computed from; none: the default list of the
        data source (``sozialanalyse.planning.peers.DEFAULT_VARIABLES``).
    ``weights`` : mapping of variable to number > 0, default none
        Weights of the variables in the distance (a variable not named weighs 1).
    ``missing`` : ``error`` (default) or ``exclude``
        A comparison district without a value of a variable: stop with a message naming them, or
        leave those districts out (they are listed on the page).
    ``file`` : file, default none
        ``source: own``: the table of comparison districts; none: ``vergleichskreise.csv`` in the
        data folder.
    ``scope`` : ``bund`` (default) or ``land``
        ``source: official``: the Landkreise of all Germany or of the district's Land only.
    ``key_figures`` : list of text, default none
        The key figures compared with the peers; none: the page's default list.

``supply`` : mapping (:class:`SupplySettings`)
    Services against need (chapter "Angebote und Bedarf", :mod:`sozialanalyse.planning.supply`):

    ``reach_m`` : list of 1 to 3 distances in metres > 0, default ``[500, 1000]``
        The straight-line distances of the reach shares (share of the served population within
        that distance of the nearest facility of a type).
    ``low_reach`` : number 0 to 100, default 50
        A Sozialraum has *low reach* for a type when less than this percentage of its served
        population lives within the largest of ``reach_m``.
    ``fte_hours`` : number > 0, default 40
        Weekly hours of one full-time post (measure ``fte``: ``staff_hours / fte_hours``).
    ``types`` : mapping facility type -> mapping, default :data:`SUPPLY_TYPES`
        Per facility type (one of :data:`FACILITY_TYPES`; an unknown type is refused with the
        closest one): ``ages`` ``[lower, upper]`` (the served population; ``upper`` empty: and
        over), ``measure`` (``places``: the ``capacity`` column; ``facilities``: the number of
        facilities; ``fte``: full-time posts from ``staff_hours``), ``per`` (the guide value's
        population base, e.g. 100 or 10000), ``guide`` (the guide value: supply per ``per``
        served persons; empty: no guide, reach only), ``source`` (where the guide value
        comes from) and ``level`` (``base``, default: planned for every Sozialraum;
        ``gemeindeverband`` or ``kreis``: planned for the municipalities or the Kreis; the gaps
        are ranked at that level, and low reach is flagged only for ``base``). A type given
        here replaces its default entry as a whole.
``herausgeber`` : mapping (:class:`PublisherSettings`)
    Who publishes the report (start page, pages *Impressum*, *Datenschutz*, *Barrierefreiheit*
    and the footer of every page). All entries are text and optional; a page says "nicht
    angegeben" where one is missing rather than invent it:

    ``name``, ``anschrift`` (postal address, lines separated by line breaks), ``email``,
    ``telefon``, ``verantwortlich`` (responsible for the content, § 18 Abs. 2 MStV),
    ``barrierefreiheit_kontakt`` (contact for accessibility problems, e-mail or address),
    ``schlichtungsstelle`` (the Land's enforcement or arbitration body, text),
    ``datenschutz`` (the privacy statement, text), ``datenschutz_url`` (a link to the
    publisher's own statement, https), ``veroeffentlicht`` (publication date ``YYYY-MM-DD``;
    none: the build date), ``fiktiv`` (true or false, default false: the publisher is invented,
    as for the demo district, and every publisher page says so).

Examples
--------
>>> cfg = read_config("musterland")
>>> cfg.report_year, cfg.disclosure.threshold, cfg.data.name, cfg.path.name
(2024, 3, 'musterland', 'musterland.yml')
>>> Config.from_mapping({"profles": "all"})
Traceback (most recent call last):
...
sozialanalyse.model.config.ConfigError: config: unknown key 'profles'; did you mean 'profiles'?
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from .errors import DataError

__all__ = ["CONFIG_AREA_KEYS", "CONFIG_YEARS", "FACILITY_TYPES", "MIN_THRESHOLD", "MODES", "SUPPLY_MEASURES",
           "SUPPLY_TYPES", "SYMBOL", "Config", "ConfigError", "DisclosureSettings", "MonitoringSettings", "PeerSettings", "PublisherSettings",
           "SupplySettings", "SupplyType", "as_config", "check_block", "read_config", "resolve_config"]


class ConfigError(DataError):
    """The report config cannot be used (syntax, an unknown key, a key not written as text, a bad
    setting); the message is one line naming the file, line, key and value (the CLI exits with
    status 2). A :class:`~sozialanalyse.model.errors.DataError`, so every reader that handles
    problems of the input handles it too."""


# --------------------------------------------------------------------------- disclosure block
#: What a suppressed cell shows.
SYMBOL = "."
#: The modes of disclosure control (:mod:`sozialanalyse.stats.disclosure`).
MODES = ("suppress", "round", "cellkey")
#: The smallest threshold without an acknowledgement: a count of 1 identifies a person, and of
#: 2 each of the two knows the other's value; 3 is the usual minimum of official statistics.
MIN_THRESHOLD = 3
_ACK = "threshold_below_3_acknowledged"


@dataclass(frozen=True)
class DisclosureSettings:
    """Disclosure settings of a report (the config's ``disclosure:`` block)."""

    threshold: int = 3
    mode: str = "suppress"
    round_base: int = 5
    zeros_visible: bool = True
    seed: str = "sozialanalyse"
    #: The reason a report uses a threshold below :data:`MIN_THRESHOLD` (the config's
    #: ``threshold_below_3_acknowledged``); printed on the methods page.
    threshold_below_3_acknowledged: str = field(default="", repr=False)

    def __post_init__(self):  # no path (config, library call, replace) publishes counts of 1 or 2 unsaid
        t = self.threshold
        if isinstance(t, int) and not isinstance(t, bool) and 1 <= t < MIN_THRESHOLD:
            ack = self.threshold_below_3_acknowledged
            if not (isinstance(ack, str) and ack.strip()):
                raise ValueError(_below_minimum(t))

    @property
    def footnote(self) -> str:
        """German footnote text for suppressed cells."""
        return (f"Wert kleiner als {self.threshold} oder aus Gründen der Geheimhaltung gesperrt "
                "(Sekundärsperrung).")

    @property
    def footnote_line(self) -> str:
        """The footnote with the symbol it explains, for a table's footnotes."""
        return f"„{SYMBOL}“ {self.footnote}"


def _below_minimum(threshold: int) -> str:
    what = "switches suppression off (no count is suppressed)" if threshold == 1 else \
        f"publishes counts of {', '.join(map(str, range(threshold, MIN_THRESHOLD)))}"
    return (f"disclosure: threshold {threshold} is below {MIN_THRESHOLD}, the usual minimum of official statistics, "
            f"and {what}: a count of 1 identifies a person, a count of 2 lets each of the two learn the other's "
            f"value. If this report may do so, say why in the config: disclosure: {{threshold: {threshold}, "
            f"{_ACK}: \"<reason>\"}} (the methods page prints the threshold and the reason)")


def check_block(block) -> DisclosureSettings:
    """Check a config's ``disclosure:`` block and return its :class:`DisclosureSettings`.

    A ``threshold`` below :data:`MIN_THRESHOLD` (3) is refused unless the block gives the reason
    in ``threshold_below_3_acknowledged`` (non-empty text): a threshold of 1 switches suppression
    off, one of 2 publishes counts of 2.

    Raises
    ------
    ValueError
        Naming the setting and the value.

    Examples
    --------
    >>> check_block({"threshold": 2, "threshold_below_3_acknowledged": "nur interne Auswertung"}).threshold
    2
    >>> check_block({"threshold": 1})
    Traceback (most recent call last):
    ...
    ValueError: disclosure: threshold 1 is below 3, ...
    """
    if not isinstance(block, dict):
        raise ValueError(f"disclosure: expected a mapping, got {block!r}")  # noqa: TRY004
    known = {f.name for f in dataclasses.fields(DisclosureSettings)}
    unknown = sorted(set(block) - known)
    if unknown:
        raise ValueError(f"disclosure: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    s = DisclosureSettings(**block)
    if not isinstance(s.threshold, int) or isinstance(s.threshold, bool) or s.threshold < 1:
        raise ValueError(f"disclosure: threshold must be an integer >= 1, got {s.threshold!r}")
    ack = s.threshold_below_3_acknowledged
    if ack is not None and not isinstance(ack, str):
        raise ValueError(f"disclosure: {_ACK} must be text (the reason), got {ack!r}")
    ack = (ack or "").strip()
    if s.mode not in MODES:
        raise ValueError(f"disclosure: mode must be one of {', '.join(MODES)}, got {s.mode!r}")
    if not isinstance(s.round_base, int) or isinstance(s.round_base, bool) or s.round_base < 2:
        raise ValueError(f"disclosure: round_base must be an integer >= 2, got {s.round_base!r}")
    if not isinstance(s.zeros_visible, bool):
        raise ValueError(  # noqa: TRY004 - a config error, like the others
            f"disclosure: zeros_visible must be true or false, got {s.zeros_visible!r}")
    return DisclosureSettings(int(s.threshold), s.mode, int(s.round_base), s.zeros_visible, str(s.seed), ack)


# --------------------------------------------------------------------------- monitoring block
@dataclass(frozen=True)
class MonitoringSettings:
    """The config's ``monitoring:`` block (Sozialraum monitoring); ``None``: the page's default."""

    status: tuple[str, ...] | None = None
    dynamics_years: int | None = None


# --------------------------------------------------------------------------- supply block
#: The facility types of the input format (``facilities.csv``, column ``type``).
FACILITY_TYPES = ("Stadtteilhaus", "Pflegestützpunkt", "Seniorenberatung", "Kita", "Hausarztpraxis")
#: How a type's supply is measured: the ``capacity`` column (places), the number of facilities,
#: or full-time posts from ``staff_hours``.
SUPPLY_MEASURES = ("places", "facilities", "fte")
#: The levels a facility type is planned at (:class:`SupplyType`).
SUPPLY_LEVELS = ("base", "gemeindeverband", "kreis")
#: Said where a guide value is an example of a Landkreis, not a published standard.
EXAMPLE_SOURCE = "Orientierungswert des Landkreises (Beispiel)"


@dataclass(frozen=True)
class SupplyType:
    """One facility type: its served population (ages), how its supply is measured, its guide
    value (supply per ``per`` served persons; None: no guide) with the guide's source, and the
    level it is planned at (``base``: every Sozialraum; ``gemeindeverband``: every municipality;
    ``kreis``): its gaps are ranked there, and low reach is flagged only for ``base``."""

    ages: tuple[int, int | None] = (0, None)
    measure: str = "facilities"
    per: int = 10_000
    guide: float | None = None
    source: str = ""
    level: str = "base"


#: The default types (a config's ``supply: types:`` replaces an entry as a whole). The
#: Hausarzt guide is the general ratio of the G-BA's Bedarfsplanungs-Richtlinie (one GP per
#: 1,609 inhabitants, before the demography and morbidity factor), per 100,000; the others are
#: examples a Landkreis sets for itself and say so.
SUPPLY_TYPES = MappingProxyType({
    "Kita": SupplyType((1, 5), "places", 100, 80.0,
                       EXAMPLE_SOURCE + "; Rechtsanspruch auf Förderung ab dem vollendeten ersten Lebensjahr "
                       "(§ 24 SGB VIII)"),
    "Hausarztpraxis": SupplyType((0, None), "fte", 100_000, round(100_000 / 1609, 1),
                                 "Allgemeine Verhältniszahl der hausärztlichen Versorgung 1:1.609 "
                                 "(Bedarfsplanungs-Richtlinie des G-BA, § 11), umgerechnet auf 100.000 "
                                 "Einwohner; ohne Demografie- und Morbiditätsfaktor"),
    "Seniorenberatung": SupplyType((65, None), "facilities", 10_000, 1.0, EXAMPLE_SOURCE, "gemeindeverband"),
    "Pflegestützpunkt": SupplyType((80, None), "facilities", 10_000, 1.0, EXAMPLE_SOURCE, "kreis"),
    "Stadtteilhaus": SupplyType((0, None), "facilities", 10_000, None, "kein Orientierungswert (nur Erreichbarkeit)",
                                "gemeindeverband"),
})


@dataclass(frozen=True)
class SupplySettings:
    """The config's ``supply:`` block (services against need)."""

    reach_m: tuple[float, ...] = (500.0, 1000.0)
    low_reach: float = 50.0
    fte_hours: float = 40.0
    types: Mapping = field(default_factory=lambda: SUPPLY_TYPES, compare=False)  # read-only; not hashable


# --------------------------------------------------------------------------- peers block
PEER_MISSING = ("error", "exclude")
PEER_SCOPES = ("bund", "land")


@dataclass(frozen=True)
class PeerSettings:
    """The config's ``peers:`` block (comparison districts); ``None``: the page's default."""

    k: int = 10
    variables: tuple[str, ...] | None = None
    weights: tuple[tuple[str, float], ...] = ()  # (variable, weight) pairs: hashable
    missing: str = "error"
    file: Path | None = None
    scope: str = "bund"
    key_figures: tuple[str, ...] | None = None

    def weight(self, variable: str) -> float:
        """The weight of ``variable`` (1 unless the config names another)."""
        return dict(self.weights).get(variable, 1.0)


# --------------------------------------------------------------------------- publisher block
@dataclass(frozen=True)
class PublisherSettings:
    """The config's ``herausgeber:`` block (who publishes the report); ``None``: not given."""

    name: str | None = None
    anschrift: str | None = None
    email: str | None = None
    telefon: str | None = None
    verantwortlich: str | None = None
    barrierefreiheit_kontakt: str | None = None
    schlichtungsstelle: str | None = None
    datenschutz: str | None = None
    datenschutz_url: str | None = None
    veroeffentlicht: str | None = None
    fiktiv: bool = False


# --------------------------------------------------------------------------- the config
#: Config entries holding area keys (each a key or a list of keys); a key must be YAML text.
CONFIG_AREA_KEYS = ("profiles", "kreis")
#: A report year outside this range is a typing error, not a report.
CONFIG_YEARS = (1950, 2100)
SOURCES = ("own", "official")
VALIDATION_MODES = ("strict", "lenient")
#: The blocks of a config, each a mapping with its own keys.
_BLOCKS = {"disclosure": DisclosureSettings, "monitoring": MonitoringSettings, "supply": SupplySettings,
           "peers": PeerSettings, "herausgeber": PublisherSettings}
#: Attributes of :class:`Config` that are derived, not keys a user writes.
_DERIVED = ("path", "raw")


@dataclass(frozen=True)
class Config:
    """A report config, checked and typed (the keys are documented in the module docstring).

    Build one with :func:`read_config`, :meth:`from_file` or :meth:`from_mapping`; ``Config()``
    holds the defaults (a district read from a data folder without a config).
    """

    title: str | None = None
    description: str | None = None
    source: str = "own"
    data: Path | None = None
    kreis: str | None = None
    mirror: Path | None = None
    report_year: int | None = None
    chapters: tuple[str, ...] | None = None
    profile_template: str = "gemeindeprofil"
    profiles: str | tuple[str, ...] = "all"
    toc_exclude: tuple[str, ...] = ()
    validation: str = "strict"
    catalog: tuple[Path, ...] = ()
    key_figures: tuple[str, ...] | None = None
    goals: Path | None = None
    publish_inputs: bool = False
    disclosure: DisclosureSettings = DisclosureSettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    supply: SupplySettings = SupplySettings()
    peers: PeerSettings = PeerSettings()
    herausgeber: PublisherSettings = PublisherSettings()
    #: Derived: the config file read (``None`` for a config built from a mapping).
    path: Path | None = None
    #: Derived: the mapping as the file wrote it (read-only, plain numbers), for the cache keys.
    raw: Mapping = field(default_factory=lambda: MappingProxyType({}), repr=False, compare=False)

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        """Read and check a config file (see :func:`read_config`)."""
        path = Path(path).resolve()
        raw = _load_config_yaml(path)
        cfg = cls.from_mapping(raw, path)
        if cfg.data is None and cfg.source != "official":  # official: files of the data mirror
            raise ConfigError(f"{path}: the config has no 'data' entry (the district's data folder)")
        if cfg.kreis is None and cfg.source == "official":
            raise ConfigError(f"{path}: the config has no 'kreis' entry (the key of the Kreis whose official "
                              "data the report shows, e.g. kreis: '03353')")
        return cfg

    @classmethod
    def from_mapping(cls, mapping: Mapping, path: str | Path | None = None) -> Config:
        """Check a mapping of settings (as read from a config file) and return the config.

        Relative paths are relative to ``path``'s folder (else to the working directory);
        ``path`` also names the file in messages. Raises :class:`ConfigError`.
        """
        path = Path(path) if path is not None else None
        return _parse(mapping, path)

    # ------------------------------------------------------------------ derived
    @property
    def official(self) -> bool:
        """Whether the report shows official open data (``source: official``)."""
        return self.source == "official"

    @property
    def where(self) -> str:
        """The config file for messages (``"config"`` for a config built from a mapping)."""
        return str(self.path) if self.path is not None else "config"

    @property
    def all_profiles(self) -> bool:
        """Whether every municipality gets a page (``profiles: all``)."""
        return self.profiles == "all"

    def as_dict(self) -> dict:
        """The settings as the file wrote them (plain values, a new dict), with the paths of
        ``data``, ``mirror`` and ``catalog`` resolved: what a cache key depends on."""
        out = _plain(self.raw)
        for name in ("data", "mirror", "goals"):
            if name in out and getattr(self, name) is not None:
                out[name] = str(getattr(self, name))
        if isinstance(out.get("peers"), dict) and self.peers.file is not None:
            out["peers"] = {**out["peers"], "file": str(self.peers.file)}
        if "catalog" in out and self.catalog:
            out["catalog"] = [str(c) for c in self.catalog]
        return out


def as_config(config) -> Config:
    """``config`` as a :class:`Config`: a Config as it is, ``None`` as the defaults, a mapping
    checked by :meth:`Config.from_mapping` (kept for callers that pass plain dicts)."""
    if isinstance(config, Config):
        return config
    if config is None:
        return Config()
    if isinstance(config, Mapping):
        return Config.from_mapping(config)
    raise TypeError(f"config: expected a Config or a mapping of settings, got {type(config).__name__}")


KEYS = tuple(f.name for f in dataclasses.fields(Config) if f.name not in _DERIVED)


#: The installed package's folder (``sozialanalyse/``); its parent is the project of a source checkout.
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _project_root() -> Path:
    return PACKAGE_DIR.parent


def resolve_config(config: str | Path | None = None) -> Path:
    """Path of a report config.

    A bare name like ``"musterland"`` means ``config/<name>.yml`` of the project (looked up from
    the working directory, then beside the installed package), so notebooks run from any folder.
    The library has no default config: the command line and the notebooks' parameters name one.
    """
    if config is None or not str(config).strip():
        raise ConfigError("no report config given: name one, e.g. 'musterland' (config/musterland.yml), "
                          "'config/harburg.yml' or the path of your own")
    name = str(config)
    candidates = [Path(name)]
    if not name.endswith((".yml", ".yaml")):
        candidates += [Path.cwd() / "config" / f"{name}.yml", _project_root() / "config" / f"{name}.yml"]
    elif not Path(name).is_absolute():  # an executed notebook opened in book/_generated/ (JupyterLab)
        candidates += [p / name for p in Path.cwd().parents if (p / "_toc.yml").is_file()]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise ConfigError(f"config {name!r} not found (looked at: {', '.join(str(c) for c in candidates)})")


def read_config(config: str | Path | Config | None = None) -> Config:
    """Read and check a report config: a name (``"musterland"``: ``config/musterland.yml``), a
    path. A :class:`Config` is returned as it is; ``None`` asks for a config (the library has no default).

    Raises :class:`ConfigError` (one line: file, line, key, value) for a YAML problem, an unknown
    key (with the closest valid key), a value of the wrong type or out of range, a path that does
    not exist, or a disclosure threshold below 3 without its reason.
    """
    if isinstance(config, Config):
        return config
    return Config.from_file(resolve_config(config))


# --------------------------------------------------------------------------- the YAML loader
class _ConfigLoader(yaml.SafeLoader):
    """PyYAML's safe loader that keeps, for every number, the text the file spelt it with and
    its line: ``03453001`` reads as the octal 939521 under YAML 1.1, and the message about it
    must show what was written, not the number it became."""


class _ConfigDict(dict):
    """The top level of a config as read, with ``lines``: the line of each key, by key path
    (``("disclosure", "threshold")``), for messages about values that carry no line themselves."""

    lines: dict


def _key_lines(node, prefix: tuple = (), out: dict | None = None) -> dict:
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode) and len(prefix) < 3:
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                out[(*prefix, k.value)] = k.start_mark.line + 1
                _key_lines(v, (*prefix, k.value), out)
    return out


class _Number:
    """Mixin of :class:`_RawInt` and :class:`_RawFloat`: the scalar's source text and line."""

    raw: str
    line: int


class _RawInt(int, _Number):
    pass


class _RawFloat(float, _Number):
    pass


def _construct_raw(cls, base):
    def construct(loader, node):
        value = cls(base(loader, node))
        value.raw, value.line = node.value, node.start_mark.line + 1
        return value
    return construct


_ConfigLoader.add_constructor("tag:yaml.org,2002:int",
                              _construct_raw(_RawInt, yaml.SafeLoader.construct_yaml_int))
_ConfigLoader.add_constructor("tag:yaml.org,2002:float",
                              _construct_raw(_RawFloat, yaml.SafeLoader.construct_yaml_float))


def _recursive_alias(node, path: tuple = ()) -> yaml.Node | None:
    """The first node of a YAML node graph that contains itself (a recursive anchor), else None."""
    if id(node) in path:
        return node
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    else:
        return None
    for child in children:
        found = _recursive_alias(child, (*path, id(node)))
        if found is not None:
            return found
    return None


def _load_config_yaml(path: Path) -> dict:
    """Read a config file; a syntax error, an unsafe tag (``!!python/...``), a recursive anchor
    or a top level that is not a mapping raise :class:`ConfigError` as one line
    (``config/x.yml, line 4: ...``). Numbers carry their source text (:class:`_RawInt`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the config as UTF-8") from exc
    loader = _ConfigLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            rec = _recursive_alias(node)
            if rec is not None:
                raise ConfigError(f"{path}, line {rec.start_mark.line + 1}: a YAML anchor contains an alias of "
                                  "itself (recursive anchor); write the values out")
        cfg = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        what = " ".join(str(exc.problem or exc.context or exc).split())
        if "could not determine a constructor for the tag" in what:
            raise ConfigError(f"{where}: the tag {what.rsplit(' ', 1)[-1]} is not allowed in a config (only plain "
                              "YAML: text, numbers, true/false, lists, mappings)") from None
        if exc.context and exc.problem:
            what = f"{' '.join(exc.context.split())}: {what}"
        raise ConfigError(f"{where}: YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError(f"{path}: lists or mappings nested too deeply to be a report config") from None
    finally:
        loader.dispose()
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: a config is a mapping of settings (title: ..., data: ...), "
                          f"got a {type(cfg).__name__}")
    cfg = _ConfigDict(cfg)
    cfg.lines = _key_lines(node) if node is not None else {}
    return cfg


def _plain(obj):
    """``obj`` with plain ``int``/``float`` numbers and new dicts and lists (after the checks that
    need the numbers' text)."""
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, _RawInt):
        return int(obj)
    if isinstance(obj, _RawFloat):
        return float(obj)
    return obj


def _key_hint(value) -> str:
    """What an area key written as a YAML number most likely meant, as quoted YAML text."""
    raw = str(getattr(value, "raw", value))
    if raw.isdigit() and len(raw) in (4, 7, 11):  # Kreis, AGS or 12-digit key without its leading zero
        return f"write it in quotes: '{raw.zfill(len(raw) + 1)}' (an area key keeps its leading zero)"
    return f"write it in quotes: '{raw}'"


def _shown(value) -> str:
    """A value as the file wrote it (a number's text), else its repr."""
    return getattr(value, "raw", None) or repr(value)


# --------------------------------------------------------------------------- the checks
class _Where:
    """Builds the start of a message: the file and the line of a key path."""

    def __init__(self, path: Path | None, lines: dict):
        self.path, self.lines = path, lines

    def __call__(self, *key, value=None) -> str:
        line = getattr(value, "line", None) if isinstance(value, _Number) else None
        line = line if line is not None else self.lines.get(tuple(str(k) for k in key))
        return f"{self.path if self.path is not None else 'config'}{f', line {line}' if line else ''}"


def _unknown_keys(mapping: Mapping, valid: tuple[str, ...], where: _Where, block: str | None = None) -> None:
    """Refuse the first key of ``mapping`` not in ``valid``, naming the closest valid key."""
    for k in mapping:
        name = str(getattr(k, "raw", k))
        if isinstance(k, str) and k in valid:
            continue
        close = difflib.get_close_matches(name, valid, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (valid keys: {', '.join(valid)})"
        key = (block, name) if block else (name,)
        raise ConfigError(f"{where(*key)}: {f'{block}: ' if block else ''}unknown key '{name}'{hint}")


def _check_area_keys(cfg: Mapping, where: _Where) -> None:
    """Area keys (``profiles``, ``kreis``) must be YAML text: a number is refused with the text to
    write (``03453001`` unquoted is the octal number 939521 in YAML 1.1)."""
    for name in CONFIG_AREA_KEYS:
        if name not in cfg:
            continue
        value = cfg[name]
        if name == "profiles" and (value is None or value == "all"):
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        if name == "profiles" and not isinstance(value, (list, int, float)):
            raise ConfigError(f"{where(name)}: profiles: expected 'all' or a list of area keys, got {value!r}")
        for i, v in items:
            label = name if i is None else f"{name}[{i}]"
            if isinstance(v, bool) or not isinstance(v, str):
                shown = getattr(v, "raw", repr(v))
                read_as = f" (YAML reads it as the number {int(v) if isinstance(v, int) else v})" \
                    if isinstance(v, (int, float)) and str(v) != shown else ""
                line = f"{where.path}, line {v.line}" if isinstance(v, _Number) else str(where.path or "config")
                raise ConfigError(f"{line}: {label}: the area key {shown} is not text{read_as}; {_key_hint(v)}")


def _check_report_year(cfg: Mapping, where: _Where) -> int | None:
    """``report_year`` must be an integer year in :data:`CONFIG_YEARS`."""
    y = cfg.get("report_year")
    if y is None:
        return None
    at = where("report_year", value=y)
    if isinstance(y, bool) or not isinstance(y, int):
        raise ConfigError(f"{at}: report_year: {_shown(y)} is not a year (write a whole number such as 2024)")
    if not CONFIG_YEARS[0] <= y <= CONFIG_YEARS[1]:
        raise ConfigError(f"{at}: report_year: {y} is not a plausible report year "
                          f"({CONFIG_YEARS[0]}–{CONFIG_YEARS[1]})")
    return int(y)


def _check_disclosure(cfg: Mapping, where: _Where) -> DisclosureSettings:
    """``disclosure:`` must pass :func:`check_block` (a threshold below 3 needs an acknowledgement)."""
    if "disclosure" not in cfg:
        return DisclosureSettings()
    block = cfg["disclosure"]
    try:
        return check_block(_plain(block) if isinstance(block, Mapping) else block)
    except ValueError as exc:
        inner = block if isinstance(block, dict) else {}
        first = next((k for k in ("threshold", _ACK, "mode", "round_base", "zeros_visible")
                      if k in inner and k in str(exc)), None)
        raise ConfigError(f"{where('disclosure', first) if first else where('disclosure')}: {exc}") from None


def _text(cfg: Mapping, name: str, where: _Where, default=None, choices: tuple[str, ...] | None = None):
    """The text value of ``name`` (``default`` if absent or empty); a number, true/false, a list
    or a mapping is refused, and so is a value not among ``choices``."""
    value = cfg.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        hint = f" (write it in quotes: '{_shown(value)}')" if isinstance(value, (int, float)) else ""
        raise ConfigError(f"{where(name, value=value)}: {name}: expected text, got {_shown(value)}{hint}")
    if choices is not None and value not in choices:
        said = " nor ".join(repr(c) for c in choices) if len(choices) == 2 else ", ".join(map(repr, choices))
        raise ConfigError(f"{where(name)}: {name}: {value!r} is neither {said}" if len(choices) == 2 else
                          f"{where(name)}: {name}: {value!r} is not one of {said}")
    return value


def _texts(cfg: Mapping, name: str, where: _Where, what: str, block: str | None = None,
           allow_one: bool = False) -> tuple[str, ...] | None:
    """A list of text (``None`` if absent or empty); ``allow_one``: a single text is a list of one."""
    value = cfg.get(name)
    label = f"{block}: {name}" if block else name
    key = (block, name) if block else (name,)
    if value is None:
        return None
    if allow_one and isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(f"{where(*key, value=value)}: {label}: expected a list of {what}, got {_shown(value)}")
    for i, v in enumerate(value):
        if not isinstance(v, str):
            raise ConfigError(f"{where(*key, value=v)}: {label}[{i}]: expected text ({what}), got {_shown(v)} "
                              f"(write it in quotes: '{getattr(v, 'raw', v)}')")
    return tuple(value)


def _folder_or_file(value, name: str, base: Path, where: _Where, kind: str, key: tuple | None = None) -> Path:
    """``value`` resolved against ``base``; it must exist as a ``kind`` (``"folder"`` or ``"file"``)."""
    key = key or (name,)
    if not isinstance(value, str):
        raise ConfigError(f"{where(*key, value=value)}: {name}: expected a path, got {_shown(value)}")
    p = (base / Path(value).expanduser()).resolve()
    if kind == "folder" and not p.is_dir():
        raise ConfigError(f"{where(*key)}: {name}: folder {p} does not exist")
    if kind == "file" and not p.is_file():
        raise ConfigError(f"{where(*key)}: {name}: file {p} missing")
    return p


def _block(cfg: Mapping, name: str, where: _Where, example: str) -> Mapping | None:
    """The optional block ``name`` of the config (None: absent); anything but a mapping is one
    ConfigError showing ``example``."""
    block = cfg.get(name)
    if block is not None and not isinstance(block, Mapping):
        raise ConfigError(f"{where(name)}: {name}: expected a mapping ({example}), got {_shown(block)}")
    return block


def _parse_monitoring(cfg: Mapping, where: _Where) -> MonitoringSettings:
    block = _block(cfg, "monitoring", where, "status: [...], dynamics_years: 2")
    if block is None:
        return MonitoringSettings()
    years = block.get("dynamics_years")
    if years is not None and (isinstance(years, bool) or not isinstance(years, int) or years < 1):
        raise ConfigError(f"{where('monitoring', 'dynamics_years', value=years)}: monitoring: dynamics_years: "
                          f"expected a whole number >= 1, got {_shown(years)}")
    return MonitoringSettings(status=_texts(block, "status", where, "indicator ids", block="monitoring"),
                      dynamics_years=int(years) if years is not None else None)


def _number(block: Mapping, key: tuple, where: _Where, value, lo: float, hi: float | None, what: str) -> float:
    """A number from ``lo`` to ``hi`` (``hi`` None: no upper bound); else one ConfigError."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and value >= lo and (hi is None or value <= hi)
    if not ok or math.isnan(value):
        label = ": ".join(str(k) for k in key)
        raise ConfigError(f"{where(*key, value=value)}: {label}: expected {what}, got {_shown(value)}")
    return float(value)


def _parse_supply(cfg: Mapping, where: _Where) -> SupplySettings:
    """The ``supply:`` block: distances, the low-reach percentage, hours of a full-time post and
    the facility types (an unknown type, measure or key is refused naming the closest one)."""
    block = _block(cfg, "supply", where, "reach_m: [500, 1000], types: ...")
    if block is None:
        return SupplySettings()
    out = {}
    if block.get("reach_m") is not None:
        r = block["reach_m"]
        if not isinstance(r, list) or not 1 <= len(r) <= 3:
            raise ConfigError(f"{where('supply', 'reach_m', value=r)}: supply: reach_m: expected a list of 1 to 3 "
                              f"distances in metres, got {_shown(r)}")
        out["reach_m"] = tuple(sorted(_number(block, ("supply", "reach_m"), where, v, 1, 100_000,
                                              "a distance in metres (1 to 100000)") for v in r))
    if block.get("low_reach") is not None:
        out["low_reach"] = _number(block, ("supply", "low_reach"), where, block["low_reach"], 0, 100,
                                   "a percentage from 0 to 100")
    if block.get("fte_hours") is not None:
        out["fte_hours"] = _number(block, ("supply", "fte_hours"), where, block["fte_hours"], 1, 168,
                                   "weekly hours of a full-time post (1 to 168)")
    types = dict(SUPPLY_TYPES)
    given = block.get("types")
    if given is not None:
        if not isinstance(given, Mapping):
            raise ConfigError(f"{where('supply', 'types')}: supply: types: expected a mapping of facility "
                              f"types (Kita: {{ages: [1, 5], guide: 80, ...}}), got {_shown(given)}")
        for name, entry in given.items():
            key = ("supply", "types", str(name))
            if name not in FACILITY_TYPES:
                close = difflib.get_close_matches(str(name), FACILITY_TYPES, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ConfigError(f"{where(*key)}: supply: types: a guide value for the unknown facility type "
                                  f"{str(name)!r} (known types: {', '.join(FACILITY_TYPES)}){hint}")
            if not isinstance(entry, Mapping):
                raise ConfigError(f"{where(*key)}: supply: types: {name}: expected a mapping (ages, measure, "
                                  f"per, guide, source), got {_shown(entry)}")
            fields = tuple(f.name for f in dataclasses.fields(SupplyType))
            for k in entry:
                if k not in fields:
                    close = difflib.get_close_matches(str(k), fields, n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else f" (valid keys: {', '.join(fields)})"
                    raise ConfigError(f"{where(*key, str(k))}: supply: types: {name}: unknown key '{k}'{hint}")
            ages = entry.get("ages", [0, None])
            if (not isinstance(ages, list) or len(ages) != 2 or isinstance(ages[0], bool)
                    or not isinstance(ages[0], int) or not (ages[1] is None or (isinstance(ages[1], int)
                                                                                 and ages[1] >= ages[0]))):
                raise ConfigError(f"{where(*key, 'ages')}: supply: types: {name}: ages: expected [lower, upper] "
                                  f"in whole years (upper empty: and over), got {_shown(ages)}")
            measure = entry.get("measure", "facilities")
            if measure not in SUPPLY_MEASURES:
                raise ConfigError(f"{where(*key, 'measure')}: supply: types: {name}: measure: {measure!r} is not "
                                  f"one of {', '.join(map(repr, SUPPLY_MEASURES))}")
            per = _number(entry, (*key, "per"), where, entry.get("per", 10_000), 1, None, "a population base >= 1")
            guide = entry.get("guide")
            guide = None if guide is None else _number(entry, (*key, "guide"), where, guide, 0, None,
                                                       "a guide value >= 0")
            source = entry.get("source")
            if guide is not None and (not isinstance(source, str) or not source.strip()):
                raise ConfigError(f"{where(*key)}: supply: types: {name}: a guide value needs its source "
                                  f"(source: 'Bedarfsplan ...' or '{EXAMPLE_SOURCE}')")
            level = entry.get("level", "base")
            if level not in SUPPLY_LEVELS:
                raise ConfigError(f"{where(*key, 'level')}: supply: types: {name}: level: {level!r} is not one of "
                                  f"{', '.join(map(repr, SUPPLY_LEVELS))}")
            types[str(name)] = SupplyType((int(ages[0]), None if ages[1] is None else int(ages[1])), measure,
                                          int(per), guide, str(source or ""), level)
    return SupplySettings(**out, types=MappingProxyType(types))


def _parse_peers(cfg: Mapping, where: _Where, base: Path) -> PeerSettings:
    block = _block(cfg, "peers", where, "k: 10, variables: [...]")
    if block is None:
        return PeerSettings()
    k = block.get("k", 10)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"{where('peers', 'k', value=k)}: peers: k: expected a whole number >= 1, got {_shown(k)}")
    weights = block.get("weights") or {}
    if not isinstance(weights, Mapping):
        raise ConfigError(f"{where('peers', 'weights')}: peers: weights: expected a mapping of variable to "
                          f"number (einwohner_je_km2: 2), got {_shown(weights)}")
    pairs = []
    for name, w in weights.items():  # NaN fails "> 0"
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not w > 0 or w == float("inf"):
            raise ConfigError(f"{where('peers', 'weights', name, value=w)}: peers: weights: {name}: expected a "
                              f"number > 0, got {_shown(w)}")
        pairs.append((str(name), float(w)))
    variables = _texts(block, "variables", where, "variable names", block="peers")
    unknown = [n for n, _ in pairs if variables is not None and n not in variables]
    if unknown:
        raise ConfigError(f"{where('peers', 'weights')}: peers: weights: {unknown[0]!r} is not one of the "
                          f"peers' variables ({', '.join(variables)})")
    file = block.get("file")

    def choice(name, default, choices):
        try:
            return _text(block, name, lambda *a, **kw: where("peers", *a, **kw), default, choices)
        except ConfigError as exc:  # name the block as the other messages do
            head, _, rest = str(exc).partition(f": {name}: ")
            raise ConfigError(f"{head}: peers: {name}: {rest}") from None

    return PeerSettings(
        k=int(k), variables=variables, weights=tuple(pairs),
        missing=choice("missing", "error", PEER_MISSING),
        file=_folder_or_file(file, "peers: file", base, where, "file", key=("peers", "file")) if file else None,
        scope=choice("scope", "bund", PEER_SCOPES),
        key_figures=_texts(block, "key_figures", where, "indicator ids", block="peers"))
def _parse_publisher(cfg: Mapping, where: _Where) -> PublisherSettings:
    block = _block(cfg, "herausgeber", where, "name: ..., anschrift: ...")
    if block is None:
        return PublisherSettings()
    values = {}
    for f in dataclasses.fields(PublisherSettings):
        value = block.get(f.name)
        if f.name == "fiktiv":
            if value is not None and not isinstance(value, bool):
                raise ConfigError(f"{where('herausgeber', 'fiktiv')}: herausgeber: fiktiv must be true or false, "
                                  f"got {_shown(value)}")
            values["fiktiv"] = bool(value)
            continue
        if f.name == "veroeffentlicht" and hasattr(value, "isoformat"):  # YAML reads 2026-12-02 as a date
            value = value.isoformat()
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where('herausgeber', f.name, value=value)}: herausgeber: {f.name}: expected text, "
                              f"got {_shown(value)} (write it in quotes)")
        if f.name == "veroeffentlicht" and value is not None:
            import datetime
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                raise ConfigError(f"{where('herausgeber', f.name)}: herausgeber: veroeffentlicht: {value!r} is not a "
                                  "date YYYY-MM-DD") from None
        if f.name == "datenschutz_url" and value is not None and not value.startswith(("https://", "http://")):
            raise ConfigError(f"{where('herausgeber', f.name)}: herausgeber: datenschutz_url: {value!r} is not a "
                              "web address (https://...)")
        values[f.name] = value.strip() if isinstance(value, str) and value.strip() else None
    return PublisherSettings(**values)


def _flag(cfg: Mapping, name: str, where: _Where, default: bool = False) -> bool:
    value = cfg.get(name, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where(name)}: {name} must be true or false, got {_shown(value)}")
    return value


def _parse(cfg: Mapping, path: Path | None) -> Config:
    """Every check of a config mapping, in the order of the file's problems a user meets first:
    unknown keys (at any level), area keys and years, the disclosure block, then types and paths."""
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"{path or 'config'}: a config is a mapping of settings (title: ..., data: ...), "
                          f"got a {type(cfg).__name__}")
    where = _Where(path, getattr(cfg, "lines", {}))
    _unknown_keys(cfg, KEYS, where)
    for block, kind in _BLOCKS.items():
        if isinstance(cfg.get(block), Mapping):
            _unknown_keys(cfg[block], tuple(f.name for f in dataclasses.fields(kind)), where, block)
    _check_area_keys(cfg, where)
    report_year = _check_report_year(cfg, where)
    disclosure = _check_disclosure(cfg, where)
    base = path.parent if path is not None else Path.cwd()
    source = _text(cfg, "source", where, "own", SOURCES)
    kreis = _text(cfg, "kreis", where)
    if kreis is not None and not re.fullmatch(r"[0-9]{5}", kreis):
        raise ConfigError(f"{where('kreis')}: kreis: {kreis!r} is not a Kreis key (five digits in quotes, "
                          "e.g. '03353')")
    profiles = cfg.get("profiles")
    catalog = _texts(cfg, "catalog", where, "catalog files", allow_one=True) or ()
    return Config(
        title=_text(cfg, "title", where),
        description=_text(cfg, "description", where),
        source=source,
        data=_folder_or_file(cfg["data"], "data", base, where, "folder") if cfg.get("data") is not None else None,
        kreis=kreis,
        mirror=_folder_or_file(cfg["mirror"], "mirror", base, where, "folder")
        if cfg.get("mirror") is not None else None,
        report_year=report_year,
        chapters=_texts(cfg, "chapters", where, "chapter names"),
        profile_template=_text(cfg, "profile_template", where, "gemeindeprofil"),
        profiles="all" if profiles in (None, "all") else tuple(profiles),
        toc_exclude=_texts(cfg, "toc_exclude", where, "book pages") or (),
        validation=_text(cfg, "validation", where, "strict", VALIDATION_MODES),
        catalog=tuple(_folder_or_file(c, "catalog", base, where, "file") for c in catalog),
        key_figures=_texts(cfg, "key_figures", where, "indicator ids"),
        goals=_folder_or_file(cfg["goals"], "goals", base, where, "file") if cfg.get("goals") is not None else None,
        publish_inputs=_flag(cfg, "publish_inputs", where),
        disclosure=disclosure,
        monitoring=_parse_monitoring(cfg, where),
        supply=_parse_supply(cfg, where),
        peers=_parse_peers(cfg, where, base),
        herausgeber=_parse_publisher(cfg, where),
        path=path,
        raw=MappingProxyType(_plain(cfg)),
    )
