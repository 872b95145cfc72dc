"""SII and RII against the published test values of PHEindicatormethods (tests/data/phe, README
there): SII and RII exact, the simulated limits within the package's own tolerance (0.05)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.stats.gradient import relative_rank, sii

PHE = Path(__file__).parent / "data" / "phe"
TOL = 0.05  # testSII.R: tolerance = 0.05 for the confidence limits

CASES = [  # (records, arguments as in testSII.R)
    ((1, 20), {"value_type": 0}),
    ((61, 70), {"value_type": 0}),  # quintiles (only SII and RII in the reference)
    ((71, 90), {"value_type": 1}),
    ((91, 110), {"value_type": 2}),
    ((131, 150), {"value_type": 2, "multiplier": -100}),
    ((306, 325), {"value_type": 1, "transform": True}),
    ((326, 345), {"value_type": 2, "transform": True}),
]


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(PHE / "sii_testdata.csv")


@pytest.mark.parametrize("records, kwargs", CASES, ids=[f"{a}-{b}" for (a, b), _ in CASES])
def test_sii_equals_the_reference(data, records, kwargs):
    sub = data[data["RecordNo"].between(*records)]
    for area, g in sub.groupby("Area"):
        r = sii(g["Quantile"], g["Population"], g["Value"], lower=g["LowerCL"], upper=g["UpperCL"],
                repetitions=10_000, **kwargs)
        e = g.iloc[0]
        assert r.sii == pytest.approx(e["sii"], rel=1e-5), area
        assert r.rii == pytest.approx(e["rii"], rel=1e-5), area
        if not np.isnan(e["Intercept"]):
            assert r.intercept == pytest.approx(e["Intercept"], rel=1e-5), area
        for ours, theirs in (("sii_lower", "sii_lowercl_1"), ("sii_upper", "sii_uppercl_1"),
                             ("rii_lower", "rii_lowercl_1"), ("rii_upper", "rii_uppercl_1")):
            if not np.isnan(e[theirs]):
                assert getattr(r, ours) == pytest.approx(e[theirs], rel=TOL), (area, ours)


def test_standard_error_gives_the_same_as_limits(data):
    g = data[data["RecordNo"].between(1, 10)]
    a = sii(g["Quantile"], g["Population"], g["Value"], se=g["StandardError"], repetitions=2000, seed=5)
    b = sii(g["Quantile"], g["Population"], g["Value"], lower=g["LowerCL"], upper=g["UpperCL"], repetitions=2000,
            seed=5)
    assert a.sii == b.sii and a.sii_lower == pytest.approx(b.sii_lower, rel=0.01)


def test_seeded_simulation_repeats():
    args = ([1, 2, 3, 4, 5], [100, 200, 300, 200, 100], [80, 78, 77, 75, 70])
    a = sii(*args, se=[1, 1, 1, 1, 1], repetitions=1000, seed=3)
    b = sii(*args, se=[1, 1, 1, 1, 1], repetitions=1000, seed=3)
    assert (a.sii_lower, a.sii_upper) == (b.sii_lower, b.sii_upper)


def test_hand_calculation():
    # five equal quintiles: ranks 0.1, 0.3, 0.5, 0.7, 0.9; y = 70, 72.5, 75, 77.5, 80 rise by
    # 2.5 per 0.2 of rank: y = 68.75 + 12.5 * rank exactly: SII 12.5, intercept 68.75,
    # RII = (68.75 + 12.5) / 68.75 = 81.25 / 68.75
    g = sii([1, 2, 3, 4, 5], [100] * 5, [70, 72.5, 75, 77.5, 80], se=[0.5] * 5, repetitions=1000)
    assert g.sii == pytest.approx(12.5) and g.intercept == pytest.approx(68.75)
    assert g.rii == pytest.approx(81.25 / 68.75)
    np.testing.assert_allclose(g.table["fitted"], [70, 72.5, 75, 77.5, 80])
    assert relative_rank([1, 3]).tolist() == [0.125, 0.625]


def test_refuses_bad_input():
    with pytest.raises(ValueError, match="5 to 100"):
        sii([1, 2, 3], [1, 1, 1], [1, 2, 3], se=[1, 1, 1])
    with pytest.raises(ValueError, match="quantile 3"):
        sii([1, 2, 3, 4, 5], [1, 1, 0, 1, 1], [1, 2, 3, 4, 5], se=[1] * 5)
    with pytest.raises(ValueError, match="se, or lower and upper"):
        sii([1, 2, 3, 4, 5], [1] * 5, [1, 2, 3, 4, 5])
