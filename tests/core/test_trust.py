"""The trust model of the platform's routes: only calls vxmlkit queued start, a link runs its
step once, HEAD runs nothing, and the routes answer only the trusted networks.

The app is a production app (not testing, not debug) on a real SQLite file.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from apps import password_reset
from vxmlkit.app import create_app
from vxmlkit.extension import get_kit
from vxmlkit.queueing import record_call, record_campaign
from vxmlkit.sms import MemoryGateway
from vxmlkit.testing import Simulator
from vxmlkit.urls import flow_urls
from vxmlkit.validation import check_document

ORDER = "order=A1234&total=129.90&items=3&pay_by=2026-12-01"
CUSTOMER = "+16175550142"
STRANGER = "+15555550199"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app({
        "VXMLKIT_SECRET_KEY": "trust-test",
        "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VXMLKIT_PUBLIC_URL": "https://ivr.example.com",
        "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"),
    })


@pytest.fixture
def outbox(app: Flask) -> MemoryGateway:
    gateway = MemoryGateway()
    get_kit(app).sms_gateway = gateway
    return gateway


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def start_form(phone: str = CUSTOMER, call_id: str = "plum-1", params: str = ORDER, reference: str = "ref-1") -> dict[str, str]:
    return {"phone_number": phone, "message_reference": reference, "call_parameters": params, "call_id": call_id}


def refused_voicexml(response, status: int = 403) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/voicexml+xml"
    check_document(response.data)


# -- only calls vxmlkit queued ---------------------------------------------------------------------


def test_a_stranger_with_the_real_start_url_is_refused(app: Flask, outbox: MemoryGateway) -> None:
    client = app.test_client()
    queued = record_call(app, "order-confirmation", CUSTOMER, message_reference="ref-1", call_parameters=ORDER)
    # the stranger's own number, or their own text for the message: 403, VoiceXML, nothing sent
    refused_voicexml(client.post(local(queued.start_url), data=start_form(phone=STRANGER)))
    refused_voicexml(client.post(local(queued.start_url), data=start_form(reference="other")))
    # the flow's own (unbound) start URL is not enough either
    refused_voicexml(client.post(local(flow_urls(app, "order-confirmation").start_url), data=start_form(phone=STRANGER)))
    assert outbox.sent == []
    assert get_kit(app).sessions.recent() == []


def test_a_queued_call_runs_with_what_was_queued_not_with_what_is_posted(app: Flask, outbox: MemoryGateway) -> None:
    queued = record_call(app, "order-confirmation", CUSTOMER, message_reference="ref-1", call_parameters=ORDER)
    client = app.test_client()
    answer = client.post(local(queued.start_url), data=start_form(params="order=EVIL&total=1&items=1"))
    assert answer.status_code == 200
    [session] = get_kit(app).sessions.recent()
    assert session.call_parameters == ORDER


def test_the_platforms_refetch_of_the_start_gets_the_same_document_and_a_second_call_is_refused(app: Flask) -> None:
    queued = record_call(app, "order-confirmation", CUSTOMER, call_parameters=ORDER)
    client = app.test_client()
    first = client.post(local(queued.start_url), data=start_form())
    again = client.post(local(queued.start_url), data=start_form())
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert len(get_kit(app).sessions.recent()) == 1
    refused_voicexml(client.post(local(queued.start_url), data=start_form(call_id="plum-2")))


def test_a_completed_call_cannot_start_again(app: Flask) -> None:
    queued = record_call(app, "order-confirmation", CUSTOMER, message_reference="ref-1", call_parameters=ORDER)
    client = app.test_client()
    result = client.post(local(queued.result_url), data={**start_form(), "result": "completed", "callee_type": "voice"})
    assert result.status_code == 200
    refused_voicexml(client.post(local(queued.start_url), data=start_form()))
    assert get_kit(app).queued_calls.counts() == {"completed": 1}


def test_an_expired_queued_call_is_refused(app: Flask) -> None:
    queued = record_call(app, "order-confirmation", CUSTOMER, call_parameters=ORDER, expires=1_000_000)
    refused_voicexml(app.test_client().post(local(queued.start_url), data=start_form()))


def test_a_campaign_start_url_starts_only_its_own_calls(app: Flask) -> None:
    urls, _ = record_campaign(app, "order-confirmation", [("16175550142", "r-1", ORDER), ("16175550143", "r-2", ORDER)])
    client = app.test_client()
    assert client.post(local(urls.start_url), data=start_form(phone="16175550143", reference="r-2")).status_code == 200
    refused_voicexml(client.post(local(urls.start_url), data=start_form(phone=STRANGER, reference="r-1", call_id="x")))
    refused_voicexml(client.post(local(urls.start_url), data=start_form(phone="16175550142", reference="r-2", call_id="y")))


def test_allow_unqueued_calls_opens_the_flows_it_names(tmp_path: Path) -> None:
    app = create_app({"VXMLKIT_SECRET_KEY": "k", "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "VXMLKIT_PUBLIC_URL": "https://ivr.example.com", "VXMLKIT_ALLOW_UNQUEUED_CALLS": "survey"})
    client = app.test_client()
    assert client.post(local(flow_urls(app, "survey").start_url), data=start_form(params="")).status_code == 200
    refused_voicexml(client.post(local(flow_urls(app, "order-confirmation").start_url), data=start_form()))


# -- one step per link -----------------------------------------------------------------------------


def test_replayed_step_urls_send_nothing_more_even_after_hangup_and_result(app: Flask) -> None:
    simulator = Simulator(app)
    call = simulator.dial("order-confirmation", phone_number=CUSTOMER, call_parameters=ORDER, message_reference="ref-1")
    call.press("1").hangs_up()
    assert len(call.sms) == 1
    client = app.test_client()
    session = get_kit(app).sessions.recent()[0]
    state = dict(session.state)
    links = [doc for doc in call.documents if "/step/" in doc.url or "/sms/" in doc.url]
    assert links, call.documents

    sealed = re.findall(r"name=\"vxmlkit_sms\" expr=\"'([^']+)'", "".join(doc.text for doc in call.documents))

    def replay_all() -> None:
        for doc in links:
            data = {"vxmlkit_sms": sealed[0]} if "/sms/" in doc.url else {}
            again = client.open(local(doc.url), method=doc.method, data=data)
            assert again.status_code == 200 and again.mimetype == "application/voicexml+xml"
            assert again.get_data(as_text=True) == doc.text  # the document already served

    replay_all()
    result_url = flow_urls(app, "order-confirmation", subject=_subject(app, session)).result_url
    assert client.post(local(result_url), data={**start_form(call_id=session.call_id), "result": "completed"}).status_code == 200
    replay_all()
    assert len(simulator.outbox.sent) == 1
    assert get_kit(app).sessions.get(session.id).state == state


def _subject(app: Flask, session) -> str:
    row = get_kit(app).store.connect().execute("SELECT id FROM queued_calls WHERE session_id = ?", (session.id,)).fetchone()
    return "q-" + row["id"]


def test_the_password_reset_lockout_cannot_be_bypassed_by_replay(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(password_reset, "issue_temporary_password", lambda account: "K7QM2XPT9R")
    simulator = Simulator(app)
    call = simulator.dial("password-reset", phone_number=CUSTOMER, call_parameters="account=0088123456")
    call.press("1").press("0000").press("1111")
    call.hears("we cannot reset your password over the phone").hangs_up()
    identity_links = [doc for doc in call.documents if "/step/check_identity" in doc.url]
    assert len(identity_links) == 2
    client = app.test_client()
    for doc in identity_links:
        again = client.post(local(doc.url), data={"last4": "3456"})
        assert again.status_code == 200
        assert again.get_data(as_text=True) == doc.text
    assert simulator.outbox.sent == []
    assert get_kit(app).sessions.recent()[0].state["identity_confirmed"] is False


def test_head_never_runs_a_step_and_answers_the_start_like_get(app: Flask, outbox: MemoryGateway) -> None:
    simulator = Simulator(app)
    call = simulator.dial("order-confirmation", phone_number=CUSTOMER, call_parameters=ORDER)
    client = app.test_client()
    confirm = next(doc for doc in call.session.documents if "/step/review" in doc.url)
    links = [a for a in confirm.text.split('"') if "/step/confirm?" in a]
    assert links, confirm.text
    head = client.head(local("http://x" + links[0].replace("&amp;", "&")))
    assert head.status_code == 200 and head.mimetype == "application/voicexml+xml"
    assert get_kit(app).sessions.recent()[0].last_step == "review"  # confirm did not run
    assert outbox.sent == []
    start_url = local(flow_urls(app, "order-confirmation").start_url)
    get, head = client.get(start_url), client.head(start_url + "&" + "phone_number=1&call_id=2")
    assert (head.status_code, head.mimetype) == (get.status_code, get.mimetype) == (200, "application/voicexml+xml")
    assert len(get_kit(app).sessions.recent()) == 1


# -- trusted networks --------------------------------------------------------------------------------


def test_trusted_networks_limit_the_platform_routes_behind_a_proxy(tmp_path: Path) -> None:
    app = create_app({"VXMLKIT_SECRET_KEY": "k", "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "VXMLKIT_PUBLIC_URL": "https://ivr.example.com", "VXMLKIT_TRUSTED_NETWORKS": "203.0.113.0/24, 2001:db8::/32"})
    queued = record_call(app, "order-confirmation", CUSTOMER, call_parameters=ORDER)
    client = app.test_client()
    refused_voicexml(client.post(local(queued.start_url), data=start_form(), environ_base={"REMOTE_ADDR": "198.51.100.7"}))
    refused_voicexml(client.post(local(queued.result_url), data=start_form(), environ_base={"REMOTE_ADDR": "198.51.100.7"}))
    # behind a declared proxy, the platform's address is the forwarded one
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    refused_voicexml(client.post(local(queued.start_url), data=start_form(),
                                 headers={"X-Forwarded-For": "198.51.100.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}))
    answer = client.post(local(queued.start_url), data=start_form(),
                         headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert answer.status_code == 200
