"""Report configs: no silent path (issue 12, item 5). Area keys written as YAML numbers, unsafe
tags, syntax errors, recursive anchors, a report year that is not a year and a disclosure
threshold below 3 are each refused with one line naming the file, the line, the key and the value;
the CLI exits with status 2."""
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_config import _config, _refused  # one way to write and refuse a test config

from sozialanalyse.build.report import ConfigError, plan
from sozialanalyse.cli import main
from sozialanalyse.io.own import read_config
from sozialanalyse.pages import daten_methoden
from sozialanalyse.stats import disclosure as dc

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "musterland"


def test_an_octal_looking_area_key_is_refused_with_the_text_that_was_written(tmp_path):
    # YAML 1.1 reads 03453001 as the octal number 939521
    assert 3 * 8**6 + 4 * 8**5 + 5 * 8**4 + 3 * 8**3 + 1 == 939521  # by hand
    msg = _refused(_config(tmp_path, "profiles: ['03499001', 03453001]"))
    assert ", line 3: profiles[1]:" in msg
    assert "03453001" in msg and "939521" in msg
    assert "write it in quotes: '03453001'" in msg


def test_an_area_key_that_lost_its_leading_zero_is_refused_with_the_likely_key(tmp_path):
    msg = _refused(_config(tmp_path, "profiles:", "  - '03499001'", "  - 3499016"))
    assert ", line 5: profiles[1]: the area key 3499016 is not text" in msg
    assert "write it in quotes: '03499016'" in msg


def test_a_kreis_key_written_as_a_number_is_refused(tmp_path):
    path = tmp_path / "amtlich.yml"
    path.write_text("source: official\nkreis: 03353\n", encoding="utf-8")
    msg = _refused(path)
    assert "line 2: kreis: the area key 03353" in msg and "1771" in msg and "'03353'" in msg


@pytest.mark.parametrize(("line", "expected"), [
    ("report_year: 2024.5", "line 3: report_year: 2024.5 is not a year"),
    ('report_year: "zwanzig"', "line 3: report_year: 'zwanzig' is not a year"),
    ("report_year: 1555", "line 3: report_year: 1555 is not a plausible report year"),
    ("report_year: true", "report_year: True is not a year"),
])
def test_a_report_year_must_be_a_plausible_whole_year(tmp_path, line, expected):
    assert expected in _refused(_config(tmp_path, line))


def test_an_unsafe_tag_is_one_line_with_its_line_number(tmp_path):
    msg = _refused(_config(tmp_path, "report_year: 2024", "title2: !!python/object/apply:os.system ['echo x']"))
    assert ", line 4: the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in msg


def test_a_yaml_syntax_error_is_one_line_with_its_line_number(tmp_path):
    msg = _refused(_config(tmp_path, "profiles: ['03499001'", "report_year: 2024"))
    assert ", line 4: YAML syntax error:" in msg


def test_a_recursive_anchor_is_refused(tmp_path):
    msg = _refused(_config(tmp_path, "chapters: &c [kreisuebersicht, *c]"))
    assert ", line 3: a YAML anchor contains an alias of itself" in msg


def test_a_config_nested_beyond_the_recursion_limit_is_one_line(tmp_path):
    msg = _refused(_config(tmp_path, "chapters: " + "[" * 5000 + "]" * 5000))
    assert "nested too deeply" in msg


def test_a_config_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "liste.yml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert "a config is a mapping of settings" in _refused(path)


def test_the_shipped_configs_pass_with_plain_values():
    cfg = read_config("musterland")
    assert type(cfg.report_year) is int and type(cfg.disclosure.threshold) is int
    assert read_config(ROOT / "config" / "harburg.yml").kreis == "03353"


# --- disclosure threshold below 3 -----------------------------------------------------------
def test_threshold_1_without_acknowledgement_is_refused_saying_why_and_how(tmp_path):
    msg = _refused(_config(tmp_path, "disclosure:", "  mode: suppress", "  threshold: 1"))
    assert ", line 5: disclosure: threshold 1 is below 3" in msg and "switches suppression off" in msg
    assert "threshold_below_3_acknowledged" in msg


def test_threshold_2_without_acknowledgement_is_refused_on_every_path():
    for path in (lambda: dc.settings({"data": "x", "disclosure": {"threshold": 2}}),
                 lambda: dc.Settings(threshold=2),
                 lambda: dc.check_block({"threshold": 2, "threshold_below_3_acknowledged": "  "})):
        with pytest.raises(ValueError, match="threshold 2 is below 3.*publishes counts of 2"):
            path()


def test_acknowledged_low_threshold_is_accepted_and_printed_on_the_methods_page(tmp_path):
    cfg = read_config(_config(tmp_path, "disclosure:", "  threshold: 2",
                              '  threshold_below_3_acknowledged: "Nur für den internen Fachausschuss"'))
    s = dc.settings(cfg)
    assert (s.threshold, s.threshold_below_3_acknowledged) == (2, "Nur für den internen Fachausschuss")
    page = daten_methoden.disclosure_text(SimpleNamespace(config=cfg))
    assert "gilt in diesem Bericht die Schwelle 2" in page
    assert "Die Fallzahl 1 wird nicht veröffentlicht" in page
    assert "unter der in der amtlichen Statistik üblichen Mindestschwelle 3" in page
    assert "Begründung laut Berichtskonfiguration: Nur für den internen Fachausschuss" in page
    # protect() with a mode override keeps the acknowledgement (it used to rebuild Settings without
    # it): a 1 is suppressed, a 2 is published under threshold 2
    import pandas as pd
    out = dc.protect(pd.DataFrame({"area_id": ["A", "B"], "value": [1, 2]}), config=s, mode="suppress").table
    assert out["status"].tolist() == ["primary", ""] and out["published"].tolist()[1] == 2


def test_methods_page_with_threshold_1_says_nothing_is_suppressed(tmp_path):
    cfg = read_config(_config(tmp_path, "disclosure: {threshold: 1, threshold_below_3_acknowledged: 'Testlauf'}"))
    page = daten_methoden.disclosure_text(SimpleNamespace(config=cfg))
    assert "Schwelle 1. Es werden keine Fallzahlen gesperrt." in page and "Begründung laut Berichtskonfiguration: Testlauf" in page


def test_methods_page_at_the_usual_threshold_has_no_deviation_note():
    page = daten_methoden.disclosure_text(SimpleNamespace(config={"disclosure": {"threshold": 3}}))
    assert "Die Fallzahlen 1 und 2 werden nicht veröffentlicht" in page
    assert "Abweichende Schwelle" not in page


# --- the command line: one line, status 2 -----------------------------------------------------
def test_validate_prints_one_line_and_exits_2(tmp_path, capsys):
    path = _config(tmp_path, "profiles: [03453001]")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "write it in quotes: '03453001'" in err
    assert "neither a district folder" not in err


def test_build_refuses_a_bad_config_with_status_2(tmp_path, capsys, monkeypatch):
    path = _config(tmp_path, "disclosure: {threshold: 1}")
    with pytest.raises(ConfigError, match="threshold 1 is below 3"):
        plan(path, root=tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "_toc.yml").write_text("root: x\n")
    (site / "_config.yml").write_text("title: x\n")
    monkeypatch.chdir(site)  # the build's project root (and its lock) is this folder
    assert main(["build", "--config", str(path), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "threshold 1 is below 3" in err


def test_audit_with_a_bad_config_exits_2(tmp_path, capsys):
    path = _config(tmp_path, "disclosure: {threshold: 1}")
    assert main(["audit", str(tmp_path), "--config", str(path)]) == 2
    assert "threshold 1 is below 3" in capsys.readouterr().err
