"""Charts and maps for the report: German labels and number formats, deterministic output."""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..model import names as _names
from ..model.areas import AGE_GROUPS
from ..model.district import District, totals
from ..stats.disclosure import settings
from . import fmt

__all__ = ["population_pyramid", "trend", "choropleth", "classify", "class_label", "locator_map", "wrap", "PALETTE", "SEX_LABELS"]

PALETTE = {"m": "#3b6ea8", "w": "#c8553d", "area": "#2a7f62", "kreis": "#8a8a8a"}
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


def closed(fig):
    """``fig`` after closing it in pyplot: a notebook shows a returned figure exactly once."""
    plt.close(fig)
    return fig


def finish(fig):
    """``fig`` laid out (``tight_layout``) and closed (:func:`closed`)."""
    fig.tight_layout()
    return closed(fig)


def population_pyramid(district: District, area_id: str, year: int, ax=None):
    """Population pyramid by five-year age band, sex and nationality (deutsch / nichtdeutsch)."""
    t = totals(district, area_id, "einwohner", by=["age_group", "sex", "nationality"], years=[year])
    if t.empty:
        raise ValueError(f"no population for area {area_id!r} in {year}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
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
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title(f"Bevölkerung nach Alter, Geschlecht und Staatsangehörigkeit, 31.12.{year}", fontsize=10)
    style(ax)
    return ax


def trend(data: pd.DataFrame, x: str, y: str, hue: str | None = None, ax=None, ylabel: str = "",
          decimals: int = 0, unit: str | None = None, title: str | None = None, low: str | None = None,
          high: str | None = None):
    """Line chart over years; one line per ``hue`` value, optional interval band ``low``/``high``."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=False))
    colors = [PALETTE["area"], PALETTE["kreis"], "#d89a2b", "#6b4c9a", "#2b8cbe"]
    for i, (label, g) in enumerate(groups):
        g = g.sort_values(x)
        color = colors[i % len(colors)]
        ax.plot(g[x], g[y], marker="o", markersize=3, color=color, label=None if label is None else wrap(label))
        if low and high:
            ax.fill_between(g[x], g[low], g[high], color=color, alpha=0.15, linewidth=0)
    ax.yaxis.set_major_formatter(fmt.axis_formatter(decimals, None))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_ylabel(ylabel + (f" ({unit})" if unit else ""))
    if hue is not None:
        ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(_names.strip(title), fontsize=10)  # titles name areas: never reordered
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
        _, ax = plt.subplots(figsize=(7, 6))
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
    ax.legend(handles=handles, title=legend_title, loc="lower left", fontsize=8, title_fontsize=8,
              frameon=True, framealpha=0.9)
    if labels:
        for _, row in gdf.iterrows():
            p = row.geometry.representative_point()
            ax.annotate(wrap(row[labels], 24), (p.x, p.y), ha="center", va="center", fontsize=6.5,
                        color="#222222")
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        ax.set_title(_names.strip(title), fontsize=10)  # titles name areas: never reordered
    return ax


def locator_map(district: District, area_id: str, ax=None):
    """The district's municipalities in grey with ``area_id`` highlighted."""
    geo = district.geometry
    munis = geo[geo["kind"].isin(["Stadt", "Einheitsgemeinde", "Samtgemeinde"])]
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2))
    munis.plot(ax=ax, color="#e4e4e4", edgecolor="white", linewidth=0.8)
    geo[geo["area_id"] == area_id].plot(ax=ax, color=PALETTE["area"], edgecolor="white", linewidth=0.8)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(wrap(f"Lage im {district.name}", 40), fontsize=9)
    return ax
