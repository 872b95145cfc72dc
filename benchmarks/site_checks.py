"""Accessibility and layout figures of a built site, measured in Debian's Chromium (issue #16).

For every page of the site (``_sources`` and ``_static`` left out), at 1280 and 390 px wide, with
the device's colour scheme emulated light and dark:

* axe-core (``axe-playwright-python``, which bundles ``axe.min.js``: no network): the serious and
  critical violations, counted as affected elements per rule;
* whether the page scrolls sideways (``document.documentElement.scrollWidth > clientWidth``);
* the figures (``<img>`` in the page's content): without a caption (``<figcaption>`` of a
  ``<figure>``), with an alt text that is empty or a file path, and the figures of
  ``<figure class="sa-figure">`` whose smallest text, rendered at the width shown, is below
  :data:`MIN_PX` CSS pixels for the window's width. The rendered size is
  ``data-sa-min-font-pt * data-sa-dpi / 72 * shown width / natural width`` (the rule of
  :mod:`sozialanalyse.render.figstyle`; ``tests/browser/figure_text.py``).

Usage: ``python benchmarks/site_checks.py [SITE_FOLDER]`` (default ``_build/html``; a folder
without ``index.html`` is reported and skipped, so that ``make bench`` runs without a built site).
Prints one line per page and viewport with findings and the totals. The browser tests
(``tests/browser/test_accessibility.py``, ``test_layout.py``) use the same functions.
"""
from __future__ import annotations

import functools
import os
import re
import sys
import threading
import time
from collections import Counter
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Debian's Chromium (the binary; /usr/bin/chromium is a wrapper script).
CHROMIUM = os.environ.get("SOZIALANALYSE_CHROMIUM", "/usr/lib/chromium/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
#: The widths measured: a desktop page and a phone.
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
#: axe impacts that fail the check.
FAILING = ("serious", "critical")
#: The smallest rendered figure text (CSS pixels) a reader is asked to read, by window width: 9 px
#: on a desktop page; 6.5 px on a 390 px phone, where a reader zooms a figure anyway (the figure
#: style's rule, :mod:`sozialanalyse.render.figstyle`: 9 pt at 150 dpi, at most 6.5 in wide).
MIN_PX = {1280: 9.0, 390: 6.5}

#: Run in the page: sideways scrolling and the figures' captions, alt texts and text sizes.
_LAYOUT_JS = r"""
() => {
  const d = document.documentElement;
  const main = document.querySelector('main') || document.body || d;
  const imgs = [...main.querySelectorAll('img')].filter(i => !i.closest('.sa-map, .leaflet-container, nav, header'));
  const figs = imgs.map(i => {
    const fig = i.closest('figure');
    const cap = fig ? fig.querySelector('figcaption') : null;
    const sa = i.closest('figure.sa-figure');
    const pt = sa ? parseFloat(sa.getAttribute('data-sa-min-font-pt')) : NaN;
    const dpi = sa ? parseFloat(sa.getAttribute('data-sa-dpi')) : NaN;
    return {src: i.getAttribute('src') || '', alt: i.getAttribute('alt'),
            caption: cap ? cap.textContent.trim() : '',
            sa: !!sa, minPt: pt, dpi: dpi, shown: i.getBoundingClientRect().width, natural: i.naturalWidth};
  });
  const clipped = e => { for (let a = e.parentElement; a && a !== d; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const wide = [...d.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > d.clientWidth + 1 && getComputedStyle(e).position !== 'fixed' && r.width > 0 && !clipped(e);
  }).filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= d.clientWidth + 1)
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') + ' ' + (e.textContent || '').trim().slice(0, 40));
  return {scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, figures: figs, wide: wide};
}
"""


def pages(site: Path) -> list[str]:
    """The site's pages, relative paths (``_sources`` and ``_static`` and redirects left out)."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not {"_sources", "_static"} & set(p.relative_to(site).parts)
                  and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:500])


def is_path_alt(alt: str | None) -> bool:
    """An alt text that says nothing: missing, empty, or a file name/path (``_images/x.png``).

    >>> is_path_alt("../_images/abc123.png"), is_path_alt("Karte der SGB-II-Quote: höchste in Nord")
    (True, False)
    """
    alt = (alt or "").strip()
    return not alt or bool(re.search(r"\.(png|jpe?g|svg|gif|webp)$", alt, re.I)) or (
        "/" in alt and " " not in alt)


def figure_findings(figures: list[dict], width: int = 1280) -> list[str]:
    """What is wrong with a page's figures, one line each (see the module docstring)."""
    out = []
    for f in figures:
        name = f["src"].rsplit("/", 1)[-1][:40]
        if not f["caption"]:
            out.append(f"figure {name}: no caption")
        if is_path_alt(f["alt"]):
            out.append(f"figure {name}: alt text {f['alt']!r} is empty or a path")
        if not f["sa"]:
            out.append(f"figure {name}: not in a figure.sa-figure, no declared text size (data-sa-min-font-pt)")
        else:
            pt, dpi = f["minPt"], f.get("dpi", float("nan"))
            if pt != pt or dpi != dpi:  # NaN: no declared size
                out.append(f"figure {name}: no data-sa-min-font-pt / data-sa-dpi")
            elif f["natural"] and f["shown"]:
                rendered = pt * dpi / 72 * f["shown"] / f["natural"]
                least = MIN_PX.get(width, min(MIN_PX.values()))
                if rendered < least:
                    out.append(f"figure {name}: smallest text {rendered:.1f} px < {least:g} px at this width")
    return out


def review(results: dict) -> Counter:
    """Serious and critical checks axe could not decide (``incomplete``, e.g. text over an image):
    affected elements per rule id, to be looked at by a person (not a failure)."""
    return Counter({v["id"]: len(v["nodes"]) for v in results.get("incomplete", [])
                    if v.get("impact") in FAILING})


def serious(results: dict) -> Counter:
    """Serious and critical axe violations: affected elements per rule id."""
    return Counter({v["id"]: len(v["nodes"]) for v in results["violations"] if v.get("impact") in FAILING})


def serve(site: Path):
    """Serve ``site`` on 127.0.0.1 (a free port); returns ``(base_url, server)``."""
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd


def check_page(page, url: str, axe=None, width: int = 1280) -> dict:
    """Open ``url`` in ``page`` and measure it: ``{"axe": Counter, "scroll": (scrollWidth,
    clientWidth), "wide": [...], "figures": [...findings]}`` (``axe`` None: not run)."""
    page.goto(url, wait_until="load")
    page.wait_for_timeout(150)  # fonts and late layout
    lay = page.evaluate(_LAYOUT_JS)
    out = {"scroll": (lay["scrollWidth"], lay["clientWidth"]), "wide": lay["wide"],
           "figures": figure_findings(lay["figures"], width), "n_figures": len(lay["figures"])}
    if axe is not None:
        res = axe.run(page, options={"resultTypes": ["violations", "incomplete"]}).response
        out["axe"], out["review"] = serious(res), review(res)
    else:
        out["axe"] = out["review"] = None
    out["theme"] = page.evaluate("() => [document.documentElement.dataset.theme || '', "
                                 "getComputedStyle(document.body || document.documentElement).backgroundColor]")
    return out


def contexts(browser, server: str):
    """One browser context per width and colour scheme, requests leaving ``server`` aborted:
    yields ``(width, scheme, page)``."""
    for scheme in SCHEMES:
        for width in WIDTHS:
            ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE",
                                      color_scheme=scheme, device_scale_factor=1)
            ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith((server, "data:"))
                      else r.abort())
            page = ctx.new_page()
            try:
                yield width, scheme, page
            finally:
                ctx.close()


def measure(site: Path, out=sys.stdout) -> dict:
    """Measure every page of ``site`` (see the module docstring); prints and returns the totals."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    base, httpd = serve(site)
    totals: dict = {}
    t0 = time.time()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for width, scheme, page in contexts(browser, base):
                key = f"{width} px {scheme}"
                agg = {"pages": 0, "violations": 0, "pages_with": 0, "rules": Counter(), "scroll": [],
                       "figures": 0, "figure_findings": 0, "review": Counter(), "themes": Counter()}
                for rel in pages(site):
                    r = check_page(page, base + rel, axe, width)
                    agg["pages"] += 1
                    agg["figures"] += r["n_figures"]
                    n = sum(r["axe"].values())
                    agg["violations"] += n
                    agg["pages_with"] += n > 0
                    agg["rules"].update(r["axe"])
                    agg["review"].update(r["review"])
                    agg["themes"][" ".join(r["theme"])] += 1
                    sw, cw = r["scroll"]
                    if sw > cw:
                        agg["scroll"].append(rel)
                    agg["figure_findings"] += len(r["figures"])
                    if n or sw > cw:
                        print(f"{key:>15} {rel}: axe {dict(r['axe'])}"
                              + (f"; scrolls sideways {sw} > {cw} ({'; '.join(r['wide'])})" if sw > cw else ""),
                              file=out)
                totals[key] = agg
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    print(f"\nsite {site} ({time.time() - t0:.0f} s)", file=out)
    for key, a in totals.items():
        print(f"{key:>15}: {a['pages']} pages, {a['violations']} serious/critical axe findings on "
              f"{a['pages_with']} pages {dict(a['rules'])}; {len(a['scroll'])} pages scroll sideways"
              f"{' ' + str(a['scroll']) if a['scroll'] else ''}; {a['figures']} figures, "
              f"{a['figure_findings']} figure findings (caption, alt, text size); for review (axe "
              f"incomplete): {dict(a['review'])}; rendered theme: {dict(a['themes'])}", file=out)
    return totals


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / "html")
    if not (folder / "index.html").is_file():
        print(f"{folder}: no built site (index.html); run `make report` or give a folder")
        sys.exit(0)
    measure(folder.resolve())
