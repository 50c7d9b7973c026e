"""rasa_ext's patches: applied only to the Rasa release they were written for, and the speed ones
can be turned off, with the servers still answering and handing off as before."""

import uuid

import pytest
import rasa

from bot.paths import MODEL
from rasa_ext.patches import (
    WRITTEN_FOR_RASA,
    UnsupportedRasa,
    all_patches,
    check_rasa_version,
    selected,
    speedups_enabled,
)
from runtime.channels import CHANNEL_VARIABLES
from runtime.servers import running_stack
from tests.servers.test_rest import ANSWERED, EXPECTED_RESPONSE, QUESTIONS


def test_the_installed_rasa_is_the_release_the_patches_were_written_for():
    check_rasa_version(rasa.__version__)
    assert rasa.__version__ == WRITTEN_FOR_RASA


@pytest.mark.parametrize("other", ["3.6.20", "3.7.0", "4.0.0"])
def test_any_other_release_is_refused_with_what_to_do(other):
    with pytest.raises(UnsupportedRasa, match="rasa_ext/PATCHES.md"):
        check_rasa_version(other)


def test_off_leaves_only_the_safety_patches_and_the_worker_layout():
    names = [patch.name for patch in selected(all_patches(), {"CLINIC_SPEEDUPS": "off"})]
    assert names == ["action_fallback", "paused", "workers"]
    assert len(selected(all_patches(), {})) == len(all_patches())


def test_a_mistyped_setting_is_an_error_not_a_silent_default():
    with pytest.raises(ValueError, match="CLINIC_SPEEDUPS"):
        speedups_enabled({"CLINIC_SPEEDUPS": "of"})


def test_every_patch_is_listed_in_the_patch_document():
    from bot.paths import ROOT

    document = (ROOT / "rasa_ext" / "PATCHES.md").read_text(encoding="utf-8")
    assert all(f"`{patch.name}`" in document for patch in all_patches())


@pytest.mark.servers
def test_with_the_speed_patches_off_the_servers_answer_and_hand_off(tmp_path, render):
    run_dir = tmp_path / "stack"
    run_dir.mkdir()
    rasa_env = {"CLINIC_SPEEDUPS": "off", **{var: "" for var in CHANNEL_VARIABLES}}
    extra_env = {"HANDOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}"}
    with running_stack(MODEL, run_dir, tracker_db=run_dir / "tracker.db", extra_env=extra_env,
                       rasa_env=rasa_env) as stack:
        for intent in ANSWERED:
            reply = stack.say(f"off-{uuid.uuid4().hex}", QUESTIONS[intent])
            assert reply[-1].get("text") == render(EXPECTED_RESPONSE[intent]), QUESTIONS[intent]
        handoff = stack.say(f"off-{uuid.uuid4().hex}", "my face has been swollen and hot since the injections")
        assert any(m.get("custom", {}).get("handoff") for m in handoff)
        assert "without rasa_ext's speed patches" in stack.process("rasa").log_path.read_text(encoding="utf-8")
