"""Private mode and secrets: what reaches the logs."""

from __future__ import annotations

import logging

import pytest

from vxmlkit.sms.gateways.outbox import OutboxGateway
from vxmlkit.sms.gateways.ozeki import OzekiGateway
from vxmlkit.sms.gateways.plum import PlumSmsGateway
from vxmlkit.sms.models import SmsError, SmsMessage
from vxmlkit.sms.records import get_message, list_messages
from vxmlkit.sms.send import send_and_record

PASSWORD = "Pa55-w0rd-never-logged"
BODY = "Your one-time code is 918273"


def plum_success(provider, seen):
    entry = {"sms_message_id": "p-1", "status": "queued"}
    return provider.reply(200, {"status": "success", "result": {"sms_messages": [entry]}})


def plum_echoing_failure(provider, seen):
    return provider.reply(200, {"status": "failure", "error": f"{seen.form['to']} is not a mobile number"})


@pytest.mark.parametrize("answer", [plum_success, plum_echoing_failure])
def test_plum_private_send_logs_no_body_number_or_password(provider, caplog, answer) -> None:
    provider.answer = lambda seen: answer(provider, seen)
    gateway = PlumSmsGateway("dev", PASSWORD, provider.base_url, sender="+16175551234")
    message = SmsMessage(to="+12223459789", text=BODY, private=True)
    with caplog.at_level(logging.DEBUG, logger="vxmlkit"):
        try:
            gateway.send(message)
        except SmsError as error:
            assert "2223459789" not in str(error)
    assert caplog.records, "the send is logged"
    assert "***9789" in caplog.text
    for secret in (PASSWORD, BODY, "918273", "2223459789"):
        assert secret not in caplog.text
    assert "2223459789" not in repr(message) and "918273" not in repr(message)


def test_ozeki_never_logs_its_password(provider, caplog) -> None:
    provider.answer = lambda seen: provider.reply(500, f"failed for {seen.query}", "text/plain")
    gateway = OzekiGateway(provider.base_url + "/api", "user", PASSWORD)
    with caplog.at_level(logging.DEBUG, logger="vxmlkit"), pytest.raises(SmsError) as caught:
        gateway.send(SmsMessage(to="+12223459789", text=BODY))
    assert PASSWORD not in caplog.text
    assert "+12223459789" in caplog.text  # not private: the number is logged
    assert BODY not in caplog.text
    assert caught.value.reason == "gateway HTTP error 500"


def test_ozeki_private_error_text_is_scrubbed(provider, caplog) -> None:
    provider.answer = lambda seen: provider.reply(500, f"failed for {seen.query.get('Recipient')}", "text/plain")
    gateway = OzekiGateway(provider.base_url + "/api", "user", PASSWORD)
    with caplog.at_level(logging.DEBUG, logger="vxmlkit"), pytest.raises(SmsError) as caught:
        gateway.send(SmsMessage(to="+12223459789", text=BODY, private=True))
    assert "2223459789" not in caplog.text
    assert "2223459789" not in str(caught.value)
    assert "***9789" in str(caught.value)


def test_refused_connection_logs_no_password(closed_port, caplog) -> None:
    gateway = OzekiGateway(f"http://user:{PASSWORD}@127.0.0.1:{closed_port}/api", "user", PASSWORD)
    with caplog.at_level(logging.DEBUG, logger="vxmlkit"), pytest.raises(SmsError) as caught:
        gateway.send(SmsMessage(to="+12223459789", text=BODY))
    assert PASSWORD not in caplog.text and PASSWORD not in str(caught.value)


def test_outbox_private_logs_redacted(store, caplog) -> None:
    with caplog.at_level(logging.DEBUG, logger="vxmlkit"):
        OutboxGateway(store).send(SmsMessage(to="+12223459789", text=BODY, private=True))
    assert "***9789" in caplog.text
    assert "2223459789" not in caplog.text and BODY not in caplog.text


def test_send_and_record_sends_a_keyed_message_once(provider, store) -> None:
    provider.answer = lambda seen: plum_success(provider, seen)
    gateway = PlumSmsGateway("dev", PASSWORD, provider.base_url, sender="+16175551234")
    message = SmsMessage(to="+12223459789", text=BODY, call_session="c1", step="receipt", attempt=1, private=True)
    first = send_and_record(store, gateway, message)
    again = send_and_record(store, gateway, message)
    assert provider.count() == 1
    assert again.id == first.id
    assert (first.status, first.provider_id, first.recipient, first.body) == ("queued", "p-1", "***9789", None)


def test_send_and_record_stores_a_failure(provider, store) -> None:
    provider.answer = lambda seen: plum_echoing_failure(provider, seen)
    gateway = PlumSmsGateway("dev", PASSWORD, provider.base_url, sender="+16175551234")
    stored = send_and_record(store, gateway, SmsMessage(to="+12223459789", text=BODY, private=True))
    assert stored.status == "failed"
    assert stored.error == "not a mobile number: ***9789 is not a mobile number"
    assert get_message(store, stored.id) == stored
    assert list_messages(store, status="failed") == [stored]


def test_send_and_record_through_the_outbox(store) -> None:
    stored = send_and_record(store, OutboxGateway(store), SmsMessage(to="+12223459789", text="hi"))
    assert (stored.status, stored.gateway, stored.provider_id) == ("queued", "outbox", stored.id)
    assert len(list_messages(store)) == 1
