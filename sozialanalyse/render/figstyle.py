"""One figure style for every chart and map of the report: sizes, minimum text size, palettes.

Floor: render. Every figure a page returns goes through :class:`sozialanalyse.render.figures.Figure`,
which applies :func:`enforce` (text at least :data:`MIN_PT`, width at most :data:`MAX_WIDTH_IN`,
crowded year labels thinned) before the PNG is written at :data:`DPI`.

The size rule
-------------
A chart is shown at the width of the page's content column (``max-width: 100 %``): measured in
headless Chromium on the Jupyter Book theme, :data:`DESKTOP_PX` = 688 CSS px in a 1280 px window and
:data:`PHONE_PX` = 358 CSS px in a 390 px window. Text of ``pt`` points in a PNG of ``W`` inches
(``W * DPI`` pixels) shown at ``D`` CSS pixels is

.. math:: \\text{px} = \\frac{pt \\cdot DPI}{72} \\cdot \\frac{D}{W \\cdot DPI} = \\frac{pt}{72} \\cdot \\frac{D}{W}

CSS pixels high, independent of the DPI as long as the PNG is at least as wide as ``D`` (which
``DPI`` = 150 guarantees for ``W`` >= 4,6 in). With ``W`` <= :data:`MAX_WIDTH_IN` = 6,5 in and
``pt`` >= :data:`MIN_PT` = 9 the smallest text is >= 9 / 72 * 688 / 6,5 = 13,2 px on the desktop
and >= 9 / 72 * 358 / 6,5 = 6,9 px on a phone (targets: 9 px and 6,5 px). A narrower figure (a
locator map) has larger text. :func:`phone_px` and :func:`desktop_px` compute the rule.

Palettes
--------
Okabe and Ito's colour-blind-safe set (Okabe & Ito 2008, *Color Universal Design*): better is blue
(:data:`BETTER`), worse vermillion (:data:`WORSE`), similar grey; shapes repeat the meaning
(:data:`ASSESSMENT_MARKERS`), so nothing is told by colour alone. Sequential maps use the viridis
family (``cividis`` for values, reversed ``RdYlBu`` only where a diverging scale is meant).

References
----------
Okabe, M., Ito, K. (2008): Color Universal Design (CUD) – How to make figures and presentations
that are friendly to colorblind people. https://jfly.uni-koeln.de/color/

Tick labels
-----------
:func:`enforce` gives every numeric axis German tick labels (:func:`german_ticks`): matplotlib's
default formatter and its ``PercentFormatter`` write "12.5", "1000" and "12.5%"; the report writes
``12,5``, ``1.000`` and ``12,5 %`` (no-break space, true minus U+2212: :mod:`sozialanalyse.render.fmt`).
Year axes (whole numbers from 1900 to 2100 on the x axis) keep "2024"; a formatter a chart set
itself keeps its numbers but has its text passed through :func:`sozialanalyse.render.fmt.typography`.
"""
from __future__ import annotations

import functools

__all__ = ["DPI", "MIN_PT", "MAX_WIDTH_IN", "DESKTOP_PX", "PHONE_PX", "OKABE_ITO", "BETTER", "WORSE", "SIMILAR",
           "NEUTRAL", "ASSESSMENT_COLORS", "ASSESSMENT_MARKERS", "RC", "phone_px", "desktop_px", "text_color_on",
           "enforce", "texts", "GermanFormatter", "german_ticks"]

DPI = 150
MIN_PT = 9.0
MAX_WIDTH_IN = 6.5
DESKTOP_PX = 688
PHONE_PX = 358

OKABE_ITO = {"orange": "#E69F00", "skyblue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#7F7F7F"}
BETTER = OKABE_ITO["blue"]
WORSE = OKABE_ITO["vermillion"]
SIMILAR = "#BDBDBD"
NEUTRAL = OKABE_ITO["purple"]
#: better / similar / worse / different without polarity: colour and marker shape
ASSESSMENT_COLORS = {"besser": BETTER, "ähnlich": SIMILAR, "schlechter": WORSE, "höher": NEUTRAL,
                     "niedriger": NEUTRAL}
#: The chart symbols of a comparison, the same as the tables' (:func:`sozialanalyse.pages.common.compare_marker`):
#: ▲ better, ▼ worse, ● similar, ◆ higher/lower without polarity.
ASSESSMENT_MARKERS = {"besser": "^", "ähnlich": "o", "schlechter": "v", "höher": "D", "niedriger": "D"}

#: matplotlib settings of the house style (applied by :func:`sozialanalyse.render.tables.setup`)
RC = {"figure.dpi": DPI, "savefig.dpi": DPI, "font.size": 9.5, "axes.titlesize": 10.5, "axes.labelsize": 9.5,
      "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9, "legend.title_fontsize": 9,
      "figure.titlesize": 10.5}


def phone_px(pt: float, width_in: float) -> float:
    """CSS pixel size on a 390 px phone of text of ``pt`` points in a figure ``width_in`` wide.

    >>> round(phone_px(9, 6.5), 2)
    6.88
    """
    return pt / 72 * min(PHONE_PX, width_in * DPI) / width_in


def desktop_px(pt: float, width_in: float) -> float:
    """CSS pixel size in a 1280 px window (see the module docstring).

    >>> round(desktop_px(9, 6.5), 1)
    13.2
    """
    return pt / 72 * min(DESKTOP_PX, width_in * DPI) / width_in


def text_color_on(fill) -> str:
    """A label colour readable on ``fill``: near-black on light fills, white on dark ones (WCAG
    contrast ratio, whichever is higher; a halo of the other colour does the rest).

    >>> text_color_on("#ffffcc"), text_color_on("#800026")
    ('#1a1a1a', '#ffffff')
    """
    from matplotlib.colors import to_rgb

    def lin(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in to_rgb(fill))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # the WCAG contrast ratio with white and with #1a1a1a (luminance 0,0103): the higher one wins
    return "#ffffff" if 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0603 else "#1a1a1a"


def texts(fig) -> list:
    """Every visible, non-empty Text artist of ``fig`` (titles, labels, tick labels, legends,
    annotations)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and (t.axes is None or t.axes.get_visible())]


@functools.lru_cache(maxsize=None)
def _german_formatter_class():
    from matplotlib.ticker import Formatter  # matplotlib: loaded on the first figure

    class GermanFormatter(Formatter):
        """Tick labels in German: as many decimals as the ticks need (at most 4), decimal comma,
        thousands dot, true minus, ``unit`` after a no-break space (:func:`sozialanalyse.render.fmt.num`);
        values are multiplied by ``scale`` first (a share of 1 shown as 100 %). Whole numbers from
        1900 to 2100 on an axis of years (``years``) are written without a thousands dot."""

        def __init__(self, unit: str | None = None, scale: float = 1.0, years: bool = False):
            self.unit, self.scale, self.years, self.decimals = unit, scale, years, 0

        def set_locs(self, locs):
            super().set_locs(locs)
            vals = [float(v) * self.scale for v in locs]
            self.decimals = next((d for d in range(5) if all(abs(round(v, d) - v) <= 1e-6 * max(1.0, abs(v))
                                                            for v in vals)), 4)

        def __call__(self, x, pos=None):
            from . import fmt

            v = float(x) * self.scale
            if self.years and abs(v - round(v)) < 1e-9 and 1900 <= v <= 2100:
                return str(int(round(v)))
            return fmt.num(v, self.decimals, self.unit)

    return GermanFormatter


def __getattr__(name):  # matplotlib is loaded on the first figure, not on import of this module
    if name == "GermanFormatter":
        return _german_formatter_class()
    raise AttributeError(name)


def _is_year_axis(axis) -> bool:
    lo, hi = sorted(axis.get_view_interval())
    return axis.axis_name == "x" and lo >= 1899 and hi <= 2101


def german_ticks(ax) -> None:
    """The tick labels of both axes of ``ax`` in German (see the module docstring): the default
    ``ScalarFormatter`` and a ``PercentFormatter`` are replaced by a German formatter, any other
    formatter that writes numbers (``FuncFormatter``, ``StrMethodFormatter``,
    ``FormatStrFormatter``) has its text passed through :func:`sozialanalyse.render.fmt.typography`.
    Category labels (``FixedFormatter``) are left as they are.

    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.ticker import PercentFormatter
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([-3.0, 1500.0], [0.0, 0.125])
    >>> ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    >>> german_ticks(ax)
    >>> ax.xaxis.get_major_formatter().format_ticks([-500.0, 0.0, 1500.0])
    ['−500', '0', '1.500']
    >>> [t.replace("\xa0", "_") for t in ax.yaxis.get_major_formatter().format_ticks([0.0, 0.025, 0.125])]
    ['0,0_%', '2,5_%', '12,5_%']
    >>> plt.close(fig)
    """
    from matplotlib.ticker import (
        FormatStrFormatter,
        FuncFormatter,
        PercentFormatter,
        ScalarFormatter,
        StrMethodFormatter,
    )

    from . import fmt

    german = _german_formatter_class()
    for axis in (ax.xaxis, ax.yaxis):
        f = axis.get_major_formatter()
        if isinstance(f, german) or getattr(f, "_sa_typography", False):
            continue
        if type(f) is ScalarFormatter:
            axis.set_major_formatter(german(years=_is_year_axis(axis)))
        elif isinstance(f, PercentFormatter):
            axis.set_major_formatter(german(unit="%", scale=100.0 / f.xmax))
        elif isinstance(f, (FuncFormatter, StrMethodFormatter, FormatStrFormatter)):
            inner = f

            def typo(x, pos=None, inner=inner):
                return fmt.typography(inner(x, pos))

            new = FuncFormatter(typo)
            new._sa_typography = True
            new.set_locs = inner.set_locs  # a formatter that reads its ticks (e.g. its decimals) still does
            axis.set_major_formatter(new)


def _thin_ticks(fig) -> None:
    """Year (integer) tick labels of the x axis that would touch are thinned until they do not;
    category labels that touch are turned by 45 degrees. Nothing is drawn: ``get_xticklabels``
    makes the tick labels for the axes' current size (matplotlib's ``_update_ticks``, as a draw
    does), and the axes' aspect is applied first as its draw would (a map's axes shrinks), so the
    labels' extents are the drawn ones; a figure laid out by a draw without rendering here cost a
    profile about 0,2 s more, for the same PNGs (``benchmarks/profile_pages.py --compare``).
    A figure with a layout engine that lays it out at each draw (``layout="constrained"`` or
    ``"tight"``, wrapped without ``layout``) is laid out by that engine before each measurement,
    as its PNG's draw will lay it out: measured at the size before that layout, the labels of an
    axes the layout narrows would touch in the PNG.
    Returns nothing; the figure is changed in place."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine
    from matplotlib.ticker import FixedLocator, MaxNLocator

    renderer = _agg_canvas(fig).get_renderer()
    engine = fig.get_layout_engine()
    if isinstance(engine, PlaceHolderLayoutEngine):  # left by tight_layout(): lays nothing out at a draw
        engine = None

    def place(ax) -> None:
        """``ax`` placed as the PNG's draw places it before drawing its ticks."""
        if engine is not None:  # the figure laid out as Figure.draw lays it out (after every change)
            try:
                engine.execute(fig)
            except ValueError:  # as Figure.draw: a layout that cannot be made leaves the figure
                pass
        locator = ax.get_axes_locator()
        ax.apply_aspect(locator(ax, renderer) if locator else None)

    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        place(ax)
        for attempt in range(6):
            if attempt and engine is not None:  # a change of the labels changes the layout
                place(ax)
            if not crowded(ax, renderer):
                break
            if isinstance(ax.xaxis.get_major_locator(), FixedLocator):
                labels = [t for t in ax.get_xticklabels() if t.get_text().strip()]
                if all(t.get_rotation() == 0 for t in labels):
                    for t in labels:
                        t.set_rotation(45)
                        t.set_ha("right")
                else:  # turned and still crowded: every other label
                    shown = [t for t in labels if t.get_visible()]
                    for t in shown[1::2]:
                        t.set_visible(False)
                continue
            n = len([t for t in ax.get_xticklabels() if t.get_visible() and t.get_text().strip()])
            ax.xaxis.set_major_locator(MaxNLocator(nbins=max(1, n // 2), integer=True))


def crowded(ax, renderer) -> bool:
    """Whether visible x tick labels of ``ax`` touch: level labels by their boxes (3 pt apart),
    turned labels by the distance of their baselines (at least 0,9 of the text height)."""
    import math

    lo, hi = sorted(ax.get_xlim())
    labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text().strip()
              and lo - 1e-9 <= t.get_position()[0] <= hi + 1e-9]  # ticks beyond the limits are not drawn
    boxes = sorted(((t.get_window_extent(renderer), t) for t in labels), key=lambda bt: bt[0].x0)
    pad = 3 * renderer.points_to_pixels(1)
    for (a, ta), (b, tb) in zip(boxes, boxes[1:]):
        rot = ta.get_rotation() % 180
        if rot == 0:
            if a.x1 + pad > b.x0 and a.y1 > b.y0 and b.y1 > a.y0:
                return True
        else:
            step = abs(b.x1 - a.x1) if ta.get_ha() == "right" else abs(b.x0 - a.x0)
            if step * math.sin(math.radians(rot)) < 0.9 * renderer.points_to_pixels(ta.get_fontsize()):
                return True
    return False


def enforce(fig, layout: bool = True):
    """``fig`` in the house style: every text at least :data:`MIN_PT`, at most
    :data:`MAX_WIDTH_IN` wide (the height kept), crowded x tick labels thinned, laid out again
    (``tight_layout``) when ``layout``. Returns ``fig``."""
    for ax in fig.axes:
        german_ticks(ax)
    for ax in fig.axes:  # tick labels are made again at each draw: their size is the axis's setting
        for which, labels in (("x", ax.get_xticklabels()), ("y", ax.get_yticklabels())):
            if any(t.get_fontsize() < MIN_PT for t in labels):
                ax.tick_params(axis=which, labelsize=MIN_PT)
    for t in texts(fig):
        if t.get_fontsize() < MIN_PT:
            t.set_fontsize(MIN_PT)
    for leg in [*fig.legends, *(a.get_legend() for a in fig.axes)]:
        if leg is not None and leg.get_title().get_text():
            leg.get_title().set_fontsize(max(MIN_PT, leg.get_title().get_fontsize()))
    w, h = fig.get_size_inches()
    if w > MAX_WIDTH_IN:
        fig.set_size_inches(MAX_WIDTH_IN, h)
    renderer = _agg_canvas(fig).get_renderer()
    for ax in fig.axes:
        fix_titles(ax, renderer)
    if layout:
        _tight(fig)
    _thin_ticks(fig)
    if layout:
        _tight(fig)
    return fig


def _no_offset(axis) -> bool:
    """Whether ``axis``'s major formatter never writes an offset text ("1e6", a date's year): the
    base ``Formatter.get_offset`` returns "", ``FuncFormatter`` and ``FixedFormatter`` their
    ``offset_string``."""
    from matplotlib.ticker import FixedFormatter, Formatter, FuncFormatter

    f = axis.get_major_formatter()
    for own in (FuncFormatter, FixedFormatter):  # an offset string only where one was set
        if isinstance(f, own):
            return not f.offset_string and type(f).get_offset is own.get_offset
    return type(f).get_offset is Formatter.get_offset


def fix_titles(ax, renderer) -> bool:
    """Turn matplotlib's automatic placement of ``ax``'s titles off where it cannot move them.

    Before every layout pass, tight box and draw, matplotlib (``Axes._update_title_position``)
    measures the whole x axis (its tick labels made for the current size) where its tick marks
    are hidden (this style hides them: the position reads "unknown") and the y axis (for its
    offset text) of every axes with a title, to lift a title above whatever of them reaches over
    the axes' top. That was about a tenth of a Gemeindeprofil's CPU. Nothing of an axes reaches
    over its top where all of this holds, and then its titles stay at their place (``y = 1``)
    whatever the layout: the axes is no colorbar, has no child axes, no twin and is not aligned
    with others' titles; its x axis is labelled at the bottom (the bottom spine in its place, no
    tick label on top, the tick labels and the axis label where matplotlib places them, hanging
    from there: aligned at their top, neither turned about their anchor nor pulled up by a
    negative pad or tick length) and neither axis can write an offset text; every title with
    text is at ``y = 1`` and its box starts above the axes' top (a title moves with its axes, so
    this holds after any layout). Where anything of it does not hold, or this matplotlib lacks
    an attribute read here, matplotlib places the titles as before. The PNGs are the same either
    way (``tests/test_figure_png.py``). Returns whether placement was turned off."""
    titles = [getattr(ax, name, None) for name in ("title", "_left_title", "_right_title")]
    twins = getattr(ax, "_twinned_axes", None)
    groups = getattr(ax.get_figure(root=False), "_align_label_groups", {})
    if (getattr(ax, "_autotitlepos", None) is not True or any(t is None for t in titles) or twins is None
            or "title" not in groups):
        return False
    if not any(t.get_text() for t in titles):
        return False  # matplotlib skips an axes without a title itself
    x = ax.xaxis
    bottom = ax.spines.get("bottom")
    ticks = [*x.majorTicks, *x.minorTicks]
    label = x.label
    if (ax.child_axes or len(twins.get_siblings(ax)) != 1 or len(groups["title"].get_siblings(ax)) != 1
            or "outline" in ax.spines  # a colorbar: matplotlib measures its outline (an extend's triangle)
            or bottom is None or bottom.get_position() != ("outward", 0.0)
            # tick labels hanging from their place below the axes: on top nowhere, aligned at their
            # top, not turned about their anchor, not pulled up by a negative pad or tick length
            or any(t.label2.get_visible() or t.label1.get_va() != "top"
                   or t.label1.get_rotation_mode() not in (None, "default")
                   or t.get_pad() < 0 or t.get_tick_padding() < 0 for t in ticks)
            # the axis label placed by matplotlib below the tick labels, hanging from its place
            or x.get_label_position() != "bottom" or getattr(x, "_autolabelpos", None) is not True
            or (label.get_text() and (label.get_va() != "top" or label.get_rotation() != 0 or x.labelpad < 0))
            or not _no_offset(x) or not _no_offset(ax.yaxis)):
        return False
    top = ax.get_window_extent(renderer).y1
    if any(t.get_position()[1] != 1.0 or (t.get_text() and t.get_window_extent(renderer).y0 < top)
           for t in titles):
        return False
    ax._autotitlepos = False
    return True


#: The line metrics of each font at each dpi, from the font's own tables (:func:`_font_heights`).
_FONT_HEIGHTS: dict = {}


def _font_heights(renderer, prop) -> tuple:
    """``(ascent, descent, line gap)`` in pixels of the font of ``prop`` at ``renderer.dpi``, as
    matplotlib's ``Text._get_layout`` computes them from the font's OS/2 or hhea table (the
    ``_get_font_height_metrics`` a backend may provide; Agg has none), computed once per font,
    size and dpi: matplotlib looked the font up and read both tables again for every text each
    time its extent was asked for (about 26,000 times in ten Gemeindeprofile, a tenth of their
    CPU). ``(None, None, None)`` where the font has neither table: matplotlib then measures.
    The key is ``FontProperties``' hash, which is its equality as well (``__eq__`` compares hashes).
    A text's figure and its renderer have the same dpi (``savefig`` sets the figure's own dpi
    while it draws), which matplotlib's computation uses."""
    key = (hash(prop), renderer.dpi)
    got = _FONT_HEIGHTS.get(key)
    if got is None:
        from matplotlib.font_manager import fontManager, get_font

        font = get_font(fontManager._find_fonts_by_props(prop))
        got = (None, None, None)
        for table_name, gap_key, ascent_key, descent_key in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                               ("hhea", "lineGap", "ascent", "descent")):
            table = font.get_sfnt_table(table_name)
            if table is None:
                continue
            scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * renderer.dpi / 72
            got = (table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale)
            break
        _FONT_HEIGHTS[key] = got
    return got


@functools.lru_cache(maxsize=None)
def cache_font_heights() -> bool:
    """Agg's renderers get :func:`_font_heights` as their ``_get_font_height_metrics``, where this
    matplotlib's ``Text._get_layout`` asks a renderer for it and Agg does not define it (matplotlib
    3.10 and later); called by :func:`_agg_canvas` (so by :func:`enforce` and the label thinning). The
    same numbers as matplotlib's own, so the same PNGs (``tests/test_figure_png.py``). Returns
    whether the hook is installed."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.text import Text

    if hasattr(RendererAgg, "_get_font_height_metrics") or "_get_font_height_metrics" not in Text._get_layout.__code__.co_names:
        return False
    RendererAgg._get_font_height_metrics = _font_heights
    return True


def _agg_canvas(fig):
    """``fig``'s canvas, an Agg canvas attached first where the figure has none that can measure
    text (a figure closed in pyplot keeps a bare ``FigureCanvasBase``).

    Attached before the first layout pass, so that every pass of :func:`enforce` and the tight
    box of :meth:`sozialanalyse.render.figures.Figure.png` measure with one renderer (one per
    figure size): matplotlib caches text extents per renderer, and without a canvas
    ``tight_layout`` asks a throwaway canvas for a renderer of its own, so each figure's text was
    measured once more (FreeType's ``set_text``, about 0,6 ms a string). The renderer is the same
    kind, size and dpi: the same extents, the same layout."""
    cache_font_heights()
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas


def _tight(fig) -> None:
    """``tight_layout`` without its warning: where it cannot make the margins fit it leaves the
    figure as drawn, and a warning printed into a notebook's output would be published on the page
    (the PNG's width is checked separately, :meth:`sozialanalyse.render.figures.Figure.png`)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()
