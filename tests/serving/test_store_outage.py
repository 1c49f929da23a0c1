"""A real SQLite database that stops answering: another connection holds its write lock past
the store's wait. Start and step requests get VoiceXML, results and reports 503, the outage is
logged once, and calls go on with the links they hold once the lock is released."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from urllib.parse import urlsplit

import pytest
from lxml import etree

from vxmlkit.extension import get_kit
from vxmlkit.store import open_store
from vxmlkit.tokens import StepToken
from vxmlkit.urls import flow_urls
from vxmlkit.validation import check_document

VXML = "application/voicexml+xml; charset=utf-8"
NS = {"v": "http://www.w3.org/2001/vxml"}
START = {"phone_number": "+16175551234", "message_reference": "ref-1", "call_id": "c-1", "call_parameters": ""}


def step_url(response) -> str:
    root = etree.fromstring(response.data)
    for element in root.iter():
        for value in element.attrib.values():
            if "/step/" in value:
                return value
    raise AssertionError(f"no step URL in {response.text}")


def prompt(response) -> str:
    return " ".join(etree.fromstring(response.data).xpath("//v:prompt//text()", namespaces=NS))


@pytest.fixture
def app(make_app):
    app = make_app(VXMLKIT_PUBLIC_URL="https://ivr.example.com")
    kit = get_kit(app)
    # The same file, with a short wait for the lock so that the test runs in a blink.
    kit.use_store(open_store(kit.store.url, timeout=0.2))
    return app


@pytest.fixture
def urls(app):
    with app.test_request_context():
        return flow_urls(app, "counter")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class WriteLock:
    """Another connection holding the database's write lock, as a stuck process or a backup would."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def __enter__(self) -> WriteLock:
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def outage_lines(caplog) -> tuple[list[str], list[str]]:
    messages = [r.getMessage() for r in caplog.records if r.name == "vxmlkit"]
    return ([m for m in messages if "does not answer" in m], [m for m in messages if "answers again" in m])


def test_an_outage_gives_voicexml_to_calls_503_to_senders_and_one_log_line_each_way(app, urls, caplog):
    client = app.test_client()
    kit = get_kit(app)
    first = client.post(path_of(urls.start_url), data=START)
    assert first.status_code == 200
    held = step_url(first)  # the platform holds this link through the outage
    report_path = f"/vxml/sms/report/outbox?t={kit.report_signer.sign(StepToken('sms', '-', 'outbox'))}"

    with caplog.at_level(logging.INFO, logger="vxmlkit"), WriteLock(kit.store.path):
        # A new call: the caller hears the goodbye (200: no earlier document could catch a failed fetch).
        start = client.post(path_of(urls.start_url), data={**START, "call_id": "c-2"})
        assert (start.status_code, start.content_type) == (200, VXML)
        check_document(start.data)
        assert "something went wrong" in prompt(start)
        # A call in progress: its next step is a failed fetch (503) that the current document catches.
        step = client.post(held, data={"key": "5"})
        assert (step.status_code, step.content_type) == (503, VXML)
        assert step.headers["Retry-After"]
        check_document(step.data)
        assert etree.fromstring(step.data).find(".//v:disconnect", NS) is not None
        # Senders that retry are told to.
        result = client.post(path_of(urls.result_url), data={**START, "result": "completed", "callee_type": "voice"})
        assert (result.status_code, result.headers["Retry-After"]) == (503, "5")
        report = client.post(report_path, data={"id": "m-1", "status": "delivered"})
        assert report.status_code == 503
        # Reads still work, but a store that cannot take a call's writes is down for the balancer.
        assert client.get("/vxml/_health").status_code == 503
        down, up = outage_lines(caplog)
        assert len(down) == 1 and not up, caplog.text

    with caplog.at_level(logging.INFO, logger="vxmlkit"):
        step = client.post(held, data={"key": "5"})
        assert step.status_code == 200 and "You pressed" in prompt(step)
        result = client.post(path_of(urls.result_url), data={**START, "result": "completed", "callee_type": "voice"})
        assert result.status_code == 200
        assert client.get("/vxml/_health").status_code == 200
    down, up = outage_lines(caplog)
    assert len(down) == 1 and len(up) == 1, caplog.text
    assert "4 requests" in up[0]
    # Nothing was half-done during the outage: one session (the call that started before it),
    # its step ran once, and the result is stored once.
    session = kit.sessions.find(flow="counter", call_id="c-1")
    assert session is not None and session.state == {"runs": 1}
    assert kit.sessions.find(flow="counter", call_id="c-2") is None
    assert [r.call_id for r in kit.results.list()] == ["c-1"]


def test_a_result_is_answered_200_only_once_stored(app, urls):
    client = app.test_client()
    kit = get_kit(app)
    form = {**START, "result": "completed", "callee_type": "voice"}
    with WriteLock(kit.store.path):
        assert client.post(path_of(urls.result_url), data=form).status_code == 503
    assert kit.results.list() == []
    # Plum sends it again: now it is stored, once.
    assert client.post(path_of(urls.result_url), data=form).status_code == 200
    assert client.post(path_of(urls.result_url), data=form).status_code == 200
    assert len(kit.results.list()) == 1


def test_a_database_whose_folder_is_gone_answers_voicexml(make_app, tmp_path, caplog):
    folder = tmp_path / "volume"
    app = make_app(VXMLKIT_DATABASE_URL=f"sqlite:///{folder / 'vxmlkit.sqlite3'}")
    with app.test_request_context():
        urls = flow_urls(app, "counter")
    client = app.test_client()
    held = step_url(client.post(path_of(urls.start_url), data=START))
    shutil.rmtree(folder)  # the volume is gone
    answers: dict[str, object] = {}

    def fresh_worker() -> None:
        # A new thread opens its own connection, as a new worker would.
        with caplog.at_level(logging.INFO, logger="vxmlkit"):
            answers["step"] = client.post(held, data={"key": "5"})
            answers["start"] = client.post(path_of(urls.start_url), data=START)
            answers["health"] = client.get("/vxml/_health")

    worker = threading.Thread(target=fresh_worker)
    worker.start()
    worker.join(30)
    step, start, health = answers["step"], answers["start"], answers["health"]
    assert (step.status_code, step.content_type) == (503, VXML)
    assert (start.status_code, start.content_type) == (200, VXML)
    check_document(step.data)
    check_document(start.data)
    assert health.status_code == 503
    assert len(outage_lines(caplog)[0]) == 1


def test_health_needs_no_token_and_touches_no_call(app):
    client = app.test_client()
    kit = get_kit(app)
    response = client.get("/vxml/_health")
    assert (response.status_code, response.text) == (200, "ok\n")
    assert response.headers["Cache-Control"] == "no-store"
    assert kit.sessions.recent() == []


def test_an_sms_order_while_down_sends_nothing_and_answers_503_voicexml(app, urls):
    from vxmlkit.sms import MemoryGateway

    client = app.test_client()
    kit = get_kit(app)
    kit.sms_gateway = memory = MemoryGateway()
    session = kit.sessions.new(flow="counter", **START)
    kit.sessions.insert(session)
    step = f"/vxml/counter/step/texting?t={kit.signer.sign(StepToken('counter', session.id, 'texting'))}"
    root = etree.fromstring(client.post(step).data)
    order_url = root.find(".//v:submit", NS).get("next")
    order = {"vxmlkit_sms": root.find(".//v:var[@name='vxmlkit_sms']", NS).get("expr").strip("'")}
    with WriteLock(kit.store.path):
        answer = client.post(order_url, data=order)
    assert (answer.status_code, answer.content_type) == (503, VXML)
    check_document(answer.data)
    assert memory.sent == []
    # Nothing was claimed during the outage: the same order posted afterwards sends it, once.
    assert client.post(order_url, data=order).status_code == 200
    assert client.post(order_url, data=order).status_code == 200
    assert len(memory.sent) == 1
