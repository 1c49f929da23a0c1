"""The ``sms_messages`` table: every message vxmlkit sent or tried to send, and the outbox.

One row per message. ``(call_session, step, attempt)`` is unique, so a mid-call send claimed
by one request cannot be claimed again by a refetch of the same document, even from another
process: the row is inserted in ``sending`` status before the gateway is called, and whoever
fails to insert it reads the existing row instead. Rows without a call session (a message sent
from the command line) never collide.

Private messages keep no body and only the last 4 digits of the recipient.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from vxmlkit.redaction import get_logger
from vxmlkit.sms.models import SmsError, SmsMessage, SmsResult, status_advances
from vxmlkit.sms.phone import redact, scrub_number
from vxmlkit.sms.segments import count_segments, encoding_of
from vxmlkit.store import Store
from vxmlkit.store.base import Row

__all__ = [
    "StoredSms",
    "claim_message",
    "store_message",
    "record_outcome",
    "get_message",
    "list_messages",
    "update_status",
    "error_text",
    "resolve_unknown",
]

log = get_logger("vxmlkit.sms")

@dataclass(frozen=True)
class StoredSms:
    """One row of ``sms_messages``. ``recipient`` is redacted and ``body`` None for a private
    message."""

    id: str
    created_at: float
    updated_at: float
    flow: str | None
    call_session: str | None
    step: str | None
    attempt: int | None
    recipient: str
    sender: str | None
    body: str | None
    private: bool
    segments: int
    encoding: str
    status: str
    gateway: str
    provider_id: str | None
    error: str | None

    def result(self) -> SmsResult:
        """The row as a gateway result (the id is the provider's when known)."""
        return SmsResult(id=self.provider_id or self.id, status=self.status, segments=self.segments, error=self.error)


def _row(row: Row | None) -> StoredSms | None:
    if row is None:
        return None
    data = dict(row)
    data["private"] = bool(data["private"])
    return StoredSms(**data)


def error_text(error: SmsError, message: SmsMessage) -> str:
    """An error as stored and logged: reason and detail, the recipient scrubbed when private."""
    text = str(error)
    return scrub_number(text, message.to) if message.private else text


def _values(message: SmsMessage, *, status: str, gateway: str, record_id: str, now: float) -> dict[str, object]:
    return {
        "id": record_id,
        "created_at": now,
        "updated_at": now,
        "flow": message.flow,
        "call_session": message.call_session,
        "step": message.step,
        "attempt": message.attempt,
        "recipient": redact(message.to) if message.private else message.to,
        "sender": message.sender,
        "body": None if message.private else message.text,
        "private": int(message.private),
        "segments": count_segments(message.text),
        "encoding": encoding_of(message.text),
        "status": status,
        "gateway": gateway,
    }


_INSERT = (
    "INSERT INTO sms_messages (id, created_at, updated_at, flow, call_session, step, attempt, recipient,"
    " sender, body, private, segments, encoding, status, gateway)"
    " VALUES (:id, :created_at, :updated_at, :flow, :call_session, :step, :attempt, :recipient,"
    " :sender, :body, :private, :segments, :encoding, :status, :gateway)"
)


def claim_message(store: Store, message: SmsMessage, *, gateway: str) -> tuple[StoredSms, bool]:
    """Insert ``message`` in ``sending`` status unless its ``(call_session, step, attempt)``
    already has a row. Returns the row and True when this caller inserted it (and so must send
    it), or the existing row and False (someone else sends, or has sent, it)."""
    values = _values(message, status="sending", gateway=gateway, record_id=uuid.uuid4().hex, now=time.time())
    # One statement, atomic on its own: the unique key decides who sends, in any process.
    returned = store.write_returning(_INSERT + " ON CONFLICT (call_session, step, attempt) DO NOTHING RETURNING *", values)
    row = returned[0] if returned else None
    inserted = row is not None
    if not inserted:
        row = store.query_one(
            "SELECT * FROM sms_messages WHERE call_session = ? AND step = ? AND attempt = ?",
            (message.call_session, message.step, message.attempt),
        )
    stored = _row(row)
    assert stored is not None  # inserted just now, or the conflicting row exists
    return stored, bool(inserted)


def store_message(
    store: Store, message: SmsMessage, *, status: str, gateway: str, provider_id_is_id: bool = False
) -> StoredSms:
    """Store ``message`` with ``status``, or, when its ``(call_session, step, attempt)`` is
    already stored, move that row on to ``status`` (never backwards). With
    ``provider_id_is_id`` the row's own id doubles as the provider id (the local outbox)."""
    values = _values(message, status=status, gateway=gateway, record_id=uuid.uuid4().hex, now=time.time())
    with store.transaction() as tx:
        inserted = tx.execute(_INSERT + " ON CONFLICT (call_session, step, attempt) DO NOTHING", values).rowcount
        if inserted:
            record_id = values["id"]
        else:
            existing = tx.execute(
                "SELECT id, status FROM sms_messages WHERE call_session = ? AND step = ? AND attempt = ?"
                + store.lock_rows,
                (message.call_session, message.step, message.attempt),
            ).fetchone()
            record_id = existing["id"]
            if status_advances(existing["status"], status):
                tx.execute(
                    "UPDATE sms_messages SET status = ?, gateway = ?, updated_at = ? WHERE id = ?",
                    (status, gateway, time.time(), record_id),
                )
        if provider_id_is_id:
            tx.execute(
                "UPDATE sms_messages SET provider_id = id WHERE id = ? AND provider_id IS NULL", (record_id,)
            )
        row = tx.execute("SELECT * FROM sms_messages WHERE id = ?", (record_id,)).fetchone()
    stored = _row(row)
    assert stored is not None
    return stored


def record_outcome(store: Store, record_id: str, message: SmsMessage, outcome: SmsResult | SmsError) -> StoredSms:
    """Write what the gateway answered for a claimed row: the provider id and status, or
    ``failed`` with the error. A status already moved further by a delivery report stays."""
    now = time.time()
    with store.transaction() as tx:
        current = tx.execute("SELECT status FROM sms_messages WHERE id = ?" + store.lock_rows, (record_id,)).fetchone()
        if current is None:
            raise KeyError(f"no SMS record with id {record_id!r}")
        error: str | None
        if isinstance(outcome, SmsError):
            status, provider_id, error = "failed", None, error_text(outcome, message)
        else:
            status, provider_id = outcome.status, outcome.id
            error = scrub_number(outcome.error, message.to) if outcome.error and message.private else outcome.error
        if not status_advances(current["status"], status):
            status = current["status"]
        tx.execute(
            "UPDATE sms_messages SET status = ?, provider_id = COALESCE(?, provider_id), error = ?,"
            " updated_at = ? WHERE id = ?",
            (status, provider_id, error, now, record_id),
        )
        row = tx.execute("SELECT * FROM sms_messages WHERE id = ?", (record_id,)).fetchone()
    stored = _row(row)
    assert stored is not None
    return stored


#: What a message left in ``sending`` by a request that died is resolved as.
UNKNOWN_ERROR = "the request sending it ended before the provider answered: it may or may not have left"


def resolve_unknown(store: Store, *, call_session: str | None = None, step: str | None = None,
                    attempt: int | None = None, older_than: float | None = None) -> int:
    """Resolve messages stuck in ``sending`` (their request died at the provider) as ``unknown``:
    the one of (call_session, step, attempt), or all claimed more than ``older_than`` seconds
    ago. Returns how many were resolved. They are never sent again."""
    if call_session is not None:
        where, params = "call_session = ? AND step = ? AND attempt = ?", [call_session, step, attempt]
    elif older_than is not None:
        where, params = "created_at < ?", [time.time() - older_than]
    else:
        raise ValueError("resolve_unknown needs a message (call_session, step, attempt) or older_than")
    return store.write(
        f"UPDATE sms_messages SET status = 'unknown', error = ?, updated_at = ? WHERE status = 'sending' AND {where}",
        (UNKNOWN_ERROR, time.time(), *params),
    )


def get_message(store: Store, record_id: str) -> StoredSms | None:
    """The row with this id, or None."""
    return _row(store.query_one("SELECT * FROM sms_messages WHERE id = ?", (record_id,)))


def list_messages(
    store: Store, *, flow: str | None = None, status: str | None = None, limit: int = 50,
    call_session: str | None = None,
) -> list[StoredSms]:
    """Stored messages, newest first, optionally only one flow's, one status's, one call's."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    clauses: list[str] = []
    params: list[object] = []
    if call_session is not None:
        clauses.append("call_session = ?")
        params.append(call_session)
    if flow is not None:
        clauses.append("flow = ?")
        params.append(flow)
    if status is not None:
        clauses.append("status = ?")
        params.append(status)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = store.query(f"SELECT * FROM sms_messages{where} ORDER BY created_at DESC, id DESC LIMIT ?", (*params, limit))
    return [stored for stored in map(_row, rows) if stored is not None]


def update_status(store: Store, provider_id: str, status: str) -> bool:
    """Apply a delivery report: move the message(s) with this provider id to ``status`` when
    that is further along (see :func:`~vxmlkit.sms.models.status_advances`). Repeated and late
    reports change nothing. Returns False when no message has this provider id."""
    with store.transaction() as tx:
        rows = tx.query(
            "SELECT id, status FROM sms_messages WHERE provider_id = ?" + store.lock_rows, (provider_id,)
        )
        for row in rows:
            if status_advances(row["status"], status):
                tx.execute(
                    "UPDATE sms_messages SET status = ?, updated_at = ? WHERE id = ?", (status, time.time(), row["id"])
                )
    if not rows:
        log.warning("delivery report for unknown SMS id %r (status %s)", provider_id, status)
    return bool(rows)
