"""Sphinx extension: escape titles the book theme inserts into its templates as raw HTML.

Sphinx's own templates escape the book's title (``docstitle|e``), but pydata-sphinx-theme puts it
into the navbar logo as it is, and sphinx-book-theme puts ``pagetitle`` (the print header) and
``root_title`` (the sidebar's first entry) in as the plain text of a page's first heading. Area
names come from data files, so a name such as ``<img src=x onerror=...>`` would become markup.
This handler runs after the theme's and replaces the three values by their escaped text, marked
safe (``Markup``) so that templates that escape them themselves do not escape them twice.
Enabled in ``_config.yml`` (``sphinx: extra_extensions``).
"""
from __future__ import annotations

import html

from markupsafe import Markup

TITLE_KEYS = ("docstitle", "pagetitle", "root_title")


def _escape_titles(app, pagename, templatename, context, doctree):
    for key in TITLE_KEYS:
        value = context.get(key)
        if isinstance(value, str) and not isinstance(value, Markup):  # plain text
            context[key] = Markup(html.escape(value, quote=True))


def setup(app):
    app.connect("html-page-context", _escape_titles, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
