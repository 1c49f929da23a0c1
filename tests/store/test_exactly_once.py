"""Exactly once across hosts: two gunicorn servers (separate processes, threaded workers) on
two loopback ports share one store; the same request goes to both at the same moment, 20 at
once, round after round. Each SMS reaches the provider once and every repeat gets the same
next document; each result is stored once and its ``on_result`` runs once. Then the same with
threads calling the functions directly."""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree

from tests.hosts import Host
from tests.store.hosts_app import Texting
from vxmlkit.results import CallResult, ResultStore, record_result
from vxmlkit.sms import continuations
from vxmlkit.store import open_store

NS = {"v": "http://www.w3.org/2001/vxml"}
AT_ONCE = 20
ROUNDS = 4


class Provider:
    """An Ozeki-speaking SMS provider on loopback that counts each message it is given."""

    def __init__(self) -> None:
        self.messages: Counter[str] = Counter()
        self.lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                with provider.lock:
                    provider.messages[query.get("Message", "")] += 1
                time.sleep(0.05)  # a provider takes a while: the repeats arrive meanwhile
                body = (f"<OzApi_CommandResult_SendSms><Code>200</Code><Message>ok</Message>"
                        f"<SmsId>{uuid.uuid4()}</SmsId></OzApi_CommandResult_SendSms>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def post(url: str, form: dict[str, str]) -> tuple[int, bytes]:
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def all_at_once(calls: list[tuple[str, dict[str, str]]]) -> list[tuple[int, bytes]]:
    barrier = threading.Barrier(len(calls))

    def go(call: tuple[str, dict[str, str]]) -> tuple[int, bytes]:
        barrier.wait()
        return post(*call)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


@pytest.fixture
def two_hosts(store_url, tmp_path):
    provider = Provider()
    env = {
        "VXMLKIT_DATABASE_URL": store_url, "VXMLKIT_SECRET_KEY": "shared-by-every-host",
        "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"), "VXMLKIT_REQUIRE_START_TOKEN": "0",
        "VXMLKIT_SMS_GATEWAY": "ozeki", "VXMLKIT_OZEKI_URL": provider.url, "VXMLKIT_OZEKI_USERNAME": "u",
        "VXMLKIT_OZEKI_PASSWORD": "p", "HOSTS_HOOK_LOG": str(tmp_path / "hooks.log"),
    }
    open_store(store_url).ping()  # the schema, made once before the hosts start
    hosts = [Host("tests.store.hosts_app:create_app()", env, workers=2, threads=8, log=tmp_path / f"host{n}.log")
             for n in range(2)]
    try:
        for host in hosts:
            host.start()
        yield hosts, provider, tmp_path / "hooks.log"
    finally:
        for host in hosts:
            host.stop()
        provider.close()


def test_two_hosts_send_each_sms_once_and_store_each_result_once(two_hosts, store_url) -> None:
    hosts, provider, hook_log = two_hosts
    store = open_store(store_url)
    for round_ in range(ROUNDS):
        reference = f"ref-{round_}-{uuid.uuid4().hex[:6]}"
        status, body = post(hosts[round_ % 2].base_url + "/vxml/texting/start",
                            {"phone_number": "+12223459789", "message_reference": reference,
                             "call_id": f"call-{round_}", "call_parameters": ""})
        assert status == 200, body
        root = etree.fromstring(body)
        submit = root.find(".//v:submit", NS).get("next")
        sealed = root.find(".//v:var[@name='vxmlkit_sms']", NS).get("expr").strip("'")
        answers = all_at_once([(hosts[n % 2].base_url + submit, {"vxmlkit_sms": sealed}) for n in range(AT_ONCE)])
        assert [status for status, _ in answers] == [200] * AT_ONCE
        assert len({body for _, body in answers}) == 1, "every repeat gets the first request's document"
        assert b"Sent." in answers[0][1]
        assert provider.messages[f"Your code for {reference} is 1234."] == 1, (provider.messages, answers[0][1])
        session_id = store.query_one("SELECT id FROM call_sessions WHERE message_reference = ?", (reference,))["id"]
        assert store.query_one("SELECT COUNT(*) AS n FROM sms_messages WHERE call_session = ?", (session_id,))["n"] == 1
        assert store.query_one("SELECT state FROM call_sessions WHERE id = ?", (session_id,))["state"] == '{"sent": 1}'

        result = {"phone_number": "+12223459789", "message_reference": reference, "call_id": f"call-{round_}",
                  "result": "completed", "callee_type": "voice", "attempts": "1", "duration": "30"}
        answers = all_at_once([(hosts[n % 2].base_url + "/vxml/texting/result", result) for n in range(AT_ONCE)])
        assert [status for status, _ in answers] == [200] * AT_ONCE
        rows = store.query("SELECT hook_status FROM call_results WHERE message_reference = ?", (reference,))
        assert [row["hook_status"] for row in rows] == ["done"]
        ran = [line for line in hook_log.read_text().splitlines() if line.startswith(reference + " ")]
        assert len(ran) == 1, ran
    assert sum(provider.messages.values()) == ROUNDS
    store.close()


def test_threads_claim_each_sms_and_store_each_result_once(store_url) -> None:
    store = open_store(store_url)
    results = ResultStore(store)
    ran: list[str] = []

    class Counting(Texting):
        name = "counting"

        def on_result(self, result):
            ran.append(result.call_id)

    for round_ in range(ROUNDS):
        barrier = threading.Barrier(AT_ONCE)

        def claim() -> bool:
            barrier.wait()
            return continuations.claim(store, f"session-{round_}", "begin", 1)

        def record() -> bool:
            barrier.wait()
            form = {"message_reference": "ref", "call_id": f"call-{round_}", "result": "completed"}
            return record_result(results, Counting, CallResult.from_form("texting", form))

        with ThreadPoolExecutor(AT_ONCE) as pool:
            claimed = [f.result() for f in [pool.submit(claim) for _ in range(AT_ONCE)]]
        with ThreadPoolExecutor(AT_ONCE) as pool:
            stored = [f.result() for f in [pool.submit(record) for _ in range(AT_ONCE)]]
        assert claimed.count(True) == 1 and stored.count(True) == 1
    assert sorted(ran) == [f"call-{n}" for n in range(ROUNDS)]
    assert store.query_one("SELECT COUNT(*) AS n FROM call_results")["n"] == ROUNDS
    store.close()
