"""Fetching: files, HTTP against a real server, WSGI in-process, multipart recordings."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.parse
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, ClassVar

import pytest

from vxmlkit.browser import (
    Browser,
    FetchRequest,
    FileFetcher,
    HttpFetcher,
    Input,
    RoutingFetcher,
    Upload,
    WsgiFetcher,
)
from vxmlkit.browser.fetching import FetchError, encode_form, resolve_url

VXML = '<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">{}</vxml>'


def test_resolve_url_for_urls_and_paths():
    assert resolve_url("http://h/a/b.vxml", "c.vxml#f") == "http://h/a/c.vxml#f"
    assert resolve_url("http://h/a/b.vxml", "#f") == "http://h/a/b.vxml#f"
    assert resolve_url("/tmp/x/a.vxml", "../b.vxml") == "/tmp/b.vxml"
    assert resolve_url("/tmp/x/a.vxml", "builtin:dtmf/digits") == "builtin:dtmf/digits"


def test_file_fetcher_reads_paths_and_file_urls(tmp_path):
    path = tmp_path / "a.vxml"
    path.write_bytes(b"<vxml/>")
    assert FileFetcher().fetch(FetchRequest(str(path))).body == b"<vxml/>"
    assert FileFetcher().fetch(FetchRequest(path.as_uri())).body == b"<vxml/>"
    with pytest.raises(FetchError) as caught:
        FileFetcher().fetch(FetchRequest(str(tmp_path / "missing.vxml")))
    assert caught.value.status == 404


class _Handler(http.server.BaseHTTPRequestHandler):
    posted: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/voicexml+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/start.vxml":
            self._send(200, VXML.format('<form><block>Hello over HTTP <value expr="\'' + query + '\'"/><goto next="next.vxml"/></block></form>'))
        elif path == "/next.vxml":
            self._send(200, VXML.format("<form><block>Second page.</block></form>"))
        elif path == "/broken.vxml":
            self._send(200, VXML.format("<form><catch event='error.badfetch.http.404'><exit expr='_event'/></catch><block><goto next='nothing.vxml'/></block></form>"))
        elif path == "/slow.vxml":
            time.sleep(1.0)
            self._send(200, VXML.format("<form><block>late</block></form>"))
        elif path == "/waits.vxml":
            self._send(200, VXML.format(
                "<form><catch event='error.badfetch'><exit expr='_event'/></catch>"
                "<block><goto next='slow.vxml' fetchtimeout='200ms'/></block></form>"))
        else:
            self._send(404, "not here")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        _Handler.posted.append({"type": self.headers.get("Content-Type", ""), "body": body, "path": self.path})
        self._send(200, VXML.format("<form><block>Posted.</block></form>"))


@pytest.fixture
def http_base() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_call_follows_relative_goto(http_base):
    session = Browser().dial(http_base + "/start.vxml?x=1")
    assert session.prompts == ["Hello over HTTP x=1", "Second page."]
    assert [doc.url for doc in session.documents] == [http_base + "/start.vxml?x=1", http_base + "/next.vxml"]


def test_http_404_is_badfetch_with_status(http_base):
    session = Browser().dial(http_base + "/broken.vxml")
    assert session.exit["expr"] == "error.badfetch.http.404"
    failed = HttpFetcher()
    with pytest.raises(FetchError) as caught:
        failed.fetch(FetchRequest(http_base + "/nothing"))
    assert caught.value.status == 404


def test_http_fetchtimeout_is_badfetch(http_base):
    session = Browser().dial(http_base + "/waits.vxml")
    assert session.exit["expr"] == "error.badfetch"


def test_http_first_document_can_be_posted(http_base):
    _Handler.posted.clear()
    session = Browser().dial(http_base + "/start", method="POST", data={"phone_number": "+16175551234"})
    assert session.prompts == ["Posted."]
    assert urllib.parse.parse_qs(_Handler.posted[0]["body"].decode()) == {"phone_number": ["+16175551234"]}


def test_http_refused_connection_is_badfetch():
    session = Browser().dial("http://127.0.0.1:9/start.vxml")
    assert (session.ended, session.error) == ("error", "error.badfetch")


def _wsgi_app(seen: list[dict[str, Any]]):
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        seen.append({
            "method": environ["REQUEST_METHOD"],
            "path": environ["PATH_INFO"],
            "query": environ["QUERY_STRING"],
            "type": environ.get("CONTENT_TYPE", ""),
            "body": body,
        })
        if environ["PATH_INFO"] == "/start":
            page = VXML.format(
                "<form><record name='msg'><prompt>Leave a message.</prompt></record>"
                "<field name='pin' type='digits?length=4'><prompt>Pin?</prompt></field>"
                "<block><submit next='/save?step=2' method='post' enctype='multipart/form-data' namelist='msg pin'/></block></form>"
            )
        elif environ["PATH_INFO"] == "/save":
            page = VXML.format("<form><block>Saved.<goto next='/done'/></block></form>")
        elif environ["PATH_INFO"] == "/done":
            page = VXML.format("<form><block>Bye.</block></form>")
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no"]
        start_response("200 OK", [("Content-Type", "application/voicexml+xml")])
        return [page.encode()]

    return app


def test_wsgi_fetcher_runs_app_in_process_with_multipart_recording():
    seen: list[dict[str, Any]] = []
    browser = Browser(WsgiFetcher(_wsgi_app(seen)))
    session = browser.run("http://localhost/start", [Input.recording(1.5), Input.dtmf("1234#")])
    assert session.prompts == ["Leave a message.", "Pin?", "Saved.", "Bye."]
    post = seen[1]
    assert (post["method"], post["path"], post["query"]) == ("POST", "/save", "step=2")
    assert post["type"].startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + post["type"].encode() + b"\r\n\r\n" + post["body"])
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    assert parts["pin"].get_content() == "1234"
    audio = parts["msg"].get_payload(decode=True)
    assert audio[:4] == b"RIFF" and len(audio) > 8000
    assert parts["msg"].get_filename() == "msg.wav"


def test_routing_fetcher_sends_app_urls_to_the_app_and_paths_to_files(tmp_path):
    seen: list[dict[str, Any]] = []
    (tmp_path / "local.vxml").write_text(VXML.format("<form><block>local file</block></form>"))
    browser = Browser(RoutingFetcher(WsgiFetcher(_wsgi_app(seen), "http://app.test")))
    assert browser.dial(str(tmp_path / "local.vxml")).prompts == ["local file"]
    assert browser.dial("http://app.test/done").prompts == ["Bye."]
    assert seen[0]["path"] == "/done"


def test_wsgi_404_is_badfetch():
    session = Browser(WsgiFetcher(_wsgi_app([]))).dial("http://localhost/missing")
    assert session.error == "error.badfetch.http.404"


def test_encode_form_urlencoded_and_multipart():
    body, kind = encode_form({"a": "1 2", "b": "x&y"}, "application/x-www-form-urlencoded")
    assert (body, kind) == (b"a=1+2&b=x%26y", "application/x-www-form-urlencoded")
    body, kind = encode_form({"f": Upload("r.wav", b"\x00\x01")}, "multipart/form-data")
    assert b'filename="r.wav"' in body and b"\x00\x01" in body and kind.startswith("multipart/form-data; boundary=")


def test_fetchaudio_is_noted(vxml_call):
    session = vxml_call(
        {
            "start.vxml": '<form><block>Wait.<goto next="two.vxml" fetchaudio="hold.wav"/></block></form>',
            "two.vxml": "<form><block>Done.</block></form>",
        }
    )
    kinds = [(entry.kind, entry.text.rsplit("/", 1)[-1]) for entry in session.transcript if entry.kind in ("heard", "fetchaudio")]
    assert kinds == [("heard", "Wait."), ("fetchaudio", "hold.wav"), ("heard", "Done.")]


def test_wsgi_base_url_with_a_path_sets_script_name():
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append({"script": environ["SCRIPT_NAME"], "path": environ["PATH_INFO"], "host": environ["HTTP_HOST"]})
        start_response("200 OK", [("Content-Type", "application/voicexml+xml")])
        return [VXML.format("<form><block>mounted</block></form>").encode()]

    fetcher = WsgiFetcher(app, "https://ivr.example.com/calls")
    response = fetcher.fetch(FetchRequest("https://ivr.example.com/calls/start?x=1"))
    assert response.status == 200
    assert seen == [{"script": "/calls", "path": "/start", "host": "ivr.example.com"}]


def test_xml_base_on_an_element_changes_relative_resolution(vxml_call, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "next.vxml").write_text(VXML.format("<form><block>in sub</block></form>"))
    session = vxml_call(
        f'<form xml:base="{tmp_path / "sub"}/"><block><goto next="next.vxml"/></block></form>'
    )
    assert session.prompts == ["in sub"]


def test_wsgi_path_dial_resolves_relative_links_against_the_app_url():
    seen: list[dict[str, Any]] = []
    session = Browser(WsgiFetcher(_wsgi_app(seen))).dial("/save")
    assert session.prompts == ["Saved.", "Bye."]
    assert [doc.url for doc in session.documents] == ["/save", "http://localhost/done"]
