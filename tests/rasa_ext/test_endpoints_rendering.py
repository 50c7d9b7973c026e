"""render_endpoints turns the environment switch (bot/settings.py) into endpoints.yml settings that
Rasa's own SQLTrackerStore and RedisLockStore read back as the same database and Redis server."""

import stat

import pytest
import yaml
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from rasa_ext.lock_store import RedisTicketLockStore
from runtime.servers import lock_store_settings, render_endpoints, tracker_store_settings


def endpoints(tmp_path, tracker, **options) -> dict:
    return yaml.safe_load(render_endpoints(tmp_path, 5055, tracker, **options).read_text())


@pytest.mark.parametrize("url", [
    "postgresql://rasa:s3cr%40t@db.internal:5433/clinic?sslmode=require",
    "postgresql+psycopg2://rasa@db/clinic",
    "postgresql://db/clinic",
])
def test_a_database_url_becomes_rasas_sql_store_on_the_same_url(tmp_path, url):
    store = endpoints(tmp_path, url)["tracker_store"]
    assert store["type"] == "rasa_ext.tracker_store.ClinicSQLTrackerStore"
    settings = {key: value for key, value in store.items() if key != "type"}
    rebuilt = SQLTrackerStore.get_db_url(host=settings.pop("url"), **settings)
    assert str(rebuilt) == str(make_url(url))
    assert rebuilt.password == make_url(url).password


def test_sqlite_stays_a_file_with_its_lock_store_beside_it(tmp_path):
    for tracker in (tmp_path / "var" / "tracker.db", f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"):
        rendered = endpoints(tmp_path, tracker)
        assert rendered["tracker_store"]["dialect"] == "sqlite"
        assert rendered["tracker_store"]["db"] == str(tmp_path / "var" / "tracker.db")
        assert rendered["lock_store"] == {"type": "rasa_ext.lock_store.SQLiteLockStore",
                                          "db": str(tmp_path / "var" / "locks.db")}


def test_a_redis_url_becomes_rasas_redis_lock_store(tmp_path):
    rendered = endpoints(tmp_path, "postgresql://db/clinic", redis_url="redis://:pa%3Ass@cache:6380/2")
    lock_store = LockStore.create(EndpointConfig.from_dict(rendered["lock_store"]))
    assert isinstance(lock_store, RedisTicketLockStore)
    client = lock_store.red  # connects lazily: no server needed
    connection = client.connection_pool.connection_kwargs
    assert {key: connection[key] for key in ("host", "port", "db", "password")} == {
        "host": "cache", "port": 6380, "db": 2, "password": "pa:ss"}


def test_tls_and_default_port_and_db(tmp_path):
    assert lock_store_settings("rediss://cache") == {"type": "rasa_ext.lock_store.RedisTicketLockStore",
                                                     "url": "cache", "port": 6379, "db": 0, "use_ssl": True}
    with pytest.raises(ValueError, match="not a Redis URL"):
        lock_store_settings("http://cache:6379")


def test_postgresql_without_redis_keeps_a_local_lock_store_in_the_run_folder(tmp_path):
    rendered = endpoints(tmp_path, "postgresql://db/clinic")
    assert rendered["lock_store"]["db"] == str(tmp_path / "locks.db")


def test_the_action_server_url_and_the_in_memory_shell(tmp_path):
    rendered = endpoints(tmp_path, None, action_url="http://actions:5055/webhook")
    assert rendered["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert "tracker_store" not in rendered and "lock_store" not in rendered
    assert endpoints(tmp_path, None)["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"


def test_stock_rasa_gets_rasas_own_sql_store_and_in_memory_locks(tmp_path):
    rendered = endpoints(tmp_path, tmp_path / "tracker.db", stock=True)
    assert rendered["tracker_store"]["type"] == "SQL" and "lock_store" not in rendered


def test_the_file_with_a_password_is_readable_by_its_owner_only(tmp_path):
    path = render_endpoints(tmp_path, 5055, "postgresql://rasa:secret@db/clinic")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tracker_store_settings("postgresql://rasa:secret@db/clinic")["password"] == "secret"
