"""Accessibility of every page in a real browser (marker ``browser``; issue #16, BITV 2.0):
axe-core (``axe-playwright-python``, bundled ``axe.min.js``, no network) finds no serious or
critical violation at 1280 and 390 px, with the device set to light and to dark; a device in
dark mode still gets the light site (the site is light only, so its contrast is the checked one);
every figure has a caption and an alt text that is not a file path.

The measurement is ``benchmarks/site_checks.py`` (run it as a script on any site folder for the
figures); the pages are measured once per viewport by the session fixture ``measured``.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_no_serious_or_critical_axe_violation(measured):
    found = [f"{width} px {scheme}: {page}: {dict(r['axe'])}"
             for (width, scheme), pages in measured.items() for page, r in pages.items() if r["axe"]]
    assert not found, "axe-core, serious/critical (affected elements per rule):\n" + "\n".join(found)


def test_dark_device_gets_the_light_site(measured):
    light = {page: r["theme"][1] for page, r in measured[(1280, "light")].items()}
    for (width, scheme), pages in measured.items():
        for page, r in pages.items():
            assert r["theme"][0] != "dark", f"{width} px {scheme}: {page} switched to the dark theme"
            assert r["theme"][1] == light[page], (f"{width} px {scheme}: {page} has background {r['theme'][1]}, "
                                                  f"light: {light[page]}")


def test_every_figure_has_a_caption_and_a_real_alt_text(measured):
    bad = [f"{page}: {f}" for page, r in measured[(1280, "light")].items()
           for f in r["figures"] if "caption" in f or "alt text" in f]
    assert not bad, "\n".join(bad)


def test_every_figure_declares_its_smallest_text_and_keeps_it_readable(measured, site_checks):
    bad = [f"{width} px: {page}: {f}" for (width, scheme), pages in measured.items() if scheme == "light"
           for page, r in pages.items() for f in r["figures"] if "data-sa-min-font-pt" in f or " px <" in f]
    assert not bad, f"figure text below {site_checks.MIN_PX} px or undeclared:\n" + "\n".join(bad)


def test_the_checks_see_the_pages(measured):
    """The measurement is not empty: every chapter and every Gemeindeprofil was visited at both
    widths, and it found the figures (a check over no page or no figure cannot fail)."""
    pages = measured[(390, "light")]
    assert any(p.endswith("kreisuebersicht.html") for p in pages)
    assert sum("gemeinden/" in p for p in pages) >= 10
    assert sum(r["n_figures"] for r in pages.values()) >= 50
    assert {w for w, _ in measured} == {1280, 390}
