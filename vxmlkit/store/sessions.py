"""Call sessions: one row per call, keyed by a random id, with the flow's state."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .base import Row, Store

__all__ = ["CallSession", "SessionStore"]


@dataclass
class CallSession:
    """One call's server-side record: who was called, with what, and the flow's state."""

    id: str
    flow: str
    phone_number: str
    message_reference: str
    call_id: str
    call_parameters: str
    state: dict[str, Any] = field(default_factory=dict)
    #: vxmlkit's own bookkeeping (such as SMS attempt counters), apart from the flow's state.
    internal: dict[str, Any] = field(default_factory=dict)
    last_step: str | None = None
    status: str = "active"
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


def _session(row: Row) -> CallSession:
    data = dict(row)
    data["state"] = json.loads(data["state"])
    data["internal"] = json.loads(data["internal"])
    return CallSession(**data)


class SessionStore:
    """Call sessions kept in a :class:`~vxmlkit.store.Store`, keyed by a random id."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def new(*, flow: str, phone_number: str, message_reference: str, call_id: str, call_parameters: str) -> CallSession:
        """A new session with a random id, not stored yet (see :meth:`insert`)."""
        now = time.time()
        return CallSession(
            id=secrets.token_urlsafe(16),
            flow=flow,
            phone_number=phone_number,
            message_reference=message_reference,
            call_id=call_id,
            call_parameters=call_parameters,
            created_at=now,
            updated_at=now,
        )

    def insert(self, session: CallSession) -> None:
        """Store a new session (its state must be JSON-serialisable)."""
        state = json.dumps(session.state)
        self.store.write(
            "INSERT INTO call_sessions (id, flow, phone_number, message_reference, call_id,"
            " call_parameters, state, internal, last_step, status, error, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session.id, session.flow, session.phone_number, session.message_reference, session.call_id,
             session.call_parameters, state, json.dumps(session.internal), session.last_step, session.status,
             session.error, session.created_at, session.updated_at),
        )

    def get(self, session_id: str) -> CallSession | None:
        """The session with this id, or None."""
        row = self.store.query_one("SELECT * FROM call_sessions WHERE id = ?", (session_id,))
        return None if row is None else _session(row)

    def save(self, session: CallSession) -> None:
        """Persist the session's state, last step, status and error."""
        state, internal = json.dumps(session.state), json.dumps(session.internal)
        session.updated_at = time.time()
        self.store.write(
            "UPDATE call_sessions SET state = ?, internal = ?, last_step = ?, status = ?, error = ?,"
            " updated_at = ? WHERE id = ?",
            (state, internal, session.last_step, session.status, session.error, session.updated_at, session.id),
        )

    def find(self, *, flow: str, call_id: str) -> CallSession | None:
        """The newest session of ``flow`` started for Plum's ``call_id``, or None."""
        row = self.store.query_one(
            "SELECT * FROM call_sessions WHERE call_id = ? AND flow = ? ORDER BY created_at DESC LIMIT 1",
            (call_id, flow),
        )
        return None if row is None else _session(row)

    def recent(self, *, flow: str | None = None, limit: int = 50) -> list[CallSession]:
        """The newest sessions first, optionally of one flow."""
        sql = "SELECT * FROM call_sessions"
        args: tuple[Any, ...] = ()
        if flow is not None:
            sql += " WHERE flow = ?"
            args = (flow,)
        sql += " ORDER BY created_at DESC LIMIT ?"
        return [_session(row) for row in self.store.query(sql, (*args, limit))]
