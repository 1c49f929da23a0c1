"""A gateway that keeps messages in this process's memory: for tests and the simulator.

Unlike the outbox it keeps private messages whole (they never leave the process and vanish
with it), so a test can assert what a caller would have received. ``fail_with`` makes every
send fail with that error, to exercise a flow's error branch.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from vxmlkit.sms.gateways.base import field, log_outcome, require_id
from vxmlkit.sms.models import STATUSES, DeliveryReport, InvalidDeliveryReportError, SmsError, SmsMessage, SmsResult
from vxmlkit.sms.segments import count_segments

__all__ = ["MemoryGateway", "SentSms"]


@dataclass(frozen=True)
class SentSms:
    """One message handed to a :class:`MemoryGateway`, and how that ended."""

    message: SmsMessage
    id: str | None
    status: str
    error: str | None = None

    @property
    def to(self) -> str:
        return self.message.to

    @property
    def sender(self) -> str | None:
        return self.message.sender

    @property
    def text(self) -> str:
        return self.message.text


class MemoryGateway:
    """Keeps every message in :attr:`sent`; answers ``queued`` or raises ``fail_with``."""

    name = "memory"

    def __init__(self, *, fail_with: SmsError | None = None) -> None:
        self.fail_with = fail_with
        self._sent: list[SentSms] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    @property
    def sent(self) -> list[SentSms]:
        """The messages so far, oldest first (a copy)."""
        with self._lock:
            return list(self._sent)

    def clear(self) -> None:
        """Forget the messages so far."""
        with self._lock:
            self._sent.clear()

    def send(self, message: SmsMessage) -> SmsResult:
        """Keep ``message``; raise ``fail_with`` when set."""
        if self.fail_with is not None:
            with self._lock:
                self._sent.append(SentSms(message, None, "failed", str(self.fail_with)))
            log_outcome(self.name, message, self.fail_with)
            raise self.fail_with
        with self._lock:
            result = SmsResult(id=f"memory-{next(self._ids)}", status="queued", segments=count_segments(message.text))
            self._sent.append(SentSms(message, result.id, result.status))
        log_outcome(self.name, message, result)
        return result

    def parse_delivery_report(self, form: Mapping[str, str]) -> DeliveryReport:
        """Read a hand-made report: ``id`` and ``status`` in vxmlkit's vocabulary."""
        report_id = require_id(form, "id")
        status = (field(form, "status") or "").lower()
        if status not in STATUSES or status == "sending":
            raise InvalidDeliveryReportError(detail=f"unknown delivery status {status!r} for message {report_id!r}")
        return DeliveryReport(id=report_id, status=status, raw=dict(form))
