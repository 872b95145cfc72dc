"""build/site.py: the tidy step removes what threw JavaScript errors, loaded from elsewhere or was
never used, and puts the theme's English interface text into German (markup as Jupyter Book 1.x
with sphinx-book-theme writes it)."""
from __future__ import annotations

import re

from sozialanalyse.build.site import tidy

HEAD = """<html lang="de"><head>
    <script>
    document.documentElement.dataset.mode = localStorage.getItem("mode") || "";
    document.documentElement.dataset.theme = localStorage.getItem("theme") || "";
    </script>
    <script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>
    <link rel="stylesheet" type="text/css" href="../_static/sphinx-thebe.css?v=4fa9" />
    <script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"; const thebe_selector = ".thebe,.cell"</script>
    <script async="async" src="../_static/sphinx-thebe.js?v=c100"></script>
    <script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"; const thebe_selector = ".thebe,.cell"</script>
</head><body data-default-mode="">
<button aria-label="Toggle primary sidebar"></button><input placeholder="Search..." aria-label="Search...">
<kbd class="kbd-shortcut__modifier">Ctrl</kbd>
<h1>Titel<a class="headerlink" href="#titel" title="Link to this heading">#</a></h1></body></html>"""

CSS = ('@font-face{font-family:Font Awesome\\ 6 Free;src:url(../vendor/fontawesome/webfonts/fa-solid-900.woff2) '
       'format("woff2"),url(../vendor/fontawesome/webfonts/fa-solid-900.ttf) format("truetype")}'
       '@font-face{font-family:Font Awesome\\ 6 Brands;src:url(../vendor/fontawesome/webfonts/fa-brands-400.woff2) '
       'format("woff2")}.x{color:red}\n/*# sourceMappingURL=pydata-sphinx-theme.css.map*/')


def test_tidy(tmp_path):
    site = tmp_path / "html"
    fonts = site / "_static" / "vendor" / "fontawesome" / "webfonts"
    fonts.mkdir(parents=True)
    for name in ("fa-solid-900.woff2", "fa-solid-900.ttf", "fa-brands-400.woff2", "fa-brands-400.ttf"):
        (fonts / name).write_bytes(b"x" * 10)
    (site / "_static" / "scripts").mkdir()
    (site / "_static" / "scripts" / "fontawesome.js").write_text("x" * 100)
    (site / "_static" / "scripts" / "bootstrap.js").write_text("var a;\n//# sourceMappingURL=bootstrap.js.map")
    (site / "_static" / "scripts" / "bootstrap.js.map").write_text("{}")
    (site / "_static" / "sphinx-thebe.js").write_text("x")
    (site / "_static" / "styles").mkdir()
    (site / "_static" / "styles" / "theme.css").write_text(CSS)
    (site / "book").mkdir()
    (site / "book" / "p.html").write_text(HEAD, encoding="utf-8")
    (site / "_sources").mkdir()
    (site / "_sources" / "p.html").write_text(HEAD, encoding="utf-8")  # sources are never changed

    r = tidy(site)
    # deleted: 2 TrueType fonts (one of them a brand font), the brand WOFF2, fontawesome.js, the map, thebe
    assert r == {"pages": 1, "removed": 6, "bytes_removed": 10 + 10 + 10 + 100 + 2 + 1}
    assert sorted(p.name for p in fonts.iterdir()) == ["fa-solid-900.woff2"]
    page = (site / "book" / "p.html").read_text(encoding="utf-8")
    for gone in ("THEBE_JS_URL", "sphinx-thebe", "fontawesome.js", "Link to this heading", "Search...",
                 "Toggle primary", ">Ctrl<", 'data-default-mode=""', '|| ""'):
        assert gone not in page, gone
    for german in ('title="Link zu dieser Überschrift"', 'placeholder="Suchen …"', ">Strg</kbd>",
                   'data-default-mode="light"', 'dataset.mode = "light";'):
        assert german in page, german
    css = (site / "_static" / "styles" / "theme.css").read_text()
    assert css == ('@font-face{font-family:Font Awesome\\ 6 Free;src:url(../vendor/fontawesome/webfonts/'
                   'fa-solid-900.woff2) format("woff2")}.x{color:red}')
    assert (site / "_static" / "scripts" / "bootstrap.js").read_text() == "var a;"
    assert (site / "_sources" / "p.html").read_text(encoding="utf-8") == HEAD
    assert tidy(site) == {"pages": 0, "removed": 0, "bytes_removed": 0}  # a second run changes nothing


def test_print_only_static_map_shares_the_number_of_its_interactive_twin():
    """Review #16: on screen Abbildung 3 was followed by Abbildung 5, because the print-only PNG of a
    map (hidden on screen) took number 4."""
    from sozialanalyse.build.site import number_figures_and_tables

    cell = '<div class="cell"><div class="cell_output">{}</div></div>'
    fig = '<figure class="sa-figure"><img alt="a"><figcaption>{}</figcaption></figure>'
    page = "".join([cell.format(fig.format("Pyramide")), "<p>Text</p>", cell.format(fig.format("Karte (Druck)")),
                    cell.format('<figure class="sa-map" data-sa-static="previous"><figcaption>Karte</figcaption>'
                                '</figure>'),
                    cell.format(fig.format("Trend"))])
    numbers = re.findall(r'<span class="sa-number">([^<]*)</span>', number_figures_and_tables(page))
    assert numbers == ["Abbildung 1: ", "Abbildung 2: ", "Abbildung 2: ", "Abbildung 3: "]
    # a map that follows text (not its static twin) gets its own number
    apart = page.replace('</div></div><div class="cell"><div class="cell_output"><figure class="sa-map"',
                         '</div></div><p>Erläuterung</p><div class="cell"><div class="cell_output"><figure class="sa-map"')
    numbers = re.findall(r'<span class="sa-number">([^<]*)</span>', number_figures_and_tables(apart))
    assert numbers == ["Abbildung 1: ", "Abbildung 2: ", "Abbildung 3: ", "Abbildung 4: "]


# The patterns as they were before they started with a literal (issue 19: tidy 18.9 -> 3.4 s for a
# Land of 200): the reference for what the tidy step removes and wraps.
OLD_THEBE = re.compile(r'[ \t]*<script>const THEBE_JS_URL[^<]*</script>\n?'
                       r'|[ \t]*<script[^>]*sphinx-thebe\.js[^>]*></script>\n?'
                       r'|[ \t]*<link[^>]*sphinx-thebe\.css[^>]*/?>\n?')
OLD_FONTAWESOME_JS = re.compile(r'[ \t]*<script[^>]*scripts/fontawesome\.js[^>]*></script>\n?'
                                r'|[ \t]*<link[^>]*scripts/fontawesome\.js[^>]*/?>\n?')
OLD_MODE_BUTTON = re.compile(r'[ \t]*<button[^>]*theme-switch-button[^>]*>.*?</button>\n?', re.S)
OLD_TABLE = re.compile(r'(<div class="sa-scroll"[^>]*>\s*)?(<table\b.*?</table>)', re.S)

AWKWARD = [
    HEAD,
    "\t \t<link href='sphinx-thebe.css'>\n<link href='sphinx-thebe.css'>  <script src=sphinx-thebe.js></script>x",
    "  <script src='a/scripts/fontawesome.js'></script>  \n \t <script src=scripts/fontawesome.js></script>",
    "<p>  </p>   <script>const THEBE_JS_URL = 1</script>\n\n  <script>const THEBE_JS_URL = 2</script>",
    ' <button class="x theme-switch-button"><i></i></button>\n\t<button class="theme-switch-button">a\n</button>',
    "  < script src=sphinx-thebe.js></script> <link <link href=sphinx-thebe.css>",
    "kein Treffer \t ",
]


def test_the_literal_patterns_remove_exactly_what_the_old_ones_did():
    from sozialanalyse.build import site

    for text in AWKWARD:
        assert site._cut(site._THEBE, text) == OLD_THEBE.sub("", text), text
        assert site._cut(site._FONTAWESOME_JS, text) == OLD_FONTAWESOME_JS.sub("", text), text
        assert site._cut(site._MODE_BUTTON, text) == OLD_MODE_BUTTON.sub("", text), text


def test_tables_are_wrapped_as_before():
    from sozialanalyse.build import site

    def old(text):
        def wrap(m):
            if m.group(1):
                return m.group(0)
            cap = site._CAPTION.search(m.group(2))
            label = " ".join(re.sub(r"<[^>]+>", "", cap.group(1)).split()).replace('"', "&quot;") if cap else ""
            name = f' aria-label="{label}"' if label else ' aria-label="Tabelle"'
            return f'<div class="sa-scroll" tabindex="0" role="region"{name}>{m.group(2)}</div>'
        return OLD_TABLE.sub(wrap, text)

    for text in ['<table class="sa-table"><caption>Kennzahlen <b>2024</b></caption></table>',
                 '<div class="sa-scroll" tabindex="0">\n <table><tr><td>1</td></tr></table></div><table></table>',
                 '<div class="sa-scroll"><p>x</p><table>a</table></div>',  # a div not around the table
                 '<tablex></tablex><table\n class="y"><caption>"A"</caption></table>', "<table>ohne Ende"]:
        assert site.wrap_tables(text) == old(text), text
