import pytest

from sozialanalyse.io.mirror import ENV_VAR, mirror_dir


def pytest_collection_modifyitems(config, items):
    """nbval items (template notebooks re-executed) are slow end-to-end tests."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def mirror():
    """The local mirror of official open data (``../shared/data`` or $SOZIALANALYSE_DATA_MIRROR);
    tests that read real official files skip with the reason when there is none."""
    try:
        path = mirror_dir()
    except FileNotFoundError as exc:
        pytest.skip(f"data mirror not usable: {exc}")
    if path is None:
        pytest.skip(f"no data mirror of official files found (set {ENV_VAR} to its folder)")
    return path
