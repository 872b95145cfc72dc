"""Data in: the project's own input format and readers for official formats.

- :func:`load_district`: the project's own format (``data/README.md``)
- :func:`read_genesis`: GENESIS / Regionalstatistik CSV exports
- :func:`read_inkar`: INKAR indicator exports (xlsx, xls)
- :func:`read_bkg`: BKG VG250 / VG5000 boundaries and VG250-EW attribute tables
- :func:`read_gisd`: RKI German Index of Socioeconomic Deprivation
- :func:`mirror_dir`: the local mirror folder of official open data
"""
from .bkg import read_bkg
from .genesis import read_genesis
from .gisd import read_gisd
from .inkar import read_inkar
from .mirror import mirror_dir
from .own import DataError, District, load_district, read_config, resolve_config, totals

__all__ = [
    "DataError",
    "District",
    "load_district",
    "read_config",
    "resolve_config",
    "totals",
    "read_genesis",
    "read_inkar",
    "read_bkg",
    "read_gisd",
    "mirror_dir",
]
