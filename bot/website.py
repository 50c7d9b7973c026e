"""The clinic's web page with the chat widget: the page filled in with the clinic profile, and the
short list of files it may load. rasa_ext/web_page.py serves both from the Rasa server itself, so
the widget's socket.io connection is same-origin.

Every asset is in `web/` (written here) or `web/node_modules/` (installed by `npm ci` from
web/package-lock.json), so the page loads nothing from outside the server.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from bot.paths import ROOT
from bot.profile import ClinicProfile

WEB = ROOT / "web"
PAGE_PATH = "/chat/"  # where the Rasa server serves the page; `python -m bot run` prints it
SOCKET_IO_BUNDLE = WEB / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


@dataclass(frozen=True)
class Asset:
    path: Path
    content_type: str


# An allow-list, not a directory: nothing else under web/ (package.json, node_modules) is served.
ASSETS = {
    "site.css": Asset(WEB / "site.css", "text/css; charset=utf-8"),
    "chat.js": Asset(WEB / "chat.js", "text/javascript; charset=utf-8"),
    "favicon.svg": Asset(WEB / "favicon.svg", "image/svg+xml"),
    "socket.io.min.js": Asset(SOCKET_IO_BUNDLE, "text/javascript; charset=utf-8"),
}

# The page runs only its own scripts and styles and talks only to its own origin ('self' covers
# same-origin ws: in CSP 3), so a message that slipped past the widget's text rendering still
# could not run inline script or send data elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def tel_uri(phone: str) -> str:
    """`+44 20 7946 0000` → `tel:+442079460000`."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def render_page(profile: ClinicProfile) -> str:
    """index.html with the clinic's details, HTML-escaped (they come from clinic.yml or the
    environment, not from patients, but a name like "Smith & Jones" must still render)."""
    values = {f"clinic_{key}": html.escape(value) for key, value in vars(profile).items()}
    values["clinic_phone_uri"] = html.escape(tel_uri(profile.phone))
    values["assets"] = f"{PAGE_PATH}assets/"  # absolute, so /chat and /chat/ both work
    return Template((WEB / "index.html").read_text(encoding="utf-8")).substitute(values)


def asset(name: str) -> Asset | None:
    """The allowed asset called `name`, if it exists on disk."""
    found = ASSETS.get(name)
    return found if found is not None and found.path.is_file() else None
