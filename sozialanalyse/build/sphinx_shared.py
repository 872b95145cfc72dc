"""Sphinx extension: what Sphinx and the book theme compute for every page anew, computed once
(issue 19). It is meant to change no byte of the site: the second page of every shared
navigation is checked against the theme's own, and the tests compare books built with and without
it (tests/test_sphinx_shared.py; a Land of 200 and Musterland gave the same bytes).

**The sidebar's navigation, once per group of sibling pages.** pydata-sphinx-theme renders it
for every page afresh: Sphinx resolves the whole table of contents for the page (a deep copy of
every toctree), docutils renders it, and BeautifulSoup reworks it. Every page lists every page,
so the cost grows with the square of the pages: for a Land of 200 municipalities, 35 of the 66
seconds Sphinx spent writing (measured under cProfile). The navigation of two pages differs only
in which entry is the current one, as long as the two are *siblings*: leaves (no pages of their
own) listed by the same toctree of the same parent, with the same ancestors, in the same output
folder (the links are relative); a page with a toctree of its own, even one of links only, is no
leaf (the theme may unfold it under the current entry). For such a group the theme renders the navigation of the first
page, and the next pages' is derived from it (:func:`move_current`: the first page's entry loses
the marks of the current page, the page's own entry gets them). The derivation is checked: the
second page of every group is rendered by the theme too and compared with the derived
navigation; a group whose derivation differs in any byte is rendered by the theme for every page.
Pages that are not leaves or have several parents (the start page, a chapter with sub-pages) are
always rendered by the theme.

**The search index's stems, once per word.** Sphinx stems every word of every page for the
search index and remembers a stem for one page only; the German Snowball stemmer took 10 of the
13 seconds of the search index at 200 municipalities (92,254 calls for the same few thousand
words). The stemmer of the build's index remembers each word's stem for the whole build
(:func:`_stem_once`); a stem depends on the word alone.

Added to every build's book config by :func:`sozialanalyse.build.report._toc_and_config`.
"""
from __future__ import annotations

import functools
import posixpath
import re

from markupsafe import Markup

__all__ = ["move_current", "setup"]

#: The current page's link in the theme's navigation (Sphinx writes an empty link, ``#``).
CURRENT_LINK = '<a class="current reference internal" href="#">'
_LINK = '<a class="reference internal" href="{}">'
_ITEM_BEFORE = re.compile(r'<li class="(toctree-l\d+)( current active)?">$')


def move_current(nav: str, uri_from_page: str, uri_to_page: str) -> str | None:
    """The navigation ``nav``, rendered for one page, as it is for a sibling page.

    ``uri_from_page``: the link to the page ``nav`` was rendered for, as the sibling writes it;
    ``uri_to_page``: the link to the sibling, as ``nav`` writes it. ``None`` where ``nav`` does not
    have exactly one current entry and exactly one link to the sibling, each the first thing in its
    list item.

    >>> nav = ('<ul class="current nav"><li class="toctree-l1 current active"><a class="current reference '
    ...        'internal" href="#">A</a></li><li class="toctree-l1"><a class="reference internal" '
    ...        'href="b.html">B</a></li></ul>')
    >>> print(move_current(nav, "a.html", "b.html"))
    <ul class="current nav"><li class="toctree-l1"><a class="reference internal" href="a.html">A</a></li><li class="toctree-l1 current active"><a class="current reference internal" href="#">B</a></li></ul>
    >>> move_current(nav, "a.html", "c.html") is None
    True
    """
    sibling = _LINK.format(uri_to_page)
    if not uri_from_page or not uri_to_page or nav.count(CURRENT_LINK) != 1 or nav.count(sibling) != 1:
        return None
    if '"' in uri_from_page or '"' in uri_to_page:
        return None
    out = []
    pos = 0
    edits = sorted([(nav.index(CURRENT_LINK), CURRENT_LINK, _LINK.format(uri_from_page), ""),
                    (nav.index(sibling), sibling, CURRENT_LINK, " current active")])
    for at, old, new, marks in edits:
        item = _ITEM_BEFORE.search(nav, pos, at)
        if item is None or item.end() != at:
            return None
        if bool(item.group(2)) == bool(marks):  # the current entry must carry the marks, the sibling not
            return None
        out.append(nav[pos:item.start()])
        out.append(f'<li class="{item.group(1)}{marks}">{new}')
        pos = at + len(old)
    out.append(nav[pos:])
    return "".join(out)


def _state(app) -> dict:
    state = getattr(app, "_sozialanalyse_nav", None)
    if state is None:
        state = {"groups": {}, "parents": None, "toctrees": {}, "derived": []}
        app._sozialanalyse_nav = state
    return state


def _siblings_key(app, pagename: str):
    """What the pages of one group share (see the module docstring), or ``None`` for a page
    that is not a leaf with one parent at each step up to the root."""
    env = app.env
    state = _state(app)
    if state["parents"] is None:
        parents: dict[str, list[str]] = {}
        for parent, children in env.toctree_includes.items():
            for child in dict.fromkeys(children):
                parents.setdefault(child, []).append(parent)
        state["parents"] = parents
    if env.toctree_includes.get(pagename):
        return None
    from sphinx import addnodes

    own = env.tocs.get(pagename)
    if own is None or any(True for _ in own.findall(addnodes.toctree)):
        # a toctree of links only (a URL, "self") lists no page, but the theme may unfold it under
        # the current page's entry (collapse_navbar): not a leaf either
        return None
    chain = []
    doc = pagename
    seen = {doc}
    while doc != app.config.root_doc:
        ups = state["parents"].get(doc, [])
        if len(ups) != 1 or ups[0] in seen:
            return None
        up = ups[0]
        if up not in state["toctrees"]:
            state["toctrees"][up] = [tuple(name for _, name in node["entries"])
                                     for node in env.get_doctree(up).findall(addnodes.toctree)]
        which = [i for i, names in enumerate(state["toctrees"][up]) if doc in names]
        if len(which) != 1:
            return None
        chain.append((up, which[0]))
        seen.add(up)
        doc = up
    return posixpath.dirname(pagename), tuple(chain)


def _navigation(app, pagename: str, groups: dict, call, render):
    """The sidebar's navigation of ``pagename`` for the theme's call ``call``: rendered by the
    theme (``render``) for the first page of its group and the one that checks the derivation,
    derived from the first page's for the others (see the module docstring)."""
    group = groups.get(call)
    if group is None:
        nav = str(render())
        groups[call] = {"page": pagename, "nav": nav, "checked": False, "broken": False}
        return Markup(nav)
    if group["broken"]:
        return render()
    derived = move_current(group["nav"], app.builder.get_relative_uri(pagename, group["page"]),
                           app.builder.get_relative_uri(group["page"], pagename))
    if not group["checked"]:
        nav = str(render())
        group["checked"] = derived == nav
        group["broken"] = derived != nav
        return Markup(nav)
    if derived is None:
        return render()
    _state(app)["derived"].append(pagename)
    return Markup(derived)


def _shared_navigation(app, pagename, templatename, context, doctree):
    real = context.get("generate_toctree_html")
    if real is None or getattr(app.builder, "name", "") != "html":
        return
    try:
        key = _siblings_key(app, pagename)
    except (LookupError, OSError, TypeError, ValueError):  # a table of contents not understood: the theme renders it
        key = None
    if key is None:
        return
    groups = _state(app)["groups"]
    done: dict = {}  # the theme asks twice per page (to find empty sidebars, then to render)

    def generate_toctree_html(kind, *args, **kwargs):
        if kind != "sidebar":
            return real(kind, *args, **kwargs)
        call = (key, args, tuple(sorted(kwargs.items())))
        if call not in done:
            done[call] = _navigation(app, pagename, groups, call, lambda: real(kind, *args, **kwargs))
        return done[call]

    context["generate_toctree_html"] = generate_toctree_html


def _stem_once(app, doctree, docname):
    """Have the search index's stemmer remember every word's stem for the rest of the build (the
    indexer exists from the start of writing, before the first page is resolved)."""
    lang = getattr(getattr(app.builder, "indexer", None), "lang", None)
    if lang is not None and "stem" not in vars(lang):
        lang.stem = functools.cache(lang.stem)


def setup(app):
    """The theme's page handler that puts ``generate_toctree_html`` into a page's context is
    wrapped, so the page's navigation is shared (:func:`_shared_navigation`) before the theme's
    next handler renders the sidebar with it (pydata-sphinx-theme renders the sidebar templates in
    that handler, at the same priority: a handler of this extension would run too late). Sphinx
    loads the HTML theme after the config's extensions, so the theme connects the wrapped handler;
    a config that lists ``pydata_sphinx_theme`` itself among its extensions before this one loads
    the theme first, and nothing is shared (the site is the same, only not faster)."""
    try:
        from pydata_sphinx_theme import toctree
    except ImportError:  # another theme: nothing to share
        toctree = None
    if toctree is not None and not getattr(toctree.add_toctree_functions, "_sozialanalyse_nav", False):
        original = toctree.add_toctree_functions

        def add_toctree_functions(app, pagename, templatename, context, doctree):
            original(app, pagename, templatename, context, doctree)
            if __name__ in app.extensions:
                _shared_navigation(app, pagename, templatename, context, doctree)

        add_toctree_functions._sozialanalyse_nav = True
        add_toctree_functions.__wrapped__ = original
        toctree.add_toctree_functions = add_toctree_functions
    app.connect("doctree-resolved", _stem_once)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
