"""Data in: the project's own input format and readers for official formats."""
from .own import DataError, District, load_district, read_config, resolve_config, totals

__all__ = ["DataError", "District", "load_district", "read_config", "resolve_config", "totals"]
