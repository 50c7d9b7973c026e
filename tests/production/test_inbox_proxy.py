"""The staff inbox in the production layout, through nginx's HTTPS listener (a self-signed
certificate made for the run, which the client trusts): a patient's report sent through nginx makes
a ticket that a staff member signed in through nginx sees, replies to and resolves; the Secure
cookies travel over TLS only; and the login throttle counts the address nginx forwards, not nginx's.

Every loopback address is the machine's own, so "another machine" is a client bound to 127.0.0.2 or
127.0.0.3 while nginx connects to the inbox from 127.0.0.1."""

import http.client
import json
import uuid
from urllib.parse import urlsplit

import pytest

from bot.handoff import Status, TicketStore
from runtime.inbox.security import MAX_FAILURES_PER_ADDRESS
from tests.support.waiting import wait_for
from tools.cluster import Cluster
from tools.loadtest import REPORT, stored_events

from .helpers import PASSWORD, HttpsInboxClient, post

pytestmark = pytest.mark.servers

@pytest.fixture
def tickets(cluster: Cluster):
    store = TicketStore(cluster.database_url)
    yield store
    store.close()


def staff_lines(cluster: Cluster, patient: str) -> list[str]:
    events = stored_events(cluster.database_url, [patient]).get(patient, [])
    return [e["text"] for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("from") == "clinic_team"]


def test_staff_sign_in_through_nginx_see_a_patients_ticket_reply_and_resolve(healthy, staff_account, tickets):
    patient = f"inbox-{uuid.uuid4().hex}"
    status, replies = post(healthy.url, patient, REPORT)
    assert status == 200 and any("handoff" in (reply.get("custom") or {}) for reply in replies)
    ticket = wait_for(lambda: tickets.open_ticket_for(patient))

    staff = HttpsInboxClient(healthy)
    assert staff.sign_in(staff_account, PASSWORD).location == "/"
    [session_cookie] = [h for h in staff.set_cookie_headers if h.startswith("inbox_session=")]
    assert {"Secure", "HttpOnly", "SameSite=Strict"} <= {part.strip() for part in session_cookie.split(";")}
    listed = json.loads(staff.get("/api/tickets").body)["tickets"]
    assert ticket.id in [t["id"] for t in listed]
    page = staff.get(f"/tickets/{ticket.id}")
    assert page.status == 200 and REPORT in page.body  # the conversation, read from PostgreSQL
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")

    csrf = page.csrf()
    sent = staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": "Please call the clinic now."})
    assert sent.location == f"/tickets/{ticket.id}?done=replied"  # through RASA_URL, the replica's API
    assert staff_lines(healthy, patient) == ["Lee at reception (clinic team): Please call the clinic now."]
    assert staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf, "note": "called her"}).location \
        == f"/tickets/{ticket.id}?done=resolved"
    assert tickets.get(ticket.id).status is Status.resolved
    status, answer = post(healthy.url, patient, "what is mesotherapy?")
    assert status == 200 and answer  # resumed: the assistant answers again


def test_the_inbox_listener_speaks_https_only(healthy):
    url = urlsplit(healthy.inbox_url)
    plain = http.client.HTTPConnection(str(url.hostname), int(url.port or 443), timeout=30)
    try:
        plain.request("GET", "/login")
        response = plain.getresponse()
        assert response.status == 400 and response.getheader("Set-Cookie") is None
    finally:
        plain.close()
    patients = urlsplit(healthy.url)
    public = http.client.HTTPConnection(str(patients.hostname), int(patients.port or 80), timeout=30)
    try:
        public.request("GET", "/login")
        assert public.getresponse().status == 404  # not on the patients' listener either
    finally:
        public.close()


def test_the_login_throttle_counts_the_clients_address_not_nginxs(healthy, staff_account):
    guesser = HttpsInboxClient(healthy, source_address="127.0.0.2")
    for attempt in range(MAX_FAILURES_PER_ADDRESS):
        guesser.headers["X-Forwarded-For"] = f"203.0.113.{attempt}"  # a forged address changes nothing
        assert guesser.sign_in(f"nobody-{attempt}", "not the password").status == 401
    refused = guesser.sign_in(staff_account, PASSWORD)
    assert refused.status == 429 and "inbox_session" not in guesser.cookies
    colleague = HttpsInboxClient(healthy, source_address="127.0.0.3")  # nginx's address is not the one blocked
    assert colleague.sign_in(staff_account, PASSWORD).location == "/"
