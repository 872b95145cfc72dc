"""Issue #16, responsive, printable, PDFs and the publisher's site: the site's post-processing
(tables in scroll boxes, light mode only, footer links), the PDF step without a browser (printed
head, the skip line, deterministic dates, the audit's rule for PDFs), the config's ``herausgeber``
block, the publisher's pages, the start page and the "Für Prüfende" box. The PDFs themselves are
checked in the browser (tests/browser/test_pdf.py)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import sozialanalyse as sa
from sozialanalyse.build import pdf, publisher
from sozialanalyse.build.audit import audit_site
from sozialanalyse.build.site import LEGAL, tidy, wrap_tables
from sozialanalyse.model.config import Config, ConfigError, PublisherSettings
from sozialanalyse.pages.common import footer

ROOT = Path(__file__).resolve().parents[1]

PAGE = """<html lang="de"><head><script>
    document.documentElement.dataset.mode = localStorage.getItem("mode") || "";
    document.documentElement.dataset.theme = localStorage.getItem("theme") || "";
  </script></head><body data-default-mode="">
<button class="btn btn-sm nav-link pst-navbar-icon theme-switch-button pst-js-only" aria-label="Farbmodus">
  <i class="theme-switch fa-solid fa-sun fa-lg" data-mode="light" title="Hell"></i>
</button>
<article class="bd-article"><h1>Bad Lindenau<a class="headerlink" href="#x">#</a></h1>
<div class="output text_html"><table class="sa-table"><caption>Kennzahlen 2024</caption><tr><td>1</td></tr></table></div>
<div class="sa-scroll"><table class="sa-table"><caption>Schon umhüllt</caption></table></div>
</article>
<footer class="bd-footer-content"><div class="bd-footer-content__inner container"></div></footer></body></html>"""


def _site(tmp_path: Path, legal: bool = True) -> Path:
    site = tmp_path / "html"
    prof = site / "book" / "_generated" / "gemeinden" / "03499003.html"
    prof.parent.mkdir(parents=True)
    prof.write_text(PAGE, encoding="utf-8")
    (site / "book" / "_generated" / "index.html").write_text(PAGE.replace("Bad Lindenau", "Bericht"), encoding="utf-8")
    if legal:
        for rel, _ in LEGAL:
            (site / rel).write_text("<html></html>", encoding="utf-8")
    return site


# --- the site: scroll boxes, light mode only, links to the publisher's pages ------------------------------

def test_every_table_scrolls_within_its_own_box_named_by_its_caption():
    out = wrap_tables(PAGE)
    assert out.count('class="sa-scroll"') == 2  # the bare table wrapped, the wrapped one left alone
    assert '<div class="sa-scroll" tabindex="0" role="region" aria-label="Kennzahlen 2024"><table' in out
    assert out.count("<table") == 2 and wrap_tables(out) == out  # idempotent
    assert wrap_tables('<table><caption>„A“ &amp; "B"</caption></table>').startswith(
        '<div class="sa-scroll" tabindex="0" role="region" aria-label="„A“ &amp; &quot;B&quot;">')


def test_tidy_forces_light_mode_removes_the_switch_and_links_the_publisher_pages(tmp_path):
    site = _site(tmp_path)
    tidy(site)
    page = (site / "book/_generated/gemeinden/03499003.html").read_text(encoding="utf-8")
    assert "theme-switch" not in page and 'localStorage.getItem("mode")' not in page
    assert 'document.documentElement.dataset.mode = "light";' in page
    assert 'localStorage.setItem("mode", "light")' in page  # a dark mode chosen earlier is overwritten
    # from book/_generated/gemeinden/ the publisher's pages are one folder up
    assert ('<nav class="sa-legal" aria-label="Rechtliches"><a href="../impressum.html">Impressum</a> '
            '<a href="../datenschutz.html">Datenschutz</a> <a href="../barrierefreiheit.html">Barrierefreiheit</a>'
            '</nav>') in page
    index = (site / "book/_generated/index.html").read_text(encoding="utf-8")
    assert '<a href="impressum.html">Impressum</a>' in index
    tidy(site)  # a second tidy adds nothing
    assert (site / "book/_generated/index.html").read_text(encoding="utf-8").count("sa-legal") == 1


def test_no_footer_links_to_publisher_pages_that_were_not_built(tmp_path):
    site = _site(tmp_path, legal=False)
    tidy(site)
    assert "sa-legal" not in (site / "book/_generated/index.html").read_text(encoding="utf-8")


def test_the_print_style_sheet_hides_navigation_and_keeps_headings_with_their_content():
    css = (ROOT / "book/_static/sa-print.css").read_text(encoding="utf-8")
    printed = css[css.index("@media print"):]
    for rule in (".bd-sidebar-primary", ".bd-header", "button", "break-after: avoid", "break-inside: avoid",
                 "thead { display: table-header-group; }", "overflow: visible !important"):
        assert rule in printed, rule
    assert "hyphens: auto" in css and "hyphens: manual" in css  # text hyphenated, numbers never
    assert '"sa-print.css"' in (ROOT / "_config.yml").read_text(encoding="utf-8")


# --- the PDF step without a browser -----------------------------------------------------------------------

INFO = pdf.PrintInfo(title="Sozialbericht Musterland", date=dt.date(2026, 3, 1),
                     source="Landkreis Musterland, eigene Berechnungen", publisher="Landkreis Musterland")
PAGES = ["book/_generated/index.html", "book/_generated/gemeinden/03499003.html"]


def test_without_chromium_the_build_says_one_line_and_writes_no_pdf_nor_link(tmp_path, monkeypatch):
    site = _site(tmp_path)
    monkeypatch.setenv("SOZIALANALYSE_CHROMIUM", str(tmp_path / "no-chromium"))
    said = []
    assert pdf.make_pdfs(site, PAGES, PAGES[1:], INFO, mode=None, say=said.append) == {}
    assert said == ["PDFs übersprungen: kein Chromium gefunden (Debian: apt-get install chromium)"]
    assert not (site / "pdf").exists()
    page = (site / PAGES[1]).read_text(encoding="utf-8")
    assert "sa-pdf" not in page and "Als PDF" not in page
    # the printed head is there for the browser's own print: title, page, German date, publisher, source
    head = re.search(r'<div class="sa-print-head"[^>]*>(.*?)</div>', page).group(1)
    assert head == ("<strong>Sozialbericht Musterland</strong> – Bad Lindenau<br>Stand: 1. März 2026 · "
                    "Herausgeber: Landkreis Musterland · Quelle: Landkreis Musterland, eigene Berechnungen")
    with pytest.raises(RuntimeError, match="kein Chromium"):
        pdf.make_pdfs(site, PAGES, PAGES[1:], INFO, mode=True)
    assert pdf.make_pdfs(site, PAGES, PAGES[1:], INFO, mode=False, say=said.append) == {} and len(said) == 1
    assert (site / PAGES[1]).read_text(encoding="utf-8").count("sa-print-head") == 1  # not twice


def test_pdf_helpers():
    assert pdf.german_date(dt.date(2027, 1, 31)) == "31. Januar 2027"
    assert pdf.pdf_path("book/_generated/gemeinden/034995401000.html") == \
        "pdf/book/_generated/gemeinden/034995401000.pdf"
    toc = {"root": "book/_generated/index", "parts": [
        {"caption": "Landkreis", "chapters": [{"file": "book/_generated/kreisuebersicht"}]},
        {"caption": "Gemeindeprofile", "chapters": [{"file": "book/_generated/gemeinden/03499003"}]},
        {"caption": "Daten", "chapters": [{"file": "book/pruefende"}]}]}
    assert pdf.toc_pages(toc) == ["book/_generated/index.html", "book/_generated/kreisuebersicht.html",
                                  "book/_generated/gemeinden/03499003.html", "book/pruefende.html"]
    # Chromium writes the print time; it becomes the publication date at midnight, byte length kept
    raw = b"<< /Producer (Skia/PDF m150)\n/CreationDate (D:20261202190954+00'00')\n/ModDate (D:20261202190955+00'00') >>"
    fixed = pdf.normalise_dates(raw, dt.date(2026, 3, 1))
    assert len(fixed) == len(raw)
    assert b"/CreationDate (D:20260301000000+00'00')" in fixed and b"/ModDate (D:20260301000000+00'00')" in fixed


def test_the_pdf_link_goes_under_the_pages_heading():
    text = pdf._pdf_link(PAGE, "book/_generated/gemeinden/03499003.html",
                         [("pdf/book/_generated/gemeinden/03499003.pdf", "dieses Gemeindeprofil"),
                          ("pdf/bericht.pdf", "der ganze Bericht")])
    assert ('</h1>\n<p class="sa-pdf">Als PDF herunterladen: '
            '<a href="../../../pdf/book/_generated/gemeinden/03499003.pdf">dieses Gemeindeprofil</a> · '
            '<a href="../../../pdf/bericht.pdf">der ganze Bericht</a></p>') in text


def test_the_audit_accepts_a_pdf_only_as_the_print_of_a_page_of_the_site(tmp_path):
    site = _site(tmp_path)
    (site / "pdf/book/_generated/gemeinden").mkdir(parents=True)
    (site / "pdf/book/_generated/gemeinden/03499003.pdf").write_bytes(b"%PDF-1.4")
    (site / "pdf/bericht.pdf").write_bytes(b"%PDF-1.4")
    assert [f for f in audit_site(site) if f.page.endswith(".pdf")] == []
    (site / "pdf/book/_generated/gemeinden/03499999.pdf").write_bytes(b"%PDF-1.4")  # no such page
    (site / "tabelle.pdf").write_bytes(b"%PDF-1.4")
    found = sorted(f.page for f in audit_site(site) if f.page.endswith(".pdf"))
    assert found == ["pdf/book/_generated/gemeinden/03499999.pdf", "tabelle.pdf"]


def test_the_cli_offers_pdf_and_no_pdf():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "sozialanalyse", "build", "--help"], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert "--pdf, --no-pdf" in " ".join(out.split())


# --- the config's herausgeber block -----------------------------------------------------------------------

def test_the_publisher_block_is_typed_and_checked(tmp_path):
    cfg = Config.from_mapping({"herausgeber": {"name": "Landkreis A", "veroeffentlicht": dt.date(2026, 5, 4),
                                               "fiktiv": True}})
    assert cfg.herausgeber == PublisherSettings(name="Landkreis A", veroeffentlicht="2026-05-04", fiktiv=True)
    assert Config().herausgeber == PublisherSettings()  # every entry optional
    for block, said in (({"fiktiv": "ja"}, "fiktiv must be true or false"),
                        ({"telefon": 4711}, "telefon: expected text"),
                        ({"veroeffentlicht": "4.5.2026"}, "is not a date YYYY-MM-DD"),
                        ({"datenschutz_url": "www.example.org"}, "is not a web address"),
                        ({"anschrfit": "x"}, "did you mean 'anschrift'")):
        with pytest.raises(ConfigError, match=said):
            Config.from_mapping({"herausgeber": block})
    shipped = sa.read_config("musterland").herausgeber
    assert shipped.fiktiv and "fiktiv" in shipped.name  # Musterland's publisher is labelled as invented


# --- the publisher's pages, the start page, the reviewer box ----------------------------------------------

def test_the_publisher_pages_say_what_is_missing_and_that_a_publisher_is_fictional():
    p = PublisherSettings(name="Landkreis A", email="info@a.example", fiktiv=True)
    imp = publisher.impressum_page(p, "Sozialbericht A")
    assert "**fiktiv**" in imp and "§ 18 Abs. 2 Medienstaatsvertrag (MStV): *nicht angegeben*" in imp
    assert "[info\\@a\\.example](mailto:info@a.example)" in imp
    bf = publisher.barrierefreiheit_page(p, dt.date(2026, 12, 2))
    for needed in ("## Stand der Vereinbarkeit", "**teilweise**", "## Was nicht barrierefrei ist",
                   "am 2. Dezember 2026", "## Barrieren melden: Kontakt", "## Schlichtungsverfahren"):
        assert needed in bf, needed
    assert "(mailto:info@a.example)" in bf  # without an accessibility contact: the publisher's e-mail
    ds = publisher.datenschutz_page(PublisherSettings(datenschutz="Eigener Text."))
    assert "Eigener Text\\." in ds and "fiktiv" not in ds  # Markdown-escaped: shown as written


@pytest.fixture(scope="module")
def musterland():
    return sa.load("musterland")


def test_key_messages_name_the_kreis_value_and_the_extremes_among_the_municipalities(musterland):
    from sozialanalyse.pages.common import format_value, published_results
    from sozialanalyse.pages.kreisuebersicht import municipality_table

    d = musterland
    msgs = publisher.key_messages(d, 2024)
    assert 3 <= len(msgs) <= 5
    # the population: the Kreis's count of the protected layer, German thousands separator
    pop = sa.protected.layer.of(d).counts({"variable": "einwohner"}, area_ids=["03499"], years=[2024])
    assert f"lebten 2024 {int(pop['value'].iloc[0]):,} Menschen".replace(",", ".") in msgs[0]
    # SGB II: the municipality with the lowest and the highest published value, found here by hand
    res = published_results(d, ["sgb2_quote"], ["gemeindeverband"], years=[2024])
    res = res[(res["status"] == "") & res["value"].notna()].sort_values("value")
    low, high = res.iloc[0], res.iloc[-1]
    sgb = next(m for m in msgs if m.startswith("**SGB\\-II"))
    nb = "\u00a0"  # the value and its unit never break apart
    assert f"von {format_value(low['value'], '%').replace(' ', nb)} ({d.name_of(low['area_id'])})" in sgb
    assert f"bis {format_value(high['value'], '%').replace(' ', nb)} ({d.name_of(high['area_id'])})" in sgb
    # the Kreis value is the one the Kreisübersicht's table shows in its Kreis row
    kreis_value = re.search(r"im Landkreis (\d+,\d)\u00a0%", sgb).group(1)
    table = municipality_table(d, 2024).data.replace("\n", "")
    kreis_row = next(r for r in table.split("<tr") if "Landkreis Musterland" in r)
    assert re.search(rf">{kreis_value}[ \u00a0\u202f]%<", kreis_row), kreis_row[:400]


def test_the_overview_map_links_every_municipality_to_its_profile(musterland):
    hrefs = {str(a): f"gemeinden/{a}.html" for a in musterland.municipalities()["area_id"]}
    svg = publisher.overview_map(musterland, hrefs)
    assert svg.count("<a href=") == len(hrefs) == 11
    assert '<a href="gemeinden/03499016.html" aria-label="Gemeindeprofil Musterstadt">' in svg
    assert "\n" not in svg  # one line: a raw HTML block of the Markdown start page
    assert not re.search(r"\d+,\d", svg)  # names only, no values


def test_the_start_page_has_date_key_messages_map_profiles_and_publisher(tmp_path):
    from sozialanalyse.build import report

    planned, jobs = report.plan("musterland", ROOT)
    planned = type(planned)(**{**planned.__dict__, "config": Config.from_mapping(
        {**dict(planned.config.raw), "data": str(planned.config.data),
         "herausgeber": {**planned.config.raw["herausgeber"], "veroeffentlicht": "2027-01-15"}},
        ROOT / "config" / "x.yml")})
    (tmp_path / report.GENERATED).mkdir(parents=True)
    report._write_index(planned, jobs, tmp_path)
    text = (tmp_path / report.GENERATED / "index.md").read_text(encoding="utf-8")
    assert "**Veröffentlicht:** 15. Januar 2027" in text
    order = [text.index(h) for h in ("## Auf einen Blick", "## Gemeindeprofile", '<figure class="sa-overview">',
                                     "## Herausgeber")]
    assert order == sorted(order)
    assert "Landkreis Musterland, Fachdienst Sozialplanung \\(fiktiv\\)" in text  # Markdown-escaped
    assert "[Impressum](impressum.md)" in text


def test_the_reviewer_box_is_collapsed_german_and_has_no_python_literals():
    h = footer(config="musterland", area_id="03499016", year=0).data
    assert h.startswith('<details class="sa-reviewers sa-parameters"><summary>Für Prüfende: Parameter dieser Seite'
                        "</summary>")
    assert "<dt>Konfiguration:</dt><dd>musterland</dd>" in h
    assert "<dt>Gebietsschlüssel:</dt><dd>03499016</dd>" in h
    assert "<dt>Berichtsjahr:</dt><dd>0 (das neueste Jahr der Daten)</dd>" in h
    assert "&#x27;" not in h and " = " not in h and "'" not in h
    assert "<dd>2024</dd>" in footer(year=2024).data  # a year without a thousands separator
