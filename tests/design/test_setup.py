"""The set-up script: a clear stop when Python 3.10 is missing, and nothing to do when the
virtual environment already matches requirements.lock."""

import os
import shutil
import subprocess
from pathlib import Path

from bot.paths import ROOT

TOOLS = ("bash", "dirname", "cat", "sha256sum", "cut", "rm")  # all setup.sh needs before Python


def test_without_python_310_setup_stops_and_says_how_to_install_it(tmp_path: Path):
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    (tmp_path / "requirements.lock").write_text("")
    bin_dir = tmp_path / "bin"  # a PATH with no python3.10 on it, whatever the machine has
    bin_dir.mkdir()
    for tool in TOOLS:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(bin_dir), "PYENV_ROOT": str(tmp_path / "no-pyenv"), "HOME": str(tmp_path)}
    result = subprocess.run(["bash", "scripts/setup.sh"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Python 3.10 was not found" in result.stderr and "pyenv install 3.10.13" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_an_installed_environment_is_left_as_it_is():
    stamp = ROOT / ".venv" / ".installed-lock.sha256"
    before = stamp.stat().st_mtime_ns
    result = subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHON310": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # no "creating" and no "installing": nothing was done
    assert stamp.stat().st_mtime_ns == before
