"""A document's answer is kept in the same transaction as the session its step changed: when
the answer cannot be kept, the call stays where it was and the same link runs the step again.

The app is a production app (not testing, not debug) on a real SQLite file; the store's
refusal is a real SQLite trigger that aborts the write of a kept answer.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from vxmlkit.app import create_app
from vxmlkit.extension import get_kit
from vxmlkit.queueing import record_call
from vxmlkit.urls import flow_urls
from vxmlkit.validation import check_document

ORDER = "order=A1234&total=129.90&items=3&pay_by=2026-12-01"
FORM = {"phone_number": "+16175550142", "message_reference": "ref-1", "call_parameters": ORDER, "call_id": "plum-1"}
#: The step name under which a document's answer is kept (vxmlkit.trust.ANSWER_KEY).
ANSWER_KEY = "*document"
REFUSE_ANSWERS = """
CREATE TRIGGER refuse_answers_insert BEFORE INSERT ON sms_continuations WHEN NEW.document IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'no room for the answer'); END;
CREATE TRIGGER refuse_answers_update BEFORE UPDATE ON sms_continuations WHEN NEW.document IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'no room for the answer'); END;
"""


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app({
        "VXMLKIT_SECRET_KEY": "kept-answers-test",
        "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VXMLKIT_PUBLIC_URL": "https://ivr.example.com",
        "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"),
        "VXMLKIT_ALLOW_UNQUEUED_CALLS": "order-confirmation",
    })


def start_path(app: Flask) -> str:
    parts = urlsplit(flow_urls(app, "order-confirmation").start_url)
    return f"{parts.path}?{parts.query}"


def refuse_answers(app: Flask, refuse: bool) -> None:
    conn = get_kit(app).store.connect()
    if refuse:
        conn.executescript(REFUSE_ANSWERS)
    else:
        conn.executescript("DROP TRIGGER refuse_answers_insert; DROP TRIGGER refuse_answers_update;")


def kept(app: Flask, session_id: str, document: int) -> str | None:
    row = get_kit(app).store.query_one(
        "SELECT document FROM sms_continuations WHERE call_session = ? AND step = ? AND attempt = ?",
        (session_id, ANSWER_KEY, document),
    )
    return None if row is None else row["document"]


def test_an_unqueued_call_starts_with_one_row_and_its_links_run_once(app: Flask) -> None:
    # Nothing can ask for the first document of an unqueued call again (a refetch of its start
    # URL starts another session): only the session is stored.
    client = app.test_client()
    first = client.post(start_path(app), data=FORM)
    assert first.status_code == 200
    (session,) = get_kit(app).sessions.recent()
    assert kept(app, session.id, 0) is None
    link = html.unescape(re.findall(r'next="([^"]*/step/[^"]*)"', first.get_data(as_text=True))[0])
    served = client.get(link)
    assert served.status_code == 200
    assert client.get(link).data == served.data


def test_a_queued_start_whose_answer_cannot_be_kept_stores_no_session(app: Flask) -> None:
    queued = record_call(app, "order-confirmation", FORM["phone_number"], message_reference=FORM["message_reference"],
                         call_parameters=ORDER)
    parts = urlsplit(queued.start_url)
    client = app.test_client()
    refuse_answers(app, True)
    answer = client.post(f"{parts.path}?{parts.query}", data=FORM)
    assert answer.mimetype == "application/voicexml+xml"
    check_document(answer.data)
    assert get_kit(app).sessions.recent() == []

    # The platform's refetch of the start URL gets what the first request answered (goodbye).
    refuse_answers(app, False)
    again = client.post(f"{parts.path}?{parts.query}", data=FORM)
    assert (again.status_code, again.data) == (answer.status_code, answer.data)


def test_a_step_whose_answer_cannot_be_kept_leaves_the_call_where_it_was(app: Flask) -> None:
    client = app.test_client()
    first = client.post(start_path(app), data=FORM)
    (session,) = get_kit(app).sessions.recent()
    link = html.unescape(re.findall(r'next="([^"]*/step/[^"]*)"', first.get_data(as_text=True))[0])
    step = urlsplit(link).path.rsplit("/", 1)[1]

    refuse_answers(app, True)
    refused = client.get(link)
    assert refused.mimetype == "application/voicexml+xml"
    check_document(refused.data)
    after = get_kit(app).sessions.get(session.id)
    assert (after.last_step, after.internal["document"], after.state) == (
        session.last_step, session.internal["document"], session.state)
    assert kept(app, session.id, session.internal["document"]) is None

    # The store takes answers again: the same link runs the step, once.
    refuse_answers(app, False)
    served = client.get(link)
    assert served.status_code == 200
    assert get_kit(app).sessions.get(session.id).last_step == step
    assert kept(app, session.id, session.internal["document"]) == served.get_data(as_text=True)
    assert client.get(link).data == served.data
