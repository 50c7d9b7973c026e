"""Rasa's own checks of the conversation design, run as part of the one test command."""

import subprocess
import sys
from pathlib import Path

from bot.paths import MODEL, ROOT

RASA = str(Path(sys.executable).parent / "rasa")


def run_rasa(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RASA, *args], cwd=cwd, capture_output=True, text=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
    )


def test_data_validates_with_no_warnings():
    result = run_rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_test_story_is_predicted_exactly(tmp_path):
    result = run_rasa(
        "test", "core", "--stories", "tests/stories", "--model", str(MODEL),
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text()


def test_the_dialogue_policies_train_through_rasas_own_command(tmp_path):
    """`make test` reuses the trained model when nothing changed, so this trains the policies
    (rasa_ext.rule_policy included) from scratch, the way Rasa's graph calls them."""
    result = run_rasa("train", "core", "--config", "config.yml", "--domain", "domain.yml", "--stories", "data",
                      "--out", str(tmp_path), "--fixed-model-name", "core", "--force")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "core.tar.gz").exists()
