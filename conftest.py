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
    # a partial mirror (e.g. the cache of `data fetch --config config/harburg.yml`) is not enough
    # for tests that read every kind of official file
    from sozialanalyse.io.fetch import load_manifest

    missing = [f["path"] for ds in load_manifest()["datasets"].values() for f in ds["files"]
               if not (path / f["path"]).is_file()]
    if missing:
        pytest.skip(f"data mirror {path} incomplete: {len(missing)} file(s) of sozialanalyse/datasets.yml "
                    f"missing, e.g. {missing[0]} (set {ENV_VAR} to a complete mirror)")
    return path
