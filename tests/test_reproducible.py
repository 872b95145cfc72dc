"""Two builds from the same inputs, each from scratch, give byte-identical executed notebooks and
identical HTML, apart from the one build-date line on the page "Herkunft und Nachvollziehbarkeit"."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_build import _project

from sozialanalyse.build import report

#: the tests sharing one session build run in one process (make test: pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("two_municipality_build")

DATE_LINE = re.compile(r".*Erstellt am: <span data-datum=.*")


def _build(tmp_path: Path, name: str) -> Path:
    (tmp_path / name).mkdir()
    root = _project(tmp_path / name)
    result = report.build(root / "config" / "zwei.yml", jobs_n=2, quiet=True, root=root)
    assert result["book"] == "built" and result["cached"] == 0
    return root


def _files(folder: Path, pattern: str) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob(pattern)) if p.is_file()}


def _without_date(data: bytes) -> tuple[bytes, int]:
    lines = data.decode("utf-8").splitlines()
    kept = [ln for ln in lines if not DATE_LINE.fullmatch(ln)]
    return "\n".join(kept).encode("utf-8"), len(lines) - len(kept)


@pytest.mark.slow
def test_two_builds_from_scratch_are_identical(tmp_path, two_municipality_build):
    # the session's build from scratch (tests/conftest.py) is the first; this test builds the second
    a, b = two_municipality_build, _build(tmp_path, "b")

    # executed notebooks (book/_generated and the copies in the site) and every other site file
    for folder, pattern in [("book/_generated", "*.ipynb"), ("_build/html", "*")]:
        fa, fb = _files(a / folder, pattern), _files(b / folder, pattern)
        assert sorted(fa) == sorted(fb), folder
        dated = []
        for name in fa:
            if fa[name] == fb[name]:
                continue
            xa, na = _without_date(fa[name])
            xb, nb = _without_date(fb[name])
            assert xa == xb, f"{folder}/{name} differs beyond the build-date line"
            assert na == nb == 1, f"{folder}/{name}: {na} build-date lines"
            dated.append(name)
        # only the provenance page (its notebook and HTML) may carry the build date
        assert all("herkunft" in n for n in dated), dated

    # the build date is there, once, and nothing else on any page changes from build to build
    page = (a / "_build/html/book/_generated/herkunft.html").read_text(encoding="utf-8")
    assert page.count("Erstellt am:") == 1
    for text in (page, (a / "_build/html/book/_generated/gemeinden/03499016.html").read_text(encoding="utf-8")):
        assert "Zuletzt aktualisiert" not in text
        assert str(tmp_path) not in text and str(a) not in text
    # every page names its parameters; the download button gives the executed notebook
    prof = (a / "_build/html/book/_generated/gemeinden/03499016.html").read_text(encoding="utf-8")
    assert "Für Prüfende: Parameter dieser Seite" in prof and "<dt>Gebietsschlüssel:</dt><dd>03499016</dd>" in prof
    assert 'href="../../../_sources/book/_generated/gemeinden/03499016.ipynb"' in prof
    assert (a / "_build/html/_sources/book/_generated/gemeinden/03499016.ipynb").read_bytes() == \
        (a / "book/_generated/gemeinden/03499016.ipynb").read_bytes()
    for needle in ("SHA-256", "population.csv", "CC0 1.0", "kein Git-Repository", "pandas", "Python",
                   "zwei.yml"):
        assert needle in page, needle
