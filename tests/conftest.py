"""Fixtures shared by the end-to-end tests: the two-municipality report is built once per session;
a test that changes it gets it restored to the state after that first build (restoring a copy takes
a second, a build most of a minute)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_build import _project

from sozialanalyse.build import report


@pytest.fixture(scope="session")
def _first_build(tmp_path_factory) -> tuple[Path, Path]:
    """The project copy built once from scratch, and a pristine copy of it beside."""
    base = tmp_path_factory.mktemp("zwei")
    root = _project(base)
    result = report.build(root / "config" / "zwei.yml", jobs_n=2, quiet=True, root=root)
    assert result["book"] == "built" and result["cached"] == 0
    root.joinpath(".first-build.json").write_text(json.dumps(result, default=str), encoding="utf-8")
    pristine = base / "pristine"
    shutil.copytree(root, pristine, symlinks=True)
    return root, pristine


@pytest.fixture
def two_municipality_build(_first_build) -> Path:
    """The built two-municipality project (templates, book sources, Musterland data,
    ``config/zwei.yml``), as the first build left it; the test may change it.

    It is restored in place (same absolute path: the execution cache's keys name the data folder),
    so each test starts from the same built state."""
    root, pristine = _first_build
    shutil.rmtree(root)
    shutil.copytree(pristine, root, symlinks=True)
    return root
