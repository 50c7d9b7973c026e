"""Shared fixtures, and each test's layer marker. Server tests share one running stack per session."""

import os
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from bot.paths import DOMAIN, MODEL
from bot.profile import ClinicProfile, load_profile
from rasa_ext.patches import speedups_enabled
from runtime.channels import CHANNEL_VARIABLES
from runtime.servers import Stack, running_stack
from tests.servers.webhook import WebhookReceiver

# Every test gets the marker of its layer, from the folder it is in (pyproject.toml lists them),
# unless its module names one (tests/bench/test_inbox_latency.py starts the servers).
# `make test-fast` runs the unit and action layers.
LAYERS = {
    "unit": {"unit", "safety", "language", "handoff", "content", "real_text", "bench", "audit"},
    "actions": {"actions"},
    "design": {"design"},
    "rasa_ext": {"rasa_ext"},
    "servers": {"servers", "channels", "web", "shell", "hardening", "production", "retention", "services", "inbox"},
}
BROWSER = {"web"}
TESTS = Path(__file__).resolve().parent


def layer_of(path: Path) -> str:
    relative = path.relative_to(TESTS)
    folder = relative.parts[0] if len(relative.parts) > 1 else "unit"  # tests/test_*.py: code rules
    return next(layer for layer, folders in LAYERS.items() if folder in folders)


def module_layer(item: pytest.Item) -> str | None:
    """The layer a test module names in its `pytestmark`, if any."""
    marks = getattr(getattr(item, "module", None), "pytestmark", [])
    return next((mark.name for mark in (marks if isinstance(marks, list) else [marks]) if mark.name in LAYERS), None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath))
        item.add_marker(module_layer(item) or layer_of(path))
        if path.relative_to(TESTS).parts[0] in BROWSER:
            item.add_marker("browser")


@pytest.fixture(scope="session")
def domain_yaml() -> dict:
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def profile() -> ClinicProfile:
    return load_profile()


@pytest.fixture(scope="session")
def render(domain_yaml: dict, profile: ClinicProfile):
    """The text a patient sees for a response name, with the clinic's details filled in."""

    def render_response(response_name: str) -> str:
        return domain_yaml["responses"][response_name][0]["text"].format(**profile.as_slots())

    return render_response


@pytest.fixture(scope="session")
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def handoff_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('handoff') / 'handoff.db'}"


@pytest.fixture(scope="session")
def tracker_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared stack's conversations (Rasa's SQLite tracker store), which the staff inbox reads too."""
    return tmp_path_factory.mktemp("tracker") / "tracker.db"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, webhook: WebhookReceiver, handoff_database_url: str,
          tracker_database: Path) -> Iterator[Stack]:
    """The action server and Rasa server, with tickets in a temporary database and staff
    notifications going to a local webhook receiver."""
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: run `make test`, which trains first")
    run_dir = tmp_path_factory.mktemp("stack")
    extra_env = {"HANDOFF_DATABASE_URL": handoff_database_url, "HANDOFF_WEBHOOK_URL": webhook.url}
    no_channels = {var: "" for var in CHANNEL_VARIABLES}  # REST and socket.io only, whatever the shell has set
    with running_stack(MODEL, run_dir, tracker_db=tracker_database, extra_env=extra_env,
                       rasa_env=no_channels) as running:
        if not speedups_enabled(os.environ):  # `make test-unpatched`: prove the switch reached Rasa
            rasa_log = running.process("rasa").log_path.read_text(encoding="utf-8")
            assert "without rasa_ext's speed patches" in rasa_log, "CLINIC_SPEEDUPS=off did not reach Rasa"
        yield running
