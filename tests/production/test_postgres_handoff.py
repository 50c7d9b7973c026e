"""The handoff tickets on PostgreSQL: the Alembic migrations build the models' schema, and several
action-server workers starting at once on a new database all come up (one migrates, the others
wait for it: an advisory lock in bot/handoff/migrations/env.py)."""

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from bot.handoff import TicketStore
from bot.handoff.migrate import current_revision, head_revision
from bot.handoff.models import Base
from bot.paths import ROOT
from tools.local_services import postgres_server

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    with postgres_server(tmp_path_factory.mktemp("postgres")) as url:
        yield url


def test_concurrent_first_starts_all_migrate_cleanly(postgres):
    start = [sys.executable, "-m", "bot", "migrate", "--database-url", postgres]  # the deploy step
    workers = [subprocess.Popen(start, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    failures = [worker.communicate(timeout=120)[1] for worker in workers if worker.wait(timeout=120) != 0]
    assert failures == []
    assert current_revision(postgres) == head_revision() == "0004"  # the newest migration


def test_the_migrated_schema_matches_the_models_and_keeps_tickets(postgres):
    store = TicketStore(postgres)
    ticket = store.create_ticket("conv-pg", "rest", "side_effect", "urgent", [], "my cheek is swollen")
    assert store.open_ticket_for("conv-pg") == ticket
    store.close()
    engine = create_engine(postgres, future=True)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()
