"""The local outbox: messages are stored and nothing leaves the machine.

The default gateway, for development and tests: ``vxmlkit outbox`` lists what would have been
sent. A message stored here is ``queued`` and its row id is its provider id.
"""

from __future__ import annotations

from collections.abc import Mapping

from vxmlkit.sms.gateways.base import field, log_outcome, require_id
from vxmlkit.sms.models import STATUSES, DeliveryReport, InvalidDeliveryReportError, SmsMessage, SmsResult
from vxmlkit.sms.records import store_message
from vxmlkit.store import Store

__all__ = ["OutboxGateway"]


class OutboxGateway:
    """Stores each message in the ``sms_messages`` table of ``store``.

    A message whose ``(call_session, step, attempt)`` is already stored is not stored again:
    the stored row is the answer.
    """

    name = "outbox"
    # The gateway writes its own record: callers need not store the outcome again.
    records_messages = True

    def __init__(self, store: Store) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"OutboxGateway({self.store!r})"

    def send(self, message: SmsMessage) -> SmsResult:
        """Store ``message`` as ``queued`` and return its id."""
        stored = store_message(self.store, message, status="queued", gateway=self.name, provider_id_is_id=True)
        result = SmsResult(id=stored.id, status=stored.status, segments=stored.segments)
        log_outcome(self.name, message, result)
        return result

    def parse_delivery_report(self, form: Mapping[str, str]) -> DeliveryReport:
        """Read a hand-made report (``id`` and ``status`` in vxmlkit's vocabulary): the outbox
        has no provider, but a test can post what one would."""
        report_id = require_id(form, "id")
        status = (field(form, "status") or "").lower()
        if status not in STATUSES or status == "sending":
            raise InvalidDeliveryReportError(detail=f"unknown delivery status {status!r} for message {report_id!r}")
        return DeliveryReport(id=report_id, status=status, raw=dict(form))
