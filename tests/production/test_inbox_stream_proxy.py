"""The inbox's live list through nginx's HTTPS listener in the production layout: a new ticket
reaches an open stream at once, so nginx passes each event on instead of buffering the response
(the inbox asks it to with `X-Accel-Buffering: no`)."""

import uuid

import pytest

from bot.handoff import TicketStore
from tools.inbox import EventStream

from .helpers import PASSWORD, HttpsInboxClient

pytestmark = pytest.mark.servers


def test_a_new_ticket_reaches_the_open_list_through_nginx(healthy, staff_account):
    staff = HttpsInboxClient(healthy)
    assert staff.sign_in(staff_account, PASSWORD).location == "/"
    cookies = {"Cookie": "; ".join(f"{k}={v}" for k, v in staff.cookies.items())}
    stream = EventStream(staff.port, "/api/tickets/stream", cookies, connection=staff.connect())
    try:
        stream.wait_for(lambda data: "tickets" in data, 10)
        tickets = TicketStore(healthy.database_url)
        ticket = tickets.create_ticket(f"stream-{uuid.uuid4().hex[:8]}", "socketio", "side_effect", "urgent", [],
                                       "my lips are swollen")
        tickets.close()
        stream.wait_for(lambda data: any(row["id"] == ticket.id for row in data["tickets"]), 3)
    finally:
        stream.close()
