"""The socket.io Origin check (engine.io's own decision, without a server) and the origin setting."""

import pytest
from engineio import AsyncServer

from bot.settings import web_origins
from rasa_ext.socketio_channel import check_origins

CLINIC = "https://www.clinic.example"


def allowed(server: AsyncServer, origin: str, host: str = "bot.clinic.example", **forwarded: str) -> bool:
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": host, "HTTP_ORIGIN": origin, **forwarded}
    return origin in server._cors_allowed_origins(environ)


def test_rasas_setting_checks_nothing_and_ours_checks_again():
    rasas = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
    assert rasas.cors_allowed_origins == []  # engine.io skips the Origin check entirely for []
    ours = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
    check_origins(ours, [])
    assert ours.cors_allowed_origins is None
    assert allowed(ours, "http://bot.clinic.example") and not allowed(ours, CLINIC)


def test_configured_origins_are_added_to_the_same_origin():
    server = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
    check_origins(server, [CLINIC])
    assert allowed(server, CLINIC) and allowed(server, "http://bot.clinic.example")
    assert not allowed(server, "https://evil.example") and not allowed(server, "https://www.clinic.example.evil")
    assert allowed(server, "https://bot.clinic.example", HTTP_X_FORWARDED_PROTO="https")  # behind a TLS proxy


def test_origins_come_from_the_environment_and_a_wildcard_is_refused():
    assert web_origins({}) == []
    assert web_origins({"CLINIC_WEB_ORIGINS": f" {CLINIC}/ , http://localhost:8080"}) == [CLINIC, "http://localhost:8080"]
    for bad in ("*", "https://*.clinic.example", "www.clinic.example", "https://clinic.example/page", "ftp://x"):
        with pytest.raises(ValueError, match="CLINIC_WEB_ORIGINS"):
            web_origins({"CLINIC_WEB_ORIGINS": bad})
