"""One production-layout cluster for the session: PostgreSQL, Redis, the action server, two Rasa
replicas and nginx, on loopback (tools/cluster.py). Tests that break it leave it to
`cluster.ensure_running()` to mend."""

from typing import Iterator

import pytest

from bot.paths import MODEL
from tests.support.inbox import add_user
from tools.cluster import Cluster, running_cluster

from .helpers import DISPLAY_NAME, NAME, PASSWORD


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: run `make test`, which trains first")
    with running_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture
def healthy(cluster: Cluster) -> Cluster:
    cluster.ensure_running()
    return cluster


@pytest.fixture(scope="session")
def staff_account(cluster: Cluster) -> str:
    """One staff account on the session's cluster, for every test that signs in to its inbox."""
    add_user(cluster.database_url, NAME, DISPLAY_NAME, PASSWORD)
    return NAME
