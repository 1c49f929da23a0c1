"""The sms_messages table and the local outbox, in a real SQLite file."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from vxmlkit.sms.gateways.outbox import OutboxGateway
from vxmlkit.sms.models import GatewayTimeoutError, InvalidDeliveryReportError, SmsMessage, SmsResult, status_advances
from vxmlkit.sms.records import (
    claim_message,
    get_message,
    list_messages,
    record_outcome,
    store_message,
    update_status,
)
from vxmlkit.store import Store, open_store


def receipt(**fields) -> SmsMessage:
    values = {"to": "+12223459789", "text": "Receipt 42: 10.00 USD", "sender": "+16175551234"}
    values["flow"] = "payment-reminder"
    values.update(fields)
    return SmsMessage(**values)


def test_outbox_stores_and_sends_nothing(store: Store) -> None:
    result = OutboxGateway(store).send(receipt(call_session="s1", step="charge", attempt=1))
    assert result.status == "queued"
    assert result.segments == 1
    stored = get_message(store, result.id)
    assert stored is not None
    assert (stored.recipient, stored.body, stored.sender, stored.flow) == (
        "+12223459789", "Receipt 42: 10.00 USD", "+16175551234", "payment-reminder"
    )
    assert (stored.call_session, stored.step, stored.attempt) == ("s1", "charge", 1)
    assert (stored.status, stored.gateway, stored.provider_id) == ("queued", "outbox", result.id)
    assert (stored.segments, stored.encoding, stored.private) == (1, "GSM-7", False)


def test_private_message_keeps_no_body_and_a_redacted_number(store: Store, tmp_path) -> None:
    result = OutboxGateway(store).send(receipt(text="Your new password is 4711", private=True))
    stored = get_message(store, result.id)
    assert stored is not None
    assert stored.recipient == "***9789"
    assert stored.body is None
    assert stored.private is True
    assert stored.segments == 1
    # Nothing of it in the database file either.
    store.close()
    raw = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("sms.sqlite3"))
    assert b"4711" not in raw
    assert b"2223459789" not in raw


def test_outbox_sends_a_keyed_message_once(store: Store) -> None:
    gateway = OutboxGateway(store)
    first = gateway.send(receipt(call_session="s1", step="charge", attempt=1))
    again = gateway.send(receipt(call_session="s1", step="charge", attempt=1))
    other = gateway.send(receipt(call_session="s1", step="charge", attempt=2))
    assert again.id == first.id
    assert other.id != first.id
    assert len(list_messages(store)) == 2


def test_messages_without_a_call_never_collide(store: Store) -> None:
    gateway = OutboxGateway(store)
    ids = {gateway.send(SmsMessage(to="+12223459789", text="hi")).id for _ in range(3)}
    assert len(ids) == 3


def test_list_is_newest_first_and_filters(store: Store) -> None:
    gateway = OutboxGateway(store)
    for number in range(5):
        gateway.send(receipt(text=f"message {number}", flow="orders" if number % 2 else "payments"))
    bodies = [message.body for message in list_messages(store)]
    assert bodies == ["message 4", "message 3", "message 2", "message 1", "message 0"]
    assert [m.body for m in list_messages(store, flow="orders")] == ["message 3", "message 1"]
    assert [m.body for m in list_messages(store, limit=2)] == ["message 4", "message 3"]
    assert list_messages(store, status="delivered") == []
    first = list_messages(store, flow="payments", limit=1)[0]
    update_status(store, first.provider_id, "delivered")
    assert [m.body for m in list_messages(store, status="delivered")] == ["message 4"]
    with pytest.raises(ValueError, match="limit"):
        list_messages(store, limit=0)


def test_claim_is_taken_once(store: Store) -> None:
    message = receipt(call_session="s9", step="charge", attempt=1)
    first, owner = claim_message(store, message, gateway="plum")
    second, second_owner = claim_message(store, message, gateway="plum")
    assert (owner, second_owner) == (True, False)
    assert first.id == second.id
    assert first.status == "sending"


def test_claim_from_many_threads_has_one_owner(store: Store) -> None:
    message = receipt(call_session="race", step="charge", attempt=1)
    owners: list[bool] = []
    ids: set[str] = set()
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def claim() -> None:
        barrier.wait()
        stored, owner = claim_message(store, message, gateway="plum")
        with lock:
            owners.append(owner)
            ids.add(stored.id)

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(owners) == [False] * 5 + [True]
    assert len(ids) == 1


def test_record_outcome_success_and_failure(store: Store) -> None:
    message = receipt(call_session="s2", step="charge", attempt=1)
    stored, _ = claim_message(store, message, gateway="plum")
    done = record_outcome(store, stored.id, message, SmsResult(id="plum-1", status="queued", segments=1))
    assert (done.status, done.provider_id, done.error) == ("queued", "plum-1", None)

    private = receipt(call_session="s3", step="charge", attempt=1, private=True)
    stored, _ = claim_message(store, private, gateway="plum")
    failed = record_outcome(
        store, stored.id, private, GatewayTimeoutError(detail="no answer for +12223459789 within 30 s")
    )
    assert failed.status == "failed"
    assert failed.error == "gateway timeout: no answer for ***9789 within 30 s"
    with pytest.raises(KeyError):
        record_outcome(store, "missing", message, SmsResult(id="x", status="queued", segments=1))


def test_outbox_after_a_claim_fills_the_claimed_row(store: Store) -> None:
    message = receipt(call_session="s4", step="charge", attempt=1)
    claimed, _ = claim_message(store, message, gateway="outbox")
    result = OutboxGateway(store).send(message)
    assert result.id == claimed.id
    stored = get_message(store, claimed.id)
    assert stored is not None and stored.status == "queued" and stored.provider_id == claimed.id
    assert len(list_messages(store)) == 1


@pytest.mark.parametrize(
    ("reports", "final"),
    [
        (["sent", "delivered"], "delivered"),
        (["delivered", "sent"], "delivered"),  # late "sent" does not regress
        (["delivered", "queued", "sent", "delivered"], "delivered"),
        (["sent", "sent", "sent"], "sent"),
        (["failed", "sent", "delivered"], "failed"),  # failed is final
        (["sent", "undelivered", "delivered"], "undelivered"),
        (["queued"], "queued"),
    ],
)
def test_delivery_reports_in_and_out_of_order(store: Store, reports: list[str], final: str) -> None:
    result = OutboxGateway(store).send(receipt())
    for status in reports:
        assert update_status(store, result.id, status) is True
    stored = get_message(store, result.id)
    assert stored is not None and stored.status == final


def test_unknown_id_is_reported_false(store: Store, caplog) -> None:
    with caplog.at_level("WARNING", logger="vxmlkit.sms"):
        assert update_status(store, "no-such-id", "delivered") is False
    assert "unknown SMS id 'no-such-id'" in caplog.text


def test_update_status_refuses_unknown_statuses(store: Store) -> None:
    result = OutboxGateway(store).send(receipt())
    with pytest.raises(ValueError, match="unknown SMS status 'lost'"):
        update_status(store, result.id, "lost")


def test_status_order() -> None:
    assert status_advances("sending", "queued")
    assert status_advances("queued", "failed")
    assert not status_advances("sent", "queued")
    assert not status_advances("delivered", "failed")
    assert not status_advances("undelivered", "delivered")


def test_outbox_delivery_report_form(store: Store) -> None:
    gateway = OutboxGateway(store)
    report = gateway.parse_delivery_report({"id": "abc", "status": "Delivered"})
    assert (report.id, report.status) == ("abc", "delivered")
    with pytest.raises(InvalidDeliveryReportError):
        gateway.parse_delivery_report({"id": "abc", "status": "sending"})


def test_table_refuses_unknown_statuses(store: Store) -> None:
    result = OutboxGateway(store).send(receipt())
    import psycopg

    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)), store.transaction() as conn:
        conn.execute("UPDATE sms_messages SET status = 'lost' WHERE id = ?", (result.id,))


def test_store_message_never_moves_backwards(store: Store) -> None:
    message = receipt(call_session="s5", step="charge", attempt=1)
    first = store_message(store, message, status="sent", gateway="outbox")
    again = store_message(store, message, status="queued", gateway="outbox")
    assert again.id == first.id and again.status == "sent"


CLAIM_SCRIPT = """
import sys, time
from pathlib import Path
from vxmlkit.sms.models import SmsMessage
from vxmlkit.sms.records import claim_message
from vxmlkit.store import open_store

database, go = sys.argv[1], Path(sys.argv[2])
store = open_store(database)
message = SmsMessage(to="+12223459789", text="receipt", call_session="proc", step="charge", attempt=1)
while not go.exists():
    time.sleep(0.005)
stored, owner = claim_message(store, message, gateway="plum")
print(stored.id, owner)
"""


def test_claim_from_two_processes_has_one_owner(tmp_path, store_url) -> None:
    import subprocess
    import sys

    database = store_url
    go = tmp_path / "go"
    open_store(database).ready()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM_SCRIPT, str(database), str(go)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    go.touch()
    outputs = [process.communicate(timeout=60)[0].split() for process in processes]
    assert all(process.returncode == 0 for process in processes)
    assert len({record_id for record_id, _ in outputs}) == 1
    assert sorted(owner for _, owner in outputs) == ["False", "True"]
