"""Where conversations, tickets and locks live, chosen by environment variables.

Unset, everything is embedded: SQLite files under var/. One switch moves to production stores:
- `DATABASE_URL` (any SQLAlchemy URL, e.g. postgresql://…) holds both the conversations (Rasa's SQL
  tracker store) and the handoff tickets; `TRACKER_DATABASE_URL` / `HANDOFF_DATABASE_URL` override
  either one alone;
- `REDIS_URL` puts Rasa's lock store in Redis, which several Rasa replicas need to share.
`ACTION_SERVER_URL` tells a Rasa replica where the action server is when it is not on this machine.
"""

from __future__ import annotations

import os
from typing import Mapping

from bot.paths import VAR

DATABASE_URL_ENV = "DATABASE_URL"
TRACKER_DATABASE_URL_ENV = "TRACKER_DATABASE_URL"
HANDOFF_DATABASE_URL_ENV = "HANDOFF_DATABASE_URL"
REDIS_URL_ENV = "REDIS_URL"
ACTION_SERVER_URL_ENV = "ACTION_SERVER_URL"


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def sqlalchemy_url(url: str) -> str:
    """Hosting providers hand out `postgres://…`, a scheme SQLAlchemy 1.4 no longer accepts."""
    return "postgresql://" + url[len("postgres://"):] if url.startswith("postgres://") else url


def tracker_database_url(environ: Mapping[str, str] | None = None) -> str:
    """The conversations' database: `$TRACKER_DATABASE_URL`, `$DATABASE_URL`, else var/tracker.db."""
    env = _environ(environ)
    url = env.get(TRACKER_DATABASE_URL_ENV) or env.get(DATABASE_URL_ENV) or f"sqlite:///{VAR / 'tracker.db'}"
    return sqlalchemy_url(url)


def handoff_database_url(environ: Mapping[str, str] | None = None) -> str:
    """The tickets' database: `$HANDOFF_DATABASE_URL`, `$DATABASE_URL`, else var/handoff.db."""
    env = _environ(environ)
    url = env.get(HANDOFF_DATABASE_URL_ENV) or env.get(DATABASE_URL_ENV) or f"sqlite:///{VAR / 'handoff.db'}"
    return sqlalchemy_url(url)


def redis_url(environ: Mapping[str, str] | None = None) -> str | None:
    """Rasa's lock store in Redis (`$REDIS_URL`), or None for the embedded SQLite lock store."""
    return _environ(environ).get(REDIS_URL_ENV) or None


WEB_ORIGINS_ENV = "CLINIC_WEB_ORIGINS"


def web_origins(environ: Mapping[str, str] | None = None) -> list[str]:
    """The other sites whose pages may talk to the assistant from a browser (REST CORS and
    socket.io), from `$CLINIC_WEB_ORIGINS`, comma-separated, e.g. `https://www.clinic.example`.
    Empty: only pages the assistant serves itself (same origin). A wildcard is refused."""
    origins = []
    for item in (_environ(environ).get(WEB_ORIGINS_ENV) or "").split(","):
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        scheme, _, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host or "*" in host:
            raise ValueError(f"{WEB_ORIGINS_ENV}: {item.strip()!r} is not an origin such as https://www.clinic.example")
        origins.append(origin)
    return origins


def action_server_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The action server's webhook (`$ACTION_SERVER_URL`), or None for the local one."""
    return _environ(environ).get(ACTION_SERVER_URL_ENV) or None
