"""A failed fetch of the next step ends the call with an apology, in every document served.

The voice browser throws error.badfetch (error.badfetch.http.503 when the server answers 503)
in the document that asked for the next one; the handler each served document carries plays a
short apology and disconnects, instead of leaving the caller in silence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from lxml import etree
from werkzeug.serving import make_server

from apps import PaymentReminder
from vxmlkit import Flow, hangup, say, step, template
from vxmlkit.browser import Browser
from vxmlkit.templating import Renderer, handles_badfetch

APOLOGY = "We are sorry, this call cannot continue right now. Goodbye."
V = "{http://www.w3.org/2001/vxml}"


def unavailable_steps(app: Callable[..., Any]) -> Callable[..., Any]:
    """The app behind a proxy whose upstream is gone for step URLs: 503, plain text."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if "/step/" in environ.get("PATH_INFO", ""):
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "5")])
            return [b"upstream unavailable\n"]
        return app(environ, start_response)

    return wsgi


@pytest.fixture
def served(make_app) -> Iterator[str]:
    """The payment reminder over real HTTP on loopback, its step URLs answering 503."""
    app = make_app([PaymentReminder])
    server = make_server("127.0.0.1", 0, unavailable_steps(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def test_a_503_on_the_next_step_ends_in_the_apology_and_a_disconnect(served):
    session = Browser(max_steps=500).dial(
        f"{served}/vxml/payment-reminder/start",
        method="POST",
        data={"phone_number": "+16175551234", "message_reference": "m1", "call_id": "c1",
              "call_parameters": "amount=42.10&account=A-1"},
    )
    # The opening document played, then its goto to the greet step got 503.
    assert session.ended == "disconnect", (session.ended, session.prompts)
    assert session.prompts[0].startswith("Hello, this is Acme Utilities")
    assert session.prompts[-1] == APOLOGY
    assert [doc.status for doc in session.documents][:1] == [200]


class Custom(Flow):
    name = "custom"

    @step(start=True)
    def begin(self, call):
        return template("plain.vxml")

    @step
    def other(self, call):
        return [say("Hi."), hangup()]


def test_whole_document_templates_get_the_handler_unless_they_have_their_own(tmp_path):
    (tmp_path / "plain.vxml").write_text(
        '<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml"><form><block><goto next="x"/></block></form></vxml>')
    (tmp_path / "own.vxml").write_text(
        '<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml"><error><exit/></error>'
        '<form><block><goto next="x"/></block></form></vxml>')
    renderer = Renderer(extra_template_folders=[tmp_path])
    plain = etree.fromstring(renderer.render("plain.vxml", {}).text.encode())
    handler = plain.find(f"{V}catch")
    assert handler.get("event") == "error.badfetch"
    assert handler.findtext(f"{V}prompt") == APOLOGY and handler.find(f"{V}disconnect") is not None
    own = etree.fromstring(renderer.render("own.vxml", {}).text.encode())
    assert own.find(f"{V}catch") is None


@pytest.mark.parametrize(("events", "covered"), [
    ("error.badfetch", True), ("error", True), ("", True), ("connection.disconnect error.badfetch", True),
    ("error.badfetch.http.503", False), ("error.semantic", False), ("nomatch", False),
])
def test_which_document_level_catches_cover_a_failed_fetch(events, covered):
    root = etree.fromstring(f'<vxml xmlns="http://www.w3.org/2001/vxml"><catch event="{events}"/></vxml>')
    assert handles_badfetch(root) is covered


def test_every_document_the_examples_serve_carries_the_handler(make_app, rendered_documents):
    from vxmlkit.testing import Simulator

    app = make_app([PaymentReminder])
    call = Simulator(app).dial("payment-reminder", call_parameters={"amount": "42.10", "account": "A-1"})
    call.press("1").press("4111111111111111#")
    client = app.test_client()
    assert client.get("/vxml/payment-reminder/start").status_code == 200  # the pre-flight answer
    assert client.post("/vxml/payment-reminder/step/pay?t=forged").status_code == 403  # the goodbye
    assert len(rendered_documents) >= 6
    for text in rendered_documents:
        assert handles_badfetch(etree.fromstring(text.encode())), text
