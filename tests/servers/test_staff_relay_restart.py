"""A staff reply written while the patient's widget is away, then a restart of the Rasa server: the
widget, reconnecting to the new server, still gets the reply, once. The server keeps no delivery
state; the widget says where to resume (rasa_ext/staff_relay.py). Its own servers, so that the
restart does not disturb the shared ones."""

from pathlib import Path

import pytest

from bot.handoff import TicketStore
from bot.paths import MODEL
from runtime.channels import CHANNEL_VARIABLES
from runtime.rasa_store import post_events, staff_reply_body
from runtime.servers import Stack, running_stack, start_rasa_server
from tests.support.waiting import wait_for
from tests.support.widget import Patient, without_ids

pytestmark = pytest.mark.servers

REPORT = "my face has been swollen since the injections"
NO_CHANNELS = {variable: "" for variable in CHANNEL_VARIABLES}


def restart_rasa(stack: Stack, run_dir: Path, extra_env: dict) -> None:
    old = stack.process("rasa")
    old.stop()
    stack.processes.remove(old)
    stack.processes.append(start_rasa_server(
        MODEL, stack.rasa_port, run_dir / "endpoints.yml", run_dir, stack.auth_token,
        credentials=run_dir / "credentials.yml", extra_env={**extra_env, **NO_CHANNELS}))


def test_a_reply_written_before_a_restart_reaches_the_widget_after_it(tmp_path):
    handoff_url = f"sqlite:///{tmp_path / 'handoff.db'}"
    extra_env = {"HANDOFF_DATABASE_URL": handoff_url}
    run_dir = tmp_path / "stack"
    with running_stack(MODEL, run_dir, tracker_db=tmp_path / "tracker.db", extra_env=extra_env,
                       rasa_env=NO_CHANNELS) as stack:
        patient = Patient(stack.rasa_url)
        patient.say(REPORT)
        tickets = TicketStore(handoff_url)
        assert wait_for(lambda: tickets.open_ticket_for(patient.session_id))
        tickets.close()
        assert any("handoff" in message for message in patient.drain())
        patient.close()  # the page is closed

        body = staff_reply_body("Please call us when you can.", "Nurse Lee")
        assert post_events(stack.rasa_url, patient.session_id, body, stack.auth_token) is None
        restart_rasa(stack, run_dir, extra_env)

        back = Patient(stack.rasa_url, patient.session_id, staff_after=0)
        received = back.drain()
        assert without_ids(received) == [{"text": "Nurse Lee (clinic team): Please call us when you can."}]
        back.close()
        again = Patient(stack.rasa_url, patient.session_id, staff_after=received[0]["staff_id"])
        assert again.drain() == []
        again.close()
