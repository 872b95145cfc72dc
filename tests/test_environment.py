"""environment.yml (conda-forge) and pyproject.toml (pip) describe the same environment."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    pip_specs = dict(_split(s) for s in project["dependencies"] + extras["test"] + extras["browser"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_specs = dict(_split(s) for s in env["dependencies"] if isinstance(s, str))
    pip_section = next(s["pip"] for s in env["dependencies"] if isinstance(s, dict))
    conda_specs.update(_split(s) for s in pip_section if not s.startswith("-"))  # pip-only packages
    conda_specs.pop("pip")
    python = conda_specs.pop("python")
    assert python == ">=" + project["requires-python"].lstrip(">=")
    assert conda_specs == pip_specs


def test_committed_notebooks_have_no_outputs():
    """Outputs of social data can leak personal data: templates are committed without them."""
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"


def test_parameters_cells_hold_only_literals():
    """papermill overrides literals only; nothing may be derived in the parameters cell."""
    import ast

    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, f"{path.name}: exactly one cell tagged 'parameters'"
        for node in ast.parse(params[0].source).body:
            assert isinstance(node, ast.Assign), f"{path.name}: only assignments in the parameters cell"
            ast.literal_eval(node.value)
