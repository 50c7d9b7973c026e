"""Rasa's socket.io channel, with the browser Origin check turned back on and small messages.

Rasa 3.6 builds its socket.io server with `cors_allowed_origins=[]`, which in python-engineio 4.7
means "check nothing": any website could open a socket to the assistant from a visitor's browser.
This subclass keeps Rasa's protocol and options (credentials.yml) and name ("socketio", so the
route and the conversations' input channel stay the same), and:
- accepts only the page's own origin (engine.io compares Origin with the Host header, or the
  X-Forwarded-Host/-Proto a proxy sets) plus `$CLINIC_WEB_ORIGINS`;
- refuses socket.io messages over MAX_SOCKET_MESSAGE_BYTES (engine.io's default is 1 MB);
- cuts long messages before NLU, as the REST channel does (rasa_ext/limits.py).
"""

from typing import Any, Dict, Sequence

from engineio import AsyncServer as EngineIOServer
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.settings import web_origins
from rasa_ext.limits import OnNewMessage, limit_length

MAX_SOCKET_MESSAGE_BYTES = 64 * 1024


def check_origins(server: EngineIOServer, origins: Sequence[str]) -> None:
    """`None` makes engine.io accept the same origin only; listed origins are added to that."""
    server.cors_allowed_origins = None
    if origins:
        same_origin = server._cors_allowed_origins

        def allowed(environ: Dict[str, Any]) -> list[str]:
            return [*same_origin(environ), *origins]

        server._cors_allowed_origins = allowed  # engine.io 4.7 asks this for each request's list


class ClinicSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(limit_length(on_new_message))
        check_origins(self.sio.eio, web_origins())
        self.sio.eio.max_http_buffer_size = MAX_SOCKET_MESSAGE_BYTES
        return blueprint
