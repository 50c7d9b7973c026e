"""The inbox's Sanic application: sign-in, the ticket list and its JSON, a ticket's page and its
actions (claim, note, resolve, reply); the list and a conversation as live streams (live.py).

Every route except the sign-in page and the two static files needs a live session: pages redirect
to /login, the JSON answers 401. Every POST carries a CSRF token: the session's, or on the sign-in
form a random one also set in a cookie (double submit). The session cookie is Secure, HttpOnly and
SameSite=Strict. Database and password work (SQLAlchemy, argon2) blocks, so it runs in threads,
off Sanic's event loop.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from sanic import Sanic
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, file, html, json, redirect, text

from bot.handoff.accounts import SESSION_LIFETIME, StaffAccounts, normalize_name
from bot.handoff.models import Status, utc_now
from bot.handoff.store import HandoffError, TicketStore, TicketView
from runtime.inbox.live import TranscriptView, serve_events, transcript_payload
from runtime.inbox.pages import HEADERS, STATIC, render, summary
from runtime.inbox.security import LoginThrottle, same_token
from runtime.rasa_store import (
    TranscriptEntry,
    TranscriptUnavailable,
    post_events,
    read_transcript_entries,
    resume_conversation,
    resume_curl,
    staff_reply_body,
)

SESSION_COOKIE = "inbox_session"
LOGIN_COOKIE = "inbox_login"  # the sign-in form's CSRF token, until the sign-in succeeds
NOTICES = {  # after a successful action, the ticket page says which (never text from the request)
    "claimed": "You claimed this ticket.",
    "noted": "Note added.",
    "resolved": "Resolved: the assistant answers the patient again.",
    "replied": "Reply added to the conversation.",
}


@dataclass(frozen=True)
class InboxSettings:
    database_url: str  # the handoff database: tickets and staff accounts
    tracker_database_url: str  # Rasa's tracker store, for the transcripts
    rasa_url: str
    rasa_token: Callable[[], str | None]  # read at each resolve: `make run` makes a new token each run


def build_app(settings: InboxSettings) -> Sanic:
    app = Sanic("clinic_inbox")
    app.ctx.settings = settings
    app.ctx.tickets = TicketStore(settings.database_url)
    app.ctx.accounts = StaffAccounts(settings.database_url)
    app.ctx.throttle = LoginThrottle()
    app.register_middleware(require_login, "request")
    app.register_middleware(require_csrf, "request")
    app.register_middleware(add_security_headers, "response")
    app.add_route(static_file, "/static/<name>", methods=["GET"])
    app.add_route(login_page, "/login", methods=["GET"])
    app.add_route(login, "/login", methods=["POST"])
    app.add_route(logout, "/logout", methods=["POST"])
    app.add_route(ticket_list, "/", methods=["GET"])
    app.add_route(tickets_json, "/api/tickets", methods=["GET"])
    app.add_route(tickets_stream, "/api/tickets/stream", methods=["GET"])
    app.add_route(ticket_page, "/tickets/<ticket_id:int>", methods=["GET"])
    app.add_route(transcript_json, "/api/tickets/<ticket_id:int>/transcript", methods=["GET"])
    app.add_route(transcript_stream, "/api/tickets/<ticket_id:int>/transcript/stream", methods=["GET"])
    app.add_route(claim, "/tickets/<ticket_id:int>/claim", methods=["POST"])
    app.add_route(add_note, "/tickets/<ticket_id:int>/note", methods=["POST"])
    app.add_route(resolve, "/tickets/<ticket_id:int>/resolve", methods=["POST"])
    app.add_route(reply, "/tickets/<ticket_id:int>/reply", methods=["POST"])
    app.register_listener(close_stores, "after_server_stop")
    return app


async def close_stores(app: Sanic, _loop: Any) -> None:
    app.ctx.tickets.close()
    app.ctx.accounts.close()


async def blocking(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(function, *args)


def ctx(request: Request) -> Any:
    return request.app.ctx


# --- middleware ---------------------------------------------------------------------------------


def is_public(path: str) -> bool:
    return path == "/login" or path.startswith("/static/")


async def require_login(request: Request) -> HTTPResponse | None:
    """Find the session of the request's cookie; without one, nothing but the public paths."""
    request.ctx.me = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        request.ctx.me = await blocking(ctx(request).accounts.session, token)
    if request.ctx.me is not None or is_public(request.path):
        return None
    if request.path.startswith("/api/"):
        return json({"error": "sign in first"}, status=401)
    return redirect("/login", status=303)


async def require_csrf(request: Request) -> HTTPResponse | None:
    if request.method != "POST":
        return None
    me = request.ctx.me  # None only on the public paths
    expected = request.cookies.get(LOGIN_COOKIE) if request.path == "/login" else me and me.csrf_token
    if same_token(expected, request.form.get("csrf")):
        return None
    return text("This form has expired or did not come from the inbox: reload the page and try again.", status=403)


async def add_security_headers(_request: Request, response: BaseHTTPResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


def set_cookie(response: HTTPResponse, name: str, value: str, max_age: int) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["path"] = "/"
    cookie["max-age"] = max_age
    cookie["secure"] = True
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"


# --- signing in and out -------------------------------------------------------------------------


async def static_file(_request: Request, name: str) -> HTTPResponse:
    if name not in STATIC:
        raise NotFound("no such file")
    path, content_type = STATIC[name]
    return await file(path, mime_type=content_type)


def login_form(request: Request, error: str | None = None, status: int = 200) -> HTTPResponse:
    """The sign-in form. A browser keeps its token while it has one: it fetches other things
    (its icon) that land here too, and a new token each time would void the form on screen."""
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = html(render("login.html", me=None, csrf=token, error=error), status=status)
    set_cookie(response, LOGIN_COOKIE, token, max_age=3600)
    return response


async def login_page(request: Request) -> HTTPResponse:
    return redirect("/", status=303) if request.ctx.me else login_form(request)


def client_address(request: Request) -> str:
    """The forwarded address when Sanic is told to trust the proxy (SANIC_PROXIES_COUNT), else the peer's."""
    return str(request.remote_addr or request.ip)


async def login(request: Request) -> HTTPResponse:
    name, address, throttle = normalize_name(request.form.get("name", "")), client_address(request), ctx(request).throttle
    wait = throttle.retry_after(name, address)
    if wait:
        return login_form(request, f"Too many failed sign-ins: try again in {math.ceil(wait / 60)} minute(s).", status=429)
    staff = await blocking(ctx(request).accounts.authenticate, name, request.form.get("password", ""))
    if staff is None:
        throttle.record_failure(name, address)
        return login_form(request, "Wrong name or password.", status=401)
    throttle.record_success(name)
    token, _signed_in = await blocking(ctx(request).accounts.start_session, staff)
    response = redirect("/", status=303)
    set_cookie(response, SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()))
    set_cookie(response, LOGIN_COOKIE, "", max_age=0)
    return response


async def logout(request: Request) -> HTTPResponse:
    await blocking(ctx(request).accounts.end_session, request.cookies[SESSION_COOKIE])
    response = redirect("/login", status=303)
    set_cookie(response, SESSION_COOKIE, "", max_age=0)
    return response


# --- tickets ------------------------------------------------------------------------------------


async def ticket_list(request: Request) -> HTTPResponse:
    return html(render("tickets.html", me=request.ctx.me))


def open_tickets(tickets: TicketStore) -> dict[str, Any]:
    """Open and claimed tickets, emergencies first, then oldest first."""
    now = utc_now()
    return {"tickets": [summary(ticket, now) for ticket in tickets.list_open()]}


async def tickets_json(request: Request) -> HTTPResponse:
    return json(await blocking(open_tickets, ctx(request).tickets))


def session_check(request: Request) -> Callable[[], Awaitable[bool]]:
    """Whether the request's session is still signed in, asked again by a long-lived stream."""
    token, accounts = request.cookies[SESSION_COOKIE], ctx(request).accounts

    async def signed_in() -> bool:
        return await blocking(accounts.session, token) is not None

    return signed_in


async def tickets_stream(request: Request) -> None:
    """The list page's live feed: the open tickets again whenever they change."""
    tickets = ctx(request).tickets
    await serve_events(request, lambda: blocking(open_tickets, tickets), session_check(request))


async def existing_ticket(request: Request, ticket_id: int) -> TicketView:
    ticket = await blocking(ctx(request).tickets.get, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    return ticket


async def transcript(request: Request, ticket: TicketView) -> tuple[list[TranscriptEntry], str | None]:
    """The conversation's entries, or none and why they cannot be read."""
    try:
        url = ctx(request).settings.tracker_database_url
        return await blocking(read_transcript_entries, url, ticket.conversation_id), None
    except TranscriptUnavailable as unavailable:
        return [], str(unavailable)


async def ticket_page(request: Request, ticket_id: int, error: str | None = None, status: int = 200) -> HTTPResponse:
    ticket = await existing_ticket(request, ticket_id)
    entries, transcript_error = await transcript(request, ticket)
    page = render("ticket.html", me=request.ctx.me, ticket=ticket, now=utc_now(), transcript=entries,
                  transcript_error=transcript_error, notice=NOTICES.get(request.args.get("done", "")), error=error)
    return html(page, status=status)


async def transcript_json(request: Request, ticket_id: int) -> HTTPResponse:
    """The conversation so far."""
    ticket = await existing_ticket(request, ticket_id)
    return json(await blocking(transcript_payload, ctx(request).settings.tracker_database_url, ticket.conversation_id))


async def transcript_stream(request: Request, ticket_id: int) -> None:
    """The ticket page's live feed: the conversation again whenever it changes, so the patient's
    new messages show up without a reload."""
    ticket = await existing_ticket(request, ticket_id)
    view = TranscriptView(ctx(request).settings.tracker_database_url, ticket.conversation_id)
    try:
        await serve_events(request, lambda: blocking(view.current), session_check(request))
    finally:
        view.close()


async def act(request: Request, ticket_id: int, change: Callable[..., Any], *args: Any, done: str) -> HTTPResponse:
    """Apply one change to a ticket; then back to its page, saying what was done or what was refused."""
    try:
        await blocking(change, ticket_id, *args)
    except (HandoffError, ValueError) as refused:
        return await ticket_page(request, ticket_id, error=str(refused), status=409)
    return redirect(f"/tickets/{ticket_id}?done={done}", status=303)


async def claim(request: Request, ticket_id: int) -> HTTPResponse:
    return await act(request, ticket_id, ctx(request).tickets.claim, request.ctx.me.staff.display_name, done="claimed")


def signed_note(request: Request) -> str:
    note = request.form.get("note", "").strip()
    return f"{request.ctx.me.staff.display_name}: {note}" if note else ""


async def add_note(request: Request, ticket_id: int) -> HTTPResponse:
    return await act(request, ticket_id, ctx(request).tickets.add_note, signed_note(request), done="noted")


async def resolve(request: Request, ticket_id: int) -> HTTPResponse:
    """Resolve, then resume the conversation, as `staff resolve` does; if Rasa cannot be reached the
    ticket stays resolved and the page says how to resume by hand. If the patient's platform
    refused "You're back with the assistant.", the conversation is resumed without it, and the page
    says the patient was not told."""
    response = await act(request, ticket_id, ctx(request).tickets.resolve, signed_note(request), done="resolved")
    if response.status != 303:
        return response
    settings = ctx(request).settings
    ticket = await blocking(ctx(request).tickets.get, ticket_id)
    hand_back = await blocking(resume_conversation, settings.rasa_url, ticket.conversation_id, settings.rasa_token())
    if hand_back.not_resumed is not None:
        return await ticket_page(request, ticket_id, error=(
            f"The ticket is resolved, but the conversation could not be resumed: {hand_back.not_resumed}. The "
            f"assistant stays silent for this patient until it is resumed: "
            f"{resume_curl(settings.rasa_url, ticket.conversation_id)}"))
    if hand_back.not_told is not None:
        return await ticket_page(request, ticket_id, error=(
            f"The ticket is resolved and the assistant answers the patient again, but the patient was not told "
            f"(\"You're back with the assistant.\" was not sent): {hand_back.not_told}."))
    return response


async def reply(request: Request, ticket_id: int) -> HTTPResponse:
    """A staff message into the patient's conversation, only while the ticket is not resolved (the
    conversation is paused, so the assistant cannot answer over the staff member)."""
    ticket = await existing_ticket(request, ticket_id)
    text_to_send = request.form.get("text", "").strip()
    if ticket.status is Status.resolved or not text_to_send:
        refused = "this ticket is resolved" if text_to_send else "the reply is empty"
        return await ticket_page(request, ticket_id, error=f"Nothing sent: {refused}.", status=409)
    settings = ctx(request).settings
    body = staff_reply_body(text_to_send, request.ctx.me.staff.display_name)
    failed = await blocking(post_events, settings.rasa_url, ticket.conversation_id, body, settings.rasa_token())
    if failed is not None:
        return await ticket_page(request, ticket_id, error=f"The reply was not sent: {failed}.", status=502)
    return redirect(f"/tickets/{ticket_id}?done=replied", status=303)
