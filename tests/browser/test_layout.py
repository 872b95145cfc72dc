"""Layout on a phone (marker ``browser``; issue #16): no page scrolls sideways at 390 px
(``document.documentElement.scrollWidth <= clientWidth``); a wide table scrolls within its own
box instead, which a keyboard can reach (``tabindex="0"``, named by the table's caption).
Measured once per viewport by the session fixture ``measured`` (``benchmarks/site_checks.py``).
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_scrolls_sideways_on_a_phone(measured, scheme):
    wide = [f"{page}: {r['scroll'][0]} px > {r['scroll'][1]} px ({'; '.join(r['wide'])})"
            for page, r in measured[(390, scheme)].items() if r["scroll"][0] > r["scroll"][1]]
    assert not wide, "pages scrolling sideways at 390 px:\n" + "\n".join(wide)


def test_wide_tables_scroll_in_their_own_box(page, server):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(server + "book/_generated/kreisuebersicht.html")
    boxes = page.evaluate("""() => [...document.querySelectorAll('.sa-scroll')].map(b => ({
        wide: b.scrollWidth > b.clientWidth, tab: b.getAttribute('tabindex'), label: b.getAttribute('aria-label'),
        right: b.getBoundingClientRect().right}))""")
    assert boxes, "no table box on the Kreisübersicht"
    assert any(b["wide"] for b in boxes), "no table wider than a phone: the check would test nothing"
    for b in boxes:
        assert b["right"] <= 390 + 1 and b["tab"] == "0" and b["label"]
