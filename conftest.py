import pytest


def pytest_collection_modifyitems(config, items):
    """nbval items (template notebooks re-executed) are slow end-to-end tests."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
