"""``sozialanalyse verify``: re-execute published notebooks and compare every output.

A reviewer's check of a built report: every executed notebook of a built site (Jupyter Book copies
them to ``_build/html/_sources/``) or of a folder (``book/_generated/``) runs again through
papermill with the parameters recorded in its metadata (``papermill.parameters``), in the project
folder, and every output of every code cell is compared with the published one, strictly
(nbval's semantics): the same outputs in the same order, the same stream text, the same
``text/plain``, ``text/html``, ``text/markdown``, … and the same image bytes. Execution counts
and output metadata are not compared. The regular expressions of ``nbval_sanitize.cfg`` (nbval's
format: ``[section]`` with ``regex`` and ``replace``) are applied to text on both sides first;
they cover only the build date of the page "Herkunft und Nachvollziehbarkeit".

Every page is reported as identical, differs (cell, output, MIME type and the first differing
line) or failed (the error); :func:`main` returns 1 if any page is not identical.
"""
from __future__ import annotations

import configparser
import json
import os
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from .report import project_root, run_papermill

__all__ = ["SANITIZE", "Result", "compare", "find_notebooks", "load_sanitizers", "verify", "verify_notebook"]

SANITIZE = Path(__file__).resolve().parent / "nbval_sanitize.cfg"
KERNEL_TIMEOUT = 600


@dataclass
class Result:
    """Outcome for one notebook: ``status`` is ``identical``, ``differs`` or ``failed``."""

    path: str
    status: str
    details: list[str] = field(default_factory=list)


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


def verify_notebook(path: str | Path, root: str | Path, sanitize: str | Path | None = SANITIZE,
                    timeout: int = KERNEL_TIMEOUT) -> Result:
    """Re-execute one published notebook in ``root`` with its recorded parameters and compare."""
    import nbformat  # nbformat: loaded only when notebooks are read


    path = Path(path)
    try:
        published = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - reported per page
        return Result(str(path), "failed", [f"cannot read the notebook: {exc}"])
    params = published.metadata.get("papermill", {}).get("parameters")
    if params is None:
        return Result(str(path), "failed", [("no recorded parameters (metadata papermill.parameters): "
                                             "not a notebook executed by sozialanalyse build")])
    with tempfile.TemporaryDirectory(prefix="sa-verify-") as tmp:
        out = Path(tmp) / path.name
        try:
            run_papermill(str(path), str(out), parameters=dict(params), cwd=str(root),
                          progress_bar=False, kernel_name="python3", log_output=False,
                          execution_timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - reported per page
            msg = str(exc).strip().splitlines()
            ename = getattr(exc, "ename", type(exc).__name__)
            evalue = getattr(exc, "evalue", msg[-1] if msg else "")
            cell = getattr(exc, "exec_count", None)
            return Result(str(path), "failed", [f"{'cell ' + str(cell) + ': ' if cell else ''}{ename}: {evalue}"])
        fresh = nbformat.read(out, as_version=4)
    diffs = compare(published, fresh, load_sanitizers(sanitize))
    return Result(str(path), "differs" if diffs else "identical", diffs)


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
    with ProcessPoolExecutor(max_workers=max(1, min(jobs_n, len(notebooks))), mp_context=ctx) as pool:
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
