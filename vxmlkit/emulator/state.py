"""What the platform holds: the queued calls and their attempts, the batches they were queued
in, text messages, and the callbacks (result_url and delivery-report POSTs) still to make.

Everything lives in memory under one lock: the emulator is a stand-in that a developer starts
for a session, and a fresh start is a fresh platform (as a sandbox account would be). The
dialer takes due work with :meth:`Platform.take_due` and reports back with
:meth:`Platform.finish_attempt`; the HTTP views add work with the ``add_*`` methods.
"""

from __future__ import annotations

import heapq
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vxmlkit.emulator.callees import CalleeRules
from vxmlkit.emulator.clock import Clock

__all__ = ["Attempt", "Batch", "Call", "Callback", "Platform", "SmsRecord", "STATES", "Settings", "without_queries"]

_QUERY = re.compile(r"(https?://[^\s?#'\"]+)\?[^\s'\"]*")


def without_queries(text: str) -> str:
    """``text`` with the query of every URL cut off: an app's URLs carry signed tokens that
    have no place in logs or on the status page."""
    return _QUERY.sub(r"\1", text)


#: A call's states, as the status page shows them.
STATES = ("queued", "dialing", "retry pending", "completed", "failed", "expired")
OPEN_STATES = ("queued", "retry pending")


@dataclass(frozen=True)
class Settings:
    """The emulated account and the platform's behaviour."""

    login: str = "emulator"
    pin: str = "12345678"
    token: str = "emulator-token"
    sms_login: str | None = None  # default: login
    sms_password: str | None = None  # default: pin
    sms_numbers: tuple[str, ...] = ()  # SMS-enabled senders of the account; empty: any number
    lines: int = 8  # calls in progress at once
    first_call_id: int = 100001  # where the account's call ids start
    first_campaign_id: int = 1  # where its campaign ids start
    default_max_retries: int = 0
    default_retry_interval: int = 600
    fetch_timeout: float = 30.0  # real seconds for each fetch of the app
    callback_retry: float = 60.0  # platform seconds before a refused callback is posted again
    callback_give_up: float = 86400.0  # platform seconds after which a callback is abandoned

    @property
    def sms_credentials(self) -> tuple[str, str]:
        """The Basic auth pair of the SMS API."""
        return self.sms_login or self.login, self.sms_password or self.pin


@dataclass
class Attempt:
    """One dial of a call."""

    number: int
    started: float
    callee_type: str
    duration: int = 0
    transcript: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.callee_type in ("voice", "answeringmachine")


@dataclass
class Batch:
    """Calls queued together: one queuecall.php request, a queuecalls.php campaign or a
    scheduler campaign. The platform checks its URLs once, before its first dial."""

    id: int
    kind: str  # "call", "campaign" or "scheduler"
    name: str
    start_url: str
    result_url: str | None
    created: float
    campaign_parameters: str | None = None
    preflight: str | None = None  # None: not checked yet; "ok"; else why it failed
    calls: list[Call] = field(default_factory=list)
    gate: Callable[[Call, float], bool] | None = None  # scheduler pacing: may this call be placed now?
    preflight_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class Call:
    """A queued call and how far it got."""

    call_id: str
    batch: Batch
    phone_number: str
    message_reference: str
    call_parameters: str
    max_retries: int
    retry_interval: int
    due: float
    expires: float | None = None
    state: str = "queued"
    attempts: list[Attempt] = field(default_factory=list)
    result: str | None = None
    callee_type: str | None = None
    result_post: str = ""  # "", "pending", "delivered" or why it was abandoned

    def result_fields(self) -> dict[str, str]:
        """What result_url receives: every field Plum documents."""
        last = self.attempts[-1] if self.attempts else None
        return {
            "phone_number": self.phone_number,
            "message_reference": self.message_reference,
            "call_id": self.call_id,
            "result": self.result or "failed",
            "callee_type": self.callee_type or "unknown",
            "attempts": str(len(self.attempts)),
            "last_attempt_timestamp": str(int(last.started)) if last else "",
            "duration": str(last.duration if last else 0),
        }


@dataclass
class SmsRecord:
    """A text message queued through the SMS API (its text is not kept)."""

    id: str
    to: str
    sender: str
    result_url: str | None
    requested: float
    outcome: str  # what the callee rules say becomes of it
    status: str = "queued"
    reports: list[str] = field(default_factory=list)  # statuses posted to result_url


@dataclass(order=True)
class Callback:
    """A POST the platform owes an app: a call's result or a message's delivery report."""

    due: float
    seq: int
    url: str = field(compare=False)
    fields: dict[str, str] = field(compare=False)
    first_due: float = field(compare=False)
    on_delivered: Callable[[], None] | None = field(default=None, compare=False)
    on_abandoned: Callable[[str], None] | None = field(default=None, compare=False)
    tries: int = field(default=0, compare=False)


class Platform:
    """The platform's state under one lock; ``wake`` tells the dialer that work arrived."""

    def __init__(self, settings: Settings, clock: Clock, callees: CalleeRules) -> None:
        self.settings = settings
        self.clock = clock
        self.callees = callees
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)
        self.batches: dict[int, Batch] = {}
        self.calls: dict[str, Call] = {}
        self.open_calls: list[Call] = []  # queued or retry pending, in queueing order
        self.sms: dict[str, SmsRecord] = {}
        self.callbacks: list[Callback] = []  # a heap by due time
        self.busy_lines = 0
        self.in_flight = 0  # callbacks being posted
        self._call_ids = itertools.count(settings.first_call_id)
        self._batch_ids = itertools.count(settings.first_campaign_id)
        self._sms_ids = itertools.count(1)
        self._callback_seq = itertools.count()
        self.scheduler: Any = None  # the scheduler API's resources (vxmlkit.emulator.scheduler)

    # -- adding work ---------------------------------------------------------------------------

    def new_batch(self, kind: str, name: str, start_url: str, result_url: str | None,
                  campaign_parameters: str | None = None) -> Batch:
        """Register a batch (under the lock)."""
        with self.lock:
            batch = Batch(next(self._batch_ids), kind, name, start_url, result_url, self.clock.now(),
                          campaign_parameters)
            self.batches[batch.id] = batch
            return batch

    def add_call(self, batch: Batch, phone_number: str, message_reference: str = "", call_parameters: str = "", *,
                 max_retries: int | None = None, retry_interval: int | None = None, due: float | None = None,
                 expires: float | None = None) -> Call:
        """Queue one call of ``batch``; it is placed once ``due`` (default: now) has come."""
        with self.lock:
            call = Call(
                call_id=str(next(self._call_ids)), batch=batch, phone_number=phone_number,
                message_reference=message_reference, call_parameters=call_parameters,
                max_retries=self.settings.default_max_retries if max_retries is None else max_retries,
                retry_interval=self.settings.default_retry_interval if retry_interval is None else retry_interval,
                due=self.clock.now() if due is None else due, expires=expires,
            )
            batch.calls.append(call)
            self.calls[call.call_id] = call
            self.open_calls.append(call)
            self.wake.notify_all()
            return call

    def new_sms_id(self) -> str:
        """A fresh message id."""
        return f"sms-{next(self._sms_ids)}"

    def add_callback(self, url: str, fields: dict[str, str], *, delay: float = 0.0,
                     on_delivered: Callable[[], None] | None = None,
                     on_abandoned: Callable[[str], None] | None = None) -> None:
        """Owe ``url`` a POST of ``fields`` from ``delay`` platform seconds on."""
        with self.lock:
            due = self.clock.now() + delay
            heapq.heappush(self.callbacks, Callback(due, next(self._callback_seq), url, fields, due,
                                                    on_delivered, on_abandoned))
            self.wake.notify_all()

    # -- the dialer's side -------------------------------------------------------------------------

    def take_due(self, now: float, free_lines: int) -> tuple[list[Call], list[Call], list[Callback]]:
        """Under the lock: (calls to place now, calls that expired unplaced, callbacks due).

        Placed calls turn ``dialing`` and hold a line; expired ones are settled as failed.
        """
        with self.lock:
            to_place: list[Call] = []
            expired: list[Call] = []
            still_open: list[Call] = []
            for call in self.open_calls:
                if call.state not in OPEN_STATES:
                    continue
                if call.expires is not None and now >= call.expires:
                    call.state = "expired"
                    call.result = "failed"
                    call.callee_type = call.callee_type or "unknown"
                    expired.append(call)
                    continue
                if (len(to_place) < free_lines and call.due <= now
                        and (call.batch.gate is None or call.batch.gate(call, now))):
                    call.state = "dialing"
                    to_place.append(call)
                    continue
                still_open.append(call)
            self.open_calls = still_open
            self.busy_lines += len(to_place)
            callbacks: list[Callback] = []
            while self.callbacks and self.callbacks[0].due <= now:
                callbacks.append(heapq.heappop(self.callbacks))
            self.in_flight += len(callbacks)
            return to_place, expired, callbacks

    def next_due(self) -> float | None:
        """The earliest time some work may become due (ignoring scheduler windows)."""
        with self.lock:
            times = [call.due for call in self.open_calls]
            times += [call.expires for call in self.open_calls if call.expires is not None]
            if self.callbacks:
                times.append(self.callbacks[0].due)
            return min(times) if times else None

    def finish_attempt(self, call: Call, attempt: Attempt) -> bool:
        """Record an attempt and free its line; True when the call is settled (its result is
        owed), False when a retry is pending."""
        with self.lock:
            call.attempts.append(attempt)
            call.callee_type = attempt.callee_type
            self.busy_lines -= 1
            if attempt.answered:
                call.state, call.result = "completed", "completed"
            elif len(call.attempts) <= call.max_retries:
                call.state = "retry pending"
                call.due = attempt.started + attempt.duration + call.retry_interval
                self.open_calls.append(call)
                self.wake.notify_all()
                return False
            else:
                call.state, call.result = "failed", "failed"
            self.wake.notify_all()
            return True

    def requeue_callback(self, callback: Callback, delay: float) -> None:
        """Post ``callback`` again after ``delay`` platform seconds."""
        with self.lock:
            callback.due = self.clock.now() + delay
            heapq.heappush(self.callbacks, callback)
            self.wake.notify_all()

    def callback_done(self) -> None:
        """One callback post finished (delivered, requeued or abandoned)."""
        with self.lock:
            self.in_flight -= 1
            self.wake.notify_all()

    def idle(self) -> bool:
        """True when nothing is queued, dialing or owed."""
        with self.lock:
            return not self.open_calls and self.busy_lines == 0 and not self.callbacks and self.in_flight == 0
