"""``Figure.png`` computes the tight box itself (issue #19): its PNG has pixel for pixel the image
matplotlib's own ``savefig(bbox_inches="tight")`` writes of the same figure (encoded as RGB at a
lower zlib level: a smaller file, written faster), and a figure whose text makes the PNG wider
than ``MAX_WIDTH_IN`` is narrowed before its one PNG is drawn."""
from __future__ import annotations

import io

import matplotlib
import numpy as np
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from sozialanalyse.render import figstyle, figures  # noqa: E402


def _tight_png(fig) -> bytes:
    """The reference: matplotlib finds the box itself."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=figstyle.DPI, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _pixels(png: bytes) -> np.ndarray:
    """The decoded image as RGBA (an RGB PNG is opaque: alpha 255)."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _same_pixels(a: bytes, b: bytes) -> bool:
    pa, pb = _pixels(a), _pixels(b)
    return pa.shape == pb.shape and bool(np.array_equal(pa, pb))


def _chunks(png: bytes) -> list[str]:
    """The chunk types of a PNG, in order."""
    out, i = [], 8
    while i < len(png):
        n = int.from_bytes(png[i:i + 4], "big")
        out.append(png[i + 4:i + 8].decode("ascii"))
        i += 12 + n
    return out


def _chart(dpi: float, note: str | None = None):
    fig, (a, b) = plt.subplots(1, 2, figsize=(6.0, 3.0), dpi=dpi)
    a.plot([2019, 2020, 2021, 2022], [1200, 1250, 1240, 1300])
    a.set_title("Bevölkerung am 31.12.")
    b.bar([2020, 2021], [-5, 12], label="Saldo")
    b.set_title("Wanderungen", fontsize=10)
    b.legend(frameon=False)
    if note:  # figure text that tight_layout does not see: it reaches out of the figure
        fig.text(0.45, 0.5, note, fontsize=9)
    return fig


@pytest.mark.parametrize("dpi", [figstyle.DPI, 100])
def test_png_is_matplotlibs_tight_png(dpi):
    f = figures.finish(_chart(dpi))
    # at the house dpi the box is computed here; at another dpi savefig finds it (text is measured at the figure's dpi)
    assert (figures._tight_box(f.figure) is not None) == (dpi == figstyle.DPI)
    png = f.png()
    ref = _tight_png(f.figure)
    if dpi == figstyle.DPI:  # drawn by savefig, encoded here: the same pixels in a smaller RGB file
        assert _same_pixels(png, ref) and png != ref
        assert Image.open(io.BytesIO(png)).mode == "RGB" and len(png) < len(ref)
    else:  # savefig's own PNG
        assert png == ref
    assert figures._png_size(png)[0] <= figstyle.MAX_WIDTH_IN * 1.02 * figstyle.DPI
    plt.close("all")


def test_png_keeps_matplotlibs_metadata_and_is_deterministic():
    """No text chunk (no "Software"), no date; the resolution chunk as matplotlib writes it; the
    same figure gives the same bytes (the build's verify compares re-executed notebooks)."""
    f = figures.finish(_chart(figstyle.DPI))
    png, ref = f.png(), _tight_png(f.figure)
    assert _chunks(png) == ["IHDR", "pHYs", "IDAT", "IEND"]
    assert [c for c in _chunks(ref) if c != "IDAT"] == ["IHDR", "pHYs", "IEND"]
    phys = png.index(b"pHYs")
    assert png[phys:phys + 13] == ref[ref.index(b"pHYs"):ref.index(b"pHYs") + 13]  # 150 dpi in pixels per metre
    again = figures.finish(_chart(figstyle.DPI)).png()
    assert again == png
    plt.close("all")


def test_translucent_png_keeps_its_alpha():
    """A figure that is not opaque everywhere (a transparent face) is written with its alpha
    channel, pixel for pixel as matplotlib writes it."""
    fig = _chart(figstyle.DPI)
    fig.patch.set_alpha(0.0)
    for ax in fig.axes:
        ax.patch.set_alpha(0.5)
    f = figures.finish(fig)
    png = f.png()
    assert Image.open(io.BytesIO(png)).mode == "RGBA"
    assert _same_pixels(png, _tight_png(f.figure))
    assert _pixels(png)[..., 3].min() < 255
    plt.close("all")


def test_too_wide_figure_is_narrowed_before_its_one_png():
    fig = _chart(figstyle.DPI, note="Lücken: Wert aus Gründen der Geheimhaltung gesperrt, sehr lang.")
    f = figures.finish(fig)
    # before: the text ends beyond 6,5 in, so the tight PNG would be too wide
    assert figures._png_size(_tight_png(f.figure))[0] > figstyle.MAX_WIDTH_IN * 1.02 * figstyle.DPI
    saves = []
    real = f.figure.savefig
    f.figure.savefig = lambda *a, **k: (saves.append(k.get("bbox_inches")), real(*a, **k))[1]
    png = f.png()
    del f.figure.savefig
    assert len(saves) == 1 and saves[0] != "tight"  # one PNG drawn, with the box computed beforehand
    assert f.figure.get_size_inches()[0] < 6.0  # narrowed
    w = figures._png_size(png)[0]
    assert w <= figstyle.MAX_WIDTH_IN * 1.02 * figstyle.DPI  # 994 px
    assert _same_pixels(png, _tight_png(f.figure))  # and it is the image matplotlib writes of the narrowed figure
    plt.close("all")


def _drawn_crowded(fig) -> list[bool]:
    """Whether x tick labels touch, measured after a real draw (the reference)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return [figstyle.crowded(ax, r) for ax in fig.axes if ax.axison]


def test_year_and_category_labels_are_thinned_without_a_draw():
    # 41 yearly labels on 3 in (about 0,07 in per label), 12 long category names on 3 in
    fig, (a, b) = plt.subplots(1, 2, figsize=(6.5, 2.5), dpi=figstyle.DPI)
    years = list(range(1980, 2021))
    a.plot(years, range(len(years)))
    a.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(1))
    names = [f"Gemeinde Nummer {i}" for i in range(12)]
    b.bar(range(12), range(12))
    b.set_xticks(range(12), names)
    assert _drawn_crowded(fig) == [True, True]  # crowded as made
    f = figures.finish(fig)
    assert _drawn_crowded(f.figure) == [False, False]
    assert all(t.get_rotation() == 45 for t in b.get_xticklabels())
    assert 1 < len([t for t in a.get_xticklabels() if t.get_visible()]) < 41
    plt.close("all")


def test_labels_of_an_equal_aspect_axes_are_measured_where_they_are_drawn():
    """The thinning measures tick labels without a draw: an axes of equal aspect is shrunk by its
    draw, so its labels are measured after the aspect is applied, as the draw places them."""
    fig, ax = plt.subplots(figsize=(6.5, 2.5), dpi=figstyle.DPI)
    ax.plot([0, 10000], [0, 4000])
    ax.set_aspect("equal")
    fig.tight_layout()
    r = fig.canvas.get_renderer()
    unplaced = [t.get_window_extent(r).x0 for t in ax.get_xticklabels()]
    ax.apply_aspect()
    placed = [t.get_window_extent(r).x0 for t in ax.get_xticklabels()]
    fig.canvas.draw()
    drawn = [t.get_window_extent(r).x0 for t in ax.get_xticklabels()]
    assert placed == drawn and unplaced != drawn
    plt.close(fig)


@pytest.mark.parametrize("engine", ["tight", "constrained"])
def test_labels_are_measured_after_the_layout_the_png_draw_makes(engine):
    """A figure whose layout engine lays it out at each draw, wrapped without ``layout``
    (``closed``): a three-line y label of 60 pt leaves the axes about 3 in of the 6,5 in, where
    ten yearly labels (about 0,4 in each with their gap) touch, while at the 5 in of the axes
    before the layout they do not. Measured before that layout, the labels were left as they are
    and touched in the PNG."""
    fig, ax = plt.subplots(figsize=(6.5, 2.5), dpi=figstyle.DPI, layout=engine)
    years = list(range(2015, 2025))
    ax.plot(years, range(len(years)))
    ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(1))
    ax.set_ylabel("Ein\nlanger\nTitel", fontsize=60)
    assert not figstyle.crowded(ax, fig.canvas.get_renderer())  # before the layout: room enough
    f = figures.closed(fig)
    f.png()
    f.figure.savefig(io.BytesIO(), format="png", dpi=figstyle.DPI)  # drawn as in the PNG
    assert ax.get_position().width * 6.5 < 3.3  # the layout narrowed the axes
    assert not figstyle.crowded(ax, f.figure.canvas.get_renderer())
    assert 1 < len([t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]) < 10
    plt.close("all")


def _texts_fig(dpi: float):
    """Single- and multi-line texts in several fonts, sizes, weights and line spacings."""
    fig = plt.figure(figsize=(5.0, 4.0), dpi=dpi)
    specs = [({}, "Bevölkerung"), ({"fontsize": 9}, "Zeile eins\nZeile zwei"),
             ({"fontsize": 17, "fontweight": "bold"}, "Titel\nmit Unterzeile\nund dritter"),
             ({"family": "DejaVu Serif", "style": "italic"}, "Serif\nkursiv"),
             ({"family": "DejaVu Sans Mono", "linespacing": 2.0}, "Mono\nweit"),
             ({"fontsize": 10.5, "rotation": 45}, "gedreht\nzweizeilig"), ({}, "")]
    return fig, [fig.text(0.05 + 0.13 * i, 0.5, s, **kw) for i, (kw, s) in enumerate(specs)]


@pytest.mark.parametrize("dpi", [figstyle.DPI, 72])
def test_cached_font_heights_are_matplotlibs_own(dpi, monkeypatch):
    """The font line metrics Agg's renderers get once per font (figstyle._font_heights) are the
    numbers matplotlib computes for every text itself: the same extents of every text, and the same
    PNG also when saved at another dpi than the figure's."""
    from matplotlib.backends.backend_agg import RendererAgg

    assert figstyle.cache_font_heights()  # this matplotlib asks its renderers for the metrics
    assert RendererAgg._get_font_height_metrics is figstyle._font_heights

    def measured():
        fig, texts = _texts_fig(dpi)
        renderer = figstyle._agg_canvas(fig).get_renderer()
        boxes = [tuple(np.round(t.get_window_extent(renderer).bounds, 9)) for t in texts]
        pngs = []
        for save_dpi in (dpi, 110):
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=save_dpi, bbox_inches="tight", metadata={"Software": None})
            pngs.append(buf.getvalue())
        plt.close(fig)
        return boxes, pngs

    figstyle._FONT_HEIGHTS.clear()
    cached = measured()
    assert len(figstyle._FONT_HEIGHTS) >= 5  # fonts x sizes at the dpis used: the hook was asked
    monkeypatch.delattr(RendererAgg, "_get_font_height_metrics")  # matplotlib's own computation
    own = measured()
    assert cached[0] == own[0]
    assert cached[1] == own[1]


def _titled(case: str):
    """A titled chart in the report's style whose title matplotlib's automatic placement keeps at
    its place ("plain", "left_right", "turned", "map", "categories") or lifts over something
    reaching over the axes' top (all others; "colorbar_extended" to "labels_anchored" were
    found by review)."""
    from matplotlib.ticker import ScalarFormatter

    fig, ax = plt.subplots(figsize=(6.0, 3.0), dpi=figstyle.DPI)
    ax.plot([2019, 2020, 2021, 2022], [1200, 1250, 1240, 1300])
    ax.set_title("Bevölkerung am 31.12.\nnach Jahren")
    if case == "left_right":
        ax.set_title("Links", loc="left")
        ax.set_title("Rechts", loc="right")
    elif case == "turned":
        ax.set_xticks([2019, 2020, 2021, 2022], ["Altstadt", "Neustadt", "Hafen", "Bahnhofsviertel"], rotation=45)
    elif case == "map":
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_axis_off()
    elif case == "ticks_on_top":
        ax.xaxis.tick_top()
    elif case == "labels_on_top":  # tick labels shown on top one by one (a new tick copies the first)
        for t in ax.xaxis.get_major_ticks():
            t.label2.set_visible(True)
    elif case == "label_on_top":
        ax.xaxis.set_label_position("top")
        ax.set_xlabel("Jahr")
    elif case == "spine_on_top":  # the x axis (its tick labels) moved over the axes' top
        ax.spines["bottom"].set_position(("axes", 1.15))
    elif case == "inset_on_top":  # a child axes over the axes' top
        ax.inset_axes([0.0, 1.05, 0.4, 0.3], xticks=[], yticks=[])
    elif case == "twin_on_top":
        ax.twiny().set_xlim(0, 100)
    elif case == "offset":  # a formatter of the chart's own (kept) that writes "+1e6" over the y axis
        class Own(ScalarFormatter):
            pass

        ax.yaxis.set_major_formatter(Own(useOffset=True))
        ax.lines[0].set_ydata([1_000_001.0, 1_000_002.0, 1_000_001.5, 1_000_003.0])
        ax.relim()
        ax.autoscale_view()
        ax.set_title("Ein Titel, der links über dem Versatz steht", loc="left")
    elif case == "inside":  # a title inside the axes with tick marks shown: placed at the axes' top
        ax.tick_params(axis="x", bottom=True)
        ax.set_title("innen", pad=-20)
    elif case == "categories":  # fixed tick labels (a FixedFormatter): no offset text
        ax.set_xticks([2019, 2020, 2021, 2022], ["A", "B", "C", "D"])
    elif case == "colorbar_extended":  # the triangle of an extended colorbar reaches over its top
        mappable = ax.scatter([2019, 2020], [1200, 1300], c=[0.1, 0.9])
        ax.figure.colorbar(mappable, ax=ax, extend="max").ax.set_title("Anteil")
    elif case == "label_placed_on_top":  # the axis label placed by hand over the axes' top
        ax.set_xlabel("Jahr")
        ax.xaxis.set_label_coords(0.5, 1.02)
    elif case == "labels_pulled_up":  # tick labels pulled up into and over the flat axes
        ax.figure.set_size_inches(6.0, 1.5)
        ax.tick_params(axis="x", pad=-90)
    elif case == "aligned":  # aligned with the title of a neighbour whose tick labels are on top
        other = ax.figure.add_subplot(1, 2, 2)
        ax.set_subplotspec(ax.figure.add_gridspec(1, 2)[0])
        other.set_subplotspec(ax.get_subplotspec().get_gridspec()[1])
        other.xaxis.tick_top()
        other.set_title("Nachbar")
        ax.figure.align_titles()
    elif case == "ticks_pulled_up":  # a negative tick length pulls the labels up alike
        ax.figure.set_size_inches(6.0, 1.5)
        ax.tick_params(axis="x", length=-120)
    elif case == "labels_standing":  # tick labels aligned at their bottom: they stand on their place
        ax.figure.set_size_inches(6.0, 1.2)
        ax.set_xticks([2019, 2020, 2021, 2022], ["Altstadt\nNord\nund\nSüd"] * 4, va="bottom")
    elif case == "labels_anchored":  # turned about their anchor: they reach up
        ax.figure.set_size_inches(6.0, 1.2)
        ax.set_xticks([2019, 2020, 2021, 2022], ["Bahnhofsviertel West"] * 4, rotation=-60, ha="right",
                      rotation_mode="anchor")
    return fig


@pytest.mark.parametrize("case, fixed", [("plain", True), ("left_right", True), ("turned", True), ("map", True),
                                         ("categories", True), ("ticks_on_top", False), ("labels_on_top", False),
                                         ("label_on_top", False), ("spine_on_top", False),
                                         ("inset_on_top", False), ("twin_on_top", False), ("offset", False),
                                         ("inside", False), ("colorbar_extended", False),
                                         ("label_placed_on_top", False), ("labels_pulled_up", False), ("ticks_pulled_up", False), ("aligned", False),
                                         ("labels_standing", False), ("labels_anchored", False)])
def test_titles_fixed_only_where_matplotlib_would_not_move_them(case, fixed, monkeypatch):
    """figstyle.fix_titles turns matplotlib's title placement off only where it cannot move a title
    (the report's charts): the same PNG as with matplotlib's placement. Where something reaches
    over the axes' top, matplotlib places the title as before, and does move it."""
    from sozialanalyse.render import tables

    with matplotlib.rc_context():
        tables.setup()  # the report's style: seaborn hides the tick marks

        def png(fix: bool):
            if not fix:
                monkeypatch.setattr(figstyle, "fix_titles", lambda ax, renderer: False)
            f = figures.finish(_titled(case))
            monkeypatch.undo()
            ax = f.figure.axes[-1 if case == "colorbar_extended" else 0]  # the colorbar's own title
            return f.png(), ax._autotitlepos, ax

        own, auto, own_ax = png(False)
        got, auto_got, ax = png(True)
    assert auto is True and auto_got is (not fixed)
    assert got == own
    if not fixed:  # matplotlib lifted a title over what reaches over the axes' top (or to the top)
        assert max(t.get_position()[1] for t in (own_ax.title, own_ax._left_title)) > 1.0
