"""The hazard log (tests/safety/hazard_log.yml): each real-text miss, kept as a test.

A fixed entry must stay fixed. An open entry is expected to fail (strict xfail): when a change
makes the screen get it right, this test fails until the entry is marked fixed, so the log never
claims a miss that is gone or hides one that came back.
"""

from pathlib import Path

import pytest
import yaml

from bench.safety_scoring import is_correct
from bot.safety import screen

LOG = Path(__file__).resolve().parent / "hazard_log.yml"
ENTRIES = yaml.safe_load(LOG.read_text(encoding="utf-8")) or []


def test_every_entry_keeps_its_source_and_status():
    for entry in ENTRIES:
        assert entry["url"].startswith("http") and entry["status"] in ("open", "fixed"), entry["text"]


@pytest.mark.parametrize("entry", [
    pytest.param(entry, id=entry["text"][:50],
                 marks=[pytest.mark.xfail(strict=True, reason="open in the hazard log")] if entry["status"] == "open"
                 else [])
    for entry in ENTRIES
])
def test_the_screen_gets_the_logged_message_right(entry):
    assert is_correct(entry, screen(entry["text"]))
