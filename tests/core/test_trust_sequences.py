"""Whatever a platform or an attacker sends for one call, in whatever order: each SMS is sent at
most once, no document's links run a step twice, and every answer to the voice routes is
VoiceXML.

Each example is a fresh production app on a real SQLite file, a call queued through vxmlkit, and
a sequence of requests drawn from: the start POST again (same or another call_id), a link of
any document served so far (followed, repeated, or with HEAD), the caller's way forward
through the latest document (to the SMS), and the call's result.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import vxmlkit.calls.steps as steps_module
from vxmlkit.app import create_app
from vxmlkit.extension import get_kit
from vxmlkit.queueing import record_call
from vxmlkit.sms import MemoryGateway

ORDER = "order=A1234&total=129.90&items=3&pay_by=2026-12-01"
PHONE = "+16175550142"
LINK = re.compile(r'(?:next|expr)="([^"]*/(?:step|sms)/[^"]*)"')
ADVANCE = ("/step/review", "/step/confirm", "/sms/")
SEALED = re.compile(r"name=\"vxmlkit_sms\" expr=\"'([^']+)'")

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.sampled_from(["plum-1", "plum-2"])),
        st.tuples(st.just("link"), st.integers(0, 50), st.integers(0, 50), st.sampled_from(["GET", "POST", "HEAD"]),
                  st.sampled_from(["", "", "", "1"])),
        st.tuples(st.just("advance")),
        st.tuples(st.just("advance")),
        st.tuples(st.just("repeat")),
        st.tuples(st.just("result")),
    ),
    min_size=1,
    max_size=20,
)


def _local(url: str) -> str:
    parts = urlsplit(html.unescape(url))
    return f"{parts.path}?{parts.query}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_any_sequence_of_requests_for_one_call(actions) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "VXMLKIT_SECRET_KEY": "sequences", "VXMLKIT_DATABASE_URL": f"sqlite:///{Path(folder) / 'db.sqlite3'}",
            "VXMLKIT_PUBLIC_URL": "https://ivr.example.com", "VXMLKIT_INSTANCE_PATH": folder,
        })
        kit = get_kit(app)
        outbox = MemoryGateway()
        kit.sms_gateway = outbox
        produced: list[tuple[str, int]] = []
        original = steps_module.run_step

        def counting_run_step(kit_, links, flow_cls, session, step, inputs):
            text = original(kit_, links, flow_cls, session, step, inputs)
            produced.append((session.id, int(session.internal["document"])))
            return text

        steps_module.run_step = counting_run_step
        try:
            followed = _play(app, actions)
        finally:
            steps_module.run_step = original
        # the start ran one step, and each document's links ran at most one step between them
        assert len(produced) <= 1 + len(followed), (produced, followed)
        # the one SMS of the flow is sent at most once, whatever was replayed
        keys = [(s.message.call_session, s.message.step, s.message.attempt) for s in outbox.sent]
        assert len(keys) == len(set(keys)) and len(keys) <= 1, keys
        event(f"steps run: {min(len(produced), 6)}, SMS sent: {len(keys)}")
        get_kit(app).store.close()


def _play(app, actions) -> set[int]:
    """Send the requests; the documents whose links were followed (by GET or POST)."""
    client = app.test_client()
    kit = get_kit(app)
    followed: set[int] = set()
    queued = record_call(app, "order-confirmation", PHONE, message_reference="ref-1", call_parameters=ORDER)
    form = {"phone_number": PHONE, "message_reference": "ref-1", "call_parameters": ORDER, "call_id": "plum-1"}
    documents: list[str] = []
    last: tuple[str, str, dict[str, str]] | None = None

    def send(method: str, url: str, data: dict[str, str], *, voice: bool = True) -> None:
        nonlocal last
        last = (method, url, data)
        if method != "HEAD" and ("/step/" in url or "/sms/" in url):
            signer = kit.sms_signer if "/sms/" in url else kit.signer
            followed.add(signer.verify(url.split("t=", 1)[1]).document)
        answer = client.open(url, method=method, data=data if method == "POST" else None)
        if voice:
            assert answer.mimetype == "application/voicexml+xml", (url, answer.status_code, answer.data[:200])
            assert answer.status_code in (200, 403)
            if method != "HEAD" and answer.status_code == 200:
                documents.append(answer.get_data(as_text=True))

    send("POST", _local(queued.start_url), form)
    for action in actions:
        kind = action[0]
        if kind == "start":
            send("POST", _local(queued.start_url), {**form, "call_id": action[1]})
        elif kind == "link":
            _, which_doc, which_link, method, keys = action
            doc = documents[which_doc % len(documents)]
            links = LINK.findall(doc)
            if not links:
                continue
            url = _local(links[which_link % len(links)])
            data: dict[str, str] = {}
            if "/sms/" in url:
                sealed = SEALED.findall(doc)
                data = {"vxmlkit_sms": sealed[0]} if sealed else {}
                method = "POST"
            elif keys:
                data = {"choice": keys}
            send(method, url, data)
        elif kind == "advance":
            # the caller's way through the call: answer the latest document as a person who confirms
            links = [_local(link) for link in LINK.findall(documents[-1])]
            wanted = next((link for name in ADVANCE for link in links if name in link), None)
            if wanted is not None:
                sealed = SEALED.findall(documents[-1])
                send("POST", wanted, {"vxmlkit_sms": sealed[0]} if "/sms/" in wanted and sealed else {})
        elif kind == "repeat" and last is not None:
            send(*last)
        elif kind == "result":
            answer = client.post(_local(queued.result_url), data={**form, "result": "completed", "callee_type": "voice"})
            assert answer.status_code == 200
    return followed
