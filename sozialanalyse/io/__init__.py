"""Data in: the project's own input format and readers for official formats (io floor).

- :func:`load`: the front door (``sa.load``): a data folder or a report config of either kind,
  returned as one :class:`~sozialanalyse.model.district.District`
- :func:`load_district`: the project's own format (``data/README.md``)
- :func:`load_official`: official open data of the local mirror for one Landkreis
- :func:`read_genesis`: GENESIS / Regionalstatistik CSV exports
- :func:`read_inkar`: INKAR indicator exports (xlsx, xls)
- :func:`read_bkg`: BKG VG250 / VG5000 boundaries and VG250-EW attribute tables
- :func:`read_gisd`: RKI German Index of Socioeconomic Deprivation
- :func:`mirror_dir`: the local mirror folder of official open data

Modules, lowest first (none imports one further down the list): ``atomic`` (writing a file so
that a reader sees the old or the new one, never a part), ``tables`` (schema and reading
of the own format), ``mirror`` (where the official files are, their manifest and hashes),
``validate``, ``genesis``, ``inkar``, ``gisd``, ``bkg``, ``register``, ``own``, ``official``,
``fetch``, ``load``.
"""
from .._lazy import submodules
from ..model.district import District, totals
from ..model.errors import DataError
from .bkg import read_bkg
from .genesis import read_genesis
from .gisd import read_gisd
from .inkar import read_inkar
from .load import load
from .mirror import mirror_dir
from .official import load_official
from .own import load_district, read_config, resolve_config

# every module of the floor as an attribute (``sa.io.validate``), loaded on first use
__getattr__, _, _ = submodules(__name__, ["atomic", "bkg", "fetch", "genesis", "gisd", "inkar", "load", "mirror", "official",
                                          "own", "provenance", "register", "tables", "validate"])

__all__ = [
    "DataError",
    "District",
    "load",
    "load_district",
    "load_official",
    "mirror_dir",
    "read_bkg",
    "read_config",
    "read_genesis",
    "read_gisd",
    "read_inkar",
    "resolve_config",
    "totals",
]
