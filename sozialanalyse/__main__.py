"""``python -m sozialanalyse ...`` is the ``sozialanalyse`` command (:mod:`sozialanalyse.cli`)."""
from .cli import main

raise SystemExit(main())
