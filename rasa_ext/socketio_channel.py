"""Rasa's socket.io channel, with the browser Origin check turned back on and small messages.

Rasa 3.6 builds its socket.io server with `cors_allowed_origins=[]`, which in python-engineio 4.7
means "check nothing": any website could open a socket to the assistant from a visitor's browser.
This subclass keeps Rasa's protocol and options (credentials.yml) and name ("socketio", so the
route and the conversations' input channel stay the same), and:
- accepts only the page's own origin (engine.io compares Origin with the Host header, or the
  X-Forwarded-Host/-Proto a proxy sets) plus `$CLINIC_WEB_ORIGINS`;
- refuses socket.io messages over MAX_SOCKET_MESSAGE_BYTES (engine.io's default is 1 MB);
- cuts long messages before NLU, as the REST channel does (rasa_ext/limits.py);
- drops a message for a session the socket did not join with `session_request` (Rasa would add it
  to whatever conversation id it names: another channel's patient, whose id may be guessable);
- sends staff messages to the sessions this worker holds, and on each `session_request` the ones
  the widget has not shown yet (rasa_ext/staff_relay.py), and gives Rasa's HTTP API no output
  (`get_output_channel`), so they are never sent twice.
"""

import asyncio
import logging
from typing import Any, Dict, Sequence

from engineio import AsyncServer as EngineIOServer
from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Sanic

from bot.settings import web_origins
from rasa_ext.limits import OnNewMessage, limit_length
from rasa_ext.staff_relay import StaffRelay, sql_store

log = logging.getLogger(__name__)
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
    staff_relay: StaffRelay | None = None  # this worker's, once the server has started

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> OutputChannel | None:
        """None: the staff inbox posts staff messages with `output_channel=latest`, and Rasa's
        socket.io output would emit them from whichever worker serves that request, which may not
        hold the patient's socket, while the relay of the worker that does sends them too."""
        return None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(limit_length(on_new_message))
        check_origins(self.sio.eio, web_origins())
        self.sio.eio.max_http_buffer_size = MAX_SOCKET_MESSAGE_BYTES
        self.resume_staff_messages_on_session_request()
        self.only_joined_sessions()
        blueprint.listener("after_server_start")(self.start_staff_relay)
        blueprint.listener("before_server_stop")(stop_staff_relay)
        return blueprint

    def resume_staff_messages_on_session_request(self) -> None:
        """Rasa's session_request handler (join the session's room, confirm), then the staff
        messages the widget missed, from the `staff_after` it sends along."""
        namespace = self.namespace or "/"
        rasa_session_request = self.sio.handlers[namespace]["session_request"]

        async def session_request(sid: str, data: Any) -> None:
            await rasa_session_request(sid, data)
            if self.staff_relay is not None:
                await self.staff_relay.resume(sid, data)

        self.sio.on("session_request", session_request, namespace=namespace)

    def only_joined_sessions(self) -> None:
        """Rasa's message handler, for sessions the socket has joined only (with session
        persistence; without it Rasa uses the socket's own id)."""
        if not self.session_persistence:
            return
        namespace = self.namespace or "/"
        rasa_handle_message = self.sio.handlers[namespace][self.user_message_evt]

        async def handle_message(sid: str, data: Any) -> None:
            session = data.get("session_id") if isinstance(data, dict) else None
            if session in self.sio.rooms(sid, namespace=namespace):
                await rasa_handle_message(sid, data)
            else:
                log.warning("socket.io message dropped: its session was not joined by this socket")

        self.sio.on(self.user_message_evt, handle_message, namespace=namespace)

    async def start_staff_relay(self, app: Sanic, _loop: Any) -> None:
        """Each worker relays staff messages to its own sockets, until the server stops."""
        store = sql_store(app.ctx.agent.tracker_store)
        if store is not None and self.sio is not None:
            self.staff_relay = StaffRelay(self.sio, self.bot_message_evt, store)
            app.ctx.staff_relay = asyncio.create_task(self.staff_relay.run())


async def stop_staff_relay(app: Sanic, _loop: Any) -> None:
    relay = getattr(app.ctx, "staff_relay", None)
    if relay is not None:
        relay.cancel()
