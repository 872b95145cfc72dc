"""Rendered text size and alternative texts of the report's figures in a browser page (a helper of
the browser tests, importable by any of them; no test here).

A figure written by :class:`sozialanalyse.render.figures.Figure` is a
``<figure class="sa-figure" data-sa-min-font-pt="9" data-sa-dpi="150">`` holding one ``<img>`` and a
``<figcaption>``. The smallest text of the chart is ``min_font_pt`` points in a PNG of
``dpi`` pixels per inch, so in the page it is

    rendered_px = min_font_pt * dpi / 72 * displayed_width / natural_width

CSS pixels high (the em size of the text). Images of older builds carry no such attributes; their
smallest size can be passed in by file name (``known``) or is reported as ``None``.

>>> rendered_px(9, 150, displayed=700, natural=1050)
12.5
"""
from __future__ import annotations

import re

__all__ = ["JS", "figures", "rendered_px", "is_path"]

#: Runs in the page: one record per ``<img>`` of the article (theme logos aside).
JS = """() => Array.from(document.querySelectorAll('article img, main img')).filter(
  img => !img.closest('.navbar-brand, .sidebar-primary-items__start, header')).map(img => {
  const fig = img.closest('figure');
  const cap = fig ? fig.querySelector('figcaption') : null;
  const r = img.getBoundingClientRect();
  return {src: img.src.startsWith('data:') ? 'data:' + img.src.length : img.src,
          alt: img.getAttribute('alt'), caption: cap ? cap.textContent.trim() : null,
          natural: img.naturalWidth, displayed: r.width,
          min_font_pt: fig && fig.dataset.saMinFontPt ? parseFloat(fig.dataset.saMinFontPt) : null,
          dpi: fig && fig.dataset.saDpi ? parseFloat(fig.dataset.saDpi) : null,
          scroll: document.documentElement.scrollWidth > window.innerWidth};
});"""

_PATH = re.compile(r"(\.(png|jpe?g|svg|gif|webp)\b|^\.{0,2}/|_images/|^data:)", re.I)


def rendered_px(min_font_pt: float, dpi: float, displayed: float, natural: float) -> float:
    """The CSS pixel size of text of ``min_font_pt`` points in a PNG of ``dpi`` shown at
    ``displayed`` CSS pixels of its ``natural`` pixel width."""
    return round(min_font_pt * dpi / 72 * displayed / natural, 2)


def is_path(alt: str | None) -> bool:
    """Whether an alternative text is missing or a file path or name, not a description.

    >>> is_path("../../_images/fb33.png"), is_path("Bevölkerungspyramide von Musterstadt 2024"), is_path(None)
    (True, False, True)
    """
    return not alt or not alt.strip() or bool(_PATH.search(alt.strip()))


def figures(page, known: dict[str, tuple[float, float]] | None = None) -> list[dict]:
    """One record per figure image of the loaded Playwright ``page``: ``src``, ``alt``, ``caption``,
    ``natural`` and ``displayed`` width, ``min_font_pt``, ``dpi`` and ``rendered_px`` (the smallest
    text in CSS pixels, ``None`` when unknown); ``known`` maps an image file name to
    ``(min_font_pt, dpi)`` for images without the figure's attributes."""
    out = []
    for rec in page.evaluate(JS):
        pt, dpi = rec["min_font_pt"], rec["dpi"]
        if pt is None and known:
            pt, dpi = known.get(rec["src"].rsplit("/", 1)[-1], (None, None))
        rec["min_font_pt"], rec["dpi"] = pt, dpi
        ok = pt is not None and dpi and rec["natural"]
        rec["rendered_px"] = rendered_px(pt, dpi, rec["displayed"], rec["natural"]) if ok else None
        out.append(rec)
    return out
