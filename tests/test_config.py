"""One typed report config (issue 13, point 3): every key documented and typed in
``sozialanalyse.model.config``; an unknown key is refused at once at any level, naming the key,
the file, its line and the closest valid key; values are checked; derived values live on the
object, never in the mapping the user wrote."""
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sozialanalyse.build import report
from sozialanalyse.cli import main
from sozialanalyse.io.own import DataError
from sozialanalyse.model import config as mc
from sozialanalyse.model.config import Config, ConfigError, read_config

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "musterland"


def _config(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "kreis.yml"
    path.write_text("\n".join(['title: "Test"', f"data: {DATA}", *lines]) + "\n", encoding="utf-8")
    return path


def _refused(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        read_config(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(path)), msg
    return msg


# --- unknown keys ---------------------------------------------------------------------------
def test_an_unknown_top_level_key_names_file_line_key_and_the_closest_key(tmp_path):
    msg = _refused(_config(tmp_path, "profles: all"))
    assert msg == f"{tmp_path / 'kreis.yml'}, line 3: unknown key 'profles'; did you mean 'profiles'?"


def test_an_unknown_nested_key_names_its_block_and_the_closest_key(tmp_path):
    msg = _refused(_config(tmp_path, "disclosure:", "  threshold: 3", "  zeros_visibel: false"))
    assert msg == (f"{tmp_path / 'kreis.yml'}, line 5: disclosure: unknown key 'zeros_visibel'; "
                   "did you mean 'zeros_visible'?")
    msg = _refused(_config(tmp_path, "monitoring:", "  dynamic_years: 3"))
    assert ", line 4: monitoring: unknown key 'dynamic_years'; did you mean 'dynamics_years'?" in msg


def test_an_unknown_key_without_a_close_match_lists_the_valid_keys(tmp_path):
    msg = _refused(_config(tmp_path, "farbe: blau"))
    assert ", line 3: unknown key 'farbe' (valid keys: title, description, source, data," in msg


def test_a_private_key_is_unknown_too(tmp_path):
    # the build used to write _path, _mirror, ... into the mapping; a user cannot set them
    assert ", line 3: unknown key '_mirror'; did you mean 'mirror'?" in _refused(_config(tmp_path, "_mirror: /tmp"))


def test_the_unknown_key_is_a_data_error_and_a_value_error(tmp_path):
    path = _config(tmp_path, "profles: all")
    with pytest.raises(DataError, match="unknown key 'profles'"):
        read_config(path)
    with pytest.raises(ValueError, match="unknown key 'profles'"):
        read_config(path)
    assert report.ConfigError is ConfigError  # one class, re-exported by the build


def test_validate_stops_at_once_on_profles(tmp_path, capsys):
    path = _config(tmp_path, "profles: all")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"sozialanalyse validate: error: {path}, line 3: unknown key 'profles'; "
                   "did you mean 'profiles'?")


def test_build_stops_at_once_on_profles(tmp_path):
    path = _config(tmp_path, "profles: all")
    site = tmp_path / "site"
    site.mkdir()
    (site / "_toc.yml").write_text("root: x\n")
    (site / "_config.yml").write_text("title: x\n")
    done = subprocess.run([sys.executable, "-m", "sozialanalyse.cli", "build", "--config", str(path), "-q"],
                          cwd=site, capture_output=True, text=True, timeout=120, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr.strip() == (f"sozialanalyse build: error: {path}, line 3: unknown key 'profles'; "
                                   "did you mean 'profiles'?")
    assert not (site / "book").exists()  # nothing was planned or built: only the build's lock is there
    assert [p.name for p in (site / "_build").iterdir()] == [".lock"]


def test_plan_raises_the_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"line 3: unknown key 'profles'; did you mean 'profiles'\?"):
        report.plan(_config(tmp_path, "profles: all"), root=tmp_path)


@pytest.mark.parametrize(("lines", "expected"), [
    (("key_figures: [sgb2_quote, alq]",), "key_figures: unknown indicator id(s) 'alq'"),
    (("monitoring:", "  status: [sgb2_qoute]"),
     "monitoring: status: unknown indicator id(s) 'sgb2_qoute'; did you mean 'sgb2_quote' for 'sgb2_qoute'?"),
])
def test_plan_names_an_unknown_indicator_id_of_the_config(tmp_path, lines, expected):
    """Refused before any notebook runs, not as a traceback inside the executed page."""
    path = _config(tmp_path, *lines)
    with pytest.raises(report.BuildError, match=re.escape(f"{path}: {expected}")):
        report.plan(path, root=tmp_path)


# --- values ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("lines", "expected"), [
    (("validation: locker",), "line 3: validation: 'locker' is neither 'strict' nor 'lenient'"),
    (("source: amtlich",), "line 3: source: 'amtlich' is neither 'own' nor 'official'"),
    (("title: 2024",), "line 3: title: expected text, got 2024 (write it in quotes: '2024')"),
    (("chapters: kreisuebersicht",), "line 3: chapters: expected a list of chapter names, got 'kreisuebersicht'"),
    (("chapters: [kreisuebersicht, 7]",), "line 3: chapters[1]: expected text (chapter names), got 7"),
    (("catalog: fehlt.yml",), "line 3: catalog: file "),
    (("mirror: kein_ordner",), "line 3: mirror: folder "),
    (("monitoring: {dynamics_years: 0}",), "line 3: monitoring: dynamics_years: expected a whole number >= 1, got 0"),
    (("monitoring: [a, b]",), "line 3: monitoring: expected a mapping (status: [...], dynamics_years: 2), got "),
    (("supply: 500",), "line 3: supply: expected a mapping (reach_m: [500, 1000], types: ...), got 500"),
    (("peers: [a]",), "line 3: peers: expected a mapping (k: 10, variables: [...]), got "),
    (("herausgeber: Kreis",), "line 3: herausgeber: expected a mapping (name: ..., anschrift: ...), got 'Kreis'"),
])
def test_values_are_checked_with_their_line(tmp_path, lines, expected):
    assert expected in _refused(_config(tmp_path, *lines))


def test_a_data_folder_that_does_not_exist_is_refused(tmp_path):
    path = tmp_path / "k.yml"
    path.write_text("report_year: 2024\ndata: ../nirgends\n", encoding="utf-8")
    assert _refused(path) == f"{path}, line 2: data: folder {(tmp_path.parent / 'nirgends').resolve()} does not exist"


def test_an_official_config_needs_a_five_digit_kreis_key(tmp_path):
    path = tmp_path / "amtlich.yml"
    path.write_text("source: official\nkreis: '3353'\n", encoding="utf-8")
    assert "line 2: kreis: '3353' is not a Kreis key (five digits in quotes, e.g. '03353')" in _refused(path)
    path.write_text("source: official\n", encoding="utf-8")
    assert "the config has no 'kreis' entry" in _refused(path)


# --- derived values -------------------------------------------------------------------------
def test_derived_values_are_attributes_not_keys_of_the_mapping():
    raw = {"data": "../data/musterland", "report_year": 2024}
    cfg = Config.from_mapping(raw, ROOT / "config" / "x.yml")
    assert cfg.data == DATA and cfg.path == ROOT / "config" / "x.yml"  # resolved against the file
    assert raw == {"data": "../data/musterland", "report_year": 2024}  # the user's mapping is untouched
    assert not any(str(k).startswith("_") for k in cfg.raw) and dict(cfg.raw) == raw
    with pytest.raises(TypeError):
        cfg.raw["_path"] = "x"  # read-only
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.report_year = 2023
    # the build's plan keeps the district's facts beside the config, not in it
    planned, _jobs = report.plan("musterland", ROOT)
    assert planned.config == read_config("musterland") and planned.district_name == "Landkreis Musterland"
    assert set(planned.config.raw) == {"title", "data", "report_year", "profiles", "validation", "publish_inputs",
                                       "disclosure", "herausgeber"}
    assert planned.report_year == 2024 and planned.synthetic and planned.mirror is None


def test_defaults_and_a_district_loaded_from_a_folder():
    from sozialanalyse.io.own import load_district

    d = load_district(DATA)
    assert d.config == Config() and d.config.validation == "strict" and d.config.disclosure.threshold == 3
    assert d.report_year == max(d.years)


# --- every key of the shipped configs, and documented ----------------------------------------
@pytest.mark.parametrize("name", ["musterland", "harburg"])
def test_every_key_of_the_shipped_configs_parses(name):
    path = ROOT / "config" / f"{name}.yml"
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg = read_config(name)
    assert cfg.path == path and set(cfg.raw) == set(written)
    for key, value in written.items():
        got = getattr(cfg, key)
        if isinstance(value, dict):
            for sub, v in value.items():
                assert getattr(got, sub) == v, (key, sub)
        elif key == "data":
            assert got == (path.parent / value).resolve()
        elif isinstance(value, list):
            assert list(got) == value, key
        else:
            assert got == value, key


def test_every_key_is_documented_in_the_module_docstring():
    doc = mc.__doc__
    for key in mc.KEYS:
        assert re.search(rf"^``{key}`` : ", doc, re.MULTILINE), key
    for block, kind in (("disclosure", mc.DisclosureSettings), ("monitoring", mc.MonitoringSettings)):
        for f in dataclasses.fields(kind):
            assert re.search(rf"^    ``{f.name}`` : ", doc, re.MULTILINE), (block, f.name)


@pytest.mark.parametrize("w", [float("nan"), float("inf"), 0, -1, True, "2"])
def test_a_peer_weight_is_a_finite_number_above_zero(w):
    with pytest.raises(ConfigError, match=r"peers: weights: x: expected a number > 0, got "):
        Config.from_mapping({"peers": {"weights": {"x": w}}})
    assert Config.from_mapping({"peers": {"weights": {"x": 2}}}).peers.weights == (("x", 2.0),)
