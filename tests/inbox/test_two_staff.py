"""Two staff members, signed in to two inbox sessions, reply to one conversation at the same moment,
several times over: every reply is stored once in Rasa's tracker store, and the patient's widget
gets them all, once each, in the order they were stored (the real servers and the real inbox)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.handoff import TicketStore
from tests.support.inbox import add_user, running_inbox
from tests.support.stores import stored_staff_messages
from tests.support.waiting import wait_for
from tests.support.widget import Patient

from .conftest import InboxClient

STAFF = [("nurse.kim", "Kim Park"), ("dr.ortiz", "Dr Ortiz")]
PASSWORD = "correct horse battery"
SIDE_EFFECT = "I had mesotherapy yesterday and now my face is very swollen and hot"
ROUNDS = 5


@pytest.fixture(scope="module")
def staff_inbox(tmp_path_factory, stack, handoff_database_url, tracker_database):
    for name, display_name in STAFF:
        add_user(handoff_database_url, name, display_name, PASSWORD)
    with running_inbox(tmp_path_factory.mktemp("two-staff"), handoff_database_url, f"sqlite:///{tracker_database}",
                       stack.rasa_url, stack.auth_token) as port:
        yield port


def test_two_staff_replying_at_the_same_moment_both_land_in_order(stack, staff_inbox, handoff_database_url,
                                                                  tracker_database):
    patient = Patient(stack.rasa_url)
    patient.say(SIDE_EFFECT)
    tickets = TicketStore(handoff_database_url)
    ticket = wait_for(lambda: tickets.open_ticket_for(patient.session_id))
    tickets.close()
    assert any("handoff" in message for message in patient.drain())
    staff = [InboxClient(staff_inbox) for _ in STAFF]
    for client, (name, _) in zip(staff, STAFF, strict=True):
        assert client.sign_in(name, PASSWORD).location == "/"
    tokens = [client.get(f"/tickets/{ticket.id}").csrf() for client in staff]

    def send(member: int, number: int, together: threading.Barrier) -> int | None:
        together.wait()
        answer = staff[member].post(f"/tickets/{ticket.id}/reply", {"csrf": tokens[member],
                                                                     "text": f"round {number} from {member}"})
        return answer.status if answer.location != f"/tickets/{ticket.id}?done=replied" else None

    with ThreadPoolExecutor(len(STAFF)) as pool:
        for number in range(ROUNDS):
            together = threading.Barrier(len(STAFF))
            members = range(len(STAFF))
            refused = list(pool.map(send, members, [number] * len(STAFF), [together] * len(STAFF)))
            assert refused == [None] * len(STAFF)

    stored = stored_staff_messages(f"sqlite:///{tracker_database}", patient.session_id)
    expected = {f"{display} (clinic team): round {number} from {member}"
                for number in range(ROUNDS) for member, (_, display) in enumerate(STAFF)}
    assert sorted(text for _, text in stored) == sorted(expected)  # each reply stored, once
    received = patient.messages(len(stored))
    assert [(message["staff_id"], message["text"]) for message in received] == stored  # in the stored order
    assert patient.drain() == []
    patient.close()
