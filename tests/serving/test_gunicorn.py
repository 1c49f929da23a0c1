"""The app under a real gunicorn: a worker killed in the middle of a step, and the metrics of
several workers added up (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from lxml import etree

from vxmlkit.store import SessionStore, open_store
from vxmlkit.tokens import StepToken, TokenSigner

from .conftest import SECRET

NS = {"v": "http://www.w3.org/2001/vxml"}
START = {"phone_number": "+16175551234", "message_reference": "ref-1", "call_parameters": ""}


def post(url: str, data: dict[str, str], timeout: float = 10) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode()
    try:
        with urllib.request.urlopen(url, data=body, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def start_url(server, flow: str = "counter") -> str:
    token = TokenSigner(SECRET, max_age=3600, salt="vxmlkit.start").sign(StepToken(flow, "-", "start"))
    return f"{server.base_url}/vxml/{flow}/start?t={token}"


def next_step(document: str) -> str:
    root = etree.fromstring(document.encode())
    for element in root.iter():
        for value in element.attrib.values():
            if "/step/" in value:
                return value
    raise AssertionError(f"no step URL in {document}")


def test_a_worker_killed_mid_step_loses_only_that_request(gunicorn, tmp_path, database_url):
    gate = tmp_path / "gate"
    server = gunicorn(workers=1, SERVING_GATE=str(gate))
    status, document = post(start_url(server), {**START, "call_id": "c-1"})
    assert status == 200
    step = server.base_url + next_step(document)

    gate.touch()
    failed: list[BaseException] = []

    def platform_fetch() -> None:
        try:
            post(step, {"key": "0"}, timeout=30)
        except BaseException as exc:  # the connection dies with the worker
            failed.append(exc)

    fetch = threading.Thread(target=platform_fetch)
    fetch.start()
    deadline = time.monotonic() + 20
    while not Path(str(gate) + ".reached").exists():
        assert time.monotonic() < deadline, server.log.read_text()
        time.sleep(0.02)
    [worker] = server.worker_pids()
    os.kill(worker, signal.SIGKILL)
    fetch.join(30)
    assert failed, "the request in flight died with its worker"
    gate.unlink()

    # Nothing of the killed request was committed: the step has not run as far as the store knows.
    sessions = SessionStore(open_store(database_url))
    session = sessions.find(flow="counter", call_id="c-1")
    assert session is not None and session.state == {} and session.last_step == "welcome"
    # The platform fetches the same URL again: gunicorn's new worker runs the step, once.
    deadline = time.monotonic() + 20
    while not [pid for pid in server.worker_pids() if pid != worker]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # (It first waits for the killed request's answer, up to vxmlkit.trust.REPEAT_WAIT seconds.)
    status, document = post(step, {"key": "0"}, timeout=40)
    assert status == 200 and "You pressed" in document
    session = sessions.find(flow="counter", call_id="c-1")
    assert session.state == {"runs": 1} and session.last_step == "counted"
    # Other calls are served as usual.
    status, document = post(start_url(server), {**START, "call_id": "c-2"})
    assert status == 200 and "Press a key" in document


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    raise AssertionError(f"no {name}{{{wanted}}} in\n{text}")


def test_metrics_of_several_workers_add_up(gunicorn, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    gate = tmp_path / "gate"
    server = gunicorn(workers=2, PROMETHEUS_MULTIPROC_DIR=str(folder), VXMLKIT_METRICS_PATH="/metrics",
                      SERVING_GATE=str(gate))
    # One worker is kept busy in a step, so the other one answers the calls below.
    status, document = post(start_url(server), {**START, "call_id": "held"})
    gate.touch()
    held = threading.Thread(target=post, args=(server.base_url + next_step(document), {"key": "0"}, 30))
    held.start()
    deadline = time.monotonic() + 20
    while not Path(str(gate) + ".reached").exists():
        assert time.monotonic() < deadline, server.log.read_text()
        time.sleep(0.02)
    calls = 12
    for number in range(calls):
        status, document = post(start_url(server), {**START, "call_id": f"c-{number}"})
        assert status == 200
        status, _ = post(server.base_url + next_step(document), {"key": "3"})
        assert status == 200
    status, _ = post(f"{server.base_url}/vxml/counter/start?t=forged", {**START, "call_id": "x"})
    assert status == 403
    gate.unlink()
    held.join(30)
    # Both workers answered (each writes its own file), and either one adds them all up.
    assert len(list(folder.glob("counter_*.db"))) == 2
    status, text = get(f"{server.base_url}/metrics")
    assert status == 200
    assert metric(text, "vxmlkit_calls_started_total", flow="counter") == calls + 1
    assert metric(text, "vxmlkit_calls_refused_total", flow="counter", reason="forbidden") == 1
    assert metric(text, "vxmlkit_steps_served_total", flow="counter", step="counted") == calls + 1
    assert metric(text, "vxmlkit_request_seconds_count", route="start") == calls + 2
    assert metric(text, "vxmlkit_request_seconds_count", route="step") == calls + 1
