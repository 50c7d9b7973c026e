"""Shared fixtures. Server tests share one running stack per session."""

from typing import Iterator

import pytest
import yaml

from bot.paths import DOMAIN, MODEL
from bot.profile import ClinicProfile, load_profile
from bot.servers import Stack, running_stack


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
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: run `make test`, which trains first")
    run_dir = tmp_path_factory.mktemp("stack")
    with running_stack(MODEL, run_dir, tracker_db=run_dir / "tracker.db") as running:
        yield running
