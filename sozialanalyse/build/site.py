"""Tidy a built site before the audit and the publish: German interface text, no JavaScript
errors, nothing shipped that no page uses.

Jupyter Book 1.x (sphinx-book-theme on pydata-sphinx-theme, sphinx-thebe) writes a site that

* declares ``const THEBE_JS_URL`` twice on every page (a ``SyntaxError`` in the browser) and
  loads ``sphinx-thebe.js``, which would fetch Thebe from unpkg.com; the report has no launch
  buttons, so the Thebe scripts and style sheet are removed;
* writes ``data-default-mode=""`` on ``<body>`` and sets the page's mode to ``""`` in a script of
  ``<head>`` until a reader chooses one, which the theme's script logs as an invalid theme mode
  (a console error on a reader's first page): both become ``light`` (the figures are drawn on white);
* leaves some interface text in English although Sphinx runs with ``language: de`` (the theme's
  German catalogue lacks them): :data:`GERMAN` replaces them;
* ships ``*.map`` source maps (3.4 MB), the Font Awesome script ``fontawesome.js`` (1.5 MB; the
  theme's style sheet already draws every icon with the Font Awesome web fonts), the fonts'
  TrueType copies (every browser the theme supports loads the WOFF2 files first) and the brand
  icons' fonts (no page shows a brand icon): all removed, with the references to them;
* leaves figures and tables unnumbered: :func:`number_figures_and_tables` numbers them per page.

:func:`tidy` changes the site in place and returns what it did (for the build's log and tests).
"""
from __future__ import annotations

import re
from pathlib import Path

__all__ = ["GERMAN", "tidy", "number_figures_and_tables", "NUMBER"]

#: English interface text of the theme and its German replacement (attribute values and
#: keyboard hints, replaced as whole quoted values or elements).
GERMAN = {
    '"Link to this heading"': '"Link zu dieser Überschrift"',
    '"Link to this image"': '"Link zu dieser Abbildung"',
    '"Link to this table"': '"Link zu dieser Tabelle"',
    '"Link to this code"': '"Link zu diesem Code"',
    '"Link to this definition"': '"Link zu dieser Definition"',
    '"Search..."': '"Suchen …"',
    '"Search"': '"Suche"',
    '"Announcement"': '"Hinweis"',
    'aria-label="Main"': 'aria-label="Hauptinhalt"',
    '"Toggle primary sidebar"': '"Navigation ein- oder ausblenden"',
    '"Toggle secondary sidebar"': '"Inhaltsverzeichnis der Seite ein- oder ausblenden"',
    'aria-label="Page"': 'aria-label="Seite"',
    ">Ctrl</kbd>": ">Strg</kbd>",
    ">Skip to main content<": ">Zum Hauptinhalt springen<",
    ">Back to top<": ">Nach oben<",
}

_THEBE = re.compile(r'[ \t]*<script>const THEBE_JS_URL[^<]*</script>\n?'
                    r'|[ \t]*<script[^>]*sphinx-thebe\.js[^>]*></script>\n?'
                    r'|[ \t]*<link[^>]*sphinx-thebe\.css[^>]*/?>\n?')
_FONTAWESOME_JS = re.compile(r'[ \t]*<script[^>]*scripts/fontawesome\.js[^>]*></script>\n?'
                             r'|[ \t]*<link[^>]*scripts/fontawesome\.js[^>]*/?>\n?')
_SOURCE_MAP = re.compile(r"\n?(?://|/\*)# sourceMappingURL=[^\n]*?(?:\*/)?(?=\n|$)")
_TTF = re.compile(r',\s*url\([^)]*\.ttf\)\s*format\("truetype"\)')
_BRANDS = re.compile(r'@font-face\{[^}]*fa-brands-400[^}]*\}')


def tidy(site: str | Path) -> dict:
    """Tidy the built site ``site`` in place (see the module docstring).

    Returns
    -------
    dict
        ``pages`` (HTML files changed), ``removed`` (files deleted), ``bytes_removed``.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "_static").mkdir()
    >>> _ = (d / "_static" / "x.js.map").write_text("{}")
    >>> _ = (d / "p.html").write_text('<body data-default-mode=""><script>const THEBE_JS_URL = "u"; '
    ...     '</script><a title="Link to this heading">#</a></body>')
    >>> r = tidy(d)
    >>> (d / "p.html").read_text()
    '<body data-default-mode="light"><a title="Link zu dieser Überschrift">#</a></body>'
    >>> r["removed"], (d / "_static" / "x.js.map").exists()
    (1, False)
    """
    site = Path(site)
    removed = 0
    size = 0
    static = site / "_static"
    doomed = [p for p in site.rglob("*.map") if p.is_file()]
    doomed += [p for p in static.rglob("*.ttf")] if static.is_dir() else []
    doomed += [p for p in static.rglob("fa-brands-400*")] if static.is_dir() else []
    doomed += [p for p in static.rglob("sphinx-thebe.*")] if static.is_dir() else []
    doomed += [p for p in (static / "scripts").glob("fontawesome.js*")] if (static / "scripts").is_dir() else []
    for p in doomed:
        if p.is_file():
            size += p.stat().st_size
            p.unlink()
            removed += 1
    if static.is_dir():
        for p in list(static.rglob("*.css")) + list(static.rglob("*.js")):
            text = p.read_text(encoding="utf-8", errors="surrogateescape")
            new = _SOURCE_MAP.sub("", text)
            if p.suffix == ".css":
                new = _BRANDS.sub("", _TTF.sub("", new))
            if new != text:
                p.write_text(new, encoding="utf-8", errors="surrogateescape")
    pages = 0
    for p in site.rglob("*.html"):
        if "_sources" in p.relative_to(site).parts:
            continue
        text = p.read_text(encoding="utf-8")
        new = _FONTAWESOME_JS.sub("", _THEBE.sub("", text))
        new = new.replace('data-default-mode=""', 'data-default-mode="light"')
        for key in ("mode", "theme"):  # the head's script: an empty mode before any choice is stored
            new = new.replace(f'localStorage.getItem("{key}") || ""', f'localStorage.getItem("{key}") || "light"')
        for en, de in GERMAN.items():
            new = new.replace(en, de)
        new = number_figures_and_tables(new)
        if new != text:
            p.write_text(new, encoding="utf-8")
            pages += 1
    return {"pages": pages, "removed": removed, "bytes_removed": size}


# --- numbered figures and tables (issue #16) ------------------------------------------------------

#: The number written before a caption: ``<span class="sa-number">Abbildung 3: </span>``. The
#: reviewer's check (:mod:`sozialanalyse.build.verify`) removes these spans before it compares a
#: page with the notebook's outputs.
NUMBER = re.compile(r'<span class="sa-number">[^<]*</span>')
_CAPTIONED = re.compile(r'(<figure\b[^>]*\bclass="(?:sa-figure|sa-map)\b[^>]*>.*?<figcaption\b[^>]*>)'
                        r'|(<table\b[^>]*\bclass="[^"]*\bsa-table\b[^"]*"[^>]*>\s*<caption\b[^>]*>)', re.S)


def number_figures_and_tables(html: str) -> str:
    """``html`` with every report figure (``<figure class="sa-figure">``, ``<figure class="sa-map">``)
    and every report table (``<table class="sa-table">`` with a ``<caption>``) numbered in the order
    of the page: "Abbildung 1: ", "Tabelle 1: ", … before the caption's text. Idempotent: numbers
    already written are replaced.

    >>> page = ('<figure class="sa-figure"><img alt="x"><figcaption>Pyramide</figcaption></figure>'
    ...         '<table class="sa-table"><caption>Kennzahlen</caption></table>'
    ...         '<figure class="sa-map"><figcaption>Karte</figcaption></figure>')
    >>> out = number_figures_and_tables(page)
    >>> [m for m in re.findall(r'<span class="sa-number">([^<]*)</span>', out)]
    ['Abbildung 1: ', 'Tabelle 1: ', 'Abbildung 2: ']
    >>> number_figures_and_tables(out) == out
    True
    """
    html = NUMBER.sub("", html)
    counts = {"fig": 0, "tab": 0}

    def number(m: re.Match) -> str:
        key = "fig" if m.group(1) else "tab"
        counts[key] += 1
        word = "Abbildung" if key == "fig" else "Tabelle"
        return f'{m.group(0)}<span class="sa-number">{word} {counts[key]}: </span>'

    return _CAPTIONED.sub(number, html)
