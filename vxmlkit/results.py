"""How calls ended: Plum's result_url POSTs, stored once per (message_reference, call_id).

Plum POSTs ``phone_number``, ``message_reference``, ``call_id``, ``result`` (completed | failed),
``callee_type``, ``attempts``, ``last_attempt_timestamp`` and ``duration`` after a call completes
or its retries are spent. Values outside the documented vocabulary are kept as they came and
logged, never refused: the platform's word is the record.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .redaction import get_logger
from .store import Store

__all__ = ["CallResult", "ResultStore", "RESULTS", "CALLEE_TYPES"]

log = get_logger("vxmlkit")

RESULTS = frozenset({"completed", "failed"})
CALLEE_TYPES = frozenset(
    {"voice", "answeringmachine", "fax", "busy", "noanswer", "operator", "informationtone", "unknown"}
)
FIELDS = ("phone_number", "message_reference", "call_id", "result", "callee_type", "attempts",
          "last_attempt_timestamp", "duration")

_DDL = """
CREATE TABLE IF NOT EXISTS call_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    flow TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    message_reference TEXT NOT NULL,
    call_id TEXT NOT NULL,
    result TEXT NOT NULL,
    callee_type TEXT NOT NULL,
    attempts INTEGER,
    last_attempt_timestamp TEXT,
    duration INTEGER,
    raw TEXT NOT NULL,
    hook_status TEXT NOT NULL DEFAULT 'pending',
    hook_error TEXT,
    received_at REAL NOT NULL,
    UNIQUE (message_reference, call_id)
);
CREATE INDEX IF NOT EXISTS call_results_flow ON call_results (flow, received_at);
"""


def _int_or_none(name: str, value: str) -> int | None:
    if value.strip() == "":
        return None
    try:
        return int(value.strip())
    except ValueError:
        log.warning("vxmlkit result: %s %r is not a whole number; kept in the raw record", name, value[:40])
        return None


@dataclass(frozen=True)
class CallResult:
    """One call's outcome as Plum reported it."""

    flow: str
    phone_number: str
    message_reference: str
    call_id: str
    result: str
    callee_type: str
    attempts: int | None
    last_attempt_timestamp: str | None
    duration: int | None
    raw: dict[str, str] = field(default_factory=dict)
    received_at: float = 0.0

    @property
    def completed(self) -> bool:
        """True when the call was answered (by a person or a machine)."""
        return self.result == "completed"

    @property
    def last_attempt(self) -> _dt.datetime | None:
        """``last_attempt_timestamp`` as a UTC datetime, when it is a UNIX time."""
        if self.last_attempt_timestamp and self.last_attempt_timestamp.isdigit():
            return _dt.datetime.fromtimestamp(int(self.last_attempt_timestamp), _dt.UTC)
        return None

    @classmethod
    def from_form(cls, flow: str, form: Mapping[str, str]) -> CallResult:
        """Read Plum's POST fields; unknown vocabulary is kept raw and logged."""
        raw = {name: str(form.get(name, "")) for name in form}
        result = raw.get("result", "")
        callee_type = raw.get("callee_type", "")
        if result not in RESULTS:
            log.warning("vxmlkit result for flow %r: unknown result %r, kept as sent", flow, result[:40])
        if callee_type and callee_type not in CALLEE_TYPES:
            log.warning("vxmlkit result for flow %r: unknown callee_type %r, kept as sent", flow, callee_type[:40])
        return cls(
            flow=flow,
            phone_number=raw.get("phone_number", ""),
            message_reference=raw.get("message_reference", ""),
            call_id=raw.get("call_id", ""),
            result=result,
            callee_type=callee_type,
            attempts=_int_or_none("attempts", raw.get("attempts", "")),
            last_attempt_timestamp=raw.get("last_attempt_timestamp") or None,
            duration=_int_or_none("duration", raw.get("duration", "")),
            raw=raw,
            received_at=time.time(),
        )

    def as_dict(self) -> dict[str, Any]:
        """The result as plain data."""
        return asdict(self)


class ResultStore:
    """Call results in a :class:`~vxmlkit.store.Store`, one per (message_reference, call_id)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _ready(self) -> None:
        self.store.ensure_schema("call_results", _DDL)

    def add(self, result: CallResult) -> bool:
        """Store ``result``; False when the same (message_reference, call_id) is already stored.

        The unique key decides, so two identical POSTs at the same moment (threads or
        processes) store one record and exactly one of them gets True.
        """
        self._ready()
        try:
            with self.store.transaction() as conn:
                conn.execute(
                    "INSERT INTO call_results (flow, phone_number, message_reference, call_id, result, callee_type,"
                    " attempts, last_attempt_timestamp, duration, raw, received_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (result.flow, result.phone_number, result.message_reference, result.call_id, result.result,
                     result.callee_type, result.attempts, result.last_attempt_timestamp, result.duration,
                     json.dumps(result.raw), result.received_at),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def mark_hook(self, result: CallResult, status: str, error: str | None = None) -> None:
        """Record how the flow's ``on_result`` hook went (done | error)."""
        self._ready()
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE call_results SET hook_status = ?, hook_error = ? WHERE message_reference = ? AND call_id = ?",
                (status, error, result.message_reference, result.call_id),
            )

    def list(self, *, flow: str | None = None, since: float | None = None, limit: int | None = None) -> list[CallResult]:
        """Stored results, newest first, optionally of one flow and received after ``since``."""
        self._ready()
        clauses, args = [], []
        if flow is not None:
            clauses.append("flow = ?")
            args.append(flow)
        if since is not None:
            clauses.append("received_at >= ?")
            args.append(since)
        sql = "SELECT * FROM call_results"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY received_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.store.connect().execute(sql, args).fetchall()
        return [
            CallResult(
                flow=row["flow"], phone_number=row["phone_number"], message_reference=row["message_reference"],
                call_id=row["call_id"], result=row["result"], callee_type=row["callee_type"],
                attempts=row["attempts"], last_attempt_timestamp=row["last_attempt_timestamp"],
                duration=row["duration"], raw=json.loads(row["raw"]), received_at=row["received_at"],
            )
            for row in rows
        ]

    def hook_status(self, message_reference: str, call_id: str) -> tuple[str, str | None] | None:
        """(hook_status, hook_error) of one stored result, or None."""
        self._ready()
        row = self.store.connect().execute(
            "SELECT hook_status, hook_error FROM call_results WHERE message_reference = ? AND call_id = ?",
            (message_reference, call_id),
        ).fetchone()
        return None if row is None else (row["hook_status"], row["hook_error"])
