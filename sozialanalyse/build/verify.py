"""``sozialanalyse verify``: re-execute the project's templates and compare notebooks and pages.

A reviewer's check of a built report (floor: build). For every executed notebook of a built site
(Jupyter Book copies them to ``_build/html/_sources/``) or of a folder (``book/_generated/``),
the **project's own template** (``notebooks/<template>.ipynb`` of ``root``; the build records its
name in ``metadata.sozialanalyse.template``) runs again through papermill with the parameters
recorded in the notebook (``metadata.papermill.parameters``), in the project folder. No code of
the published notebook is ever executed. Three things are compared:

- **the code**: every code cell of the published notebook with the template's (papermill's
  injected parameter cell aside), strictly;
- **the notebook outputs**: every output of every code cell with the re-executed one, strictly
  (nbval's semantics): the same outputs in the same order, the same stream text, the same
  ``text/plain``, ``text/html``, ``text/markdown``, … and the same image bytes. Execution counts
  and output metadata are not compared;
- **the page** (only for a site: ``<site>/<path>.html`` beside ``_sources/<path>.ipynb``): every
  re-executed output that Jupyter Book shows must stand in the page as myst-nb renders it, in the
  MIME type myst-nb picks (:data:`RENDER_PRIORITY`): ``text/html`` verbatim, images by the file
  name myst-nb gives them (the sha256 of their bytes), Markdown and plain text by their visible
  text.

The regular expressions of ``nbval_sanitize.cfg`` (nbval's format: ``[section]`` with ``regex``
and ``replace``) are applied to text on both sides first; they cover only the build date of the
page "Herkunft und Nachvollziehbarkeit".

Every page is reported as identical, differs (naming what: the code, the notebook outputs or the
page, then cell, output, MIME type and the first differing line) or failed (the error);
:func:`main` returns 1 if any page is not identical.
"""
from __future__ import annotations

import base64
import configparser
import hashlib
import json
import os
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from html.parser import HTMLParser
from multiprocessing import get_context
from pathlib import Path

from .kernels import start_kernel
from .lifetime import end_with_parent
from .report import project_root, run_papermill
from .site import NUMBER

__all__ = ["RENDER_PRIORITY", "SANITIZE", "Result", "compare", "compare_code", "compare_page", "find_notebooks",
           "load_sanitizers", "page_of", "verify", "verify_notebook"]

SANITIZE = Path(__file__).resolve().parent / "nbval_sanitize.cfg"
KERNEL_TIMEOUT = 600

#: The MIME type myst-nb shows of an output in HTML: the first of these it holds (myst-nb's
#: default ``nb_mime_priority_overrides`` for the ``html`` builder).
RENDER_PRIORITY = ("application/vnd.jupyter.widget-view+json", "application/javascript", "text/html",
                   "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/latex", "text/plain")

#: Cell tags with which Jupyter Book shows no output of the cell.
HIDDEN = ("remove-cell", "remove-output")

#: What differs: the code cells, the notebook's outputs, the HTML page.
CODE, OUTPUTS, PAGE = "code", "notebook outputs", "page (HTML)"


@dataclass
class Result:
    """Outcome for one notebook: ``status`` is ``identical``, ``differs`` or ``failed``; ``what``
    names what differs (:data:`CODE`, :data:`OUTPUTS`, :data:`PAGE`)."""

    path: str
    status: str
    details: list[str] = field(default_factory=list)
    what: list[str] = field(default_factory=list)


def find_notebooks(target: str | Path) -> list[Path]:
    """The executed notebooks to check: one ``.ipynb``, a folder of them, or a built site (its
    ``_sources/`` folder)."""
    target = Path(target)
    if target.is_file():
        return [target]
    if not target.is_dir():
        raise FileNotFoundError(f"{target}: no such file or folder")
    base = target / "_sources" if (target / "_sources").is_dir() else target
    return sorted(p for p in base.rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts and not p.name.endswith((".tmp.ipynb", ".run.ipynb")))


def load_sanitizers(path: str | Path | None = SANITIZE) -> list[tuple[re.Pattern, str]]:
    """Read an nbval sanitize file: sections with ``regex`` and ``replace``.

    Examples
    --------
    >>> subs = load_sanitizers()
    >>> _sanitize('Erstellt am: <span data-datum="01.02.2025, 10:00 UTC"></span>', subs)
    'Erstellt am: <span data-datum="DATUM"></span>'
    """
    if path is None or not Path(path).is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s].get("replace", "")) for s in parser.sections()]


def _sanitize(text: str, subs) -> str:
    for regex, replace in subs:
        text = regex.sub(replace, text)
    return text


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _normalise(output: dict, subs) -> list[tuple[str, str]]:
    """An output as (key, text) pairs: what nbval compares (no execution count, no metadata)."""
    kind = output.get("output_type")
    if kind == "stream":
        return [(f"stream {output.get('name')}", _sanitize(_text(output.get("text", "")), subs))]
    if kind == "error":
        return [("error", f"{output.get('ename')}: {output.get('evalue')}")]
    pairs = []
    for mime in sorted(output.get("data", {})):
        value = output["data"][mime]
        if mime.startswith("image/") and mime != "image/svg+xml":
            pairs.append((mime, _text(value).replace("\n", "")))  # base64: compare the bytes
        elif isinstance(value, (dict, list)) and mime.endswith("json"):
            pairs.append((mime, json.dumps(value, sort_keys=True)))
        else:
            pairs.append((mime, _sanitize(_text(value), subs)))
    return pairs


def _first_difference(a: str, b: str, mime: str) -> str:
    if mime.startswith("image/"):
        return f"image bytes differ ({len(a) * 3 // 4} vs {len(b) * 3 // 4} bytes)"
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            j = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            lo = max(0, j - 40)
            return (f"line {i + 1}: published {x[lo:j + 60]!r} != re-executed {y[lo:j + 60]!r}")
    return f"published has {len(la)} line(s), re-executed {len(lb)}"


def compare(published, fresh, subs=()) -> list[str]:
    """Differences between the code cell outputs of two notebooks (empty: identical).

    Examples
    --------
    >>> import nbformat
    >>> def nb(text):
    ...     c = nbformat.v4.new_code_cell("x")
    ...     c.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": text})]
    ...     return nbformat.v4.new_notebook(cells=[c])
    >>> compare(nb("1.234"), nb("1.234"))
    []
    >>> compare(nb("1.234"), nb("1.235"))
    ["cell 1 ('x'), output 1 text/plain: line 1: published '1.234' != re-executed '1.235'"]
    """
    out = []
    pub = [c for c in published.cells if c.cell_type == "code"]
    new = [c for c in fresh.cells if c.cell_type == "code"]
    if len(pub) != len(new):
        return [f"{len(pub)} code cells published, {len(new)} re-executed"]
    for n, (a, b) in enumerate(zip(pub, new), start=1):
        src = a.source.strip().splitlines()[0][:60] if a.source.strip() else ""
        where = f"cell {n} ({src!r})"
        if "injected-parameters" in a.metadata.get("tags", []):
            continue  # papermill writes it anew from the same recorded parameters
        if len(a.get("outputs", [])) != len(b.get("outputs", [])):
            out.append(f"{where}: {len(a.outputs)} output(s) published, {len(b.outputs)} re-executed")
            continue
        for k, (oa, ob) in enumerate(zip(a.outputs, b.outputs), start=1):
            pa, pb = _normalise(oa, subs), _normalise(ob, subs)
            if [m for m, _ in pa] != [m for m, _ in pb]:
                out.append(f"{where}, output {k}: types {[m for m, _ in pa]} published, "
                           f"{[m for m, _ in pb]} re-executed")
                continue
            for (mime, x), (_, y) in zip(pa, pb):
                if x != y:
                    out.append(f"{where}, output {k} {mime}: {_first_difference(x, y, mime)}")
    return out


def _code_cells(nb) -> list:
    """The code cells a template holds: papermill's injected parameter cell aside."""
    return [c for c in nb.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]


def _title_cell(nb):
    """The cell whose heading the build replaces with the page title (the first Markdown cell
    that starts with ``# ``), or None."""
    return next((c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith("# ")), None)


def _first_line_differing(a: str, b: str) -> tuple[str, str]:
    la, lb = a.splitlines() or [""], b.splitlines() or [""]
    i = next((k for k, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)) - 1)
    return la[i][:80], lb[i][:80]


def compare_code(published, template) -> list[str]:
    """Differences between the cells of a published notebook and of its template: every code cell
    (papermill's injected parameter cell aside) and every Markdown cell, strictly; of the title
    cell only that it is one heading line (the build sets the page title there).

    Examples
    --------
    >>> import nbformat
    >>> def nb(*src):
    ...     return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in src])
    >>> compare_code(nb("a = 1", "b"), nb("a = 1", "b"))
    []
    >>> compare_code(nb("a = 1", "import os"), nb("a = 1", "b"))
    ["code cell 2 differs from the template: published 'import os', template 'b'"]
    """
    out = []
    pub, tpl = _code_cells(published), _code_cells(template)
    if len(pub) != len(tpl):
        out.append(f"code cells differ from the template: {len(pub)} published, {len(tpl)} in the template")
    else:
        for n, (a, b) in enumerate(zip(pub, tpl), start=1):
            if a.source != b.source:
                x, y = _first_line_differing(a.source, b.source)
                out.append(f"code cell {n} differs from the template: published {x!r}, template {y!r}")
    title_pub, title_tpl = _title_cell(published), _title_cell(template)
    pub = [c for c in published.cells if c.cell_type == "markdown"]
    tpl = [c for c in template.cells if c.cell_type == "markdown"]
    if len(pub) != len(tpl):
        return [*out, f"Markdown cells differ from the template: {len(pub)} published, {len(tpl)} in the template"]
    for n, (a, b) in enumerate(zip(pub, tpl), start=1):
        if a is title_pub and b is title_tpl:
            if "\n" in a.source.strip():
                out.append(f"Markdown cell {n} (the title) is more than one heading line")
        elif a.source != b.source:
            x, y = _first_line_differing(a.source, b.source)
            out.append(f"Markdown cell {n} differs from the template: published {x!r}, template {y!r}")
    return out


class _Text(HTMLParser):
    """The visible text of HTML, one chunk per block (scripts and styles left out)."""

    BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "br", "div", "pre",
                        "table", "caption", "dt", "dd", "blockquote", "section", "figcaption", "ul", "ol"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks, self._skip = [""], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag in self.BLOCKS:
            self.chunks.append("")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        if tag in self.BLOCKS:
            self.chunks.append("")

    def handle_data(self, data):
        if not self._skip:
            self.chunks[-1] += data


#: Sphinx's smart quotes and dashes: both sides are compared without typographic glyphs.
_TYPO = [(re.compile("[\u201e\u201c\u201d\u00ab\u00bb\"]"), '"'), (re.compile("[\u201a\u2018\u2019']"), "'"),
         (re.compile("\u2014|\u2013|---|--"), "-"), (re.compile("\u2026"), "...")]


def _plain(text: str) -> str:
    for regex, replace in _TYPO:
        text = regex.sub(replace, text)
    return " ".join(text.split())


def _visible(markup: str) -> list[str]:
    """The visible text of HTML as blocks (whitespace collapsed, typographic glyphs plain)."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return [t for t in (_plain(c) for c in parser.chunks) if t]


def _markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt  # markdown-it-py (myst-parser's parser): only for verify

    return MarkdownIt("commonmark").enable("table").enable("strikethrough").render(text)


def page_of(notebook: Path) -> Path | None:
    """The HTML page of a notebook of a built site (``<site>/_sources/x.ipynb`` ->
    ``<site>/x.html``); None for a notebook outside a site's ``_sources/``.

    >>> page_of(Path("html/_sources/book/_generated/pflege.ipynb")).as_posix()
    'html/book/_generated/pflege.html'
    >>> page_of(Path("book/_generated/pflege.ipynb")) is None
    True
    """
    parts = notebook.parts
    if "_sources" not in parts[:-1]:
        return None
    i = len(parts) - 1 - parts[::-1].index("_sources")
    return Path(*parts[:i], *parts[i + 1:]).with_suffix(".html")


def compare_page(fresh, page_html: str, subs=()) -> list[str]:
    """Re-executed outputs and Markdown cells that the HTML page does not show as myst-nb renders
    them (empty: all are there). Outputs of cells tagged ``remove-cell`` or ``remove-output`` are
    not shown.

    Examples
    --------
    >>> import nbformat
    >>> c = nbformat.v4.new_code_cell("x")
    >>> c.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<b>1.234</b>",
    ...                                                           "text/plain": "x"}),
    ...              nbformat.v4.new_output("display_data", data={"text/markdown": "Es sind **12,5 %**."})]
    >>> nb = nbformat.v4.new_notebook(cells=[c])
    >>> compare_page(nb, '<div><b>1.234</b></div><p>Es sind <strong>12,5 %</strong>.</p>')
    []
    >>> compare_page(nb, '<div><b>1.234</b></div><p>Es sind <strong>2,5 %</strong>.</p>')
    ["cell 1 ('x'), output 2 text/markdown: not in the page: 'Es sind 12,5 %.'"]
    """
    page = _sanitize(NUMBER.sub("", page_html), subs)  # figure and table numbers: written by the build's tidy
    page_text = " ".join(_visible(page))
    out = []
    for n, cell in enumerate((c for c in fresh.cells if c.cell_type == "markdown"), start=1):
        if any(t in cell.metadata.get("tags", []) for t in HIDDEN):
            continue
        missing = next((b[:80] for b in _visible(_markdown_html(cell.source)) if b not in page_text), None)
        if missing:
            out.append(f"Markdown cell {n}: not in the page: {missing!r}")
    for n, cell in enumerate((c for c in fresh.cells if c.cell_type == "code"), start=1):  # as compare()
        if any(t in cell.metadata.get("tags", []) for t in HIDDEN + ("injected-parameters",)):
            continue
        src = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
        where = f"cell {n} ({src!r})"
        for k, output in enumerate(cell.get("outputs", []), start=1):
            kind = output.get("output_type")
            if kind == "stream":
                mime, value = f"stream {output.get('name')}", _text(output.get("text", ""))
            elif kind == "error":
                mime, value = "error", f"{output.get('ename')}: {output.get('evalue')}"
            else:
                data = output.get("data", {})
                mime = next((m for m in RENDER_PRIORITY if m in data), None)
                if mime is None:
                    continue  # myst-nb shows nothing of it
                value = _text(data[mime])
            missing = None
            if mime in ("image/png", "image/jpeg"):
                digest = hashlib.sha256(base64.b64decode(value)).hexdigest()
                if digest not in page:
                    missing = f"image {digest[:12]}…"
            elif mime == "text/html" or mime.startswith("application/"):
                value = _sanitize(value, subs)
                if value.strip() and value.strip() not in page:
                    missing = _plain(value)[:80]
            else:
                if mime == "text/markdown":
                    blocks = _visible(_markdown_html(_sanitize(value, subs)))
                elif mime == "image/svg+xml":
                    blocks = []
                    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
                    if digest not in page and _plain(value) not in _plain(page):
                        missing = "svg image"
                else:  # text/plain, text/latex, streams, errors: a literal block of the text
                    blocks = [_plain(line) for line in _sanitize(value, subs).splitlines() if line.strip()]
                missing = missing or next((b[:80] for b in blocks if b not in page_text), None)
            if missing:
                out.append(f"{where}, output {k} {mime}: not in the page: {missing!r}")
    return out


def verify_notebook(path: str | Path, root: str | Path, sanitize: str | Path | None = SANITIZE,
                    timeout: int = KERNEL_TIMEOUT) -> Result:
    """Re-execute the project's template of one published notebook in ``root`` with the
    notebook's recorded parameters; compare its code, its outputs and (in a site) its page."""
    import nbformat  # nbformat: loaded only when notebooks are read

    path = Path(path)
    try:
        published = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - reported per page
        return Result(str(path), "failed", [f"cannot read the notebook: {exc}"])
    params = published.metadata.get("papermill", {}).get("parameters")
    name = published.metadata.get("sozialanalyse", {}).get("template")
    if params is None or not isinstance(name, str):
        return Result(str(path), "failed", [("no recorded parameters or template (metadata papermill.parameters, "
                                             "sozialanalyse.template): not a notebook executed by "
                                             "sozialanalyse build")])
    template = Path(root) / "notebooks" / f"{name}.ipynb"
    if "/" in name or "\\" in name or name.startswith(".") or not template.is_file():
        return Result(str(path), "failed", [f"template {name!r}: no notebook {template}"])
    page = page_of(path)
    if page is not None and not page.is_file():
        return Result(str(path), "differs", [f"the page {page.name} is missing"], [PAGE])
    with tempfile.TemporaryDirectory(prefix="sa-verify-") as tmp:
        out = Path(tmp) / path.name
        wk = None
        try:
            # a fresh kernel of its own, as papermill starts one, whose machinery logs to its log
            # and not into a cell (a tornado error published in a re-run would be a false "differs")
            wk = start_kernel(str(root), warm=True, modules=(), attempts=3)
            run_papermill(str(template), str(out), parameters=dict(params), cwd=str(root),
                          progress_bar=False, kernel_name="python3", log_output=False,
                          execution_timeout=timeout, km=wk.km)
        except Exception as exc:  # noqa: BLE001 - reported per page
            msg = str(exc).strip().splitlines()
            ename = getattr(exc, "ename", type(exc).__name__)
            evalue = getattr(exc, "evalue", msg[-1] if msg else "")
            cell = getattr(exc, "exec_count", None)
            return Result(str(path), "failed", [f"{'cell ' + str(cell) + ': ' if cell else ''}{ename}: {evalue}"])
        finally:
            if wk is not None:
                wk.shutdown()
        fresh = nbformat.read(out, as_version=4)
    subs = load_sanitizers(sanitize)
    found = {CODE: compare_code(published, fresh)}
    title_pub, title_new = _title_cell(published), _title_cell(fresh)
    if title_pub is not None and title_new is not None and not found[CODE]:
        title_new.source = title_pub.source  # the page shows the title the build set
    found[OUTPUTS] = compare(published, fresh, subs)
    if page is not None:
        found[PAGE] = [f"page {page.name}: {d}" for d in
                       compare_page(fresh, page.read_text(encoding="utf-8"), subs)]
    what = [k for k, v in found.items() if v]
    details = [d for v in found.values() for d in v]
    return Result(str(path), "differs" if details else "identical", details, what)


def _worker(path: str, root: str, sanitize: str | None) -> Result:
    # the kernels' chatter (stderr) is not the reviewer's business
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    return verify_notebook(path, root, sanitize)


def verify(target: str | Path, root: str | Path | None = None, jobs_n: int = 2,
           sanitize: str | Path | None = SANITIZE, quiet: bool = False) -> list[Result]:
    """Verify every executed notebook under ``target``; prints one line per page as it finishes."""
    root = Path(root).resolve() if root else project_root()
    notebooks = find_notebooks(target)
    if not notebooks:
        raise FileNotFoundError(f"{target}: no executed notebooks (.ipynb) found")
    base = Path(target).parent if Path(target).is_file() else Path(target)
    results = []
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(jobs_n, len(notebooks))), mp_context=ctx,
                             initializer=end_with_parent) as pool:  # its kernels end if verify is killed
        futures = {pool.submit(_worker, str(p), str(root), str(sanitize) if sanitize else None): p
                   for p in notebooks}
        for fut in as_completed(futures):
            p = futures[fut]
            try:
                res = fut.result()
            except BaseException as exc:  # noqa: BLE001
                res = Result(str(p), "failed", [f"{type(exc).__name__}: {exc}"])
            try:
                res.path = Path(res.path).relative_to(base).as_posix()
            except ValueError:
                pass
            results.append(res)
            if not quiet:
                print(_line(res), flush=True)
    results.sort(key=lambda r: r.path)
    return results


def _line(res: Result) -> str:
    head = f"{res.status.upper() if res.status != 'identical' else res.status:10} {res.path}"
    if res.what:
        head += f"  ({', '.join(res.what)})"
    return "\n".join([head, *[f"    {d}" for d in res.details[:20]]]
                     + ([f"    ... and {len(res.details) - 20} more"] if len(res.details) > 20 else []))


def main(target: str, root: str | None = None, jobs_n: int = 2, quiet: bool = False) -> int:
    """CLI entry: returns 0 if every page is identical, 1 otherwise."""
    try:
        results = verify(target, root=root, jobs_n=jobs_n, quiet=quiet)
    except FileNotFoundError as exc:
        print(f"sozialanalyse verify: error: {exc}", file=sys.stderr)
        return 2
    counts = {s: sum(r.status == s for r in results) for s in ("identical", "differs", "failed")}
    print(f"{len(results)} notebook(s): {counts['identical']} identical, {counts['differs']} differ, "
          f"{counts['failed']} failed", file=sys.stderr)
    return 0 if counts["identical"] == len(results) else 1
