"""Fixtures for the interpreter tests: documents written to a temporary folder and dialled."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from vxmlkit.browser import Browser, Input, Session

VXML_OPEN = '<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">'


def wrap_vxml(body: str) -> str:
    """A full document from its content (left alone when it already is one)."""
    stripped = body.lstrip()
    if stripped.startswith(("<?xml", "<vxml")):
        return stripped
    return f'<?xml version="1.0"?>\n{VXML_OPEN}\n{body}\n</vxml>\n'


@pytest.fixture
def vxml_call(tmp_path: Path) -> Callable[..., Session]:
    """``vxml_call({"start.vxml": "...", ...}, inputs=[...], **dial)``: write the documents, dial
    the first one, give the inputs; without ``inputs`` the session is returned as dialled."""

    def call(
        docs: Mapping[str, str] | str,
        inputs: Iterable[Input | str] | None = None,
        *,
        browser: Browser | None = None,
        **dial: Any,
    ) -> Session:
        if isinstance(docs, str):
            docs = {"start.vxml": docs}
        first = None
        for name, body in docs.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wrap_vxml(body), encoding="utf-8")
            first = first or path
        assert first is not None
        browser = browser or Browser()
        if inputs is None:
            return browser.dial(str(first), **dial)
        given = [Input.parse(item) if isinstance(item, str) else item for item in inputs]
        return browser.run(str(first), given, **dial)

    return call


@pytest.fixture
def http_files() -> Iterator[Callable[[Mapping[str, tuple[int, bytes, str]]], str]]:
    """``http_files({"/path": (status, body, content type)})``: serve those answers on a real
    HTTP server on loopback (404 for any other path); returns the server's base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(answers: Mapping[str, tuple[int, bytes, str]]) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                status, body, content_type = answers.get(self.path.partition("?")[0], (404, b"not here", "text/plain"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
