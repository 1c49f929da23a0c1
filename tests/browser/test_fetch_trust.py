"""A served document reads no local file; every fetch is bounded in size and time.

The hostile document is served for real: over HTTP by a server on loopback (through
``vxmlkit run URL``) and by a WSGI app called in-process (the path the simulator takes).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from vxmlkit.browser import Browser, FetchRequest, HttpFetcher, default_fetcher
from vxmlkit.browser.fetching import FetchError, FetchLimits, FileFetcher, WsgiFetcher
from vxmlkit.cli import cli

SECRET = "TOPSECRET-0451"


def hostile_document(secret_dir: Path, kind: str) -> str:
    """A document that reads a local file with ``kind`` (data, script, grammar) and submits it."""
    xml = (secret_dir / "secret.xml").as_uri()
    js = (secret_dir / "secret.js").as_uri()
    grammar = (secret_dir / "secret.grxml").as_uri()
    body = {
        "data": f'<data name="loot" src="{xml}"/><var name="stolen" expr="loot.documentElement.firstChild.data"/>',
        "script": f'<script src="{js}"/><var name="stolen" expr="leaked"/>',
        "grammar": f'<var name="stolen" expr="\'none\'"/>',
    }[kind]
    field = ""
    if kind == "grammar":
        field = f'<field name="pick"><grammar src="{grammar}"/><prompt>pick</prompt><filled><assign name="stolen" expr="pick"/></filled></field>'
    return (
        '<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">'
        '<catch event="error.badfetch"><log expr="\'refused: \' + _message"/><var name="stolen" expr="\'refused\'"/>'
        '<submit next="/loot" method="post" namelist="stolen"/></catch>'
        f'<form>{body}{field}<block><submit next="/loot" method="post" namelist="stolen"/></block></form></vxml>'
    )


@pytest.fixture
def secret_dir(tmp_path: Path) -> Path:
    (tmp_path / "secret.xml").write_text(f"<secret>{SECRET}</secret>")
    (tmp_path / "secret.js").write_text(f"var leaked = '{SECRET}';")
    (tmp_path / "secret.grxml").write_text(
        '<?xml version="1.0"?><grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="r" mode="dtmf">'
        f'<rule id="r"><item>1<tag>out="{SECRET}"</tag></item></rule></grammar>'
    )
    return tmp_path


class _Hostile(http.server.BaseHTTPRequestHandler):
    documents: ClassVar[dict[str, str]] = {}
    loot: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, body: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/voicexml+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer(self.documents[self.path.strip("/")])

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.loot.append(self.rfile.read(length).decode())
        self._answer('<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"><form><block>thanks</block></form></vxml>')


@pytest.fixture
def hostile_server(secret_dir: Path) -> Iterator[str]:
    _Hostile.documents = {kind: hostile_document(secret_dir, kind) for kind in ("data", "script", "grammar")}
    _Hostile.loot = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", ["data", "script", "grammar"])
def test_vxmlkit_run_refuses_local_files_to_a_document_served_over_http(hostile_server: str, kind: str) -> None:
    result = CliRunner().invoke(cli, ["run", f"{hostile_server}/{kind}", "--input", "dtmf:1", "--json"])
    assert result.exit_code == 0, result.output
    call = json.loads(result.output)
    assert _Hostile.loot, "the document submitted what it got"
    assert all(SECRET not in loot for loot in _Hostile.loot)
    assert _Hostile.loot[-1] == "stolen=refused"
    refused = [entry["text"] for entry in call["transcript"] if "refused" in entry["text"]]
    assert any("may not read local files" in text for text in refused), call["transcript"]


def _wsgi_hostile(secret_dir: Path, loot: list[str]) -> Any:
    documents = {kind: hostile_document(secret_dir, kind) for kind in ("data", "script", "grammar")}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            loot.append(environ["wsgi.input"].read(length).decode())
            body = '<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"><form><block>ok</block></form></vxml>'
        else:
            body = documents[environ["PATH_INFO"].strip("/")]
        start_response("200 OK", [("Content-Type", "application/voicexml+xml")])
        return [body.encode()]

    return app


@pytest.mark.parametrize("kind", ["data", "script", "grammar"])
def test_an_app_called_in_process_cannot_read_local_files(secret_dir: Path, kind: str) -> None:
    loot: list[str] = []
    browser = Browser(default_fetcher(_wsgi_hostile(secret_dir, loot), "http://app.test"))
    session = browser.run(f"http://app.test/{kind}", [])
    assert loot == ["stolen=refused"]
    assert any("may not read local files" in entry.text for entry in session.transcript)


def test_a_local_document_still_reads_local_files(secret_dir: Path) -> None:
    page = secret_dir / "local.vxml"
    page.write_text(
        '<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"><form>'
        f'<script src="{(secret_dir / "secret.js").as_uri()}"/><block><value expr="leaked"/></block></form></vxml>'
    )
    session = Browser().run(str(page), [])
    assert session.prompts == [SECRET]


def test_the_wsgi_fetcher_alone_never_reads_a_file(secret_dir: Path) -> None:
    fetcher = WsgiFetcher(_wsgi_hostile(secret_dir, []), "http://app.test")
    with pytest.raises(FetchError, match="not a URL of the app"):
        fetcher.fetch(FetchRequest((secret_dir / "secret.xml").as_uri()))


# -- bounds ---------------------------------------------------------------------------------------


class _Bounded(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stop = threading.Event()

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/drip":
            # headers at once, then one byte at a time: each read is quick, the whole never ends
            self.send_response(200)
            self.send_header("Content-Type", "application/voicexml+xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(200):  # bounded: 200 x 50 ms at most
                if self.stop.is_set():
                    return
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
        elif self.path in ("/big", "/big-declared"):
            self.send_response(200)
            self.send_header("Content-Type", "application/voicexml+xml")
            if self.path == "/big-declared":
                self.send_header("Content-Length", str(4 * 1024 * 1024))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"x" * 65536)
            except OSError:
                return
            self.close_connection = True


@pytest.fixture
def bounded_server() -> Iterator[str]:
    _Bounded.stop.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Bounded)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Bounded.stop.set()
    server.shutdown()
    server.server_close()


def test_a_drip_fed_answer_stops_at_the_time_limit(bounded_server: str) -> None:
    fetcher = HttpFetcher(limits=FetchLimits(time_limit=0.5))
    with pytest.raises(FetchError, match=r"took longer than the fetch time limit of 0\.5 s"):
        fetcher.fetch(FetchRequest(f"{bounded_server}/drip"))


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_an_oversized_answer_stops_at_the_size_limit(bounded_server: str, path: str) -> None:
    fetcher = HttpFetcher(limits=FetchLimits(max_bytes=1024 * 1024))
    with pytest.raises(FetchError, match="larger than the fetch size limit of 1048576 bytes"):
        fetcher.fetch(FetchRequest(f"{bounded_server}{path}"))


def test_vxmlkit_run_takes_the_limits_as_options_and_settings(bounded_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # a call that ends in error.badfetch exits 3
    result = CliRunner().invoke(cli, ["run", f"{bounded_server}/drip", "--fetch-time-limit", "0.5", "--json"])
    assert result.exit_code == 3, result.output
    assert "fetch time limit of 0.5 s" in json.loads(result.output)["transcript"][-1]["text"]
    monkeypatch.setenv("VXMLKIT_FETCH_MAX_BYTES", "1000")
    result = CliRunner().invoke(cli, ["run", f"{bounded_server}/big", "--json"])
    assert result.exit_code == 3, result.output
    call = json.loads(result.output)
    assert call["error"] == "error.badfetch"
    assert "fetch size limit of 1000 bytes" in call["transcript"][-1]["text"]
    monkeypatch.setenv("VXMLKIT_FETCH_MAX_BYTES", "lots")
    result = CliRunner().invoke(cli, ["run", f"{bounded_server}/big"])
    assert result.exit_code == 2 and "VXMLKIT_FETCH_MAX_BYTES must be a whole number" in result.output


def test_files_and_apps_keep_to_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.vxml"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(FetchError, match="size limit of 4096 bytes"):
        FileFetcher(limits=FetchLimits(max_bytes=4096)).fetch(FetchRequest(str(big)))

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        for _ in range(10):
            yield b"y" * 1000

    with pytest.raises(FetchError, match="size limit of 4096 bytes"):
        WsgiFetcher(app, limits=FetchLimits(max_bytes=4096)).fetch(FetchRequest("/x"))


def test_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1 byte"):
        FetchLimits(max_bytes=0)
    with pytest.raises(ValueError, match="more than 0 seconds"):
        FetchLimits(time_limit=0)

