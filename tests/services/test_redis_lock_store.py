"""The Redis lock store of the production layout, against a real Redis on loopback: replicas
taking tickets for one conversation at once never lose one (rasa#9213)."""

import multiprocessing

import pytest
from rasa.utils.endpoints import EndpointConfig

from rasa_ext.lock_store import RedisTicketLockStore
from tests.support.tickets import tickets_taken_at_once
from tools.local_services import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> str:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def store(url: str) -> RedisTicketLockStore:
    host_port = url.removeprefix("redis://").split("/")[0]
    host, port = host_port.split(":")
    return RedisTicketLockStore(EndpointConfig(url=host, port=int(port), db=0))


def issue_tickets(url: str, conversation: str, count: int, queue: multiprocessing.Queue) -> None:
    lock_store = store(url)
    queue.put([lock_store.issue_ticket(conversation) for _ in range(count)])


def test_tickets_taken_at_once_by_several_processes_are_all_kept(redis_url):
    assert sorted(tickets_taken_at_once(issue_tickets, (redis_url, "race"))) == list(range(200))
    assert len(store(redis_url).get_lock("race").tickets) == 200


def test_finishing_the_last_ticket_drops_the_lock_and_a_waiting_one_keeps_it(redis_url):
    lock_store = store(redis_url)
    first, second = lock_store.issue_ticket("turns"), lock_store.issue_ticket("turns")
    lock_store.cleanup("turns", first)
    assert [ticket.number for ticket in lock_store.get_lock("turns").tickets] == [second]
    lock_store.cleanup("turns", second)
    assert lock_store.get_lock("turns") is None
    assert lock_store.renew_ticket("turns", second) is False
