"""The throw-away PostgreSQL, Redis and nginx servers start on loopback, answer, and stop."""

import urllib.request
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from runtime.servers import HOST, free_port, port_is_free
from tools.local_services import nginx_server, postgres_cluster, postgres_server, redis_server


def test_postgres_answers_sql_and_stops(tmp_path: Path):
    with postgres_server(tmp_path) as url:
        engine = sa.create_engine(url, future=True)
        with engine.connect() as connection:
            assert connection.execute(sa.text("select 1 + 1")).scalar_one() == 2
        engine.dispose()
        port = sa.engine.make_url(url).port
    assert port_is_free(port)


def test_postgres_can_be_stopped_and_started_again_on_the_same_port_with_its_data(tmp_path: Path):
    with postgres_cluster(tmp_path) as cluster:
        engine = sa.create_engine(cluster.url, future=True, pool_pre_ping=True)
        with engine.begin() as connection:
            connection.execute(sa.text("create table kept (n int)"))
            connection.execute(sa.text("insert into kept values (7)"))
        cluster.stop()
        assert port_is_free(cluster.port)
        with pytest.raises(sa.exc.OperationalError):
            with engine.connect() as connection:
                connection.execute(sa.text("select 1"))
        cluster.start()
        with engine.connect() as connection:
            assert connection.execute(sa.text("select n from kept")).scalar_one() == 7
        engine.dispose()


def test_redis_answers_and_stops(tmp_path: Path):
    with redis_server(tmp_path) as url:
        client = redis.Redis.from_url(url)
        client.set("clinic", "ok")
        assert client.get("clinic") == b"ok"
        port = client.connection_pool.connection_kwargs["port"]
    assert port_is_free(port)


def test_nginx_serves_its_config_and_stops(tmp_path: Path):
    port = free_port()
    config = f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  server {{ listen {HOST}:{port}; location / {{ return 200 "clinic\\n"; }} }}
}}
"""
    with nginx_server(tmp_path, config, port):
        with urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=5) as response:
            assert response.read() == b"clinic\n"
    assert port_is_free(port)
