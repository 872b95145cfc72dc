"""The printed report (issue #16): the PDFs the build printed with Chromium exist for every
Gemeindeprofil and the whole report, are linked from the pages, have plausible page counts, and
no table of the print-emulated pages is wider than an A4 page's printable width; at 390 px no
page scrolls sideways."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

#: An A4 page's printable width in CSS pixels (96 per inch): 210 mm less the PDFs' margins of
#: 14 mm on each side (sozialanalyse/build/pdf.py) is 182 mm = 182 / 25.4 * 96 px.
PRINT_WIDTH = round(182 / 25.4 * 96)  # 688


def _profiles(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in (site / "book/_generated/gemeinden").glob("*.html"))


def _page_count(data: bytes) -> int:
    """Pages of a PDF: the largest ``/Count`` of its page tree (the root's)."""
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(c) for c in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    return max(counts) if counts else 0


def test_a_pdf_for_every_profile_and_the_whole_report_linked_from_the_pages(site):
    profiles = _profiles(site)
    assert len(profiles) >= 2
    counts = {}
    for rel in profiles:
        target = site / "pdf" / rel.replace(".html", ".pdf")
        assert target.is_file(), f"no PDF of {rel}"
        data = target.read_bytes()
        assert data.startswith(b"%PDF-"), rel
        assert b"file://" not in data, f"{rel}: a link into the build's folder"
        counts[rel] = _page_count(data)
        assert counts[rel] >= 1, rel
        html = (site / rel).read_text(encoding="utf-8")
        assert f'href="../../../pdf/{rel.replace(".html", ".pdf")}">dieses Gemeindeprofil (A4, {counts[rel]} Seite' \
            in html, rel
        assert 'href="../../../pdf/bericht.pdf">der ganze Bericht' in html, rel
    report = (site / "pdf/bericht.pdf").read_bytes()
    assert b"file://" not in report
    whole = _page_count(report)
    # the whole report holds every profile (each from a new sheet) and the other chapters
    assert whole > sum(counts.values()), (whole, counts)
    start = (site / "book/_generated/index.html").read_text(encoding="utf-8")
    assert 'href="../../pdf/bericht.pdf">der ganze Bericht (A4, ' in start


def test_no_table_is_wider_than_the_printable_width(site, browser, server):
    context = browser.new_context(viewport={"width": PRINT_WIDTH, "height": 1100})
    pg = context.new_page()
    pg.emulate_media(media="print")
    pages = _profiles(site) + ["book/_generated/kreisuebersicht.html", "book/_generated/sozialraum_monitoring.html"]
    too_wide = []
    for rel in pages:
        if not (site / rel).is_file():
            continue
        pg.goto(server + rel, wait_until="load")
        too_wide += [f"{rel}: {t}" for t in pg.evaluate("""(w) => {
            const out = [];
            for (const t of document.querySelectorAll('article table')) {
              const box = t.parentElement.getBoundingClientRect();
              const r = t.getBoundingClientRect();
              if (t.scrollWidth > Math.ceil(box.width) + 1 || r.right > w + 1)
                out.push((t.caption ? t.caption.textContent.trim().slice(0, 60) : '?') + ' ' + Math.round(r.width) + ' px');
            }
            return out; }""", PRINT_WIDTH)]
    context.close()
    assert not too_wide, "\n".join(too_wide[:30])


def test_the_print_hides_navigation_and_shows_the_printed_head(site, browser, server):
    context = browser.new_context(viewport={"width": PRINT_WIDTH, "height": 1100})
    pg = context.new_page()
    pg.emulate_media(media="print")
    pg.goto(server + _profiles(site)[0], wait_until="load")
    hidden = pg.evaluate("""() => ['.bd-sidebar-primary', '.bd-header', '.prev-next-footer', 'p.sa-pdf',
                                    'details.sa-reviewers'].map(s => { const e = document.querySelector(s);
                                    return e === null || getComputedStyle(e).display === 'none'; })""")
    head = pg.evaluate("() => getComputedStyle(document.querySelector('div.sa-print-head')).display")
    context.close()
    assert all(hidden) and head == "block"


def test_no_page_scrolls_sideways_at_390_px(site, browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pages = sorted(p.relative_to(site).as_posix() for p in (site / "book").rglob("*.html"))
    sideways = []
    for rel in pages:
        pg.goto(server + rel, wait_until="load")
        extra = pg.evaluate("() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
        if extra > 0:
            sideways.append(f"{rel}: {extra} px")
    context.close()
    assert not sideways, "\n".join(sideways)
