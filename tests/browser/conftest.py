"""The browser tests' fixtures: a built site served on 127.0.0.1 and Debian's Chromium driven by
Playwright (never `playwright install`: no browser is downloaded).

The site is ``$SOZIALANALYSE_SITE`` (``make test-browser`` sets it to ``_build/html``) or, if unset,
Musterland built once into a temporary folder. The tests run only when the marker is selected
(``pytest -m browser``): ``make test`` does not run them.
"""
from __future__ import annotations

import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

#: Debian's Chromium (`apt-get install chromium`); /usr/bin/chromium is a wrapper script.
CHROMIUM = os.environ.get("SOZIALANALYSE_CHROMIUM", "/usr/lib/chromium/chromium")
ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    """Browser tests run only when selected by their marker (``-m browser``)."""
    if "browser" in (config.option.markexpr or "") and "not browser" not in config.option.markexpr:
        return
    skip = pytest.mark.skip(reason="browser test: run with `make test-browser` (pytest -m browser)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The folder of the built site."""
    given = os.environ.get("SOZIALANALYSE_SITE")
    if given:
        path = Path(given).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"SOZIALANALYSE_SITE={given}: no index.html (run `make report` first)")
        return path
    from test_build import _copy_sources  # tests/ is on sys.path (tests/conftest.py does the same)

    from sozialanalyse.build import report

    root = _copy_sources(tmp_path_factory.mktemp("browser") / "projekt")
    shutil.copytree(ROOT / "data" / "musterland", root / "data" / "musterland")
    result = report.build(root / "config" / "musterland.yml", jobs_n=2, quiet=True, root=root)
    return Path(result["index"]).resolve().parent


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test output stays readable
        pass


@pytest.fixture(scope="session")
def server(site):
    """``http://127.0.0.1:<free port>/``: the site served by ``http.server`` (the search page
    uses ``fetch``, which a ``file://`` page may not)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[browser]'")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (Debian's package)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page at 1280 × 900; every request leaving 127.0.0.1 is aborted and recorded in
    ``page.outside``, console errors and uncaught exceptions in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    pg = context.new_page()
    pg.outside, pg.errors = [], []

    def route(r):
        if r.request.url.startswith(server) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            pg.outside.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda m: pg.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(f"uncaught: {e}"))
    yield pg
    context.close()


def _site_checks():
    """``benchmarks/site_checks.py`` (the same measurement as a script, for any site folder)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("site_checks", ROOT / "benchmarks" / "site_checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def site_checks():
    """The module ``benchmarks/site_checks.py``."""
    return _site_checks()


@pytest.fixture(scope="session")
def measured(browser, server, site, site_checks):
    """Every page measured once per width (1280, 390 px) and colour scheme (light, dark):
    ``{(width, scheme): {page: result}}`` with axe-core's serious and critical violations,
    sideways scrolling, figure findings and the rendered theme
    (:func:`site_checks.check_page`). One browser; each page is visited once per viewport."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    out = {}
    for width, scheme, page in site_checks.contexts(browser, server):
        out[(width, scheme)] = {rel: site_checks.check_page(page, server + rel, axe, width)
                                for rel in site_checks.pages(site)}
    return out
