"""One real action server and Rasa server with every messaging channel switched on, the platforms'
outbound APIs faked on loopback (fake_platforms.py, reached through shim/sitecustomize.py), and
the callback channel replying to a local receiver."""

import os
from pathlib import Path
from typing import Iterator

import pytest

from bot.handoff import TicketStore
from bot.paths import MODEL, ROOT
from runtime.servers import Stack, running_stack
from tests.channels.fake_platforms import FakePlatforms
from tests.channels.helpers import CHANNEL_ENV, SECRETS
from tests.servers.webhook import WebhookReceiver

SHIM = Path(__file__).parent / "shim"


@pytest.fixture(scope="package")
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms(SECRETS) as platforms:
        yield platforms


@pytest.fixture(scope="package")
def callback_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="package")
def channel_tickets_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('channel-handoff') / 'handoff.db'}"


@pytest.fixture(scope="package")
def channel_stack(
    tmp_path_factory: pytest.TempPathFactory, fake: FakePlatforms, callback_receiver: WebhookReceiver,
    channel_tickets_url: str,
) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: run `make test`, which trains first")
    run_dir = tmp_path_factory.mktemp("channels")
    rasa_env = {
        **CHANNEL_ENV,
        "CALLBACK_URL": callback_receiver.url,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{SHIM}",
        "FAKE_PLATFORM_API_URL": fake.url,
    }
    extra_env = {"HANDOFF_DATABASE_URL": channel_tickets_url, "HANDOFF_WEBHOOK_URL": ""}
    with running_stack(MODEL, run_dir, tracker_db=run_dir / "tracker.db", extra_env=extra_env,
                       rasa_env=rasa_env) as stack:
        yield stack


@pytest.fixture
def tickets(channel_tickets_url: str) -> TicketStore:
    return TicketStore(channel_tickets_url)
