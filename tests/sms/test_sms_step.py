"""The sms step end to end through the routes: the document, sending once, the branches,
private mode, definition-time checks and delivery reports."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest
from lxml import etree

from vxmlkit import Flow, FlowDefinitionError, hangup, say, sms, step, template
from vxmlkit.app import create_app
from vxmlkit.extension import get_kit
from vxmlkit.sms import GatewayTimeoutError, MemoryGateway, list_messages
from vxmlkit.tokens import StepToken
from vxmlkit.validation import check_document

NS = {"v": "http://www.w3.org/2001/vxml"}


class Texting(Flow):
    name = "texting"

    @step(start=True)
    def begin(self, call):
        to = call.parameters_to if hasattr(call, "parameters_to") else call.params.get("to", call.phone_number)
        private = call.params.get("private") == "1"
        return [say("One moment."), sms(to=to, text=f"Your code is 1234 for {call.message_reference}.",
                                        then=self.sent, on_error=self.failed, timeout=10,
                                        hold_audio="https://example.com/hold.wav", private=private)]

    @step
    def sent(self, call, sms_status="", sms_id=""):
        call.state["status"] = sms_status
        call.state["sent_count"] = call.state.get("sent_count", 0) + 1
        return [say("Sent."), hangup()]

    @step
    def failed(self, call, sms_error=""):
        call.state["error"] = sms_error
        return [say("Not sent."), hangup()]


class NoErrorBranch(Flow):
    name = "no-error-branch"

    @step(start=True)
    def begin(self, call):
        return sms(to="not a number", text=template("sms/payment_receipt.txt", amount="1", account="A",
                                                    last4="1111", receipt="R1"), then=self.after)

    @step
    def after(self, call, sms_status="", sms_error=""):
        call.state["seen"] = [sms_status, sms_error]
        return hangup()


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "VXMLKIT_SECRET_KEY": "s",
                       "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                       "VXMLKIT_PUBLIC_URL": "https://ivr.example.com"}, flows=[Texting, NoErrorBranch])


def start(client, flow="texting", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.post(f"/vxml/{flow}/start", data={"phone_number": "(222) 345-9789", "message_reference": "m-1",
                                                        "call_parameters": query})
    assert response.status_code == 200, response.text
    return etree.fromstring(response.data)


def sms_request(root):
    """The submit the document makes: (url, form) as a voice browser would send it."""
    submit = root.find(".//v:submit", NS)
    var = root.find(".//v:var[@name='vxmlkit_sms']", NS)
    return submit.get("next"), {"vxmlkit_sms": var.get("expr").strip("'")}


def test_document_submits_with_hold_audio_and_fetchtimeout(app):
    root = start(app.test_client())
    check_document(etree.tostring(root))
    submit = root.find(".//v:submit", NS)
    assert (submit.get("fetchaudio"), submit.get("fetchtimeout"), submit.get("namelist")) == (
        "https://example.com/hold.wav", "10s", "vxmlkit_sms")
    assert "/vxml/texting/sms/begin?t=" in submit.get("next")
    assert "/step/failed?" in root.find(".//v:catch[@event='error.badfetch']/v:goto", NS).get("next")
    # The message is sealed: neither the number nor the text is readable in the document.
    text = etree.tostring(root).decode()
    assert "1234" not in text and "345" not in text


def test_send_then_continue_and_a_refetch_sends_nothing_more(app):
    client = app.test_client()
    url, form = sms_request(start(client))
    first = client.post(url, data=form)
    assert first.status_code == 200 and b"Sent." in first.data
    again = client.post(url, data=form)
    assert again.data == first.data
    kit = get_kit(app)
    messages = list_messages(kit.store)
    assert len(messages) == 1
    assert (messages[0].recipient, messages[0].body, messages[0].status) == ("+12223459789", "Your code is 1234 for m-1.", "queued")
    session = kit.sessions.recent(limit=1)[0]
    assert session.state == {"status": "queued", "sent_count": 1}


def test_the_same_step_run_again_is_a_new_attempt(app):
    client = app.test_client()
    kit = get_kit(app)
    url, form = sms_request(start(client))
    client.post(url, data=form)
    session = kit.sessions.recent(limit=1)[0]
    token = kit.signer.sign(StepToken("texting", session.id, "begin", session.internal["document"]))
    again = etree.fromstring(client.get("/vxml/texting/step/begin", query_string={"t": token}).data)
    url2, form2 = sms_request(again)
    client.post(url2, data=form2)
    assert sorted(m.attempt for m in list_messages(kit.store)) == [1, 2]


def test_failing_gateway_goes_to_on_error(app):
    kit = get_kit(app)
    kit.sms_gateway = MemoryGateway(fail_with=GatewayTimeoutError(detail="provider took too long"))
    client = app.test_client()
    url, form = sms_request(start(client))
    response = client.post(url, data=form)
    assert b"Not sent." in response.data
    stored = list_messages(kit.store)[0]
    assert stored.status == "failed" and stored.error
    assert kit.sessions.recent(limit=1)[0].state["error"] == stored.error.split(":")[0] or kit.sessions.recent(limit=1)[0].state["error"]


def test_invalid_recipient_goes_to_on_error_with_the_reason(app):
    client = app.test_client()
    url, form = sms_request(start(client, to="12"))
    assert b"Not sent." in client.post(url, data=form).data
    assert get_kit(app).sessions.recent(limit=1)[0].state == {"error": "invalid recipient"}


def test_without_on_error_the_call_continues_at_then_and_the_failure_is_logged(app, caplog):
    client = app.test_client()
    url, form = sms_request(start(client, flow="no-error-branch"))
    with caplog.at_level(logging.WARNING, logger="vxmlkit"):
        response = client.post(url, data=form)
    assert response.status_code == 200
    assert get_kit(app).sessions.recent(limit=1)[0].state == {"seen": ["failed", "invalid recipient"]}
    assert "invalid recipient" in caplog.text


def test_private_message_reaches_neither_store_nor_log(app, caplog, tmp_path):
    kit = get_kit(app)
    memory = MemoryGateway()
    kit.sms_gateway = memory
    client = app.test_client()
    url, form = sms_request(start(client, private="1"))
    with caplog.at_level(logging.DEBUG):
        assert b"Sent." in client.post(url, data=form).data
    stored = list_messages(kit.store)[0]
    assert stored.body is None and stored.recipient.endswith("9789") and "345" not in stored.recipient
    assert "1234" not in caplog.text and "2223459789" not in caplog.text
    # The test outbox still sees the whole message.
    assert memory.sent[0].message.text == "Your code is 1234 for m-1."
    kit.store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))
    assert b"Your code is 1234" not in raw and b"2223459789" not in raw


def test_tampered_order_is_refused(app):
    client = app.test_client()
    url, form = sms_request(start(client))
    form["vxmlkit_sms"] = form["vxmlkit_sms"][:-6] + "AAAAAA"
    response = client.post(url, data=form)
    assert response.status_code == 403
    check_document(response.data)
    assert list_messages(get_kit(app).store) == []


def test_timeout_outside_range_fails_when_the_class_is_defined():
    with pytest.raises(FlowDefinitionError, match="timeout must be from 1 to 120"):
        class TooSlow(Flow):
            name = "too-slow"

            @step(start=True)
            def begin(self, call):
                return sms(to="+12223459789", text="hi", then=self.begin, timeout=300)
    with pytest.raises(ValueError, match="from 1 to 120"):
        sms(to="+12223459789", text="hi", then="x", timeout=0)


def test_a_misspelt_step_fails_when_the_class_is_defined():
    with pytest.raises(FlowDefinitionError, match="then=self.sendd is not a step"):
        class Typo(Flow):
            name = "typo"

            @step(start=True)
            def begin(self, call):
                return sms(to="+12223459789", text="hi", then=self.sendd)

            @step
            def send(self, call):
                return hangup()


def test_empty_text_is_refused():
    with pytest.raises(ValueError, match="empty"):
        sms(to="+12223459789", text="  ", then="x")


def _post_in_process(args):
    db, url, form = args
    app = create_app({"TESTING": True, "VXMLKIT_SECRET_KEY": "s", "VXMLKIT_DATABASE_URL": f"sqlite:///{db}"},
                     flows=[Texting, NoErrorBranch])
    response = app.test_client().post(url, data=form)
    return response.status_code, response.data


def test_two_concurrent_identical_requests_send_once_threads(app):
    client = app.test_client()
    url, form = sms_request(start(client))
    results = []
    barrier = threading.Barrier(4)

    def post():
        barrier.wait()
        results.append(app.test_client().post(url, data=form))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 4
    assert len({r.data for r in results}) == 1
    assert len(list_messages(get_kit(app).store)) == 1
    assert get_kit(app).sessions.recent(limit=1)[0].state["sent_count"] == 1


def test_two_concurrent_identical_requests_send_once_processes(app, tmp_path):
    client = app.test_client()
    url, form = sms_request(start(client))
    db = tmp_path / "db.sqlite3"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_post_in_process, [(db, url, form)] * 2)
    assert [status for status, _ in results] == [200, 200]
    assert results[0][1] == results[1][1]
    rows = sqlite3.connect(db).execute("SELECT COUNT(*) FROM sms_messages").fetchone()[0]
    assert rows == 1


def test_delivery_reports_in_and_out_of_order(app):
    client = app.test_client()
    kit = get_kit(app)
    url, form = sms_request(start(client))
    client.post(url, data=form)
    stored = list_messages(kit.store)[0]
    report = f"/vxml/sms/report/outbox?t={kit.report_signer.sign(StepToken('sms', '-', 'outbox'))}"
    assert client.get(report).status_code == 200
    assert client.post(report, data={"id": stored.provider_id, "status": "delivered"}).status_code == 200
    assert client.post(report, data={"id": stored.provider_id, "status": "sent"}).status_code == 200  # late
    assert client.post(report, data={"id": stored.provider_id, "status": "delivered"}).status_code == 200  # repeat
    assert list_messages(kit.store)[0].status == "delivered"
    assert client.post(report, data={"id": "no-such-id", "status": "sent"}).status_code == 200
    assert client.post(report, data={"id": stored.provider_id, "status": "weird"}).status_code == 200
    assert client.post(report.split("?")[0], data={"id": stored.provider_id, "status": "failed"}).status_code == 403
    assert list_messages(kit.store)[0].status == "delivered"


def test_report_url_is_signed_and_given_to_the_gateway(app):
    kit = get_kit(app)
    memory = MemoryGateway()
    kit.sms_gateway = memory
    client = app.test_client()
    url, form = sms_request(start(client))
    client.post(url, data=form)
    report_url = memory.sent[0].message.delivery_report_url
    assert report_url.startswith("https://ivr.example.com/vxml/sms/report/memory?t=")
    assert Path  # used by the private-mode test
