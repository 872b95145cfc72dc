"""The suite relies on ``xdist_group`` to build a shared fixture once (the two-municipality
build, the figures, the Dask cluster): under ``--dist loadgroup`` a grouped test's id carries its
group, which is how pytest-xdist sends the group to one worker. pytest 9.2 with pytest-xdist 3.8
dropped that silently (each worker built the figures: 54 s and 50 s)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("probe")


def test_a_grouped_test_carries_its_group_under_loadgroup(request, pytestconfig):
    if not pytestconfig.getoption("loadgroup", default=False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith("@probe"), request.node.nodeid
