"""Fixtures for the emulator's tests: emulators on loopback, and a small VoiceXML app on
loopback that records every request (the start URL, the answers, result_url POSTs and
delivery reports) and can refuse result POSTs a number of times."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from vxmlkit.emulator import Clock, Emulator, Settings, parse_rules

LOGIN, PIN, TOKEN = "acme", "24681357", "scheduler-token"

START_DOCUMENT = """<?xml version="1.0"?>
<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">
  <form>
    <field name="choice" type="digits">
      <prompt>Hello. Press 1 to confirm or 2 to cancel.</prompt>
      <filled><submit next="/answer" method="post" namelist="choice"/></filled>
    </field>
  </form>
</vxml>
"""
GOODBYE_DOCUMENT = """<?xml version="1.0"?>
<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">
  <form><block><prompt>Thank you. Goodbye.</prompt><disconnect/></block></form>
</vxml>
"""


@dataclass
class Seen:
    method: str
    path: str
    form: dict[str, str]


@dataclass
class VoiceApp:
    """The app's record of what it received; ``refuse_results`` makes that many result POSTs
    answer 500 before the app takes them."""

    requests: list[Seen] = field(default_factory=list)
    refuse_results: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.requests if (method is None or s.method == method) and (path is None or s.path == path)]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        seen = Seen(request.method, request.path, request.form.to_dict())
        with self.lock:
            self.requests.append(seen)
            refuse = request.path == "/result" and request.method == "POST" and self.refuse_results > 0
            if refuse:
                self.refuse_results -= 1
        if refuse:
            response = Response("busy\n", status=500)
        elif request.path == "/start":
            response = Response(START_DOCUMENT, content_type="application/voicexml+xml")
        elif request.path == "/answer":
            response = Response(GOODBYE_DOCUMENT, content_type="application/voicexml+xml")
        elif request.path in ("/result", "/sms-report"):
            response = Response("ok\n")
        else:
            response = Response("not found\n", status=404)
        return response(environ, start_response)


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` real seconds pass; return it."""
    event = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        event.wait(0.02)
    return condition()


@pytest.fixture
def voice_app() -> Iterator[VoiceApp]:
    """The recording VoiceXML app, served on loopback."""
    app = VoiceApp()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.base_url = f"http://127.0.0.1:{server.port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    server.server_close()


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Start emulators on loopback: ``start_emulator(rules_yaml, speed=..., start=..., **settings)``."""
    started: list[Emulator] = []

    def start(rules: str = "", *, speed: float = 3600.0, start: float | None = None, seed: int | None = None,
              dial: bool = True, **settings: Any) -> Emulator:
        options = {"login": LOGIN, "pin": PIN, "token": TOKEN, **settings}
        emulator = Emulator(Settings(**options), clock=Clock(speed, start),
                            callees=parse_rules(rules, kind="yaml", seed=seed), dial=dial)
        emulator.start("127.0.0.1", 0)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()
