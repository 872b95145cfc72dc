"""The one figure style (issue #16): every figure of one Gemeindeprofil and of the Kreis pages
has text of at least the minimum size at a width a phone can show, tick labels that do not run
together, a caption and a real alternative text; the palettes stay apart under colour blindness;
figures and tables are numbered per page.

The figures are made by running the template notebooks' display cells in this process (the
same calls the build makes), so the test walks the matplotlib artists themselves.
"""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import sozialanalyse as sa  # noqa: E402
from sozialanalyse.build.site import number_figures_and_tables  # noqa: E402
from sozialanalyse.render import figstyle, figures  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "03499016"  # Musterstadt, a town with Sozialräume
PAGES = ("gemeindeprofil", "kreisuebersicht", "gesundheit", "sozialraum_monitoring", "pflege")


def _cells(name):
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    for c in nb["cells"]:
        tags = c["metadata"].get("tags", [])
        if c["cell_type"] == "code" and "parameters" not in tags and "footer" not in "".join(c["source"]):
            yield "remove-input" in tags, "".join(c["source"]).strip()


# one worker makes the figures once: split over both workers, each made them (48 s each)
# end-to-end: every page's display cells run in one session fixture (about 70 s); `make test-slow`, CI runs them
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("figures")]


@pytest.fixture(scope="session")
def made():
    """``[(page, call, Figure)]``: every figure the pages return, in page order."""
    sa.render.tables.setup()
    out = []
    for name in PAGES:
        ns = {"config": "musterland", "year": 0, "area_id": PROFILE}
        for show, src in _cells(name):
            if not show:
                exec(src, ns)  # the notebook's setup cell: d = sa.load(config), year, …
                continue
            result = eval(src, ns)
            for item in result if isinstance(result, (list, tuple)) else [result]:
                if isinstance(item, figures.Figure):
                    item.png()  # final size: a figure too wide is narrowed when written
                    out.append((name, src, item))
    return out


def test_every_page_makes_figures(made):
    pages = {p for p, _, _ in made}
    assert pages == set(PAGES), pages
    assert len(made) >= 12


def test_minimum_text_size_on_desktop_and_phone(made):
    """Walk every Text artist: at least MIN_PT points, and the PNG narrow enough that the smallest
    text is >= 9 CSS px at 1280 px and >= 6.5 CSS px at 390 px (rule of render/figstyle.py)."""
    bad = []
    for page, src, f in made:
        for t in figstyle.texts(f.figure):
            if t.get_fontsize() < figstyle.MIN_PT:
                bad.append(f"{src}: {t.get_text()[:30]!r} {t.get_fontsize()} pt")
        width_in = f.size_px[0] / figstyle.DPI
        # hand calculation of the rule: px = pt / 72 * displayed / width_in, displayed = min(content, natural)
        phone = f.min_font_pt / 72 * min(358, f.size_px[0]) / width_in
        desktop = f.min_font_pt / 72 * min(688, f.size_px[0]) / width_in
        if phone < 6.5 or desktop < 9:
            bad.append(f"{src}: {width_in:.2f} in wide, {phone:.1f} px on a phone, {desktop:.1f} px on the desktop")
    assert not bad, "\n".join(bad)


def test_year_labels_do_not_run_together(made):
    bad = []
    for page, src, f in made:
        fig = f.figure
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        for ax in fig.axes:
            if not ax.axison:
                continue
            lo, hi = sorted(ax.get_xlim())  # labels of ticks beyond the limits are not drawn
            labels = sorted(((t.get_window_extent(r), t) for t in ax.get_xticklabels()
                             if t.get_visible() and t.get_text().strip() and lo <= t.get_position()[0] <= hi),
                            key=lambda bt: bt[0].x0)
            for (a, ta), (b, _) in zip(labels, labels[1:]):
                rot = ta.get_rotation() % 180
                if rot == 0 and a.x1 > b.x0 and a.y1 > b.y0 and b.y1 > a.y0:
                    bad.append(f"{src}: x tick labels overlap in {ax.get_title()!r}")
                # turned labels: the distance of their baselines at least the text height
                if rot and abs(b.x1 - a.x1) * np.sin(np.radians(rot)) < 0.9 * ta.get_fontsize() * fig.dpi / 72:
                    bad.append(f"{src}: turned x tick labels overlap in {ax.get_title()!r}")
    assert not bad, "\n".join(bad)


def test_caption_and_alt_text_are_descriptions(made):
    for page, src, f in made:
        assert f.caption and not re.search(r"\.(png|svg)\b|/_images/", f.caption), (src, f.caption)
        assert f.alt.startswith(("Diagramm: ", "Karte: ", "Karte und Diagramm: ")), (src, f.alt)
        assert not re.search(r"\.(png|svg)\b|_images/|^\.\./", f.alt), (src, f.alt)
        assert len(f.alt) > len(f.caption) + 20 and re.search(r"\d", f.alt), f"{src}: no finding: {f.alt!r}"
        html = f._repr_html_()
        assert html.startswith('<figure class="sa-figure"') and "<figcaption>" in html
        assert f'data-sa-dpi="{figstyle.DPI}"' in html and "data-sa-min-font-pt=" in html


def test_pyramid_alt_names_the_published_total(made):
    """The profile's pyramid alt text states the total of the published pyramid cells, summed
    here from the protected layer's counts (not from the figure)."""
    d = sa.load("musterland")
    cells = sa.pages.gemeindeprofil.pyramid_data(d, PROFILE, d.report_year)
    total = sa.render.fmt.num(float(cells["value"].sum()))
    (alt,) = [f.alt for p, src, f in made if "pyramid_and_locator" in src and p == "gemeindeprofil"]
    assert f"{total} Einwohnerinnen und Einwohner" in alt, alt
    assert "80\u00a0Jahre und älter" in alt  # reader text: no-break space between number and unit


def test_png_is_deterministic_and_undated(made):
    page, src, f = made[0]
    png = f.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"tIME" not in png and b"Software" not in png
    again = figures.Figure(f.figure, caption=f.caption, alt=f.alt, layout=False).png()
    assert again == png
    # what a kernel stores for the figure (IPython adds every _repr_*_ a bundle lacks): the PNG
    # once, in the HTML, not a second time as image/png (issue #19, site weight)
    from IPython.core.interactiveshell import InteractiveShell

    bundle, _ = InteractiveShell.instance().display_formatter.format(f)
    assert sorted(bundle) == ["text/html", "text/plain"] and bundle["text/plain"].startswith("Abbildung: ")
    (data,) = re.findall(r'<img src="data:image/png;base64,([^"]+)"', bundle["text/html"])
    assert base64.b64decode(data) == png


# --- colour-blind-safe palettes ------------------------------------------------------------------

#: Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model for Simulation of Color
#: Vision Deficiency", IEEE TVCG 15(6): matrices for severity 1.0, applied to linear RGB.
MACHADO = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}


def _lin(hex_color):
    c = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(lin):
    """CIELAB (D65) of a linear sRGB colour (IEC 61966-2-1 matrix, CIE 1976 formulas)."""
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(lin, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a, b, cvd=None):
    la, lb = _lin(a), _lin(b)
    if cvd:
        la, lb = MACHADO[cvd] @ la, MACHADO[cvd] @ lb
    return float(np.linalg.norm(_lab(la) - _lab(lb)))


def test_lab_reference_values():
    # white: L* 100, a* b* 0; sRGB red: L* 53,24, a* 80,09, b* 67,20 (Lindbloom's calculator)
    assert np.allclose(_lab(_lin("#ffffff")), [100, 0, 0], atol=0.05)
    assert np.allclose(_lab(_lin("#ff0000")), [53.24, 80.09, 67.20], atol=0.1)


@pytest.mark.parametrize("cvd", [None, "deuteranopia", "protanopia"])
def test_better_and_worse_stay_apart_under_colour_blindness(cvd):
    """Better / worse / similar differ by at least 20 ΔE*ab also as a person with red-green colour
    blindness sees them."""
    pal = [figstyle.BETTER, figstyle.WORSE, figstyle.SIMILAR]
    for i, a in enumerate(pal):
        for b in pal[i + 1:]:
            assert _delta_e(a, b, cvd) >= 20, (a, b, cvd, _delta_e(a, b, cvd))
    assert _delta_e("#009E73", "#7F7F7F", "deuteranopia") < 20  # the test can fail: green and mid grey do
    assert figstyle.ASSESSMENT_MARKERS["besser"] != figstyle.ASSESSMENT_MARKERS["schlechter"]  # shape too


def test_men_and_women_and_lines_stay_apart():
    for cvd in (None, "deuteranopia", "protanopia"):
        assert _delta_e(figures.PALETTE["m"], figures.PALETTE["w"], cvd) >= 20
        lines = figures.LINE_COLORS[:2]  # area and Kreis
        assert _delta_e(*lines, cvd) >= 20


def _contrast(a, b):
    la, lb = (float(np.array([0.2126, 0.7152, 0.0722]) @ _lin(c)) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_map_labels_contrast_with_their_fill():
    """On every class colour of the maps the label colour is the one of higher WCAG contrast and
    reaches at least 4:1 (no dark label on dark red; the halo adds to it)."""
    assert round(_contrast("#ffffff", "#000000"), 1) == 21.0  # WCAG 2.x reference
    _, colors, _ = figures.classify(np.arange(10.0), k=5)
    status = list(sa.pages.sozialraum_monitoring.STATUS_COLORS.values())
    for fill in [*colors, *status, "#800026"]:
        chosen = figstyle.text_color_on(fill)
        other = "#1a1a1a" if chosen == "#ffffff" else "#ffffff"
        assert _contrast(chosen, fill) >= max(4.0, _contrast(other, fill)), fill
    assert figstyle.text_color_on("#800026") == "#ffffff"  # dark red: a white label


# --- numbering ----------------------------------------------------------------------------------

def test_figures_and_tables_are_numbered_in_page_order():
    import pandas as pd

    t = sa.render.tables.table(pd.DataFrame({"Gebiet": ["A"]}), caption="Kennzahlen", kinds={"Gebiet": "text"})
    fig, ax = matplotlib.pyplot.subplots(figsize=(4, 3))
    ax.plot([2020, 2021], [1.0, 2.0], label="A")
    ax.set_title("Verlauf")
    f = figures.finish(fig)
    page = f"<main>{f._repr_html_()}<p>x</p>{t._repr_html_()}{f._repr_html_()}</main>"
    out = number_figures_and_tables(page)
    assert re.findall(r'<span class="sa-number">([^<]*)</span>', out) == ["Abbildung 1: ", "Tabelle 1: ",
                                                                          "Abbildung 2: "]
    assert '<figcaption><span class="sa-number">Abbildung 1: </span>Verlauf</figcaption>' in out


# --- alternative texts state a true finding (never a category index, never a guide line) -------------

CATEGORY_INDEX = re.compile(r"\(\d\)")


def _plain(text: str) -> str:
    """Whitespace as in an alt attribute: one line, the no-break space before % a plain space."""
    return " ".join(text.split())


def _alt(made, page, call):
    (alt,) = [f.alt for p, src, f in made if p == page and call in src]
    return alt


def test_no_alt_reads_an_index_or_a_guide_line(made):
    """No alt text names a category by its position ("(0)", "(7)") or describes a control limit
    or a fitted line as if it were a series over years."""
    for page, src, f in made:
        assert not CATEGORY_INDEX.search(f.alt), (src, f.alt)
        assert not re.search(r"(Grenze|Gerade)[^.;]*: von ", f.alt), (src, f.alt)


def test_describe_reads_years_categories_and_points_only():
    """The generic rule: a line over years "von a (x0) auf b (x1)"; over categories the tick
    labels of its highest and lowest point; a limit line over another x is no finding; in a dot
    chart with error bars the caps (interval bounds) are no points."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([114.0, 600.0, 2147.0], [210.1, 130.0, 104.0], label="95-%-Grenze")
    ax.plot([2015, 2024], [10.0, 12.0], label="Gemeinde")
    ax.yaxis.set_major_formatter(sa.render.fmt.axis_formatter(0, None))
    _, alt = figures.describe(fig)
    assert "Gemeinde: von 10 (2015) auf 12 (2024)" in alt and "Grenze" not in alt and "114" not in alt, alt
    plt.close(fig)

    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1.0, 5.0, 3.0], label="Frauen")
    ax.set_xticks([0, 1, 2], ["0-4", "5-9", "10-14"])
    ax.yaxis.set_major_formatter(sa.render.fmt.axis_formatter(0, None))
    _, alt = figures.describe(fig)
    assert "Frauen: höchster Wert 5 (5-9), niedrigster 1 (0-4)" in alt and not CATEGORY_INDEX.search(alt), alt
    plt.close(fig)

    fig, ax = plt.subplots()  # A 25 % (0 to 50), B 7 % (4 to 11), C 15 % (10 to 20): lowest point is B
    ax.errorbar([25.0, 7.0, 15.0], [2, 1, 0], xerr=[[25.0, 3.0, 5.0], [25.0, 4.0, 5.0]], fmt="o", capsize=2)
    ax.set_yticks([2, 1, 0], ["A", "B", "C"])
    ax.xaxis.set_major_formatter(sa.render.fmt.axis_formatter(0, None))
    _, alt = figures.describe(fig)
    assert "höchster Wert A (25)" in alt and "niedrigster B (7)" in alt, alt
    plt.close(fig)


def test_funnel_alt_names_the_extremes_and_the_municipalities_outside(made):
    d = sa.load("musterland")
    m = sa.pages.gesundheit._mortality(d, d.report_year, 5)
    munis = m.iloc[:-1].dropna(subset=["smr"])
    low = munis.loc[munis["smr"].astype(float).idxmin()]
    high = munis.loc[munis["smr"].astype(float).idxmax()]
    alt = _alt(made, "gesundheit", "mortality_funnel")
    assert f"niedrigstes {low['name']} ({sa.render.fmt.num(float(low['smr']), 0)})" in alt, alt
    assert f"höchstes SMR {high['name']} ({sa.render.fmt.num(float(high['smr']), 0)})" in alt, alt
    for name in munis.loc[munis["einstufung_95"] == "niedriger", "name"]:
        assert name in alt.split("unter der unteren 95-%-Grenze:")[1], alt
    assert "Grenze: von" not in alt


def test_school_entry_alt_names_the_true_lowest_share(made):
    """The lowest published share of overweight (the reviewer's hand check: Großmoor, about 7 %),
    not an interval's lower end."""
    d = sa.load("musterland")
    s = sa.pages.gesundheit._school(d, d.report_year, "gemeindeverband", 3)
    ow = s[(s["variable"] == "einschulung_uebergewicht") & s["value"].notna() & (s["status"] == "")]
    low, high = ow.loc[ow["value"].idxmin()], ow.loc[ow["value"].idxmax()]
    alt = _alt(made, "gesundheit", "school_entry_figure")
    assert _plain(f"Übergewicht: höchster Anteil {high['name']} ({sa.render.fmt.pct(high['value'], 1)}), "
                  f"niedrigster {low['name']} ({sa.render.fmt.pct(low['value'], 1)})") in _plain(alt), alt
    assert "Großmoor" in low["name"] and 5 < low["value"] < 9, low


def test_gradient_alt_states_the_quintiles_and_the_sii(made):
    d = sa.load("musterland")
    g, t = sa.pages.gesundheit.published_gradient(d, "einschulung_uebergewicht", d.report_year)
    alt = _alt(made, "gesundheit", "gradient_chart")
    first = t.sort_values("quantile").iloc[0]
    assert _plain(f"Quintil {int(first['quantile'])}: {sa.render.fmt.pct(first['value'], 1)}") in _plain(alt), alt
    assert f"SII von {sa.render.fmt.num(g.sii, 1)} Prozentpunkten" in _plain(alt), alt
    assert "Gerade (SII" not in alt


def test_by_age_alts_name_age_bands():
    """Behinderung Abbildung 1: the highest rate of women in its age band, computed here from the
    protected layer's published rates (not "von 1 % (0) auf 35 % (18)")."""
    from sozialanalyse.model.areas import AGE_GROUPS

    d = sa.load("musterland")
    rates = sa.protected.care.rate_by_age(d, "schwerbehinderte", year=d.report_year)
    w = rates[rates["sex"] == "w"].reset_index(drop=True)
    i = int(w["value"].astype(float).idxmax())
    alt = sa.pages.behinderung.disability_by_age(d, d.report_year).alt
    num = sa.render.fmt.num(100 * float(w.loc[i, "value"]), 0)
    assert re.search(rf"Frauen: höchster Wert {re.escape(num)}\s%\s\({re.escape(AGE_GROUPS[i])}\)", alt), alt
    assert not CATEGORY_INDEX.search(alt), alt


def test_goal_umsetzung_and_project_alts_state_findings():
    d = sa.load("musterland")
    year = d.report_year
    items = sa.pages.ziele.goal_sections(d, year).items
    charts = [f for f in items if isinstance(f, figures.Figure)]
    progress = [p for p in sa.steering.goals.progress(d, year) if p.history["value"].notna().any()]
    assert len(charts) == len(progress) >= 8
    for f, p in zip(charts, progress):
        h = p.history.dropna(subset=["value"]).sort_values("year")
        h = h[h["status"].fillna("") == ""]
        assert f"({int(h['year'].iloc[0])}) auf " in f.alt and f"({int(h['year'].iloc[-1])})" in f.alt, f.alt
        assert f"Bewertung: {p.assessment.label}" in f.alt, f.alt

    m = sa.steering.teilkonzepte.read(d).table
    for tk in sorted(m["teilkonzept"].unique()):
        alt = sa.pages.umsetzung.state_chart(d, tk, year).alt
        sub = m[m["teilkonzept"] == tk]
        assert f"{len(sub)} Maßnahmen des Teilkonzepts {tk}" in alt, alt
        for state, n in sub["state"].value_counts().items():
            assert f"{n} {state}" in alt, alt

    alt = sa.pages.projekte.small_multiples(d, year).alt
    _, _, kf = sa.pages.projekte._data(d)
    for p, rows in kf.groupby("project"):
        pub = rows[(rows["participants_status"].fillna("") == "") & (rows["year"] <= year)].sort_values("year")
        last = pub.iloc[-1]
        assert f"auf {sa.render.fmt.num(float(last['participants']))} ({int(last['year'])})" in alt, (p, alt)


# --- German tick labels (review #16: "12.5", "-3" and "%" without a no-break space) ----------------

def _ticks(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]


def test_tick_labels_are_german_in_every_figure():
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    fig, (a, b) = matplotlib.pyplot.subplots(1, 2, figsize=(6.5, 3))
    a.plot([2015, 2024], [-3.0, 1.5])  # negative and decimal y ticks, years on x
    a.set_ylim(-3, 1.5)
    a.set_yticks([-3.0, -1.5, 0.0, 1.5])
    b.barh([0, 1], [0.125, 0.05])
    b.xaxis.set_major_formatter(PercentFormatter(1.0))
    b.set_xticks([0.0, 0.025, 0.05, 0.075, 0.1, 0.125])
    b.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f} %"))  # a page's own formatter
    b.set_yticks([0, 1])
    f = figures.finish(fig)
    f.png()
    # written by hand: −3,0 with U+2212 and a decimal comma; 12,5 % with U+00A0; the years plain
    assert _ticks(a.yaxis) == ["\u22123,0", "\u22121,5", "0,0", "1,5"]
    assert set(_ticks(a.xaxis)) <= {str(y) for y in range(2010, 2031)} and _ticks(a.xaxis)
    assert _ticks(b.xaxis)[-1] == "12,5\u00a0%" and "2,5\u00a0%" in _ticks(b.xaxis)
    assert _ticks(b.yaxis) == ["0\u00a0%", "1\u00a0%"]


def test_tick_labels_group_thousands_but_not_years():
    fig, ax = matplotlib.pyplot.subplots(figsize=(5, 3))
    ax.plot([1000, 3000], [1200, 2500])
    ax.set_xticks([1000, 2000, 3000])
    ax.set_yticks([1500, 2500])
    f = figures.finish(fig)
    f.png()
    assert _ticks(ax.xaxis) == ["1.000", "2.000", "3.000"] and _ticks(ax.yaxis) == ["1.500", "2.500"]


def test_no_page_figure_has_an_english_tick_label(made):
    english = re.compile(r"\d\.\d{1,2}$|^-\d|\d%|\d %")  # 12.5 / 12.25, -3 with a hyphen, % without U+00A0
    bad = [(p, _ticks(ax.xaxis) + _ticks(ax.yaxis)) for p, _c, f in made for ax in f.axes
           if any(english.search(t) for t in _ticks(ax.xaxis) + _ticks(ax.yaxis))]
    assert not bad, bad


# --- no text on top of other text (review #16: Gesundheit, Abb. 7 and 9 and the SMR charts) ----------

def _drawn_texts(fig):
    """``[(text, box, axes or None, is_tick)]`` of every text the PNG shows: tick labels only of
    drawn axes and within the axis' limits, the text's own box (an annotation's leader left out)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    owner = {}  # id of a tick or axis label -> (axes, axis or None): such texts do not know their axes
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            owner.update({id(t): (ax, axis) for t in axis.get_ticklabels()})
            owner[id(axis.label)] = (ax, None)
    out = []
    for t in figstyle.texts(fig):
        ax, axis = owner.get(id(t), (t.axes, None))
        if ax is not None and not ax.axison and id(t) in owner:
            continue  # a map: its axes are not drawn
        if axis is not None:
            lo, hi = sorted(axis.get_view_interval())
            if not lo - 1e-9 <= t.get_position()[0 if axis is ax.xaxis else 1] <= hi + 1e-9:
                continue
        out.append((t, Text.get_window_extent(t, renderer), ax, axis is not None))
    return out


def overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of texts of ``fig`` whose boxes overlap: tick labels of one axes among themselves, and
    every other text (titles, axis labels, annotations, legend entries) with any text."""
    shown = _drawn_texts(fig)
    bad = []
    for i, (a, ba, axa, ta) in enumerate(shown):
        for b, bb, axb, tb in shown[i + 1:]:
            if ta and tb and axa is not axb:
                continue  # tick labels of two panels: each panel's are checked on their own
            if ba.overlaps(bb):
                bad.append((a.get_text(), b.get_text()))
    return bad


def test_overlap_check_finds_an_overlap():
    fig, ax = matplotlib.pyplot.subplots(figsize=(4, 3))
    ax.scatter([1, 1.01], [1, 1])
    ax.set_xlim(0, 2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.annotate("Samtgemeinde Heidetal", (1, 1))
    ax.annotate("Bad Lindenau", (1.01, 1))
    assert overlaps(fig) == [("Samtgemeinde Heidetal", "Bad Lindenau")]
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("call", ["mortality_funnel", "smr_map", "school_entry_figure", "gradient_chart",
                                  "mortality_overview", "life_expectancy_chart"])
def test_health_figures_have_no_overlapping_text(made, call):
    (f,) = [f for p, src, f in made if p == "gesundheit" and f"gesundheit.{call}(" in src]
    assert f.figure.get_size_inches()[0] <= figstyle.MAX_WIDTH_IN + 1e-9
    assert not overlaps(f.figure), overlaps(f.figure)
    assert f.min_font_pt >= figstyle.MIN_PT
