"""The code's own rules: ruff-clean, type-checked, and the layers import only downwards."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import tomli

from bot.paths import ROOT

BIN = Path(sys.executable).parent
# Which top-level packages each layer must never import (sub-packages included).
# bot/ → rasa_ext/, actions/ → runtime/ → tools/ → bench/, tests/: each imports only the layers before it.
FORBIDDEN_IMPORTS = {
    "bot": {"rasa", "rasa_sdk", "rasa_ext", "actions", "runtime", "tools", "bench", "tests"},  # the assistant's logic
    "actions": {"rasa_ext", "runtime", "tools", "bench", "tests"},  # thin rasa-sdk actions over bot/
    "rasa_ext": {"actions", "runtime", "tools", "bench", "tests"},  # Rasa adapted for the clinic
    "runtime": {"tools", "bench", "tests"},  # the processes and command lines
    "tools": {"bench", "tests"},  # throw-away services and load for tests and benchmarks
}
# `python -m bot …` stays the one command staff type; bot/__main__.py only hands over to runtime/.
ALLOWED_IMPORTS = {"bot/__main__.py": {"runtime"}}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_code_is_ruff_clean():
    result = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_type_checks():
    """mypy with the settings in pyproject.toml ([tool.mypy]); `make lint` runs the same."""
    result = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_checks_every_layer():
    settings = tomli.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(settings["tool"]["mypy"]["files"]) == {*FORBIDDEN_IMPORTS, "bench"}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_IMPORTS))
def test_each_layer_imports_only_what_it_may(layer):
    """bot/ runs and tests without Rasa; actions/ reach Rasa only through rasa-sdk."""
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files
    breaches = {name: sorted(imported_packages(path) & FORBIDDEN_IMPORTS[layer] - ALLOWED_IMPORTS.get(name, set()))
                for path in files if (name := str(path.relative_to(ROOT)))}
    assert {path: found for path, found in breaches.items() if found} == {}


def test_the_contract_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def late():\n    from rasa.core import agent\n    import rasa_sdk.events\n")
    assert imported_packages(module) == {"rasa", "rasa_sdk"}
