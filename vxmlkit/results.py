"""How calls ended: Plum's result_url POSTs, stored once per (message_reference, call_id).

Plum POSTs ``phone_number``, ``message_reference``, ``call_id``, ``result`` (completed | failed),
``callee_type``, ``attempts``, ``last_attempt_timestamp`` and ``duration`` after a call completes
or its retries are spent. Values outside the documented vocabulary are kept as they came and
logged, never refused: the platform's word is the record.

A result is answered 200 only once it is stored, with a synced commit (:func:`record_result`
raises :class:`~vxmlkit.store.StoreUnavailable` otherwise, and the route answers 503 so that
Plum sends it again). The flow's ``on_result`` hook then runs at least once per stored result:
each row carries its hook's state (``pending`` until the hook returns, then ``done`` or
``error``) and when it was last started; a hook still pending after :data:`HOOK_RETRY_AFTER`
seconds (its process died inside it) is run again by the next result request, or by
``vxmlkit results --retry-hooks``. Hooks must therefore be idempotent.
"""

from __future__ import annotations

import datetime as _dt
import json
import time
import traceback
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .redaction import get_logger
from .store import Store, StoreUnavailable
from .store.base import Row

if TYPE_CHECKING:
    from .flow import Flow

__all__ = ["CallResult", "ResultStore", "RESULTS", "CALLEE_TYPES", "HOOK_RETRY_AFTER", "record_result",
           "run_hook", "run_pending_hooks"]

log = get_logger("vxmlkit")

RESULTS = frozenset({"completed", "failed"})
CALLEE_TYPES = frozenset(
    {"voice", "answeringmachine", "fax", "busy", "noanswer", "operator", "informationtone", "unknown"}
)
FIELDS = ("phone_number", "message_reference", "call_id", "result", "callee_type", "attempts",
          "last_attempt_timestamp", "duration")
#: Seconds after which a hook still ``pending`` is taken for dead and run again.
HOOK_RETRY_AFTER = 300.0


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

    def add(self, result: CallResult) -> bool:
        """Store ``result`` durably; False when the same (message_reference, call_id) is already
        stored. The new row's hook is ``pending``, started now (the caller runs it next).

        The unique key decides, so two identical POSTs at the same moment (threads or
        processes or hosts) store one record and exactly one of them gets True.
        """
        with self.store.transaction(durable=True) as tx:
            inserted = tx.execute(
                "INSERT INTO call_results (flow, phone_number, message_reference, call_id, result, callee_type,"
                " attempts, last_attempt_timestamp, duration, raw, received_at, hook_status, hook_started_at,"
                " hook_attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, 1)"
                " ON CONFLICT (message_reference, call_id) DO NOTHING",
                (result.flow, result.phone_number, result.message_reference, result.call_id, result.result,
                 result.callee_type, result.attempts, result.last_attempt_timestamp, result.duration,
                 json.dumps(result.raw), result.received_at, time.time()),
            ).rowcount
        return inserted == 1

    def mark_hook(self, result: CallResult, status: str, error: str | None = None) -> None:
        """Record how the flow's ``on_result`` hook went (done | error)."""
        self.store.write(
            "UPDATE call_results SET hook_status = ?, hook_error = ? WHERE message_reference = ? AND call_id = ?",
            (status, error, result.message_reference, result.call_id),
        )

    def claim_stale_hooks(self, *, older_than: float, include_errors: bool = False, limit: int = 20
                          ) -> list[CallResult]:
        """Results whose hook was started more than ``older_than`` seconds ago and never
        finished (and, with ``include_errors``, whose hook raised), each claimed for the caller:
        its start time moves to now, so no other process claims it for another ``older_than``."""
        now = time.time()
        cutoffs = {"pending": now - older_than, **({"error": now} if include_errors else {})}
        claimed = []
        for status, cutoff in cutoffs.items():
            rows = self.store.query(
                "SELECT * FROM call_results WHERE hook_status = ? AND hook_started_at < ?"
                " ORDER BY hook_started_at LIMIT ?",
                (status, cutoff, limit),
            )
            for row in rows:
                # Compare-and-set on the start time: of two processes, one wins the row.
                won = self.store.write(
                    "UPDATE call_results SET hook_status = 'pending', hook_started_at = ?,"
                    " hook_attempts = hook_attempts + 1 WHERE id = ? AND hook_status = ? AND hook_started_at = ?",
                    (now, row["id"], status, row["hook_started_at"]),
                )
                if won:
                    claimed.append(_result(row))
        return claimed

    def list(self, *, flow: str | None = None, since: float | None = None, limit: int | None = None) -> list[CallResult]:
        """Stored results, newest first, optionally of one flow and received after ``since``."""
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
        return [_result(row) for row in self.store.query(sql, args)]

    def hook_status(self, message_reference: str, call_id: str) -> tuple[str, str | None] | None:
        """(hook_status, hook_error) of one stored result, or None."""
        row = self.store.query_one(
            "SELECT hook_status, hook_error FROM call_results WHERE message_reference = ? AND call_id = ?",
            (message_reference, call_id),
        )
        return None if row is None else (row["hook_status"], row["hook_error"])


def _result(row: Row) -> CallResult:
    return CallResult(
        flow=row["flow"], phone_number=row["phone_number"], message_reference=row["message_reference"],
        call_id=row["call_id"], result=row["result"], callee_type=row["callee_type"],
        attempts=row["attempts"], last_attempt_timestamp=row["last_attempt_timestamp"],
        duration=row["duration"], raw=json.loads(row["raw"]), received_at=row["received_at"],
    )


def run_hook(results: ResultStore, flow_cls: type[Flow], result: CallResult) -> bool:
    """Run the flow's ``on_result`` for a stored result and record how it went; True when it
    returned. A hook whose outcome cannot be written stays ``pending`` and runs again later."""
    try:
        flow_cls().on_result(result)
    except Exception:
        log.exception("vxmlkit flow %r on_result failed for %s/%s; the result is kept",
                      flow_cls.name, result.message_reference[:80], result.call_id[:80])
        status, error = "error", traceback.format_exc(limit=5)
    else:
        status, error = "done", None
    try:
        results.mark_hook(result, status, error)
    except StoreUnavailable as exc:
        log.warning("vxmlkit on_result of %s/%s ran, but its outcome was not stored (%s); it will run again",
                    result.message_reference[:80], result.call_id[:80], exc)
    return status == "done"


def record_result(results: ResultStore, flow_cls: type[Flow], result: CallResult) -> bool:
    """Store ``result`` and run the flow's ``on_result`` once; False when it was stored before.

    Raises :class:`~vxmlkit.store.StoreUnavailable` when the result could not be stored: the
    sender must be told to send it again (503), never 200.
    """
    if not results.add(result):
        return False
    run_hook(results, flow_cls, result)
    return True


def run_pending_hooks(results: ResultStore, flows: Mapping[str, type[Flow]], *, older_than: float = HOOK_RETRY_AFTER,
                      include_errors: bool = False, limit: int = 20) -> int:
    """Run again the hooks that did not finish (and, with ``include_errors``, those that
    raised); the number run. A result of a flow not in ``flows`` is left as it is."""
    ran = 0
    for result in results.claim_stale_hooks(older_than=older_than, include_errors=include_errors, limit=limit):
        flow_cls = flows.get(result.flow)
        if flow_cls is None:
            log.warning("vxmlkit result %s/%s of unknown flow %r: its on_result cannot run",
                        result.message_reference[:80], result.call_id[:80], result.flow[:80])
            continue
        log.info("vxmlkit runs again the on_result of %s/%s (flow %r)",
                 result.message_reference[:80], result.call_id[:80], result.flow)
        run_hook(results, flow_cls, result)
        ran += 1
    return ran
