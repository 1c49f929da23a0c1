"""A real HTTP server on 127.0.0.1 for the SMS gateway tests: each test sets how it answers
and reads back every request it saw. :class:`EmulatedSmsProvider` serves vxmlkit's emulator
(``vxmlkit emulate``) with the same interface, so the Plum gateway's tests run against both."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from vxmlkit.store import Store, open_store


@dataclass
class SeenRequest:
    """One request as the provider saw it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class Reply:
    """What the server answers; with ``hold`` it first waits until the test ends."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    hold: bool = False


@dataclass
class ProviderServer:
    """A provider stand-in: ``answer`` turns a request into a :class:`Reply`."""

    answer: Callable[[SeenRequest], Reply] = lambda seen: Reply(404, b"not found", "text/plain")
    requests: list[SeenRequest] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self) -> int:
        """How many requests arrived so far."""
        with self.lock:
            return len(self.requests)

    @staticmethod
    def reply(status: int = 200, body: bytes | str | object = b"", content_type: str = "application/json",
              *, hold: bool = False) -> Reply:
        """A reply; a body that is neither bytes nor str is sent as JSON."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
        return Reply(status, body, content_type, hold)


def _handler(provider: ProviderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            seen = SeenRequest(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                form=dict(parse_qsl(raw, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            with provider.lock:
                provider.requests.append(seen)
            reply = provider.answer(seen)
            if reply.hold:
                provider.release.wait(10)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Connection", "close")
                for name, value in provider.extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up waiting

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def start_server(provider: ProviderServer, sock: socket.socket | None = None) -> ThreadingHTTPServer:
    """Serve ``provider`` on a new loopback port, or on ``sock`` (bound, not yet listening)."""
    handler = _handler(provider)
    if sock is None:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    else:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler, bind_and_activate=False)
        server.socket.close()
        server.socket = sock
        server.server_address = sock.getsockname()
        server.server_activate()
    server.daemon_threads = True
    provider.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


@pytest.fixture
def new_provider() -> Callable[[], ProviderServer]:
    """Make a provider state that is not serving yet."""
    return ProviderServer


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    """A running provider stand-in; set ``provider.answer``."""
    state = ProviderServer()
    server = start_server(state)
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def serve_on() -> Iterator[Callable[[ProviderServer, socket.socket], ThreadingHTTPServer]]:
    """Start a provider on a socket the test bound itself (to open a refusing port later)."""
    servers: list[tuple[ProviderServer, ThreadingHTTPServer]] = []

    def serve(state: ProviderServer, sock: socket.socket) -> ThreadingHTTPServer:
        server = start_server(state, sock)
        servers.append((state, server))
        return server

    yield serve
    for state, server in servers:
        state.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections (bound, never listening)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store: a real SQLite file, then a real PostgreSQL schema."""
    db = open_store(store_url)
    yield db
    db.close()



class EmulatedSmsProvider:
    """vxmlkit's emulator (not dialing, so no delivery report leaves) behind a recorder with
    the provider stand-in's interface: ``requests``, ``count()``, ``base_url``."""

    def __init__(self, login: str, password: str, rules_yaml: str = "") -> None:
        from vxmlkit.emulator import Emulator, Settings, parse_rules

        self.requests: list[SeenRequest] = []
        self.lock = threading.Lock()
        self.emulator = Emulator(Settings(login=login, pin=password), callees=parse_rules(rules_yaml, kind="yaml"),
                                 dial=False)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def __call__(self, environ: dict, start_response: Callable) -> object:
        from io import BytesIO

        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = BytesIO(body)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        seen = SeenRequest(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
                           dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
                           dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), headers)
        with self.lock:
            self.requests.append(seen)
        return self.emulator.app(environ, start_response)


@pytest.fixture
def emulated_sms() -> Iterator[Callable[..., EmulatedSmsProvider]]:
    """Start emulators serving the SMS API on loopback: ``emulated_sms(login, password, rules_yaml)``."""
    from werkzeug.serving import make_server

    servers = []

    def start(login: str, password: str, rules_yaml: str = "") -> EmulatedSmsProvider:
        provider = EmulatedSmsProvider(login, password, rules_yaml)
        server = make_server("127.0.0.1", 0, provider, threaded=True)
        provider.port = server.port
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        servers.append(server)
        return provider

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
