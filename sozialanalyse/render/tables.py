"""Showing results in notebooks and in the book: escaped HTML tables, German text, figure setup."""
from __future__ import annotations

import html
import re

import pandas as pd

from ..model import names as _names
from . import downloads as _downloads
from . import fmt as _fmt

__all__ = ["KINDS", "md_escape", "note", "setup", "table", "text"]

#: What a table column holds, for the disclosure audit (:mod:`sozialanalyse.build.audit`, which
#: keeps the same tuple): see :func:`table`.
KINDS = ("count", "total", "rate", "share", "interval", "index", "text")


def setup() -> None:
    """Matplotlib and seaborn settings for the report (call once at the top of a notebook)."""
    import matplotlib as mpl  # matplotlib: heavy, loaded on first figure
    import seaborn as sns  # seaborn: heavy, loaded on first figure

    from .figstyle import RC  # sizes and resolution of the one figure style

    sns.set_theme(style="white", context="notebook")
    mpl.rcParams.update({
        **RC,
        "axes.titleweight": "bold",
        "axes.formatter.use_locale": False,
        # negative tick labels with the true minus (U+2212), as fmt writes them in tables and text
        "axes.unicode_minus": True,
        "svg.hashsalt": "sozialanalyse",
        "figure.max_open_warning": 0,
        # names come from data files: "$x^2$" is printed as written, never parsed as mathtext
        "text.parse_math": False,
    })
    try:
        from IPython import (
            get_ipython,  # IPython: only inside a notebook kernel; importing the pages must not need it
        )

        ip = get_ipython()
        if ip is not None:
            ip.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
            ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': 'tight', "
                                        "'metadata': {'Software': None}}")
    except ImportError:  # pragma: no cover
        pass


def table(df: pd.DataFrame, caption: str | None = None, footnotes: list[str] | None = None,
          align_right: list[str] | None = None, group: str | None = None,
          links: dict[str, list[str | None]] | None = None, row_ids: list[str] | None = None,
          kinds: dict[str, str | list[str]] | None = None, header_links: dict[str, str] | None = None,
          classes: dict[str, list[str | None]] | None = None):
    """An HTML table with every cell escaped (area names come from data files: never markup) and
    without bidirectional control characters (:mod:`sozialanalyse.model.names`: never reordered).

    Cells should already be formatted as German text (see :mod:`sozialanalyse.render.fmt`). With
    ``group``, that column is not shown as a column: a header row spanning the table opens each
    run of equal values instead. ``links`` maps a column to one link target per row (cell text
    becomes a link); ``row_ids`` gives each row an HTML id (an anchor other pages link to).
    ``kinds`` declares what each column holds (attribute ``data-sa-kind`` on its header and
    cells), for the disclosure audit (:mod:`sozialanalyse.build.audit`), which fails closed: a
    column holding a number in any cell without a declared kind stops the publish. The kinds
    (:data:`KINDS`; another value is written as given and reported by the audit):

    * ``count``: persons, cases, households (the audit checks small values and whether a
      suppressed ``.`` follows from totals); ``total``: a count that is the sum of the row's
      ``count`` columns (a row named *Insgesamt*/*Zusammen*/*Summe*/*Gesamt* is the sum of its rows);
    * ``rate`` / ``share``: rates and shares, written with their unit (``12,5 %`` or a header
      with ``%``, ``‰``, ``je 1.000``, ``je 100.000``), optionally with their interval in the cell
      (``1,3 % (0,2 – 6,9 %)``); the audit checks them against every ``count``/``total`` cell of
      the same row for the counts they imply; ``interval``: a column of intervals
      (``0,2 – 6,9 %``) belonging to the nearest ``rate``/``share`` column to its left;
    * ``index``: index values, z values, ratios, any other derived number;
    * ``text``: labels, also with digits: area keys (``03499016``), years, age groups, hashes.

    A column whose rows hold different things (a key-figure table's value column: Einwohner,
    then rates) takes a list of kinds, one per row (``{"Nord": ["count", "rate", "index"]}``);
    an ``interval`` column then belongs to it when it is the nearest such column to its left.

    **The first shown column is ``text`` by default** (it labels the rows: *Gebiet*, *Jahr*,
    *Merkmal*); give it another kind in ``kinds`` if it holds data. Every other column holding
    numbers must be named in ``kinds``. Keys of ``kinds`` that are not columns (e.g. the ``group``
    column) are ignored.
    ``header_links`` maps a column to a link target for its header (e.g. the indicator's entry
    in the Indikatorenkatalog).
    ``classes`` maps a column to one CSS class per row (``None``: none), e.g. the colour of a
    benchmark marker (``sa-mark-better``; the stylesheet ``book/_static/sozialanalyse.css``);
    classes are words of letters, digits and ``-`` only.

    Returns an IPython ``HTML`` object (``.data``: the table's HTML) that is also the table as
    data: ``.frame`` is a DataFrame of numbers with German labels and units, read back from the
    cells (:func:`sozialanalyse.render.downloads.data`; NaN where a cell is ``.`` or shows no
    value), and its notebook output carries the same data (MIME type
    :data:`sozialanalyse.render.downloads.MIME`), from which the build writes the table's CSV and
    Excel files into :data:`DOWNLOADS` beside the page; the output links them under the table
    (``.data`` alone, embedded in other HTML, links nothing). A table with more than :data:`LONG`
    rows is marked ``sa-long`` (a search field) and ``sa-sortable`` (sort buttons; with ``group``
    the rows are sorted within their group; ``book/_static/sozialanalyse.js``). The table sits in a
    box ``<div class="sa-scroll">`` that scrolls sideways when the table is wider than the
    screen (a phone), so that the page never does; the box is focusable and named by the caption.
    Cells are separated by line breaks, so that
    Sphinx's search index (which deletes tags) keeps each cell's words apart.

    Examples
    --------
    >>> t = table(pd.DataFrame({"Gebiet": ["<b>A</b>"], "Wert": ["1,5 %"]}))
    >>> "&lt;b&gt;A&lt;/b&gt;" in t.data
    True
    >>> "\\u202e" in table(pd.DataFrame({"Gebiet": ["Nord\\u202eTSO"]}), caption="\\u202e").data
    False
    >>> '<th data-sa-kind="text">Jahr</th>' in table(pd.DataFrame({"Jahr": ["2024"]})).data
    True
    """
    original = df
    groups = df[group].tolist() if group else None
    if group:
        df = df.drop(columns=[group])
    right = set(align_right if align_right is not None else
                [c for c in df.columns if c not in df.columns[:1]])
    long = len(df) > LONG
    table_class = "sa-table" + (" sa-long sa-sortable" if long else "")
    # a box that scrolls sideways when the table is wider than the screen (a phone), instead of the
    # page; reachable by keyboard and named by the caption (axe: scrollable-region-focusable)
    label = html.escape(_names.strip(caption or "Tabelle"), quote=True)
    parts = [f'<div class="sa-scroll" role="region" tabindex="0" aria-label="{label}">',
             f'<table class="{table_class}">']
    if caption:
        parts.append(f"<caption>{_escape(caption)}</caption>\n")
    num_cls = ' class="num"'
    declared = {df.columns[0]: "text"} if len(df.columns) else {}
    declared.update({c: k for c, k in (kinds or {}).items() if c in df.columns})
    for c, k in declared.items():
        if not isinstance(k, str) and len(k) != len(df):
            raise ValueError(f"table {caption!r}: kinds[{c!r}] gives {len(k)} kinds for {len(df)} rows")

    def attr(k) -> str:  # an unknown kind is written as given: the audit reports it
        return f' data-sa-kind="{html.escape(str(k), quote=True)}"' if k else ""

    kind = {c: attr(k) for c, k in declared.items() if isinstance(k, str)}
    row_kind = {c: [attr(x) for x in k] for c, k in declared.items() if not isinstance(k, str)}
    def head(c) -> str:
        text = _escape(c)
        href = (header_links or {}).get(c)
        return f'<a href="{html.escape(href, quote=True)}">{text}</a>' if href else text

    parts.append("<thead><tr>" + "\n".join(
        f"<th{num_cls if c in right else ''}{kind.get(c, '')}>{head(c)}</th>" for c in df.columns)
        + "</tr></thead>\n")
    parts.append("<tbody>")
    for i, row in enumerate(df.itertuples(index=False)):
        if groups and (i == 0 or groups[i] != groups[i - 1]):
            parts.append(f'<tr class="sa-group"><th colspan="{len(df.columns)}">{_escape(groups[i])}</th></tr>\n')
        cells = []
        for c, v in zip(df.columns, row):
            names = ["num"] if c in right else []
            extra = classes[c][i] if classes and c in classes else None
            if extra:
                if not re.fullmatch(r"[A-Za-z0-9-]+", str(extra)):
                    raise ValueError(f"table {caption!r}: CSS class {extra!r} of column {c!r} is not a plain word")
                names.append(str(extra))
            cls = f' class="{" ".join(names)}"' if names else ""
            content = _escape("" if v is None else v)
            href = links[c][i] if links and c in links else None
            if href:
                content = f'<a href="{html.escape(href, quote=True)}">{content}</a>'
            cells.append(f"<td{cls}{row_kind[c][i] if c in row_kind else kind.get(c, '')}>{content}</td>")
        rid = f' id="{html.escape(row_ids[i], quote=True)}"' if row_ids else ""
        parts.append(f"<tr{rid}>" + "\n".join(cells) + "</tr>\n")
    parts.append("</tbody></table></div>")
    if footnotes:
        parts.append('<p class="sa-footnote">' + "<br>".join(_escape(f) for f in footnotes) + "</p>")
    body = _downloads.payload(_downloads.data(original, kinds, group), _names.strip(caption or ""),
                              [_names.strip(f) for f in footnotes or []])
    return Table("".join(parts), body)


#: Tables with more rows than this are searchable and sortable in the browser
#: (``book/_static/sozialanalyse.js``; the static table stays for print and without JavaScript).
LONG = 15
#: The folder beside a page that holds its tables' downloads (written by the build).
DOWNLOADS = "tabellen"


def _table_class():
    from IPython.display import (
        HTML,  # IPython: only inside a notebook kernel; importing the pages must not need it
    )

    class Table(HTML):
        """A published table: ``data`` is its HTML, ``frame`` the same table as numbers
        (:func:`sozialanalyse.render.downloads.data`), ``payload`` the JSON its notebook output
        carries for the build's downloads; shown with the links to its CSV and Excel files."""

        def __init__(self, html_text: str, body: dict):
            super().__init__(html_text)
            self.payload = body

        @property
        def frame(self):
            import pandas as pd

            b = self.payload
            frame = pd.DataFrame(b["rows"], columns=b["columns"], dtype=object)
            for c in frame.columns:
                # a column of numbers ("." suppressed, None missing) as numbers; one kept as the
                # page writes it (text in a numeric column: "2,1 % bis 4,0 %") stays text, never
                # read by pandas' parser ("261.890" is not 261.89)
                numbers = all(v is None or v == _downloads.SUPPRESSED or
                              (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in frame[c])
                if b["kinds"][c] != "text" and numbers:
                    frame[c] = pd.to_numeric(frame[c].where(frame[c] != _downloads.SUPPRESSED), errors="coerce")
            return frame

        def _repr_html_(self):
            stem = html.escape(f"{DOWNLOADS}/{self.payload['file']}", quote=True)
            return (self.data + f'\n<p class="sa-downloads">Tabelle als <a href="{stem}.csv" download>CSV</a> · '
                    f'<a href="{stem}.xlsx" download>Excel</a></p>')

        def _repr_mimebundle_(self, include=None, exclude=None):
            return {_downloads.MIME: self.payload}

    return Table


def Table(html_text: str, body: dict):  # noqa: N802 - a class made on first use (IPython is optional)
    """A published table (see :func:`table`): an IPython ``HTML`` object with ``frame`` and
    ``payload``."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _table_class()
    return _TABLE(html_text, body)


_TABLE = None


def _escape(value) -> str:
    """``value`` as HTML text: escaped, without bidirectional control characters, with the
    report's typography (:func:`sozialanalyse.render.fmt.typography`: no-break space before
    units and ``%``, true minus)."""
    return html.escape(_fmt.typography(_names.strip(str(value))))


def md_escape(value) -> str:
    r"""Escape a value (an area or indicator name from data) for Markdown text: no markup, no
    HTML, no math, shown as written (whitespace runs collapse to one space), without
    bidirectional control characters (:mod:`sozialanalyse.model.names`: never shown reordered).

    >>> print(md_escape("<b>*x*</b> $y$"))
    \<b\>\*x\*\</b\> \$y\$
    >>> md_escape("Nord\u202eTSO")
    'NordTSO'
    """
    value = " ".join(_names.strip(str(value)).split())
    return re.sub(r"""([\\`*_{}\[\]()#+\-.!|<>&~$:"'=^@%])""", r"\\\1", value)


def text(markdown: str):
    """Markdown text built by the library (values inserted must be escaped by the caller), with
    the report's typography (:func:`sozialanalyse.render.fmt.typography`)."""
    from IPython.display import (
        Markdown,  # IPython: only inside a notebook kernel; importing the pages must not need it
    )

    return Markdown(_fmt.typography(markdown))


def note(message: str):
    """A short German note in a grey box (escaped, without bidirectional control characters)."""
    from IPython.display import (
        HTML,  # IPython: only inside a notebook kernel; importing the pages must not need it
    )

    return HTML(f'<div class="sa-note">{_escape(message)}</div>')
