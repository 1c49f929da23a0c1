"""The answer to an SMS request, kept so that a repeated request gets the same document.

A voice browser that times out fetches again. The first request for a (call session, step,
attempt) claims the row, sends the message and stores the next document; a request that
arrives meanwhile (in any process) waits for that document instead of sending again.
"""

from __future__ import annotations

import time

from ..store import Store

__all__ = ["claim", "claimed_at", "finish", "release", "wait_for_document"]


def claim(store: Store, call_session: str, step: str, attempt: int) -> bool:
    """True when this request is the first for the key and so must send and answer."""
    inserted = store.write(
        "INSERT INTO sms_continuations (call_session, step, attempt, document, created_at) VALUES (?, ?, ?, NULL, ?)"
        " ON CONFLICT (call_session, step, attempt) DO NOTHING",
        (call_session, step, attempt, time.time()),
    )
    return inserted == 1


def finish(store: Store, call_session: str, step: str, attempt: int, document: str) -> None:
    """Keep the document the first request answered with."""
    store.write(
        "UPDATE sms_continuations SET document = ? WHERE call_session = ? AND step = ? AND attempt = ?",
        (document, call_session, step, attempt),
    )


def claimed_at(store: Store, call_session: str, step: str, attempt: int) -> float | None:
    """When the key was claimed (a UNIX time), or None when it is not."""
    row = store.query_one(
        "SELECT created_at FROM sms_continuations WHERE call_session = ? AND step = ? AND attempt = ?",
        (call_session, step, attempt),
    )
    return None if row is None else float(row["created_at"])


def release(store: Store, call_session: str, step: str, attempt: int) -> None:
    """Give up a claim whose request failed before answering, so that the next request runs."""
    store.write(
        "DELETE FROM sms_continuations WHERE call_session = ? AND step = ? AND attempt = ? AND document IS NULL",
        (call_session, step, attempt),
    )


def wait_for_document(store: Store, call_session: str, step: str, attempt: int, *, timeout: float) -> str | None:
    """The first request's document, waiting up to ``timeout`` seconds for it."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        row = store.query_one(
            "SELECT document FROM sms_continuations WHERE call_session = ? AND step = ? AND attempt = ?",
            (call_session, step, attempt),
        )
        if row is not None and row["document"] is not None:
            return str(row["document"])
        if time.monotonic() >= deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
