"""What the inbox shows: its Jinja2 templates (autoescaped: patient text is always text, never
HTML) and the open tickets as the list's JSON."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot.handoff.store import TicketView
from bot.website import SECURITY_HEADERS
from runtime.staff_cli import format_age, local_time, one_line, status_text

HERE = Path(__file__).resolve().parent
STATIC = {  # an allow-list of files, not a directory
    "inbox.css": (HERE / "static" / "inbox.css", "text/css; charset=utf-8"),
    "inbox.js": (HERE / "static" / "inbox.js", "text/javascript; charset=utf-8"),
}
# The web page's policy (own scripts, styles and connections only), with forms posting to the inbox
# itself, and nothing kept in caches: the pages hold patients' messages.
HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": SECURITY_HEADERS["Content-Security-Policy"].replace(
        "form-action 'none'", "form-action 'self'"),
    "Cache-Control": "no-store",
}
TRIGGER_WIDTH = 140
TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined)
TEMPLATES.filters["local_time"] = local_time
TEMPLATES.globals["status_text"] = status_text


def csrf_field(token: str) -> Markup:
    """The hidden field every POST form carries."""
    return Markup('<input type="hidden" name="csrf" value="{}">').format(token)


TEMPLATES.globals["csrf_field"] = csrf_field


def render(name: str, **context: Any) -> str:
    return TEMPLATES.get_template(name).render(**context)


def summary(ticket: TicketView, now: datetime) -> dict[str, Any]:
    """One row of the live list: plain values the page's script puts in as text."""
    return {
        "id": ticket.id,
        "url": f"/tickets/{ticket.id}",
        "severity": ticket.severity.value,
        "reason": ticket.reason.value.replace("_", " "),
        "waiting": format_age(now - ticket.created_at),
        "status": status_text(ticket),
        "channel": ticket.channel,
        "trigger": one_line(ticket.trigger_message, TRIGGER_WIDTH),
    }
