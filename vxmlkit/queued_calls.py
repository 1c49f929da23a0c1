"""The calls vxmlkit queued (the ``queued_calls`` table, :mod:`vxmlkit.store.schema`), so that a start POST is accepted only for a call it asked for.

Plum does not sign its requests. When vxmlkit queues a call (one call, a campaign, or calls
added to a scheduler campaign) it records what it asked for here: flow, phone number,
message_reference, call_parameters and expiry. The start URL handed to Plum carries a token
naming that call (``q-<id>``) or that campaign (``c-<id>``). A start POST is accepted only
when it matches a recorded call that has not completed (its result arrived) and has not
expired; the call then runs with the parameters vxmlkit recorded, not with what was posted.
A call starts one session: the platform's refetch of the start document (same ``call_id``)
gets that session again, a second call on the same record is refused.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from .store import Store

__all__ = [
    "CAMPAIGN_PREFIX",
    "CALL_PREFIX",
    "QueuedCallRecord",
    "QueuedCalls",
    "StartRefused",
    "phone_digits",
]

CALL_PREFIX = "q-"
"""A start token's subject for one queued call: ``q-<id>``."""
CAMPAIGN_PREFIX = "c-"
"""A start token's subject for a queued campaign: ``c-<id>``."""

STATUSES = ("queued", "started", "completed", "cancelled")


class StartRefused(Exception):
    """A start or result POST that does not match a call vxmlkit queued (the message says why)."""


def phone_digits(number: str) -> str:
    """The digits of a number to dial: ``tel:+1 617-555-1234;ani=...`` -> ``16175551234``."""
    return re.sub(r"\D", "", number.split(";", 1)[0])


def _same_number(queued: str, posted: str) -> bool:
    # Plum may post the number with or without its country code: a suffix of 7+ digits matches.
    if not queued or not posted:
        return False
    shorter, longer = sorted((queued, posted), key=len)
    return longer == shorter or (len(shorter) >= 7 and longer.endswith(shorter))


@dataclass(frozen=True)
class QueuedCallRecord:
    """One call vxmlkit queued."""

    id: str
    campaign: str | None
    flow: str
    phone_digits: str
    message_reference: str
    call_parameters: str
    status: str
    call_id: str | None
    session_id: str | None
    expires_at: float
    created_at: float
    updated_at: float


class QueuedCalls:
    """The ``queued_calls`` table of a :class:`~vxmlkit.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- recording -----------------------------------------------------------------------------

    def record(
        self,
        flow: str,
        phone_number: str,
        *,
        message_reference: str = "",
        call_parameters: str = "",
        expires_at: float,
        campaign: str | None = None,
    ) -> str:
        """Record one call about to be queued; its id (what a single call's start token names)."""
        call_id = secrets.token_urlsafe(12)
        now = time.time()
        self.store.write(
            "INSERT INTO queued_calls (id, campaign, flow, phone_digits, message_reference, call_parameters,"
            " status, call_id, session_id, expires_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'queued', NULL, NULL, ?, ?, ?)",
            (call_id, campaign, flow, phone_digits(phone_number), message_reference or "", call_parameters or "",
             expires_at, now, now),
        )
        return call_id

    @staticmethod
    def new_campaign() -> str:
        """A fresh campaign id (what a campaign's start token names)."""
        return secrets.token_urlsafe(12)

    def cancel(self, ids: list[str]) -> None:
        """The platform did not queue these calls: they can never start."""
        for queued_id in ids:
            self._set(queued_id, "cancelled")

    def cancel_campaign(self, campaign: str) -> None:
        """The platform did not queue this campaign: none of its calls can start."""
        self.store.write("UPDATE queued_calls SET status = 'cancelled', updated_at = ? WHERE campaign = ?", (time.time(), campaign))

    # -- matching ------------------------------------------------------------------------------

    def get(self, queued_id: str) -> QueuedCallRecord | None:
        """The record ``queued_id``, or None."""
        row = self.store.query_one("SELECT * FROM queued_calls WHERE id = ?", (queued_id,))
        return None if row is None else QueuedCallRecord(**dict(row))

    def find(self, subject: str, *, flow: str, phone_number: str, message_reference: str) -> QueuedCallRecord:
        """The queued call a start or result POST names (its token's ``subject`` and its fields).

        Raises :class:`StartRefused` when no recorded call matches, the call belongs to
        another flow, has completed, was cancelled or has expired.
        """
        digits = phone_digits(phone_number)
        if subject.startswith(CALL_PREFIX):
            record = self.get(subject[len(CALL_PREFIX):])
            if record is None:
                raise StartRefused("the start URL names a call vxmlkit has no record of")
            if not _same_number(record.phone_digits, digits):
                raise StartRefused("the phone number is not the one the call was queued for")
            if record.message_reference and message_reference != record.message_reference:
                raise StartRefused("the message_reference is not the one the call was queued with")
        elif subject.startswith(CAMPAIGN_PREFIX):
            rows = self.store.query(
                "SELECT * FROM queued_calls WHERE campaign = ? ORDER BY created_at", (subject[len(CAMPAIGN_PREFIX):],)
            )
            if not rows:
                raise StartRefused("the start URL names a campaign vxmlkit has no record of")
            matching = [
                QueuedCallRecord(**dict(row)) for row in rows
                if _same_number(row["phone_digits"], digits)
                and (not row["message_reference"] or row["message_reference"] == message_reference)
            ]
            if not matching:
                raise StartRefused("no call of the campaign was queued for this phone number and message_reference")
            # a number may appear twice in a campaign: the first that can still start
            record = next((r for r in matching if r.status == "queued"), matching[0])
        else:
            raise StartRefused("the start URL names no queued call")
        if record.flow != flow:
            raise StartRefused(f"the call was queued for flow {record.flow!r}")
        if record.status in ("completed", "cancelled"):
            raise StartRefused(f"the call was already {record.status}")
        if record.expires_at < time.time():
            raise StartRefused("the queued call has expired")
        return record

    def start(self, record: QueuedCallRecord, *, call_id: str, session_id: str) -> bool:
        """Bind ``record`` to the session starting it; False when another call already started it."""
        changed = self.store.write(
            "UPDATE queued_calls SET status = 'started', call_id = ?, session_id = ?, updated_at = ?"
            " WHERE id = ? AND status = 'queued'",
            (call_id, session_id, time.time(), record.id),
        )
        return changed == 1

    def complete(self, record: QueuedCallRecord) -> None:
        """The call's result arrived: no start POST is accepted for it any more."""
        self._set(record.id, "completed")

    def _set(self, queued_id: str, status: str) -> None:
        self.store.write("UPDATE queued_calls SET status = ?, updated_at = ? WHERE id = ?", (status, time.time(), queued_id))

    def counts(self) -> dict[str, Any]:
        """How many calls are in each status (for the CLI and the tests)."""
        rows = self.store.query("SELECT status, COUNT(*) AS n FROM queued_calls GROUP BY status")
        return {row["status"]: row["n"] for row in rows}
