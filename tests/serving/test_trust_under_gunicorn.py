"""The attacks of the trust model against a gunicorn-served app: a stranger's start POST with
the real start URL, a replayed step, HEAD on a step URL."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

from vxmlkit.queueing import record_call
from vxmlkit.store import SessionStore, open_store

from .test_gunicorn import START, next_step, post


def test_a_stranger_a_replay_and_a_head_against_gunicorn(gunicorn, make_app, database_url) -> None:
    server = gunicorn(workers=2, VXMLKIT_ALLOW_UNQUEUED_CALLS="nothing")
    app = make_app(VXMLKIT_ALLOW_UNQUEUED_CALLS="nothing", VXMLKIT_PUBLIC_URL=server.base_url)
    queued = record_call(app, "counter", "+16175551234", message_reference="ref-1")
    start = server.base_url + urlsplit(queued.start_url).path + "?" + urlsplit(queued.start_url).query

    status, refused = post(start, {**START, "phone_number": "+15555550199", "call_id": "c-x"})
    assert status == 403 and "<vxml" in refused
    status, document = post(start, {**START, "call_id": "c-1"})
    assert status == 200
    step = server.base_url + next_step(document)

    head = urllib.request.urlopen(urllib.request.Request(step, method="HEAD"), timeout=10)
    assert head.status == 200 and head.headers["Content-Type"].startswith("application/voicexml+xml")
    sessions = SessionStore(open_store(database_url))
    assert sessions.find(flow="counter", call_id="c-1").state == {}  # HEAD ran nothing

    first = post(step, {"key": "7"})
    replays = [post(step, {"key": "9"}) for _ in range(3)]
    assert first[0] == 200 and "You pressed" in first[1]
    assert replays == [first] * 3
    assert sessions.find(flow="counter", call_id="c-1").state == {"runs": 1}
