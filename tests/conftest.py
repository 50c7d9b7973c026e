"""Shared fixtures. Server tests share one running stack per session."""

from typing import Iterator

import pytest
import yaml

from bot.channels import CHANNEL_VARIABLES
from bot.paths import DOMAIN, MODEL
from bot.profile import ClinicProfile, load_profile
from bot.servers import Stack, running_stack
from tests.servers.webhook import WebhookReceiver


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
def stack(tmp_path_factory: pytest.TempPathFactory, webhook: WebhookReceiver, handoff_database_url: str) -> Iterator[Stack]:
    """The action server and Rasa server, with tickets in a temporary database and staff
    notifications going to a local webhook receiver."""
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: run `make test`, which trains first")
    run_dir = tmp_path_factory.mktemp("stack")
    extra_env = {"HANDOFF_DATABASE_URL": handoff_database_url, "HANDOFF_WEBHOOK_URL": webhook.url}
    no_channels = {var: "" for var in CHANNEL_VARIABLES}  # REST and socket.io only, whatever the shell has set
    with running_stack(MODEL, run_dir, tracker_db=run_dir / "tracker.db", extra_env=extra_env,
                       rasa_env=no_channels) as running:
        yield running
