import subprocess
import sys
from pathlib import Path

from bot.paths import ROOT


def test_code_is_ruff_clean():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bot_core_does_not_import_rasa():
    """bot/ is the assistant's own logic and must run and test without Rasa."""
    for path in (ROOT / "bot").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import rasa" not in text and "from rasa" not in text, path.name
