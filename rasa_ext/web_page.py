"""Serves the clinic's web page and chat widget from the Rasa server, at /chat/.

Listed in credentials.yml like any channel, so it runs in every Sanic worker of `rasa run`. Serving
the page from the same origin as /socket.io keeps the widget's connection same-origin, so the
socket.io origin check can stay strict. It receives no messages itself: the widget talks to Rasa's
socket.io channel.
"""

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.profile import load_profile
from bot.website import PAGE_PATH, SECURITY_HEADERS, asset, render_page


class WebPageInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "web_page"

    def url_prefix(self) -> str:
        # Rasa mounts channels at urljoin("/webhooks/", url_prefix()); an absolute path replaces
        # the /webhooks/ part, so the page is at /chat/ rather than /webhooks/web_page/.
        return PAGE_PATH.rstrip("/")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        page = render_page(load_profile())  # a bad clinic.yml stops the server at start-up
        web_page = Blueprint("clinic_web_page", __name__)

        @web_page.route("/", methods=["GET"], strict_slashes=False)  # /chat and /chat/
        async def index(_: Request) -> HTTPResponse:
            return response.html(page, headers=SECURITY_HEADERS)

        @web_page.route("/assets/<name>", methods=["GET"])
        async def static_asset(_: Request, name: str) -> HTTPResponse:
            found = asset(name)
            if found is None:
                return response.text("not found", status=404)
            return await response.file(found.path, mime_type=found.content_type, headers=SECURITY_HEADERS)

        return web_page
