"""The book's Sphinx extension that computes once what Sphinx and the theme compute for every page
(:mod:`sozialanalyse.build.sphinx_shared`, issue 19): the site must be the same bytes with and
without it, and the shared navigation must really be used for sibling pages."""
from __future__ import annotations

from pathlib import Path

import pytest

from sozialanalyse.build import sphinx_shared

#: A book shaped like the report: a start page with two captioned toctrees (the parts), a folder of
#: sibling pages (the profiles), a chapter with pages of its own (not a leaf), and a page in the
#: root folder.
PAGES = {
    "index": "Bericht\n=======\n\n.. toctree::\n   :caption: Gemeindeprofile\n\n"
             "   gemeinden/a\n   gemeinden/b\n   gemeinden/c\n   gemeinden/d\n   gemeinden/e\n\n"
             ".. toctree::\n   :caption: Themen\n\n   pflege\n   methoden\n",
    "gemeinden/a": "Altdorf\n=======\n\nEinwohnerinnen und Einwohner in Altdorf.\n",
    "gemeinden/b": "Bergheim\n========\n\nBergheim liegt am Berg.\n\nAbschnitt\n---------\n\nText.\n",
    "gemeinden/c": "Clausthal\n=========\n\nText über Clausthal.\n",
    "gemeinden/d": "Dorfen\n======\n\nText über Dorfen.\n",
    "gemeinden/e": "Eichenau\n========\n\nText über Eichenau und Altdorf.\n",
    "pflege": "Pflege\n======\n\n.. toctree::\n\n   pflege/heime\n   pflege/dienste\n",
    "pflege/heime": "Heime\n=====\n\nPflegeheime.\n",
    "pflege/dienste": "Dienste\n=======\n\nAmbulante Dienste.\n",
    "methoden": "Methoden\n========\n\nWie gerechnet wird.\n",
}


def _book(tmp_path: Path, name: str, shared: bool, pages: dict | None = None, options: dict | None = None):
    """Build the book of :data:`PAGES` with sphinx-book-theme (as Jupyter Book does), in-process;
    returns the output folder, the extension's state (empty without it) and the Sphinx application."""
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    if not src.exists():
        for page, text in (pages or PAGES).items():
            (src / page).parent.mkdir(parents=True, exist_ok=True)
            (src / f"{page}.rst").write_text(text, encoding="utf-8")
        (src / "conf.py").write_text("", encoding="utf-8")
    out = tmp_path / name
    extensions = ["sozialanalyse.build.sphinx_shared"] if shared else []
    app = Sphinx(str(src), str(src), str(out / "html"), str(out / "doctrees"), "html", status=None,
                 warning=None, freshenv=True,
                 confoverrides={"extensions": extensions, "html_theme": "sphinx_book_theme", "language": "de",
                                "html_last_updated_fmt": None, "html_theme_options": options or {}})
    app.build()
    return out / "html", dict(getattr(app, "_sozialanalyse_nav", {}) or {}), app


def _files(site: Path) -> dict[str, bytes]:
    """Every file of the site but Sphinx's ``.buildinfo`` (a hash of the config, which names the extension)."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name != ".buildinfo"}


def test_the_site_is_the_same_bytes_and_the_siblings_share_their_navigation(tmp_path):
    plain, none, _ = _book(tmp_path, "plain", shared=False)
    fast, state, app = _book(tmp_path, "shared", shared=True)
    assert none == {}
    before, after = _files(plain), _files(fast)
    assert sorted(before) == sorted(after)
    assert [name for name in before if before[name] != after[name]] == []
    # five profiles: the first rendered by the theme, the second rendered and checked, three derived;
    # pflege/heime and pflege/dienste are a second group (rendered, checked: none derived)
    assert state["derived"] == ["gemeinden/c", "gemeinden/d", "gemeinden/e"]
    page = after["gemeinden/d.html"].decode()
    assert page.count(sphinx_shared.CURRENT_LINK) == 1
    assert '<a class="reference internal" href="a.html">Altdorf</a>' in page
    assert '<a class="current reference internal" href="#">Dorfen</a>' in page
    # the search index (compared above) stemmed "Altdorf" and "Text" once for the whole book
    assert app.builder.indexer.lang.stem.cache_info().hits > 0


def test_a_derivation_that_differs_from_the_theme_is_never_published(tmp_path, monkeypatch):
    """A group whose second page's derived navigation differs from the theme's gets the theme's for
    every page (here a derivation that drops the current marks altogether)."""
    plain, _, _ = _book(tmp_path, "plain", shared=False)
    monkeypatch.setattr(sphinx_shared, "move_current", lambda nav, a, b: nav.replace(" current active", ""))
    fast, state, _ = _book(tmp_path, "shared", shared=True)
    assert state["derived"] == []
    assert _files(plain) == _files(fast)


@pytest.mark.parametrize("nav, from_page, to_page", [
    # no current entry
    ('<li class="toctree-l1"><a class="reference internal" href="a.html">A</a></li>'
     '<li class="toctree-l1"><a class="reference internal" href="b.html">B</a></li>', "a.html", "b.html"),
    # the sibling's link twice
    ('<li class="toctree-l1 current active"><a class="current reference internal" href="#">A</a></li>'
     '<li class="toctree-l1"><a class="reference internal" href="b.html">B</a></li>'
     '<li class="toctree-l2"><a class="reference internal" href="b.html">B</a></li>', "a.html", "b.html"),
    # the current link not the first thing of its list item
    ('<li class="toctree-l1 current active"><span></span><a class="current reference internal" href="#">A</a></li>'
     '<li class="toctree-l1"><a class="reference internal" href="b.html">B</a></li>', "a.html", "b.html"),
    # the current entry's item without the marks
    ('<li class="toctree-l1"><a class="current reference internal" href="#">A</a></li>'
     '<li class="toctree-l1"><a class="reference internal" href="b.html">B</a></li>', "a.html", "b.html"),
    # no link to the page itself (the same page)
    ('<li class="toctree-l1 current active"><a class="current reference internal" href="#">A</a></li>', "", ""),
])
def test_move_current_declines_what_it_cannot_derive(nav, from_page, to_page):
    assert sphinx_shared.move_current(nav, from_page, to_page) is None


def test_move_current_moves_the_marks_of_a_nested_entry():
    """Worked by hand: the current page is a second-level entry; its parent's marks stay."""
    nav = ('<ul class="current nav"><li class="toctree-l1 current active"><a class="reference internal" '
           'href="kap.html">Kapitel</a><ul class="current"><li class="toctree-l2 current active"><a '
           'class="current reference internal" href="#">Eins</a></li><li class="toctree-l2"><a '
           'class="reference internal" href="zwei.html">Zwei</a></li></ul></li></ul>')
    assert sphinx_shared.move_current(nav, "eins.html", "zwei.html") == (
        '<ul class="current nav"><li class="toctree-l1 current active"><a class="reference internal" '
        'href="kap.html">Kapitel</a><ul class="current"><li class="toctree-l2"><a '
        'class="reference internal" href="eins.html">Eins</a></li><li class="toctree-l2 current active"><a '
        'class="current reference internal" href="#">Zwei</a></li></ul></li></ul>')


def test_a_page_with_a_toctree_of_links_only_is_rendered_by_the_theme(tmp_path):
    """Found in review: a page whose toctree lists only a URL includes no page, yet with
    ``collapse_navbar`` the theme unfolds that toctree under the page's own entry; a navigation
    derived from a sibling's would lack it."""
    pages = {"index": "Bericht\n=======\n\n.. toctree::\n\n   a\n   b\n   c\n   d\n",
             "a": "A\n=\n\nx\n", "b": "B\n=\n\nx\n", "c": "C\n=\n\nx\n",
             "d": "D\n=\n\nx\n\n.. toctree::\n\n   Website <https://example.org/d>\n"}
    options = {"collapse_navbar": True}
    plain, _, _ = _book(tmp_path, "plain", shared=False, pages=pages, options=options)
    fast, state, _ = _book(tmp_path, "shared", shared=True, pages=pages, options=options)
    assert _files(plain) == _files(fast)
    assert "https://example.org/d" in _files(fast)["d.html"].decode()
    assert state["derived"] == ["c"]  # a rendered, b checked, c derived; d is no leaf
