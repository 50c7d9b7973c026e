from bot.paths import VAR
from bot.settings import handoff_database_url, redis_url, tracker_database_url


def test_embedded_defaults_are_sqlite_under_var():
    assert tracker_database_url({}) == f"sqlite:///{VAR / 'tracker.db'}"
    assert handoff_database_url({}) == f"sqlite:///{VAR / 'handoff.db'}"
    assert redis_url({}) is None


def test_one_database_url_moves_both_stores():
    env = {"DATABASE_URL": "postgresql://db/clinic", "REDIS_URL": "redis://cache:6379/0"}
    assert tracker_database_url(env) == handoff_database_url(env) == "postgresql://db/clinic"
    assert redis_url(env) == "redis://cache:6379/0"


def test_each_store_can_be_overridden_alone():
    env = {"DATABASE_URL": "postgresql://db/clinic", "TRACKER_DATABASE_URL": "postgresql://db/conversations"}
    assert tracker_database_url(env) == "postgresql://db/conversations"
    assert handoff_database_url(env) == "postgresql://db/clinic"
