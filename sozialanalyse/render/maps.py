"""Interactive maps that work offline: an inline SVG per map, its data as declared JSON.

Every choropleth of the report is also published as an interactive map (issue #15): zoom with
the mouse wheel, a drag, the ``+``/``−`` buttons or the keyboard, and a tooltip with the area's
name, value, 95 % interval and class on hover or focus. The map is plain markup:

* an ``<svg>`` whose paths are the district's own boundaries (projected coordinates scaled to
  the view box, simplified to well below a pixel); each area is a ``<path class="sa-area">``
  with ``data-key`` (the area key) and a ``<title>`` holding **only its name** (the tooltip of a
  browser without JavaScript, read by screen readers);
* its data in ``<script type="application/json" class="sa-data">{"kinds": ..., "rows": ...}
  </script>``, which the disclosure audit reads like a table (:mod:`sozialanalyse.build.audit`):
  ``name`` (first: the audit names a row by it), ``area_id``, ``value``, ``lower``, ``upper``,
  ``class``, ``status``; a suppressed
  area's row carries no value (``null``) and its status (``primary``/``secondary``);
* a legend in HTML;
* optionally a short label per area at its representative point (``number_key``: the Sozialraum's
  number, as the static map writes it): an empty ``<text class="sa-map-number" data-key=…>`` that
  the script fills from the row's declared value, so the number lives in the declared data only.

One shared script and style sheet (``book/_static/sa-map.js``, ``sa-map.css``, a few kB, no
library) draw the tooltip and the zoom; no tile server, nothing loaded from elsewhere. The script
also marks the static PNG of the same map (the notebook cell just before) as the print version:
on screen the interactive map replaces it, in print the PNG is shown and the SVG is not. Without
JavaScript both are shown and the SVG still names each area on hover.

Why an own SVG instead of folium or plotly: it needs no dependency and no vendored library
(Leaflet is not shipped in any wheel; plotly's bundle is 4.6 MB), it is drawn from the same
classes as the PNG (:func:`sozialanalyse.render.figures.classify`), and it stays legible and
printable without a script.
"""
from __future__ import annotations

import hashlib
import html
import json

import numpy as np
import pandas as pd

from ..model import names as _names
from . import figstyle, fmt

__all__ = ["svg_map", "choropleth"]


_ROW_KEYS = ("area_id", "name", "value", "lower", "upper", "class", "status")


def _rings(geom):
    if geom is None or geom.is_empty:
        return []
    polys = getattr(geom, "geoms", [geom])
    out = []
    for p in polys:
        if p.geom_type != "Polygon":
            out.extend(_rings(p))
            continue
        out.append(p.exterior.coords)
        out.extend(r.coords for r in p.interiors)
    return out


def _path(geom, transform) -> str:
    """SVG path data of a (multi)polygon, coordinates with one decimal."""
    parts = []
    for ring in _rings(geom):
        xy = np.round(transform(np.asarray(ring)[:, :2]), 1)
        pts = [f"{x:g} {y:g}" for x, y in xy[:-1]]
        if len(pts) >= 3:
            parts.append("M" + "L".join(pts) + "Z")
    return "".join(parts)


def _text(value) -> str:
    return html.escape(_names.strip(str(value)), quote=True)


def svg_map(shapes, rows: list[dict], fills: list[str | None], kinds: dict[str, str],
            title: str, legend: list[tuple[str, str]], labels: dict[str, str] | None = None,
            outlines=None, label_names: bool = False, width: int = 640, note: str | None = None,
            points=None, symbols=None, number_key: str | None = None):
    """An interactive map as HTML: inline SVG, its declared data and an HTML legend.

    Parameters
    ----------
    shapes : GeoDataFrame
        One polygon per area, with ``area_id`` and ``name``, in a projected CRS (metres).
    rows : list of dict
        One row per shape, in the same order: the map's data (keys ``area_id``, ``name``,
        ``value``, ``lower``, ``upper``, ``class``, ``status``; values as German text, ``None``
        where nothing is published). They go into the page's ``sa-data`` block.
    fills : list of str or None
        A fill colour per shape; ``None``: no published value (hatched).
    kinds : dict
        The kind of each row key for the disclosure audit (``text``, ``rate``, ``interval``, ...).
    title : str
        Caption above the map (also the SVG's accessible name).
    legend : list of (colour, label)
        Legend entries; colour ``None`` draws the hatched "no value" swatch.
    labels : dict, optional
        Tooltip labels of the row keys (default: German labels ``Wert``, ``Klasse`` ...).
    outlines : GeoDataFrame, optional
        Boundaries drawn over the areas without interaction (e.g. the municipalities over
        their Sozialräume).
    label_names : bool
        Write each area's name at its representative point (for maps of a few large areas).
    width : int
        Width of the view box in SVG units; the height follows the district's aspect ratio.
    note : str, optional
        A line under the legend (plain text).
    points : DataFrame, optional
        Facilities drawn as triangles: ``x``, ``y`` (same CRS), ``name``, ``type``; the name is
        the marker's tooltip (``<title>``) and goes into the data as ``points`` (no values).
    symbols : list, optional
        Per shape ``None`` or ``(direction, colour)``: a triangle pointing ``"up"`` or ``"down"``
        at the area's representative point (e.g. the dynamics of a Sozialraum); not interactive
        (the tooltip says the same); beside the area's number when ``number_key`` is given.
    number_key : str, optional
        A row key (kind ``text``) whose value is written at each area's representative point, e.g.
        ``"nr"``, the Sozialraum's number: the markup holds an empty ``<text class="sa-map-number">``
        with the area's ``data-key``, ``sa-map.js`` writes the row's value into it (a number in a
        map's markup outside its declared data would be a finding of the disclosure audit).

    Returns
    -------
    IPython.display.HTML

    Notes
    -----
    Coordinates are mapped by :math:`x' = (x - x_{min})\\,s`, :math:`y' = (y_{max} - y)\\,s`
    with :math:`s = w / (x_{max} - x_{min})` (north up, no distortion in a projected CRS), and
    simplified by Douglas–Peucker with a tolerance of a fifth of an SVG unit.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"area_id": ["1", "2"], "name": ["Nord", "Süd"]},
    ...                      geometry=[box(0, 1, 1, 2), box(0, 0, 1, 1)], crs="EPSG:25832")
    >>> rows = [{"area_id": "1", "name": "Nord", "value": "12,5 %", "status": ""},
    ...         {"area_id": "2", "name": "Süd", "value": None, "status": "primary"}]
    >>> h = svg_map(g, rows, ["#fd8d3c", None], {"area_id": "text", "name": "text", "value": "rate",
    ...             "status": "text"}, "Quote", [("#fd8d3c", "10 bis 15 %"), (None, "gesperrt")]).data
    >>> h.count('class="sa-area"'), '<title>Nord</title>' in h, 'fill="url(#sa-hatch-' in h
    (2, True, True)
    >>> json.loads(h.split('class="sa-data">')[1].split("</script>")[0])["rows"][1]["value"] is None
    True
    """
    from IPython.display import HTML  # IPython: only inside a notebook kernel

    if len(shapes) != len(rows) or len(rows) != len(fills):
        raise ValueError(f"svg_map {title!r}: {len(shapes)} shapes, {len(rows)} rows, {len(fills)} fills")
    bounds = [shapes.total_bounds]
    if outlines is not None and len(outlines):
        bounds.append(outlines.total_bounds)
    b = np.array(bounds)
    x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    s = width / (x1 - x0) if x1 > x0 else 1.0
    height = round((y1 - y0) * s, 1)

    def transform(xy):
        return np.column_stack([(xy[:, 0] - x0) * s, (y1 - xy[:, 1]) * s])

    tol = 0.2 / s
    hatch = "sa-hatch-" + hashlib.sha1(f"{title}|{[r.get('area_id') for r in rows]}".encode()).hexdigest()[:8]
    pad = 4  # SVG units around the district: outlines and symbols at the edge stay whole
    parts = [f'<svg class="sa-map-svg" viewBox="{-pad} {-pad} {width + 2 * pad} {height + 2 * pad:g}" role="img" '
             f'aria-label="{_text(title)}" xmlns="http://www.w3.org/2000/svg">',
             f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="1.5"/></pattern></defs>',
             '<g class="sa-map-view">']
    for geom, row, fill in zip(shapes.geometry, rows, fills):
        d = _path(geom.simplify(tol, preserve_topology=True), transform)
        parts.append(f'<path class="sa-area" tabindex="0" data-key="{_text(row["area_id"])}" '
                     f'fill="{_text(fill) if fill else f"url(#{hatch})"}" d="{d}"><title>{_text(row["name"])}'
                     "</title></path>")
    if outlines is not None and len(outlines):
        for geom in outlines.geometry:
            parts.append(f'<path class="sa-outline" d="{_path(geom.simplify(tol), transform)}"/>')
    if label_names:
        for geom, row in zip(shapes.geometry, rows):
            p = transform(np.array([[geom.representative_point().x, geom.representative_point().y]]))[0]
            parts.append(f'<text class="sa-map-label" x="{p[0]:.1f}" y="{p[1]:.1f}">{_text(row["name"])}</text>')
    numbered = {}
    if number_key:
        for geom, row, fill in zip(shapes.geometry, rows, fills):
            if row.get(number_key) in (None, ""):
                continue
            q = geom.representative_point()
            px, py = transform(np.array([[q.x, q.y]]))[0]
            ink = figstyle.text_color_on(fill) if fill else "#1a1a1a"  # readable on its fill, with a halo
            halo = "#1a1a1a" if ink == "#ffffff" else "#ffffff"
            parts.append(f'<text class="sa-map-number" data-key="{_text(row["area_id"])}" x="{px:.1f}" '
                         f'y="{py:.1f}" fill="{ink}" stroke="{halo}"></text>')
            numbered[str(row["area_id"])] = len(str(row[number_key]))
    for geom, sym, row in zip(shapes.geometry, symbols or [], rows):
        if sym:
            q = geom.representative_point()
            px, py = transform(np.array([[q.x, q.y]]))[0]
            if str(row["area_id"]) in numbered:  # beside the number, never on it
                px += 9 + 4 * numbered[str(row["area_id"])]
            tri = f"M{px:.1f} {py - 6:.1f}l6 10h-12z" if sym[0] == "up" else f"M{px:.1f} {py + 6:.1f}l6 -10h-12z"
            parts.append(f'<path class="sa-symbol" fill="{_text(sym[1])}" d="{tri}"/>')
    point_rows = []
    if points is not None and len(points):
        xy = transform(points[["x", "y"]].to_numpy(dtype=float))
        for (px, py), name, kind in zip(xy, points["name"], points["type"]):
            point_rows.append({"name": _names.strip(str(name)), "type": _names.strip(str(kind))})
            parts.append(f'<path class="sa-point" tabindex="0" d="M{px:.1f} {py - 6:.1f}l5.5 9.5h-11z">'
                         f"<title>{_text(name)}</title></path>")
        for kind in dict.fromkeys(points["type"]):
            legend = [*legend, ("▲", str(kind))]
    parts.append("</g></svg>")
    data = {"caption": _names.strip(title), "kinds": kinds, **({"points": point_rows} if point_rows else {}),
            **({"number_key": number_key} if number_key else {}),
            "labels": {"value": "Wert", "lower": "untere Grenze", "upper": "obere Grenze",
                       "class": "Klasse", "status": "Status", **(labels or {})},
            # tooltip text typographic as every page's (no-break space before %, true minus); the
            # keys and names as they are
            "rows": [{k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else
                          _names.strip(str(v)) if k in ("area_id", "name") else fmt.typography(_names.strip(str(v))))
                      for k, v in r.items()} for r in rows]}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    def swatch(c) -> str:
        if isinstance(c, tuple):  # a symbol: (character, colour)
            return f'<span class="sa-point-swatch" style="color:{_text(c[1])}">{_text(c[0])}</span>'
        if c == "▲":
            return '<span class="sa-point-swatch">▲</span>'
        return ('<span class="sa-swatch sa-swatch-missing"></span>' if c is None
                else f'<span class="sa-swatch" style="background:{_text(c)}"></span>')

    # line breaks between the texts (caption, the areas' titles, legend items): the search index
    # reads the page's HTML without its tags and would glue "…, 2024" to "Bad Lindenau"
    items = "\n".join(f"<li>{swatch(c)}{_text(fmt.typography(lab))}</li>" for c, lab in legend)
    foot = f'<p class="sa-map-note">{_text(note)}</p>' if note else ""
    svg = "".join(parts).replace("</title>", "</title>\n")
    return HTML(f'<figure class="sa-map" data-sa-static="previous"><figcaption>{_text(title)}</figcaption>\n'
                f'<div class="sa-map-frame">{svg}</div>\n'
                f'<ul class="sa-map-legend">{items}</ul>{foot}'
                f'<script type="application/json" class="sa-data">{payload}</script></figure>')



def _value_text(v, unit: str | None, decimals: int) -> str | None:
    if v is None or pd.isna(v):
        return None
    return fmt.pct(v, decimals) if unit == "%" else fmt.num(v, decimals, unit or None)


def choropleth(shapes, values, lower=None, upper=None, status=None, reason=None, *, title: str,
               kind: str = "rate", unit: str | None = None, decimals: int = 1, k: int = 5,
               scheme: str = "Quantiles", cmap: str = "YlOrRd", label_names: bool = False,
               outlines=None, value_label: str | None = None, note: str | None = None,
               bins=None, colors=None, class_labels=None, extra: dict | None = None, points=None):
    """The interactive twin of :func:`sozialanalyse.render.figures.choropleth`: the same classes
    (:func:`sozialanalyse.render.figures.classify`) and colours, as an :func:`svg_map`.

    Parameters
    ----------
    shapes : GeoDataFrame
        One polygon per area with ``area_id`` and ``name``.
    values, lower, upper : array-like
        The published value and its interval per shape (NaN: not published).
    status : array-like of str, optional
        ``""``, ``"primary"`` or ``"secondary"`` per shape: a suppressed area carries no value,
        no interval and no class.
    reason : array-like of str, optional
        Why a value is missing (absent input rows): the class reads "fehlt".
    title : str
        The map's caption.
    kind : str
        The audit kind of the value (``rate``, ``share``, ``index``).
    unit : str, optional
        ``%`` or a unit written after the number.
    value_label : str, optional
        The tooltip's label of the value (default "Wert").
    bins, colors, class_labels : list, optional
        Fixed classes instead of ``scheme``: class ``i`` holds ``bins[i] <= x < bins[i + 1]``
        (``len(bins) - 1`` classes), drawn in ``colors[i]`` and named ``class_labels[i]``.
    points : DataFrame, optional
        Facilities to mark (see :func:`svg_map`).
    extra : dict, optional
        Further row keys: ``{key: (kind, values, tooltip label)}`` (e.g. a significance label,
        kind ``text``).

    Returns
    -------
    IPython.display.HTML

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"area_id": ["1", "2", "3"], "name": ["A", "B", "C"]},
    ...                      geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:25832")
    >>> h = choropleth(g, [10.0, 20.0, None], [8.0, 17.5, None], [12.5, 22.5, None],
    ...                status=["", "", "primary"], title="Quote", unit="%", k=2).data
    >>> rows = json.loads(h.split('class="sa-data">')[1].split("</script>")[0])["rows"]
    >>> [tuple(str(v).replace("\\xa0", " ") for v in (r["value"], r["lower"], r["class"], r["status"])) for r in rows]
    [('10,0 %', '8,0 %', '10,0 bis 15,0 %', ''), ('20,0 %', '17,5 %', '15,0 bis 20,0 %', ''), ('None', 'None', 'gesperrt', 'primary')]
    """
    from .figures import class_label, classify

    n = len(shapes)
    vals = pd.Series(np.asarray(values, dtype=float))
    lo = pd.Series(np.asarray(lower, dtype=float)) if lower is not None else pd.Series([np.nan] * n)
    hi = pd.Series(np.asarray(upper, dtype=float)) if upper is not None else pd.Series([np.nan] * n)
    st = ["" if s is None or (isinstance(s, float) and np.isnan(s)) else str(s)
          for s in (status if status is not None else [""] * n)]
    rs = ["" if r is None or (isinstance(r, float) and np.isnan(r)) else str(r)
          for r in (reason if reason is not None else [""] * n)]
    locked = np.array([s != "" for s in st])
    vals[locked], lo[locked], hi[locked] = np.nan, np.nan, np.nan  # a suppressed area shows nothing
    if bins is None:
        cls, colors, bounds = classify(vals, k=k, scheme=scheme, cmap=cmap)
        texts = [class_label(a, b, decimals, unit) for a, b in bounds]
    else:
        cls = pd.Series(pd.cut(vals, bins=bins, labels=False, right=False)).fillna(-1).astype(int)
        texts = list(class_labels)
    rows, fills = [], []
    for i, (area_id, name) in enumerate(zip(shapes["area_id"], shapes["name"])):
        c = int(cls.iloc[i])
        missing = "gesperrt" if locked[i] else "fehlt" if rs[i] else "keine Angabe"
        rows.append({"name": str(name), "area_id": str(area_id),
                     "value": _value_text(vals.iloc[i], unit, decimals),
                     "lower": _value_text(lo.iloc[i], unit, decimals),
                     "upper": _value_text(hi.iloc[i], unit, decimals),
                     "class": texts[c] if c >= 0 else missing, "status": st[i]})
        for key, (_, vs, _label) in (extra or {}).items():
            v = list(vs)[i]
            rows[-1][key] = None if locked[i] or v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
        fills.append(colors[c] if c >= 0 else None)
    legend = list(zip(colors, texts))
    present = {r["class"] for r in rows}
    legend += [(None, m) for m in ("fehlt", "gesperrt", "keine Angabe") if m in present]
    kinds = {"name": "text", "area_id": "text", "value": kind, "lower": "interval", "upper": "interval",
             "class": "text", "status": "text", **{key: kd for key, (kd, _, _label) in (extra or {}).items()}}
    return svg_map(shapes, rows, fills, kinds, title, legend, outlines=outlines, label_names=label_names,
                   labels={**({"value": value_label} if value_label else {}),
                           **{key: lab for key, (_, _, lab) in (extra or {}).items()}}, note=note,
                   points=points)
