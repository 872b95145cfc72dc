"""PDFs of the audited site: one per Gemeindeprofil and one of the whole report, printed by
headless Chromium (Debian's package, driven by Playwright), linked from the pages.

The build calls :func:`make_pdfs` once, after the disclosure audit passed and before the site is
published: the PDFs are prints of audited pages and hold nothing the pages do not. For each page
:func:`make_pdfs`

* adds a printed head (title of the report and the page, publication date, publisher, source) that
  only print shows (``div.sa-print-head``, hidden on screen by ``sa-print.css``): a reader who
  prints a page from the browser gets it too;
* prints every Gemeindeprofil to ``pdf/<path of the page>.pdf`` (A4, the print style sheet of
  ``book/_static/sa-print.css``, Chromium's running head and foot: title, date, source and
  "Seite n von m" on every page);
* prints the whole report, every page of the table of contents in its order, as one document
  (``pdf/bericht.pdf``; the pages' articles are put into one HTML page, each starting a new sheet,
  so page numbers run through the report);
* links each PDF from its page and the whole report from every page ("Als PDF herunterladen").

Links into the site are printed as text (a PDF's link would point into the build's folder); links
to other sites stay.

Without Chromium (or Playwright) the build prints one line, :data:`SKIPPED`, and writes no PDFs
and no links; ``sozialanalyse build --no-pdf`` skips them on purpose, ``--pdf`` requires them.

The PDFs are deterministic for the same site and date: Chromium writes the print time into
``/CreationDate`` and ``/ModDate``; both are set to the publication date (00:00 UTC), and the
build date on the page "Herkunft" (a time of day) is printed as its day.
"""
from __future__ import annotations

import datetime as _dt
import html
import os
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

__all__ = ["PDF_DIR", "REPORT_PDF", "SKIPPED", "PrintInfo", "chromium", "german_date", "make_pdfs",
           "normalise_dates", "pdf_path", "toc_pages"]

#: Where the PDFs go in the site.
PDF_DIR = "pdf"
#: The PDF of the whole report (in the site).
REPORT_PDF = f"{PDF_DIR}/bericht.pdf"
#: The build's line when no Chromium is found.
SKIPPED = "PDFs übersprungen: kein Chromium gefunden (Debian: apt-get install chromium)"
#: Debian's Chromium binary (``/usr/bin/chromium`` is a wrapper script); ``SOZIALANALYSE_CHROMIUM``
#: names another.
DEFAULT_CHROMIUM = "/usr/lib/chromium/chromium"
_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync"]
_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember")
_ARTICLE = re.compile(r'(<article class="bd-article"[^>]*>)(.*?)(</article>)', re.S)
_H1_END = re.compile(r"</h1>")
_URL_ATTR = re.compile(r'\b(src|href|xlink:href)="([^"#][^"]*|)"')
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})")
#: Links into the site are printed as text: in a PDF they would point to the build's folder
#: (``file://...``); links to other sites stay.
_UNLINK = """() => document.querySelectorAll('a[href], a[*|href]').forEach(a => {
    const h = a.getAttribute('href') || a.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || '';
    if (h.startsWith('#') || new URL(h, document.baseURI).protocol === 'file:') {
      a.removeAttribute('href'); a.removeAttributeNS('http://www.w3.org/1999/xlink', 'href'); } })"""
_BUILD_DATE = re.compile(r'<span data-datum="(\d{2})\.(\d{2})\.(\d{4})[^"]*"></span>')


@dataclass(frozen=True)
class PrintInfo:
    """What the printed head and the running head and foot say."""

    title: str
    date: _dt.date
    source: str
    publisher: str | None = None


def german_date(day: _dt.date) -> str:
    """A date as German text.

    Examples
    --------
    >>> german_date(_dt.date(2026, 12, 2))
    '2. Dezember 2026'
    """
    return f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"


def chromium() -> Path | None:
    """Debian's Chromium if it and Playwright are installed, else ``None``."""
    path = Path(os.environ.get("SOZIALANALYSE_CHROMIUM", DEFAULT_CHROMIUM))
    if not path.is_file():
        return None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    return path


def toc_pages(toc: dict) -> list[str]:
    """The pages of a Jupyter Book table of contents (a mapping as read from ``_toc.yml``), in
    order, as paths of their HTML files in the site.

    Examples
    --------
    >>> toc_pages({"root": "book/_generated/index", "parts": [{"caption": "A", "chapters": [
    ...     {"file": "book/_generated/a", "sections": [{"file": "book/_generated/a/b"}]}]}]})
    ['book/_generated/index.html', 'book/_generated/a.html', 'book/_generated/a/b.html']
    """
    out = [f"{toc['root']}.html"] if toc.get("root") else []

    def walk(entries):
        for e in entries or []:
            if isinstance(e, dict):
                if "file" in e:
                    out.append(f"{e['file']}.html")
                for key in ("chapters", "sections", "parts"):
                    walk(e.get(key))

    walk(toc.get("chapters"))
    walk(toc.get("parts"))
    return out


def pdf_path(page: str) -> str:
    """The PDF of the page ``page`` (a path in the site).

    Examples
    --------
    >>> pdf_path("book/_generated/gemeinden/03499016.html")
    'pdf/book/_generated/gemeinden/03499016.pdf'
    """
    return f"{PDF_DIR}/{posixpath.splitext(page)[0]}.pdf"


def normalise_dates(data: bytes, day: _dt.date) -> bytes:
    """``data`` (a PDF) with its creation and modification date set to ``day``, 00:00:00: the
    same number of bytes, so the cross-reference table stays valid.

    Examples
    --------
    >>> normalise_dates(b"/CreationDate (D:20261202190954+00'00')", _dt.date(2026, 1, 5))
    b"/CreationDate (D:20260105000000+00'00')"
    """
    stamp = day.strftime("%Y%m%d000000").encode()
    return _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:" + stamp, data)


def _head_html(info: PrintInfo, page_title: str) -> str:
    parts = [f"<strong>{html.escape(info.title)}</strong>"]
    if page_title and page_title != info.title:
        parts.append(html.escape(page_title))
    line2 = [f"Stand: {german_date(info.date)}"]
    if info.publisher:
        line2.append(f"Herausgeber: {html.escape(info.publisher)}")
    line2.append(f"Quelle: {html.escape(info.source)}")
    return ('<div class="sa-print-head" aria-hidden="true">' + " – ".join(parts) + "<br>" + " · ".join(line2)
            + "</div>")


def _page_title(text: str) -> str:
    m = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).replace("#", "").split()) if m else ""


def _templates(info: PrintInfo) -> tuple[str, str]:
    style = "font-family: sans-serif; font-size: 7.5pt; color: #444; width: 100%; margin: 0 14mm;"
    head = (f'<div style="{style} display: flex; justify-content: space-between;">'
            f"<span>{html.escape(info.title)}</span><span>{german_date(info.date)}</span></div>")
    foot = (f'<div style="{style} display: flex; justify-content: space-between;">'
            f"<span>Quelle: {html.escape(info.source)}</span>"
            '<span>Seite <span class="pageNumber"></span> von <span class="totalPages"></span></span></div>')
    return head, foot


def _absolute(fragment: str, base: str) -> str:
    """The relative links of ``fragment`` (HTML of a page at ``base``) made absolute."""
    def fix(m):
        url = m.group(2)
        if not url or re.match(r"^[a-z][a-z0-9+.-]*:", url) or url.startswith("//"):
            return m.group(0)
        return f'{m.group(1)}="{urljoin(base, url)}"'
    return _URL_ATTR.sub(fix, fragment)


def _combined(site: Path, pages: list[str], info: PrintInfo) -> str:
    """One HTML page holding the articles of ``pages`` in order (the shell of the first)."""
    shell = (site / pages[0]).read_text(encoding="utf-8")
    first = _ARTICLE.search(shell)
    if first is None:
        raise ValueError(f"{pages[0]}: no <article class=\"bd-article\"> to print")
    body = []
    for i, rel in enumerate(pages):
        text = (site / rel).read_text(encoding="utf-8")
        m = _ARTICLE.search(text)
        if m is None:
            continue
        inner = _absolute(m.group(2), (site / rel).as_uri())
        inner = _BUILD_DATE.sub(lambda d: german_date(_dt.date(int(d.group(3)), int(d.group(2)), int(d.group(1)))),
                                inner)
        style = ' style="break-before: page"' if i else ""
        body.append(f'<section class="sa-print-page"{style}>{inner}</section>')
    shell = _absolute(shell[:first.start()], (site / pages[0]).as_uri()) + first.group(1) + "\n".join(body) \
        + first.group(3) + _absolute(shell[first.end():], (site / pages[0]).as_uri())
    return re.sub(r"<title>.*?</title>", f"<title>{html.escape(info.title)}</title>", shell, count=1, flags=re.S)


def _pdf_link(text: str, here: str, links: list[tuple[str, str]]) -> str:
    """``text`` with a line of PDF links (target path in the site, label) after its first ``<h1>``."""
    if not links or 'class="sa-pdf"' in text:
        return text
    items = " · ".join(f'<a href="{posixpath.relpath(target, posixpath.dirname(here) or ".")}">{label}</a>'
                       for target, label in links)
    line = f'\n<p class="sa-pdf">Als PDF herunterladen: {items}</p>'
    art = _ARTICLE.search(text)
    if art is None:
        return text
    m = _H1_END.search(text, art.start(2), art.end(2))
    at = m.end() if m else art.start(2)
    return text[:at] + line + text[at:]


def _size(n_bytes: int) -> str:
    kb = n_bytes / 1024
    return f"{kb:.0f} kB" if kb < 1024 else f"{kb / 1024:.1f} MB".replace(".", ",")


def _pages(data: bytes) -> int:
    """Number of pages of a PDF written by Chromium (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def make_pdfs(site: str | Path, pages: list[str], profiles: list[str], info: PrintInfo, mode: bool | None = None,
              say=print) -> dict:
    """Print the PDFs of ``site`` and link them (see the module docstring).

    Parameters
    ----------
    site : path
        The built, audited site (changed in place).
    pages : list of str
        The pages of the report in the order of its table of contents (paths in the site).
    profiles : list of str
        The Gemeindeprofile among them (each gets a PDF of its own).
    info : PrintInfo
        Title, date, source and publisher for the printed head and the running head and foot.
    mode : bool or None
        ``None``: PDFs if Chromium is found, else :data:`SKIPPED` is said; ``True``: PDFs or an
        error; ``False``: no PDFs.
    say : callable
        Where the one line about skipped PDFs goes.

    Returns
    -------
    dict
        ``{path in the site: number of pages}`` of the PDFs written (empty when skipped).
    """
    site = Path(site)
    # only pages with an article of the theme are printed (the theme's search and index pages are not)
    pages = [p for p in pages if (site / p).is_file() and _ARTICLE.search((site / p).read_text(encoding="utf-8"))]
    profiles = [p for p in profiles if p in pages]
    heads = {}
    for rel in pages:  # the printed head, for the browser's own print too
        text = (site / rel).read_text(encoding="utf-8")
        if 'class="sa-print-head"' not in text:
            art = _ARTICLE.search(text)
            if art:
                heads[rel] = _page_title(text)
                text = text[:art.end(1)] + _head_html(info, heads[rel]) + text[art.end(1):]
                (site / rel).write_text(text, encoding="utf-8")
    if mode is False or not pages:
        return {}
    exe = chromium()
    if exe is None:
        if mode:
            raise RuntimeError(SKIPPED.replace("übersprungen", "verlangt (--pdf)"))
        say(SKIPPED)
        return {}
    from playwright.sync_api import sync_playwright

    head, foot = _templates(info)
    options = dict(format="A4", print_background=True, display_header_footer=True, header_template=head,
                   footer_template=foot, margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
    hide = "div.sa-print-head { display: none !important; }"  # the running head says it on every sheet
    written: dict[str, int] = {}
    out_dir = site / PDF_DIR
    shutil.rmtree(out_dir, ignore_errors=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(exe), args=_ARGS)
        try:
            page = browser.new_page()
            jobs = [(rel, (site / rel).as_uri()) for rel in profiles]
            tmp = site / ".sa-print-bericht.html"  # a fixed name: the same site prints the same bytes
            tmp.write_text(_combined(site, pages, info), encoding="utf-8")
            jobs.append((REPORT_PDF, tmp.as_uri()))
            try:
                for rel, url in jobs:
                    page.goto(url, wait_until="load")
                    page.add_style_tag(content=hide)
                    page.evaluate(_UNLINK)
                    data = normalise_dates(page.pdf(**options), info.date)
                    target = site / (rel if rel == REPORT_PDF else pdf_path(rel))
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    written[target.relative_to(site).as_posix()] = _pages(data)
            finally:
                tmp.unlink(missing_ok=True)
        finally:
            browser.close()
    whole = site / REPORT_PDF
    whole_label = f"der ganze Bericht (A4, {written[REPORT_PDF]} Seiten, {_size(whole.stat().st_size)})"
    for rel in pages:
        links = []
        if rel in profiles:
            own = pdf_path(rel)
            links.append((own, f"dieses Gemeindeprofil (A4, {written[own]} "
                               f"Seite{'n' if written[own] != 1 else ''}, {_size((site / own).stat().st_size)})"))
        links.append((REPORT_PDF, whole_label))
        text = (site / rel).read_text(encoding="utf-8")
        new = _pdf_link(text, rel, links)
        if new != text:
            (site / rel).write_text(new, encoding="utf-8")
    return written
