import subprocess
import sys
from pathlib import Path

import bot.handoff

PACKAGE = Path(bot.handoff.__file__).parent


def test_no_rasa_imports_anywhere_in_the_package():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import rasa" not in text and "from rasa" not in text, path


def test_importing_the_package_and_cli_loads_no_rasa_module():
    code = (
        "import sys, bot.handoff, runtime.staff_cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parents[1], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
