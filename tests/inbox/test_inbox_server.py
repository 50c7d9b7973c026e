"""The staff inbox as a real process on loopback: login, sessions, CSRF, the login throttle, escaping,
the ticket list's order and the ticket actions. Rasa's events API is a recording fake on loopback."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from bot.handoff import Status
from runtime.inbox.security import MAX_FAILURES_PER_ACCOUNT
from tests.support.loopback import RASA_TOKEN

from .conftest import DISPLAY_NAME, PASSWORD, PATIENT_SCRIPT

FINDINGS = [{"term": "swelling", "category": "symptom", "modifiers": ["severe"]}]
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def ticket(inbox):
    return inbox.tickets.create_ticket("conv-1", "socketio", "side_effect", "urgent", FINDINGS,
                                       "my face is swollen " + PATIENT_SCRIPT)


@pytest.fixture
def staff(inbox):
    client = inbox.client()
    assert client.sign_in().location == "/"
    return client


def test_no_page_and_no_api_without_signing_in(inbox, ticket):
    for client in (inbox.client(), inbox.client()):
        client.cookies["inbox_session"] = "made-up"  # the second one with a cookie no session has
        for path in ("/", f"/tickets/{ticket.id}", "/tickets/999"):
            reply = client.get(path)
            assert (reply.status, reply.location) == (303, "/login"), path
            assert "swollen" not in reply.body
        for api_path in ("/api/tickets", f"/api/tickets/{ticket.id}/transcript"):
            api = client.get(api_path)
            assert api.status == 401 and "swollen" not in api.body and "hello" not in api.body
        for action in ("claim", "note", "resolve", "reply"):
            reply = client.post(f"/tickets/{ticket.id}/{action}", {"csrf": "x", "note": "done"})
            assert (reply.status, reply.location) == (303, "/login"), action
        assert client.post("/logout", {"csrf": "x"}).location == "/login"
    assert inbox.tickets.get(ticket.id) == ticket
    assert inbox.rasa_requests == []
    public = inbox.client()
    assert public.get("/login").status == 200
    assert public.get("/static/inbox.js").status == 200 and public.get("/static/inbox.css").status == 200
    assert public.get("/static/app.py").status == 404
    assert public.post("/static/inbox.js", {"csrf": "x"}).status == 403  # a POST anywhere needs a session's token


def test_signing_in_sets_a_secure_http_only_strict_session_cookie(inbox, staff, ticket):
    [session_cookie] = [h for h in staff.set_cookie_headers if h.startswith("inbox_session=")]
    assert {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} <= {part.strip() for part in session_cookie.split(";")}
    page = staff.get("/")
    assert page.status == 200 and "Signed in as" in page.body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert staff.get(f"/tickets/{ticket.id}").status == 200
    assert staff.get("/login").location == "/"  # already signed in


def test_the_list_puts_emergencies_first_then_the_longest_waiting(inbox, staff):
    now = datetime.now(timezone.utc)
    create = inbox.tickets.create_ticket
    routine = create("c-r", "rest", "human_request", "routine", [], "a person please", created_at=now - timedelta(hours=2))
    older_urgent = create("c-u1", "rest", "side_effect", "urgent", FINDINGS, "swollen", created_at=now - timedelta(hours=1))
    urgent = create("c-u2", "rest", "side_effect", "urgent", FINDINGS, "swollen", created_at=now - timedelta(minutes=5))
    emergency = create("c-e", "rest", "emergency", "emergency", FINDINGS, "can't breathe")
    resolved = create("c-x", "rest", "side_effect", "urgent", FINDINGS, "swollen", created_at=now - timedelta(hours=3))
    inbox.tickets.resolve(resolved.id, "done")
    reply = staff.get("/api/tickets")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/json")
    listed = json.loads(reply.body)["tickets"]
    assert [t["id"] for t in listed] == [emergency.id, older_urgent.id, urgent.id, routine.id]
    assert listed[1] | {"url": None} == {
        "id": older_urgent.id, "url": None, "severity": "urgent", "reason": "side effect", "waiting": "1h00m",
        "status": "open", "channel": "rest", "trigger": "swollen",
    }


def test_signing_out_ends_the_session_for_good(inbox, staff, ticket, accounts):
    old_cookie, csrf = staff.cookies["inbox_session"], staff.get("/").csrf()
    reply = staff.post("/logout", {"csrf": csrf})
    assert (reply.status, reply.location) == (303, "/login")
    assert "inbox_session" not in staff.cookies  # the browser is told to drop it
    assert accounts.session(old_cookie) is None
    with create_engine(inbox.database_url, future=True).connect() as connection:
        assert connection.execute(text("select count(*) from staff_sessions")).scalar() == 0
    staff.cookies["inbox_session"] = old_cookie  # a copy of the cookie, replayed
    assert staff.get("/").location == "/login"
    assert staff.get("/api/tickets").status == 401
    assert staff.post(f"/tickets/{ticket.id}/claim", {"csrf": csrf}).location == "/login"
    assert inbox.tickets.get(ticket.id).status is Status.open


def test_a_post_without_the_sessions_csrf_token_is_refused(inbox, staff, ticket):
    other = inbox.client()
    other.sign_in()
    others_token = other.get("/").csrf()
    for fields in ({}, {"csrf": ""}, {"csrf": "wrong"}, {"csrf": others_token}):
        assert staff.post(f"/tickets/{ticket.id}/claim", fields).status == 403
        assert staff.post(f"/tickets/{ticket.id}/note", {**fields, "note": "x"}).status == 403
        assert staff.post("/logout", fields).status == 403
    assert inbox.tickets.get(ticket.id) == ticket
    assert staff.get("/").status == 200  # still signed in
    fresh = inbox.client()
    form = fresh.get("/login")
    refused = fresh.post("/login", {"csrf": "wrong", "name": "anna", "password": PASSWORD})
    assert refused.status == 403 and "inbox_session" not in fresh.cookies
    assert fresh.post("/login", {"csrf": form.csrf(), "name": "anna", "password": PASSWORD}).location == "/"


def test_the_sixth_quick_failed_login_is_refused_even_with_the_right_password(inbox):
    client = inbox.client()
    for _attempt in range(MAX_FAILURES_PER_ACCOUNT):
        reply = client.sign_in(password="not the password")
        assert reply.status == 401 and "Wrong name or password" in reply.body
    sixth = client.sign_in()
    assert sixth.status == 429 and "Too many failed sign-ins" in sixth.body
    assert "inbox_session" not in client.cookies
    assert client.sign_in(name="nobody").status == 401  # another name from here is still checked


def test_patient_text_and_names_come_back_escaped(inbox, staff, ticket):
    page = staff.get(f"/tickets/{ticket.id}").body
    assert PATIENT_SCRIPT not in page and "<b>" not in page
    assert page.count(ESCAPED_SCRIPT) == 2  # the trigger and the transcript's patient line
    assert "Anna &lt;b&gt;Smith&lt;/b&gt;" in page
    listed = json.loads(staff.get("/api/tickets").body)["tickets"]
    assert listed[0]["trigger"].endswith(PATIENT_SCRIPT)  # data, put in as text by the page's script


def test_the_transcript_json_has_the_conversation_as_data(staff, ticket):
    reply = staff.get(f"/api/tickets/{ticket.id}/transcript")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/json")
    assert json.loads(reply.body) == {"error": None, "entries": [
        {"speaker": "patient", "text": "hello " + PATIENT_SCRIPT},
        {"speaker": "assistant", "text": "A member of our team will contact you."},
        {"speaker": "", "text": "--- conversation paused for staff ---"},
    ]}
    assert staff.get("/api/tickets/999/transcript").status == 404


def test_a_ticket_page_shows_the_findings_reason_and_transcript(staff, ticket):
    page = staff.get(f"/tickets/{ticket.id}").body
    for expected in ("side effect", "swelling", "symptom", "severe", "urgent",
                     "A member of our team will contact you.", "--- conversation paused for staff ---"):
        assert expected in page


def test_claim_note_and_resolve_resume_the_conversation(inbox, staff, ticket):
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()
    assert staff.post(f"/tickets/{ticket.id}/claim", {"csrf": csrf}).location == f"/tickets/{ticket.id}?done=claimed"
    assert inbox.tickets.get(ticket.id).claimed_by == DISPLAY_NAME
    again = staff.post(f"/tickets/{ticket.id}/claim", {"csrf": csrf})
    assert again.status == 409 and "already claimed by Anna &lt;b&gt;Smith&lt;/b&gt;" in again.body
    assert staff.post(f"/tickets/{ticket.id}/note", {"csrf": csrf, "note": "  "}).status == 409
    assert staff.post(f"/tickets/{ticket.id}/note", {"csrf": csrf, "note": "called her"}).status == 303
    resolved = staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf, "note": "seen in clinic"})
    assert resolved.location == f"/tickets/{ticket.id}?done=resolved"
    stored = inbox.tickets.get(ticket.id)
    assert stored.status is Status.resolved
    assert stored.staff_notes.splitlines()[0].endswith(f"{DISPLAY_NAME}: called her")
    assert stored.staff_notes.splitlines()[1].endswith(f"{DISPLAY_NAME}: seen in clinic")
    [resume] = inbox.rasa_requests
    assert resume.path == "/conversations/conv-1/tracker/events" and resume.query["token"] == [RASA_TOKEN]
    assert resume.json()[0] == {"event": "resume"}
    assert "Resolved: the assistant answers the patient again." in staff.get(resolved.location).body
    assert staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf}).status == 409


@pytest.mark.parametrize("rasa_token", ["not-the-token"])
def test_a_resolve_that_cannot_resume_says_how_to_resume_by_hand(inbox, staff, ticket):
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()
    reply = staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf, "note": "done"})
    assert reply.status == 200 and "could not be resumed: Rasa answered HTTP 401" in reply.body
    assert "curl -XPOST" in reply.body and inbox.tickets.get(ticket.id).status is Status.resolved


def test_a_reply_is_appended_to_the_conversation_as_the_clinic_teams(inbox, staff, ticket):
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()
    assert staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": "  "}).status == 409
    sent = staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": "Please call us."})
    assert sent.location == f"/tickets/{ticket.id}?done=replied"
    [posted] = inbox.rasa_requests
    assert posted.path == "/conversations/conv-1/tracker/events" and posted.query["token"] == [RASA_TOKEN]
    assert posted.json() == [{"event": "bot", "text": f"{DISPLAY_NAME} (clinic team): Please call us.",
                              "metadata": {"from": "clinic_team", "staff": DISPLAY_NAME}}]
    assert staff.post(f"/tickets/{ticket.id}/reply", {"csrf": "wrong", "text": "x"}).status == 403
    assert staff.post("/tickets/999/reply", {"csrf": csrf, "text": "x"}).status == 404


@pytest.mark.parametrize("rasa_token", ["not-the-token"])
def test_a_reply_rasa_refuses_says_it_was_not_sent(inbox, staff, ticket):
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()
    reply = staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": "Please call us."})
    assert reply.status == 502 and "The reply was not sent: Rasa answered HTTP 401" in reply.body
