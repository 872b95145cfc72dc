"""Charts and maps for the report: German labels and number formats, deterministic output."""
from __future__ import annotations

import base64
import html as _html
import io
import re
import textwrap
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..model import names as _names
from ..model.areas import AGE_GROUPS
from ..model.district import District, totals
from ..stats.disclosure import settings
from . import figstyle, fmt

__all__ = ["Figure", "describe", "population_pyramid", "trend", "choropleth", "classify", "class_label", "locator_map", "no_idle_draw", "wrap", "PALETTE", "SEX_LABELS"]

#: Okabe-Ito colours (:mod:`sozialanalyse.render.figstyle`): men blue, women vermillion, the area
#: bluish green, the Kreis dark grey (apart from the green also under deuteranopia); further lines orange, reddish purple, sky blue.
PALETTE = {"m": "#0072B2", "w": "#D55E00", "area": "#009E73", "kreis": "#404040"}
LINE_COLORS = [PALETTE["area"], PALETTE["kreis"], "#E69F00", "#CC79A7", "#56B4E9"]
SEX_LABELS = {"m": "Männer", "w": "Frauen"}
NATIONALITY_LABELS = {"deutsch": "deutsch", "nichtdeutsch": "nichtdeutsch"}


def wrap(text, width: int = 32) -> str:
    """A name from the data for figure text: whitespace collapsed, lines of at most ``width``
    characters (a long name stays whole instead of pushing the axes out of the figure), without
    bidirectional control characters (:mod:`sozialanalyse.model.names`). Figure text is never
    mathtext (``text.parse_math`` is off, :func:`sozialanalyse.render.tables.setup`).

    >>> wrap("Samtgemeinde Obere Ilmenau-Luhe und Umgebung", 20)
    'Samtgemeinde Obere\\nIlmenau-Luhe und\\nUmgebung'
    >>> wrap("Nord\\u202eTSO")
    'NordTSO'
    """
    return "\n".join(textwrap.wrap(" ".join(_names.strip(str(text)).split()), width, break_long_words=True,
                                    break_on_hyphens=False)) or ""


def style(ax, grid: str | None = None):
    """The house style of a chart: no top and right spines, a light grid along ``grid``
    (``"x"`` or ``"y"``; default: ``"x"`` when the x axis has a label, else ``"y"``)."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=grid or ("x" if ax.get_xlabel() else "y"), color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def closed(fig, caption: str | None = None, alt: str | None = None, layout: bool = False):
    """``fig`` closed in pyplot and wrapped as a :class:`Figure` (house style enforced, a caption and
    an alternative text, both derived from the figure by :func:`describe` unless given): a
    notebook shows a returned figure exactly once."""
    if isinstance(fig, Figure):
        return fig
    plt.close(fig)
    return Figure(fig, caption=caption, alt=alt, layout=layout)


def finish(fig, caption: str | None = None, alt: str | None = None):
    """``fig`` laid out (``tight_layout``), closed and wrapped (:func:`closed`)."""
    return closed(fig, caption=caption, alt=alt, layout=True)


def note(ax, finding: str) -> None:
    """Record a main finding of the chart drawn on ``ax`` (a German sentence computed from the
    data) for the figure's alternative text (:func:`describe`)."""
    ax._sa_findings = [*getattr(ax, "_sa_findings", []), finding.strip()]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _title(fig) -> str:
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        return _one_line(sup.get_text())
    titles = [_one_line(a.get_title() or a.get_title(loc="left")) for a in fig.axes if a.get_visible()]
    titles = [t for t in titles if t]
    return "; ".join(dict.fromkeys(titles))


#: Labels of lines that are guides, not data: control limits, fitted lines, means, ranges. Their
#: first and last point are no finding (a funnel's limit runs over expected counts, not years).
GUIDE_WORDS = re.compile(r"Grenze|Gerade|Mittel|Spannweite|Intervall|Referenz|Trend", re.IGNORECASE)


def _years(xs) -> bool:
    """Whether the x values are years: integer-valued and within 1900..2100."""
    xs = np.asarray(xs, dtype=float)
    return bool(len(xs)) and bool(np.all(np.isclose(xs, np.round(xs)))) and bool(np.all((xs >= 1900) & (xs <= 2100)))


def _x_categories(ax) -> dict:
    """``{x position: label}`` of an axes whose x axis names categories (fixed tick labels that
    are not numbers), else empty."""
    from matplotlib.ticker import FixedLocator

    if not isinstance(ax.xaxis.get_major_locator(), FixedLocator):
        return {}
    labels = {round(float(t.get_position()[0]), 6): _one_line(t.get_text()) for t in ax.get_xticklabels()}
    # a single number is a value, not a category; a range such as an age band "0-4" names one
    return {x: t for x, t in labels.items() if t and not re.fullmatch(r"[−-]?[\d.,\s]+%?", t)}


def _series(ax):
    """``(label, xs, ys)`` of the labelled data lines and vertical bars of ``ax`` (an axes with one
    unlabelled line: that line, named by the axes' title); lines whose label names a guide
    (:data:`GUIDE_WORDS`) and an error bar's caps are left out."""
    from matplotlib.container import BarContainer, ErrorbarContainer

    caps = {id(c) for ec in ax.containers if isinstance(ec, ErrorbarContainer) for c in ec.lines[1]}
    lines = [ln for ln in ax.get_lines() if len(np.atleast_1d(ln.get_xdata())) > 1 and id(ln) not in caps
             and ln.get_transform().contains_branch(ax.transData)]  # not axhline / axvline
    for line in lines:
        label = line.get_label()
        if label.startswith("_"):
            if len(lines) > 1:
                continue
            label = ""
        if GUIDE_WORDS.search(label):
            continue
        yield label, np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)
    for c in ax.containers:
        label = c.get_label() or ""
        if not isinstance(c, BarContainer) or label.startswith("_") or not label or c.orientation != "vertical":
            continue
        xs = np.array([r.get_x() + r.get_width() / 2 for r in c.patches], dtype=float)
        ys = np.array([r.get_height() + 0.0 for r in c.patches], dtype=float)
        yield label, np.round(xs), ys


def _lines(ax, prefix: str = "") -> list[str]:
    """``Name: von a (2015) auf b (2024)`` for every labelled line or bar series of ``ax`` over
    years; over categories (an x axis with tick labels) ``Name: höchster Wert a (Kategorie),
    niedrigster b (Kategorie)``; nothing for any other x (a rank, an expected count: their first
    and last point are no finding). Values in the axis's format, with its unit when the axis label
    is a short unit such as "%"."""
    out = []
    yf = ax.yaxis.get_major_formatter()
    unit = ax.get_ylabel().strip()
    unit = f" {unit}" if unit and len(unit) <= 10 else ""
    cats = _x_categories(ax)
    keys = np.array(sorted(cats))
    for label, xs, ys in _series(ax):
        ok = np.isfinite(xs) & np.isfinite(ys)
        if ok.sum() < 2:
            continue
        xs, ys = xs[ok], ys[ok]
        name = " – ".join(p for p in (prefix, _one_line(label)) if p)
        head = f"{name}: " if name else ""
        if _years(xs):
            a, b = yf(ys[0], 0) + unit, yf(ys[-1], 0) + unit
            out.append(f"{head}von {a} ({int(round(xs[0]))}) auf {b} ({int(round(xs[-1]))})")
        elif len(keys):
            cat = lambda x: cats[keys[np.abs(keys - x).argmin()]]  # noqa: E731
            hi, lo = int(np.argmax(ys)), int(np.argmin(ys))
            out.append(f"{head}höchster Wert {yf(ys[hi], 0)}{unit} ({cat(xs[hi])}), "
                       f"niedrigster {yf(ys[lo], 0)}{unit} ({cat(xs[lo])})")
    return out


def _categories(ax) -> dict:
    """``{y position: label}`` of an axes whose y axis names categories (a dot or bar chart of
    areas), else empty."""
    from matplotlib.ticker import FixedLocator

    if not isinstance(ax.yaxis.get_major_locator(), FixedLocator):
        return {}
    labels = {round(float(t.get_position()[1]), 6): _one_line(t.get_text()) for t in ax.get_yticklabels()}
    return {y: t for y, t in labels.items() if t and not re.fullmatch(r"[\d.,\s%−-]+", t)}


def _points(ax, prefix: str = "") -> list[str]:
    """The highest and the lowest point of a horizontal dot chart of categories, in the axis's
    format: ``höchster Wert: Name (12,5), niedrigster: Name (3,1)``."""
    cats = _categories(ax)
    ys = np.array(sorted(cats))
    from matplotlib.collections import PathCollection
    from matplotlib.container import ErrorbarContainer

    caps = {id(c) for ec in ax.containers if isinstance(ec, ErrorbarContainer) for c in ec.lines[1]}
    pts = []
    for ln in ax.get_lines():  # the points themselves: markers, never an error bar's caps or a guide
        if (ln.get_transform().contains_branch(ax.transData) and id(ln) not in caps
                and ln.get_marker() not in (None, "", "None", " ") and not GUIDE_WORDS.search(ln.get_label())):
            pts += list(zip(np.asarray(ln.get_xdata(), dtype=float), np.asarray(ln.get_ydata(), dtype=float)))
    for c in ax.collections:
        if not isinstance(c, PathCollection):  # scatter points; not error bars or spans
            continue
        off = np.asarray(c.get_offsets(), dtype=float)
        if off.ndim == 2 and off.shape[1] == 2 and len(off) <= 500:
            pts += [tuple(p) for p in off]
    pts = [(x, y) for x, y in pts if np.isfinite(x) and np.isfinite(y)]
    if not pts or not len(ys):
        return []
    name = lambda y: cats[ys[np.abs(ys - y).argmin()]]  # noqa: E731
    xf = ax.xaxis.get_major_formatter()
    hi, lo = max(pts), min(pts)
    head = f"{prefix}: " if prefix else ""
    return [f"{head}höchster Wert {name(hi[1])} ({xf(hi[0], 0)}), niedrigster {name(lo[1])} ({xf(lo[0], 0)})"]


def describe(fig) -> tuple[str, str]:
    """The caption and the alternative text of ``fig``, from the figure itself: the caption is its
    title (the figure's or its charts'), the alternative text names the kind of chart and its
    findings: those recorded with :func:`note` and, for line charts, each labelled line's first
    and last value (formatted as its axis).

    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([2015, 2024], [10.0, 12.5], label="Musterstadt")
    >>> ax.yaxis.set_major_formatter(fmt.axis_formatter(1, None))
    >>> _ = ax.set_title("SGB-II-Quote")
    >>> describe(fig)
    ('SGB-II-Quote', 'Diagramm: SGB-II-Quote. Musterstadt: von 10,0 (2015) auf 12,5 (2024).')
    >>> plt.close(fig)
    """
    title = _title(fig)
    findings = []
    for ax in fig.axes:
        findings += getattr(ax, "_sa_findings", [])
    if not findings:
        shown = [a for a in fig.axes if a.get_visible() and a.axison]
        for ax in shown:
            prefix = _one_line(ax.get_title()) if len(shown) > 1 else ""
            findings += _points(ax, prefix) if _categories(ax) else _lines(ax, prefix)
    findings = list(dict.fromkeys(f.rstrip(".") for f in findings if f))
    maps = [not a.axison and a.get_aspect() == 1.0 for a in fig.axes if a.get_visible()]
    kind = "Karte" if maps and all(maps) else "Karte und Diagramm" if any(maps) else "Diagramm"
    alt = f"{kind}: {title}." + ("" if not findings else " " + ". ".join(findings[:8]) + ".")
    return title, alt


class Figure:
    """A matplotlib figure of the report with a caption and an alternative text.

    In a notebook it is shown as ``<figure class="sa-figure">`` holding the PNG (inline, at
    :data:`~sozialanalyse.render.figstyle.DPI`, without a date in its metadata: the build is
    deterministic), its ``alt`` text and a ``<figcaption>``; ``data-sa-min-font-pt`` and
    ``data-sa-dpi`` let a browser test compute the rendered size of the smallest text
    (``tests/browser/figure_text.py``). The mime bundle holds that HTML and a ``text/plain``
    line, not the PNG a second time as ``image/png``: the HTML already carries it, and myst-nb
    (HTML first, ``sozialanalyse.build.verify.RENDER_PRIORITY``), Jupyter and the build's PDFs
    (printed from the HTML pages) show the HTML, so a second copy only doubled every executed
    notebook and the site's ``_sources`` (issue #19). There is no ``_repr_png_`` either:
    IPython adds the output of every ``_repr_*_`` a bundle lacks. :meth:`png` gives the PNG.
    Attributes not defined here are the matplotlib figure's (``.axes``, …).

    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.plot([2020, 2021], [1, 2], label="A")
    >>> f = Figure(fig, caption="Test", alt="Diagramm: Test")
    >>> html = f._repr_html_()
    >>> html.startswith('<figure class="sa-figure"'), 'alt="Diagramm: Test"' in html, len(f.axes)
    (True, True, 1)
    >>> f.min_font_pt >= figstyle.MIN_PT
    True
    """

    def __init__(self, fig, caption: str | None = None, alt: str | None = None, layout: bool = True):
        self._layout = layout
        self.figure = figstyle.enforce(fig, layout=layout)
        auto_caption, auto_alt = describe(fig)
        # reader text: the typography of every page (no-break space before % and units, true minus)
        self.caption = fmt.typography(_one_line(_names.strip(caption if caption is not None else auto_caption)))
        self.alt = fmt.typography(_one_line(_names.strip(alt if alt is not None else auto_alt)))
        self._png = None

    def __getattr__(self, name):
        # the matplotlib figure's attributes (also ``_suptitle``), but never a display hook of it:
        # a notebook shows this object's own bundle
        if name.startswith(("_repr", "_ipython", "__")) or "figure" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["figure"], name)

    def __repr__(self) -> str:
        return f"Abbildung: {self.caption}"

    @property
    def min_font_pt(self) -> float:
        """The smallest text size of the figure in points."""
        return min((t.get_fontsize() for t in figstyle.texts(self.figure)), default=figstyle.MIN_PT)

    def png(self) -> bytes:
        """The PNG (``bbox_inches="tight"``): a figure whose text reaches out of it so far that the
        PNG is wider than :data:`~sozialanalyse.render.figstyle.MAX_WIDTH_IN` is narrowed first.

        The tight box is computed here, once per width, the way ``savefig`` computes it, and given
        to ``savefig``: a too-wide figure is narrowed before its PNG is drawn rather than after
        (one PNG per figure), and ``savefig`` skips its own layout pass (the same bytes,
        ``benchmarks/profile_pages.py --compare``). The pixels are drawn by ``savefig`` and encoded
        by :func:`_encode_png` (RGB where the figure is opaque, zlib level :data:`PNG_COMPRESS_LEVEL`):
        the same pixels as matplotlib's PNG in a smaller file, encoded in about two thirds of the time
        (the chart of ``tests/test_figure_png.py``: 18,5 -> 12,0 ms, 40,4 -> 39,1 kB; drawing dominates, the whole
        PNG 122 -> 114 ms)."""
        if self._png is None:
            fig = self.figure
            for attempt in range(3):
                box = _tight_box(fig)
                if box is None:  # a figure this shortcut does not cover: savefig finds its box
                    return self._png_saved()
                width_in = int(box.width * figstyle.DPI) / figstyle.DPI  # the PNG's width (whole pixels)
                if width_in <= figstyle.MAX_WIDTH_IN * 1.02 or attempt == 2:
                    break
                self._narrow(width_in)
            engine = fig.get_layout_engine()  # None or tight_layout's place holder (_tight_box)
            if engine is not None:  # laid out already: no layout pass before the PNG's draw
                with plt.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                    fig.set_layout_engine(None)
            try:
                drawn = _Pixels()
                fig.savefig(drawn, format="rgba", dpi=figstyle.DPI, bbox_inches=box)
            finally:
                if engine is not None:
                    fig.set_layout_engine(engine)
            self._png = _encode_png(drawn.pixels)
        return self._png

    def _png_saved(self) -> bytes:
        """The PNG by ``savefig(bbox_inches="tight")`` alone (saved again after narrowing), encoded
        by matplotlib (RGBA, zlib level 6): the box is not known beforehand here."""
        for _ in range(3):
            buf = io.BytesIO()
            self.figure.savefig(buf, format="png", dpi=figstyle.DPI, bbox_inches="tight",
                                metadata={"Software": None})
            width_in = _png_size(buf.getvalue())[0] / figstyle.DPI
            if width_in <= figstyle.MAX_WIDTH_IN * 1.02:
                break
            self._narrow(width_in)
        self._png = buf.getvalue()
        return self._png

    def _narrow(self, width_in: float) -> None:
        """The figure narrowed by what its PNG of ``width_in`` inches is too wide, laid out again."""
        w, h = self.figure.get_size_inches()
        self.figure.set_size_inches(max(2.0, w - (width_in - figstyle.MAX_WIDTH_IN) - 0.05), h)
        figstyle.enforce(self.figure, layout=self._layout)  # tick labels thinned for the new width

    @property
    def size_px(self) -> tuple[int, int]:
        """Width and height of the PNG in pixels."""
        return _png_size(self.png())

    def _repr_html_(self) -> str:
        w, h = self.size_px
        data = base64.b64encode(self.png()).decode("ascii")
        q = lambda s: _html.escape(s, quote=True)  # noqa: E731
        return (f'<figure class="sa-figure" data-sa-min-font-pt="{self.min_font_pt:g}" data-sa-dpi="{figstyle.DPI}">'
                f'<img src="data:image/png;base64,{data}" alt="{q(self.alt)}" width="{w}" height="{h}">'
                f'<figcaption>{q(self.caption)}</figcaption></figure>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        # the PNG once, inside the HTML (see the class docstring)
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}


def _tight_box(fig):
    """The box ``fig.savefig(bbox_inches="tight", dpi=DPI)`` saves (the figure's tight box padded
    by ``savefig.pad_inches``), or None where this does not hold for certain: a figure at another
    dpi than :data:`~sozialanalyse.render.figstyle.DPI` (its text is measured at that dpi), an
    axes placed by a locator, a layout engine that lays the figure out at the save."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    if (fig.dpi != figstyle.DPI or not hasattr(fig.canvas, "get_renderer")
            or any(ax.get_axes_locator() is not None for ax in fig.axes)
            or not (engine is None or isinstance(engine, PlaceHolderLayoutEngine))):
        return None
    pad = plt.rcParams["savefig.pad_inches"]
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(pad, pad)


#: zlib level of the figures' PNGs: 3 instead of Pillow's 6 encodes the report's charts (wide flat
#: areas, anti-aliased lines and text) in about 60 % of the time for files under 1 % larger
#: (47 Musterland figures, RGB: 42 -> 25 ms, 99,5 -> 99,9 KiB). The pixels are the same at any level.
PNG_COMPRESS_LEVEL = 3


class _Pixels(io.RawIOBase):
    """Where ``savefig(format="rgba")`` writes: the drawn image as an array (height, width, 4).
    Agg's ``print_raw`` writes its renderer's buffer, a memoryview of that shape, in one call;
    its shape is the image's size as matplotlib computed it (no size recomputed here)."""

    def __init__(self):
        super().__init__()
        self.pixels = None

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        px = np.array(data, dtype=np.uint8)  # a copy: the renderer reuses its buffer
        if self.pixels is not None or px.ndim != 3 or px.shape[2] != 4:
            raise ValueError("savefig(format='rgba') wrote something else than one (height, width, 4) image")
        self.pixels = px
        return px.nbytes


def _encode_png(px: np.ndarray) -> bytes:
    """A PNG of the RGBA pixels ``px`` (height, width, 4; rows from the top, as
    ``savefig(format="rgba")`` draws them): RGB where every pixel is opaque (a figure on its
    white face: the alpha channel is 255 throughout and only made the file larger and slower to
    compress), else RGBA; at :data:`~sozialanalyse.render.figstyle.DPI` (``pHYs``, as matplotlib
    writes it), without text chunks or a date, zlib level :data:`PNG_COMPRESS_LEVEL`.
    Deterministic: the same pixels give the same bytes.

    >>> px = np.array([[[255, 255, 255, 255], [0, 114, 178, 255]]], dtype=np.uint8)  # white, blue
    >>> png = _encode_png(px)
    >>> _png_size(png), png[25]  # colour type 2: RGB
    ((2, 1), 2)
    >>> px[0, 1, 3] = 128  # a translucent pixel: RGBA (colour type 6)
    >>> _encode_png(px)[25]
    6
    """
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(px[..., :3]) if (px[..., 3] == 255).all() else px)
    buf = io.BytesIO()
    img.save(buf, format="png", dpi=(figstyle.DPI, figstyle.DPI), compress_level=PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def pyramid_finding(t: pd.DataFrame, name: str, year: int) -> str:
    """The main finding of a population pyramid for its alternative text, from its published
    counts ``t`` (``age_group, sex, value``; NaN: not published, left out of every sum and named).

    >>> t = pd.DataFrame({"age_group": ["0-4", "0-4", "80-84", "80-84"], "sex": ["m", "w", "m", "w"],
    ...                   "value": [100.0, 90.0, 20.0, 40.0]})
    >>> pyramid_finding(t, "Musterstadt", 2024)
    'Musterstadt, 31.12.2024: 250 Einwohnerinnen und Einwohner, davon 60 (24,0 %) 80 Jahre und älter, unter ihnen 40 Frauen und 20 Männer; am stärksten besetzt ist die Altersgruppe 0 bis 4 Jahre'
    """
    v = t.dropna(subset=["value"])
    old = t[t["age_group"].isin(["80-84", "85-89", "90+"])]
    text = f"{_names.strip(name)}, 31.12.{year}"
    # a sum is stated only over published cells: a suppressed cell is never part of a number here
    if t["value"].notna().all() and float(v["value"].sum()) > 0:
        total = float(v["value"].sum())
        by_sex = old.groupby("sex")["value"].sum()
        text += (f": {fmt.num(total)} Einwohnerinnen und Einwohner, davon {fmt.num(old['value'].sum())} "
                 f"({fmt.num(100 * old['value'].sum() / total, 1)} %) 80 Jahre und älter, unter ihnen "
                 f"{fmt.num(by_sex.get('w', 0))} Frauen und {fmt.num(by_sex.get('m', 0))} Männer")
    elif old["value"].notna().all():
        by_sex = old.groupby("sex")["value"].sum()
        text += (f": 80 Jahre und älter sind {fmt.num(by_sex.get('w', 0))} Frauen und "
                 f"{fmt.num(by_sex.get('m', 0))} Männer")
    bands = t.groupby("age_group", sort=False)["value"].agg(lambda x: x.sum() if x.notna().all() else np.nan).dropna()
    if len(bands):
        top = str(bands.idxmax()).replace("-", " bis ").replace("+", " und älter")
        text += f"; am stärksten besetzt ist die Altersgruppe {top} Jahre"
    if t["value"].isna().any():
        text += "; einzelne Felder sind aus Gründen der Geheimhaltung nicht dargestellt"
    return text


def population_pyramid(district: District, area_id: str, year: int, ax=None):
    """Population pyramid by five-year age band, sex and nationality (deutsch / nichtdeutsch)."""
    t = totals(district, area_id, "einwohner", by=["age_group", "sex", "nationality"], years=[year])
    if t.empty:
        raise ValueError(f"no population for area {area_id!r} in {year}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.2))
    if t["value"].isna().any():  # rows absent in a base area (District.gaps): no pyramid of a part
        ax.text(0.5, 0.5, f"Bevölkerung {year}: fehlt\n(Eingangsdaten unvollständig)", ha="center", va="center",
                transform=ax.transAxes, fontsize=10, color="#555555")
        ax.set_axis_off()
        ax.set_title(f"Bevölkerung nach Alter, Geschlecht und Staatsangehörigkeit, 31.12.{year}", fontsize=10)
        return ax
    wide = t.pivot_table(index="age_group", columns=["sex", "nationality"], values="value",
                         aggfunc="sum", fill_value=0).reindex(AGE_GROUPS, fill_value=0)

    threshold = settings(district.config).threshold
    y = np.arange(len(AGE_GROUPS))
    hidden = 0
    for sex, sign in (("m", -1), ("w", 1)):
        de = wide.get((sex, "deutsch"), pd.Series(0, index=wide.index)).to_numpy(dtype=float)
        nd = wide.get((sex, "nichtdeutsch"), pd.Series(0, index=wide.index)).to_numpy(dtype=float)
        # Disclosure control: a bar must not show a count from 1 to threshold-1. Where one part of
        # the nationality split is that small, only the band's total is drawn (grey); where the total
        # itself is that small, nothing is drawn.
        total = de + nd
        small_part = ((de > 0) & (de < threshold)) | ((nd > 0) & (nd < threshold))
        merged = small_part & (total >= threshold)
        gone = (total > 0) & (total < threshold)
        hidden += int(merged.sum() + gone.sum())
        de = np.where(merged | gone, 0, de)
        nd = np.where(merged | gone, 0, nd)
        ax.barh(y, sign * de, color=PALETTE[sex], height=0.85, label=f"{SEX_LABELS[sex]}, deutsch")
        ax.barh(y, sign * nd, left=sign * de, color=PALETTE[sex], alpha=0.45, height=0.85,
                label=f"{SEX_LABELS[sex]}, nichtdeutsch")
        if merged.any():
            ax.barh(y, sign * np.where(merged, total, 0), color="#9a9a9a", height=0.85,
                    label="zusammen (Aufteilung gesperrt)" if sex == "m" else None)
    if hidden:
        ax.annotate(f"Aus Gründen der Geheimhaltung sind Werte unter {threshold} nicht dargestellt.",
                    (0.0, -0.16), xycoords="axes fraction", fontsize=7, color="#555555")
    ax.set_yticks(y, AGE_GROUPS)
    lim = float(np.abs(ax.get_xlim()).max())
    ax.set_xlim(-lim, lim)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: fmt.num(abs(v))))
    ax.set_xlabel("Einwohnerinnen und Einwohner")
    ax.set_ylabel("Altersgruppe (Jahre)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)  # above the bars
    ax.set_title(f"Bevölkerung nach Alter, Geschlecht und Staatsangehörigkeit, 31.12.{year}", pad=40, wrap=True)
    style(ax)
    shown = t.groupby(["age_group", "sex"], as_index=False)["value"].sum()
    note(ax, pyramid_finding(shown, district.name_of(area_id), year))
    return ax


def trend(data: pd.DataFrame, x: str, y: str, hue: str | None = None, ax=None, ylabel: str = "",
          decimals: int = 0, unit: str | None = None, title: str | None = None, low: str | None = None,
          high: str | None = None):
    """Line chart over years; one line per ``hue`` value, optional interval band ``low``/``high``."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=False))
    colors = LINE_COLORS
    markers = ["o", "s", "^", "D", "v"]  # lines differ by marker as well as colour
    for i, (label, g) in enumerate(groups):
        g = g.sort_values(x)
        color = colors[i % len(colors)]
        ax.plot(g[x], g[y], marker=markers[i % len(markers)], markersize=4, color=color,
                label=None if label is None else wrap(label))
        if low and high:
            ax.fill_between(g[x], g[low], g[high], color=color, alpha=0.15, linewidth=0)
    ax.yaxis.set_major_formatter(fmt.axis_formatter(decimals, None))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_ylabel(ylabel + (f" ({unit})" if unit else ""))
    if hue is not None:  # below the chart, never on the lines
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=min(3, len(groups)))
    if title:
        ax.set_title(_names.strip(title), wrap=True)  # titles name areas: never reordered
    style(ax)
    return ax


def classify(values, k: int = 5, scheme: str = "Quantiles", cmap: str = "YlOrRd"):
    """Classes of a choropleth (mapclassify ``scheme`` with at most ``k`` classes, fewer when
    there are fewer distinct values), shared by the static map (:func:`choropleth`) and the
    interactive one (:mod:`sozialanalyse.render.maps`), so both show the same classes.

    Returns ``(cls, colors, bounds)``: the class of each value (a Series, ``-1`` for a missing
    value), one colour (hex) per class and each class's ``(lower, upper)`` bound (the lowest
    class starts at the minimum; mapclassify's classes are ``lower < x <= upper``).

    >>> cls, colors, bounds = classify(pd.Series([1.0, 2.0, 3.0, 4.0, None]), k=2)
    >>> cls.tolist(), bounds
    ([0, 0, 1, 1, -1], [(1.0, 2.5), (2.5, 4.0)])
    """
    import mapclassify  # mapclassify: heavy, loaded on first classified map
    from matplotlib.colors import to_hex

    values = pd.Series(values, dtype=float)
    valid = values.notna()
    cls = pd.Series(-1, index=values.index)
    if not valid.any():
        return cls, [], []
    k = max(1, min(k, int(values[valid].nunique())))
    classifier = mapclassify.classify(values[valid].to_numpy(), scheme=scheme, k=k)
    colors = [to_hex(c) for c in plt.get_cmap(cmap)(np.linspace(0.15, 0.9, len(classifier.bins)))]
    cls[valid] = classifier.yb
    lower = [float(values[valid].min()), *map(float, classifier.bins[:-1])]
    return cls, colors, list(zip(lower, map(float, classifier.bins)))


def class_label(lo: float, hi: float, decimals: int = 1, unit: str | None = None) -> str:
    """Legend text of a class: ``2,5 bis 4,0 %`` (no-break space before the unit, :mod:`fmt`).

    >>> class_label(2.5, 4.0, 1, "%").replace(fmt.NBSP, "_")
    '2,5 bis 4,0_%'
    """
    return f"{fmt.num(lo, decimals)} bis {fmt.num(hi, decimals)}" + (f"{fmt.NBSP}{unit}" if unit else "")


def choropleth(gdf, column: str, ax=None, k: int = 5, scheme: str = "Quantiles", decimals: int = 1,
               unit: str | None = None, cmap: str = "YlOrRd", title: str | None = None, labels: str | None = None,
               legend_title: str | None = None, extra_handles: list | None = None,
               missing_label: str = "keine Angabe"):
    """Choropleth map with a mapclassify scheme and a German legend; missing values hatched grey
    (legend entry ``missing_label``, e.g. "keine Angabe / gesperrt" when values are suppressed)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    values = gdf[column].astype(float)
    valid = values.notna()
    cls, colors, bounds = classify(values, k=k, scheme=scheme, cmap=cmap)
    for i, color in enumerate(colors):
        part = gdf[cls == i]
        if len(part):
            part.plot(ax=ax, color=color, edgecolor="white", linewidth=0.6)
    if (~valid).any():
        gdf[~valid].plot(ax=ax, color="#eeeeee", edgecolor="white", hatch="///", linewidth=0.6)
    handles = [Patch(color=c, label=class_label(lo, hi, decimals, unit)) for c, (lo, hi) in zip(colors, bounds)]
    if (~valid).any():
        handles.append(Patch(facecolor="#eeeeee", hatch="///", label=missing_label))
    handles += list(extra_handles or [])
    # the legend under the map, never on it (at a phone's width there is no room beside it)
    ax.legend(handles=handles, title=legend_title, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2,
              frameon=False)
    if labels:
        from matplotlib import patheffects

        fills = {i: c for i, c in enumerate(colors)}
        for idx, row in gdf.iterrows():
            p = row.geometry.representative_point()
            # the label's colour against its fill, with a halo of the other colour: never dark on dark red
            fill = fills.get(int(cls.loc[idx]), "#eeeeee")
            color = figstyle.text_color_on(fill)
            halo = "#1a1a1a" if color == "#ffffff" else "#ffffff"
            ax.annotate(wrap(row[labels], 24), (p.x, p.y), ha="center", va="center", fontsize=figstyle.MIN_PT,
                        color=color, path_effects=[patheffects.withStroke(linewidth=2, foreground=halo)])
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        ax.set_title(_names.strip(title), wrap=True)  # titles name areas: never reordered
    name_col = labels or next((c for c in ("name", "label", "Gebiet") if c in gdf.columns), None)
    if name_col is not None and valid.any():
        hi, lo = values[valid].idxmax(), values[valid].idxmin()
        v = lambda i: fmt.num(float(values.loc[i]), decimals) + (f" {unit}" if unit else "")  # noqa: E731
        note(ax, f"{legend_title + ': ' if legend_title else ''}höchster Wert {_names.strip(str(gdf.loc[hi, name_col]))} "
                 f"({v(hi)}), niedrigster {_names.strip(str(gdf.loc[lo, name_col]))} ({v(lo)})"
                 + (f"; {int((~valid).sum())} Gebiete ohne Wert" if (~valid).any() else ""))
    return ax


@contextmanager
def no_idle_draw(ax):
    """Within: ``canvas.draw_idle()`` of ``ax``'s figure does nothing. GeoPandas' ``plot`` ends
    with it, and on a non-interactive canvas that rasterises the whole figure at once, for
    nothing: the figure is drawn when it is saved (:meth:`Figure.png`). A profile's maps cost a
    seventh of what they did; the PNG is the same."""
    canvas = ax.figure.canvas
    was = canvas._is_idle_drawing
    canvas._is_idle_drawing = True
    try:
        yield ax
    finally:
        canvas._is_idle_drawing = was


def locator_map(district: District, area_id: str, ax=None):
    """The district's municipalities in grey with ``area_id`` highlighted."""
    geo = district.geometry
    munis = geo[geo["kind"].isin(["Stadt", "Einheitsgemeinde", "Samtgemeinde"])]
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2))
    with no_idle_draw(ax):
        munis.plot(ax=ax, color="#e4e4e4", edgecolor="white", linewidth=0.8)
        geo[geo["area_id"] == area_id].plot(ax=ax, color=PALETTE["area"], edgecolor="white", linewidth=0.8)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(wrap(f"Lage im {district.name}", 22))
    note(ax, f"Lage von {_names.strip(district.name_of(area_id))} im Gebiet {_names.strip(district.name)} "
             "(hervorgehoben)")
    return ax
