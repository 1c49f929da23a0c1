"""The in-memory gateway used by tests and the simulator."""

from __future__ import annotations

import logging

import pytest

from vxmlkit.sms import MemoryGateway, NotMobileError, SmsGateway, SmsMessage


def test_keeps_messages_including_private_ones(caplog) -> None:
    gateway = MemoryGateway()
    assert isinstance(gateway, SmsGateway)
    with caplog.at_level(logging.INFO, logger="vxmlkit.sms"):
        first = gateway.send(SmsMessage(to="+12223459789", text="Receipt 1", sender="+16175551234"))
        second = gateway.send(SmsMessage(to="+12223450000", text="code 4711", private=True))
    assert (first.id, first.status, second.id) == ("memory-1", "queued", "memory-2")
    assert [(s.to, s.sender, s.text, s.status) for s in gateway.sent] == [
        ("+12223459789", "+16175551234", "Receipt 1", "queued"),
        ("+12223450000", None, "code 4711", "queued"),
    ]
    assert "4711" not in caplog.text and "2223450000" not in caplog.text
    gateway.clear()
    assert gateway.sent == []


def test_fail_with_raises_and_records_the_failure() -> None:
    gateway = MemoryGateway(fail_with=NotMobileError(detail="landline"))
    with pytest.raises(NotMobileError):
        gateway.send(SmsMessage(to="+12223459789", text="hi"))
    [sent] = gateway.sent
    assert (sent.status, sent.id, sent.error) == ("failed", None, "not a mobile number: landline")


def test_reads_hand_made_reports() -> None:
    report = MemoryGateway().parse_delivery_report({"id": "memory-1", "status": "sent"})
    assert (report.id, report.status) == ("memory-1", "sent")
