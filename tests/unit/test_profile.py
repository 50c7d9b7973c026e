from pathlib import Path

import pytest

from bot.profile import ClinicProfile, load_profile

CONFIG = """
name: Test Clinic
phone: "+1 555 0100"
hours: "Mon-Fri 9-5"
website: "https://test.example"
emergency_number: "911"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.yml"
    path.write_text(CONFIG)
    return path


def test_reads_every_field_from_the_file(config):
    assert load_profile(config, environ={}) == ClinicProfile(
        name="Test Clinic", phone="+1 555 0100", hours="Mon-Fri 9-5",
        website="https://test.example", emergency_number="911",
    )


def test_environment_overrides_the_file(config):
    profile = load_profile(config, environ={"CLINIC_PHONE": "+1 555 0199", "CLINIC_EMERGENCY_NUMBER": "112"})
    assert profile.phone == "+1 555 0199"
    assert profile.emergency_number == "112"
    assert profile.name == "Test Clinic"


def test_config_path_can_come_from_the_environment(config):
    assert load_profile(environ={"CLINIC_CONFIG": str(config)}).name == "Test Clinic"


def test_an_empty_field_is_an_error_not_a_blank_reply(tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text(CONFIG.replace('"+1 555 0100"', '""'))
    with pytest.raises(ValueError, match="phone"):
        load_profile(path, environ={})


def test_slots_use_the_domain_names(config):
    assert load_profile(config, environ={}).as_slots() == {
        "clinic_name": "Test Clinic", "clinic_phone": "+1 555 0100", "clinic_hours": "Mon-Fri 9-5",
        "clinic_website": "https://test.example", "emergency_number": "911",
    }


def test_the_shipped_clinic_file_is_complete():
    assert all(load_profile(environ={}).as_slots().values())

