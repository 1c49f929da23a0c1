"""A real PostgreSQL server stopped in the middle of calls, then started again: callers get
VoiceXML only, results are refused with 503 until they can be stored, and calls go on with
the links they already hold."""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from lxml import etree

from vxmlkit.extension import get_kit
from vxmlkit.store import SessionStore, open_store
from vxmlkit.tokens import StepToken, TokenSigner
from vxmlkit.validation import check_document

from .conftest import SECRET
from .test_store_outage import START, VXML, outage_lines, prompt, step_url

pytestmark = pytest.mark.usefixtures("pg_server")


@pytest.fixture
def pg_url(postgres):
    url = postgres.new_store_url()
    yield url
    postgres.drop(url)


@pytest.fixture
def server_back(pg_server):
    """The session's server, started again at the end even when the test fails midway."""
    yield pg_server
    if not pg_server.running():
        pg_server.start()


def test_a_stopped_server_gives_voicexml_and_calls_go_on_after_its_restart(make_app, pg_url, server_back, caplog):
    app = make_app(VXMLKIT_DATABASE_URL=pg_url, VXMLKIT_DATABASE_TIMEOUT=1)
    kit = get_kit(app)
    client = app.test_client()
    start_path = f"/vxml/counter/start?t={kit.start_signer.sign(StepToken('counter', '-', 'start'))}"
    result_path = f"/vxml/counter/result?t={kit.result_signer.sign(StepToken('counter', '-', 'result'))}"
    first = client.post(start_path, data=START)
    assert first.status_code == 200
    held = step_url(first)

    server_back.stop()
    with caplog.at_level(logging.INFO, logger="vxmlkit"):
        start = client.post(start_path, data={**START, "call_id": "c-2"})
        assert (start.status_code, start.content_type) == (200, VXML)
        assert "something went wrong" in prompt(start)
        step = client.post(held, data={"key": "4"})
        assert (step.status_code, step.content_type) == (503, VXML)
        check_document(step.data)
        result = client.post(result_path, data={**START, "result": "completed", "callee_type": "voice"})
        assert result.status_code == 503
        assert client.get("/vxml/_health").status_code == 503
        assert len(outage_lines(caplog)[0]) == 1

    server_back.start()
    with caplog.at_level(logging.INFO, logger="vxmlkit"):
        deadline = time.monotonic() + 20
        while client.get("/vxml/_health").status_code != 200:  # the pool reconnects by itself
            assert time.monotonic() < deadline
            time.sleep(0.2)
        step = client.post(held, data={"key": "4"})
        assert step.status_code == 200 and "You pressed" in prompt(step)
        result = client.post(result_path, data={**START, "result": "completed", "callee_type": "voice"})
        assert result.status_code == 200
    down, up = outage_lines(caplog)
    assert len(down) == 1 and len(up) == 1, caplog.text
    session = kit.sessions.find(flow="counter", call_id="c-1")
    assert session.state == {"runs": 1}
    assert kit.sessions.find(flow="counter", call_id="c-2") is None
    assert [r.call_id for r in kit.results.list()] == ["c-1"]


def _post(url: str, data: dict[str, str]) -> tuple[int, str, str]:
    body = urllib.parse.urlencode(data).encode()
    try:
        with urllib.request.urlopen(url, data=body, timeout=30) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_a_restart_under_load_gives_callers_voicexml_only(gunicorn, pg_url, server_back):
    server = gunicorn(workers=2, VXMLKIT_DATABASE_URL=pg_url, VXMLKIT_DATABASE_TIMEOUT="1")
    token = TokenSigner(SECRET, max_age=3600, salt="vxmlkit.start").sign(StepToken("counter", "-", "start"))
    start = f"{server.base_url}/vxml/counter/start?t={token}"
    answers: list[tuple[str, int, str, str]] = []
    completed: list[str] = []
    stop = threading.Event()

    def caller(number: int) -> None:
        call = 0
        while not stop.is_set():
            call += 1
            call_id = f"c-{number}-{call}"
            status, kind, text = _post(start, {**START, "call_id": call_id})
            answers.append(("start", status, kind, text))
            if status != 200 or "Press a key" not in text:
                continue
            time.sleep(0.05)  # the caller listens, then presses a key
            status, kind, text = _post(server.base_url + step_url_of(text), {"key": "2"})
            answers.append(("step", status, kind, text))
            if status == 200 and "You pressed" in text:
                completed.append(call_id)

    callers = [threading.Thread(target=caller, args=(n,)) for n in range(4)]
    for thread in callers:
        thread.start()
    time.sleep(1.5)
    before = len(completed)
    server_back.restart()  # a fast shutdown: open connections are cut
    restarted = time.monotonic()
    while len(completed) < before + 8 and time.monotonic() - restarted < 30:
        time.sleep(0.1)
    stop.set()
    for thread in callers:
        thread.join(60)

    tally = {}
    for route, status, _, text in answers:
        key = (route, status, "goodbye" if "something went wrong" in text else "document")
        tally[key] = tally.get(key, 0) + 1
    print("answers during the restart:", tally)
    assert before > 0 and len(completed) >= before + 8, "calls go on after the restart"
    for route, status, kind, text in answers:
        # Never an HTML page, never a 500: VoiceXML with 200 or (a step while down) 503.
        assert kind == VXML and (status == 200 or (route == "step" and status == 503)), (route, status, text[:300])
        check_document(text.encode())
    store = open_store(pg_url)
    try:
        sessions = SessionStore(store)
        for call_id in completed:
            assert sessions.find(flow="counter", call_id=call_id).state == {"runs": 1}
    finally:
        store.close()


def step_url_of(document: str) -> str:
    root = etree.fromstring(document.encode())
    return next(value for element in root.iter() for value in element.attrib.values() if "/step/" in value)
