"""One real action server and Rasa server with every messaging channel switched on, the platforms'
outbound APIs faked on loopback (fake_platforms.py, reached through shim/sitecustomize.py), and
the callback channel replying to a local receiver; and the staff inbox, started on demand, over the
same handoff database and conversations."""

import os
from pathlib import Path
from typing import Iterator

import pytest

from bot.handoff import TicketStore
from bot.paths import MODEL, ROOT
from runtime.servers import Stack, running_stack
from tests.channels.fake_platforms import FakePlatforms
from tests.channels.helpers import CHANNEL_ENV, SECRETS, STAFF
from tests.servers.webhook import WebhookReceiver
from tests.support.inbox import add_user, running_inbox

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
def channel_tracker_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("channel-tracker") / "tracker.db"


@pytest.fixture(scope="package")
def channel_stack(
    tmp_path_factory: pytest.TempPathFactory, fake: FakePlatforms, callback_receiver: WebhookReceiver,
    channel_tickets_url: str, channel_tracker_db: Path,
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
    with running_stack(MODEL, run_dir, tracker_db=channel_tracker_db, extra_env=extra_env,
                       rasa_env=rasa_env) as stack:
        yield stack


@pytest.fixture
def tickets(channel_tickets_url: str) -> TicketStore:
    return TicketStore(channel_tickets_url)


@pytest.fixture(scope="package")
def channel_inbox(tmp_path_factory: pytest.TempPathFactory, channel_stack: Stack, channel_tickets_url: str,
                  channel_tracker_db: Path) -> Iterator[int]:
    """`python -m bot inbox` on the channel stack, with one staff account (STAFF); yields its port."""
    add_user(channel_tickets_url, STAFF.name, STAFF.display_name, STAFF.password)
    with running_inbox(tmp_path_factory.mktemp("channel-inbox"), channel_tickets_url,
                       f"sqlite:///{channel_tracker_db}", channel_stack.rasa_url, channel_stack.auth_token) as port:
        yield port
