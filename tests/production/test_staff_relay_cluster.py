"""Staff replies on the production layout (PostgreSQL, Redis locks, two Rasa replicas behind nginx):
two replies posted at the same moment, one to each replica's API, reach a widget connected through
nginx once each, in the order PostgreSQL stored them; one posted while the widget is away arrives
when it comes back, once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from runtime.rasa_store import post_events, staff_reply_body
from runtime.servers import HOST
from tests.support.stores import stored_staff_messages
from tests.support.widget import Patient
from tools.loadtest import REPORT

pytestmark = pytest.mark.servers


def test_staff_replies_through_two_replicas_reach_the_widget_in_stored_order(healthy):
    apis = [f"http://{HOST}:{healthy.port(name)}" for name in healthy.replicas]
    patient = Patient(healthy.url)
    patient.say(REPORT)
    assert any("handoff" in message for message in patient.messages(1, timeout=60) + patient.drain())

    together = threading.Barrier(len(apis))

    def send(api: str, number: int) -> str | None:
        together.wait()
        return post_events(api, patient.session_id, staff_reply_body(f"at once {number}", "Nurse Lee"),
                           healthy.auth_token)

    with ThreadPoolExecutor(len(apis)) as pool:
        assert list(pool.map(send, apis, range(len(apis)))) == [None] * len(apis)
    stored = stored_staff_messages(healthy.database_url, patient.session_id)
    assert sorted(text for _, text in stored) == [f"Nurse Lee (clinic team): at once {n}" for n in range(len(apis))]
    received = patient.messages(len(stored), timeout=20)
    assert [(message["staff_id"], message["text"]) for message in received] == stored
    patient.close()

    assert post_events(apis[0], patient.session_id, staff_reply_body("while away", "Nurse Lee"),
                       healthy.auth_token) is None
    back = Patient(healthy.url, patient.session_id, staff_after=stored[-1][0])
    assert [message["text"] for message in back.drain(quiet=3.0)] == ["Nurse Lee (clinic team): while away"]
    back.close()
