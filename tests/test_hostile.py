"""Hostile names: area names, indicator labels and facility names from the data files are shown
escaped and intact (tables, headings, start page, sidebar, figures), never as markup or code;
area keys that could break out of a page name or a notebook parameter are rejected."""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from test_build import CHAPTERS, ROOT, _project

from sozialanalyse.build import report
from sozialanalyse.build.report import BuildError
from sozialanalyse.io.own import DataError, load_district

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MARKDOWN = "**fett** [link](javascript:alert(1))"
LONG = "Sehr langer Name " + "Straßenzug Ölmühle Übergang " * 11
KREIS = f'Landkreis {SCRIPT} "doppelt" \'einfach\' \\ Backslash $x^2$ 😀 Straße'
STADT = f"{IMG} {MARKDOWN} Ölstadt"
SAMTGEMEINDE = ("# Überschrift ../../etc/passwd ß " + LONG)[:300]
SOZIALRAUM = [f"{SCRIPT} Süd", "`code` & &amp; \\n | Tabelle |", "..\\..\\windows ~~durch~~ <b>fett</b>",
              "Ärger $5 und 6$ Euro 🏠"]
INDICATOR = f"SGB-II-Quote {IMG} *kursiv* $y$"
FACILITY = f"Stadtteilhaus {SCRIPT} {MARKDOWN}"
TWO = ["03499016", "034995401000"]
HOSTILE = [KREIS, STADT, SAMTGEMEINDE, *SOZIALRAUM, INDICATOR]


def _hostile_project(tmp_path: Path) -> Path:
    root = _project(tmp_path)
    data = root / "data" / "musterland"
    areas = pd.read_csv(data / "areas.csv", dtype=str, keep_default_na=False)
    names = {"03499": KREIS, "03499016": STADT, "034995401000": SAMTGEMEINDE}
    for i, a in enumerate(["03499016-01", "03499016-02", "03499016-03", "03499016-04"]):
        names[a] = SOZIALRAUM[i]
    members = areas.loc[areas["parent_id"] == "034995401000", "area_id"].tolist()
    names[members[0]] = f"Mitgliedsgemeinde {IMG}"
    areas["name"] = [names.get(a, n) for a, n in zip(areas["area_id"], areas["name"])]
    areas.to_csv(data / "areas.csv", index=False, lineterminator="\n")
    meta = yaml.safe_load((data / "meta.yml").read_text(encoding="utf-8"))
    meta["name"] = KREIS
    (data / "meta.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    fac = pd.read_csv(data / "facilities.csv", dtype=str, keep_default_na=False)
    fac["name"] = [f"{FACILITY} {i}" for i in range(len(fac))]
    fac.to_csv(data / "facilities.csv", index=False, lineterminator="\n")
    (root / "config" / "feindlich.yml").write_text(yaml.safe_dump([{"id": "sgb2_quote", "name": INDICATOR}],
                                                                  allow_unicode=True), encoding="utf-8")
    cfg = root / "config" / "zwei.yml"  # no title: the book's title names the hostile Kreis
    text = cfg.read_text(encoding="utf-8").replace("title: Testbericht\n", "")
    cfg.write_text(text + "catalog: feindlich.yml\n", encoding="utf-8")
    return root


def _visible(text: str) -> str:
    return " ".join(text.split())


def _assert_no_injection(soup: BeautifulSoup, page: str) -> None:
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("onerror"), f"{page}: {tag.name} has {attr}"
            values = value if isinstance(value, list) else [value]
            for v in values:
                # the names may stand in attribute values (title=, escaped), never in handlers or URLs
                if attr.lower().startswith("on") or attr.lower() in ("href", "src", "style"):
                    assert "alert(1)" not in str(v), f"{page}: {tag.name} {attr}={v!r}"
                if attr.lower() in ("href", "src", "action", "formaction"):
                    assert not str(v).strip().lower().startswith("javascript:"), f"{page}: {attr}={v!r}"
        if tag.name == "script" and (tag.get("type") or "").strip().lower() == "application/json":
            # declared data (a map's rows, a table's numbers): never executed; a name may stand in
            # it as JSON text, but nothing may close the script element early
            assert "</" not in (tag.string or ""), f"{page}: data script closed early"
        elif tag.name == "script":
            assert "alert(1)" not in (tag.string or ""), f"{page}: injected script"
        if tag.name == "img":
            assert tag.get("src") != "x", f"{page}: injected img"
        if tag.name == "b":
            assert "fett" not in tag.get_text(), f"{page}: injected <b>"
    for strong in soup.find_all("strong"):
        assert strong.get_text() != "fett", f"{page}: Markdown **fett** was rendered"


def test_loader_rejects_keys_outside_the_documented_patterns(tmp_path):
    for bad in ["../../etc", '03499016"); import os; os.system("x"); ("', "03499016/../x", "0349901 6", "abc"]:
        folder = tmp_path / f"d{abs(hash(bad))}"
        shutil.copytree(ROOT / "data" / "musterland", folder)
        path = folder / "areas.csv"
        text = path.read_text(encoding="utf-8").replace("03499016-01,", f'"{bad}",', 1)
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DataError, match=r"areas\.csv, row \d+, column area_id, area .*: malformed key"):
            load_district(folder)


def test_parameters_are_data_not_code():
    from papermill.translators import PythonTranslator

    for value in [SCRIPT, KREIS, '"; import os; os.system("x"); "', "\\", '\\"', "\n'''\n", "a\x00b"]:
        assert ast.literal_eval(PythonTranslator.translate(value)) == value
    job = report.Job("gemeindeprofil", "gemeinden/../../etc", "", "x", {"area_id": "03499016"})
    with pytest.raises(BuildError, match="unsafe page name"):
        report._check_parameters(job, "zwei.yml")


def test_a_plain_string_is_one_papermill_writes_as_a_literal_that_reads_back():
    """The plan takes a plain string (printable, no backslash, no double quote) as safe without
    importing papermill: for every such string papermill's literal reads back as that string
    (random strings from every printable character below U+30000, and hostile ones)."""
    import random

    from papermill.translators import PythonTranslator

    rng = random.Random(19)
    pool = [chr(c) for c in range(32, 0x30000) if chr(c).isprintable()]
    values = [SCRIPT, KREIS, "Menschen mit Behinderungen", "Straße ‚Am Bach‘ – Nr. 5 €", "'''", "{x}", "%s"]
    values += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in range(20_000)]
    plain = [v for v in values if report._plain_string(v)]
    assert len(plain) > 15_000
    for value in plain:
        assert ast.literal_eval(PythonTranslator.translate(value)) == value, value
    for value in ['a"b', "a\\b", "a\nb", "a\x00b", "\u2028", 3, None, ["x"]]:
        assert not report._plain_string(value)


def test_chapter_names_are_checked(tmp_path):
    root = _project(tmp_path)
    cfg = root / "config" / "zwei.yml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("chapters: [", "chapters: ['../../etc', "),
                   encoding="utf-8")
    with pytest.raises(BuildError, match=r"unsafe page name '\.\./\.\./etc'"):
        report.plan(cfg, root)


def test_markdown_escape_keeps_every_character():
    from markdown_it import MarkdownIt

    for value in HOSTILE:
        rendered = MarkdownIt("commonmark").render(report.markdown_escape(value))
        text = BeautifulSoup(rendered, "html.parser").get_text()
        assert _visible(text) == _visible(value)
        assert "<script" not in rendered and "<img" not in rendered and "<strong" not in rendered


def test_figure_text_is_literal():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sozialanalyse.render import tables

    tables.setup()
    fig, ax = plt.subplots()
    ax.set_title(KREIS)
    ax.annotate("Ärger $5 und 6$ \\ $\\foo$", (0.5, 0.5))
    fig.canvas.draw()  # would raise on mathtext ($\foo$ is no known symbol)
    assert ax.title._preprocess_math(ax.title.get_text()) == (KREIS, False)
    plt.close(fig)


@pytest.mark.slow
def test_hostile_names_build_escaped_and_intact(tmp_path):
    root = _hostile_project(tmp_path)
    cfg, jobs = report.plan(root / "config" / "zwei.yml", root)
    assert [j.output for j in jobs] == CHAPTERS + [f"gemeinden/{a}" for a in TWO]
    result = report.build(root / "config" / "zwei.yml", jobs_n=2, quiet=True, root=root)
    assert result["book"] == "built"
    html_dir = root / "_build" / "html"
    gen = html_dir / "book" / "_generated"
    pages = sorted(gen.rglob("*.html"))
    assert len(pages) >= len(jobs) + 1
    soups = {}
    for page in pages:
        raw = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(raw, "html.parser")
        _assert_no_injection(soup, page.name)
        assert "Warning" not in raw, f"{page.name}: a warning reached the page (e.g. a long name in a figure)"
        soups[page.relative_to(gen).as_posix()] = (raw, soup)

    book_title = _visible(f"Sozialbericht {KREIS}")
    for name, (raw, soup) in soups.items():  # the book's title in <title> and the header, as written
        assert _visible(soup.find("title").get_text()).endswith(book_title), name
        assert f"Der {_visible(KREIS)} ist fiktiv" in _visible(soup.get_text()), name  # the banner

    raw, soup = soups["index.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    text = _visible(soup.get_text())
    for name in (KREIS, STADT, SAMTGEMEINDE):  # title, synthetic note, the list of profiles
        assert _visible(name) in text, name
    links = {a.get_text(): a["href"] for a in soup.select("article a")}
    assert links.get(_visible(STADT), "").endswith("gemeinden/03499016.html")

    raw, soup = soups["gemeinden/03499016.html"]
    assert _visible(soup.find("h1").get_text()).rstrip("#").strip() == _visible(STADT)
    assert soup.find("title").get_text().startswith(_visible(STADT))
    text = _visible(soup.get_text())
    for name in (STADT, KREIS, *SOZIALRAUM, INDICATOR):
        assert _visible(name) in text, name
    assert "&lt;img src=x onerror=alert(1)&gt;" in raw
    # the sidebar (toc) names both profiles with their full, escaped titles
    nav = _visible(" ".join(n.get_text() for n in soup.select("nav")))
    assert _visible(STADT) in nav and _visible(SAMTGEMEINDE) in nav
    assert len(re.findall(r'<figure class="sa-figure"[^>]*><img src="data:image/png;base64,', raw)) >= 3, "figures rendered"

    raw, soup = soups["gemeinden/034995401000.html"]
    assert _visible(soup.find("h1").get_text()).rstrip("#").strip() == _visible(SAMTGEMEINDE)
    assert f"Mitgliedsgemeinde {IMG}" in soup.get_text()

    raw, soup = soups["kreisuebersicht.html"]
    assert _visible(f"Überblick {KREIS}") in _visible(soup.get_text())
