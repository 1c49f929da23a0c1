"""The values that travel through the SMS gateways: a message, a send result, a delivery
report, and the errors a send can end with.

Statuses use one vocabulary whatever the provider says: ``sending`` (claimed, not yet handed to
a gateway), ``queued``, ``sent``, ``delivered``, ``failed``, ``undelivered``. Plum's
``received`` is stored as ``delivered``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "SmsMessage",
    "SmsResult",
    "DeliveryReport",
    "STATUSES",
    "FINAL_STATUSES",
    "status_advances",
    "SmsError",
    "InvalidMessageError",
    "InvalidRecipientError",
    "InvalidSenderError",
    "UnsubscribedRecipientError",
    "NotMobileError",
    "AuthenticationError",
    "GatewayTimeoutError",
    "GatewayUnreachableError",
    "GatewayConnectionError",
    "GatewayHTTPError",
    "MalformedResponseError",
    "GatewayRejectedError",
    "InvalidDeliveryReportError",
    "SmsConfigurationError",
]

# The order a message moves through; a report never moves a message backwards.
STATUSES: tuple[str, ...] = ("sending", "unknown", "queued", "sent", "delivered", "failed", "undelivered")
# Once here, a message stays: later reports (repeated or out of order) change nothing.
FINAL_STATUSES: frozenset[str] = frozenset({"delivered", "failed", "undelivered"})
# ``unknown``: the request sending it died at the provider; a later report may still tell.
_RANK: dict[str, int] = {"sending": 0, "unknown": 1, "queued": 1, "sent": 2, "delivered": 3, "failed": 3, "undelivered": 3}


def status_advances(current: str, new: str) -> bool:
    """Whether a message in ``current`` status should move to ``new``.

    ``sending < queued < sent < (delivered | failed | undelivered)``; a final status is never
    left, so a late "sent" after "delivered", or a repeated report, is ignored.
    """
    if new not in _RANK:
        raise ValueError(f"unknown SMS status {new!r}: expected one of {', '.join(STATUSES)}")
    if current in FINAL_STATUSES:
        return False
    return _RANK[new] > _RANK.get(current, -1)


@dataclass(frozen=True)
class SmsMessage:
    """One text message to send.

    ``to`` is an E.164 number (see :func:`vxmlkit.sms.phone.normalise_recipient`); ``sender``
    None means the gateway's default sender. ``flow``, ``call_session``, ``step`` and
    ``attempt`` say where the message comes from (``(call_session, step, attempt)`` is the key
    that makes a mid-call send happen once). With ``private`` the body and the full recipient
    number never reach logs or the store. ``timeout`` (seconds) shortens the gateway's own
    timeout for this message, so that a send made while a caller waits answers before the
    voice browser's fetch timeout.
    """

    to: str
    text: str
    sender: str | None = None
    flow: str | None = None
    call_session: str | None = None
    private: bool = False
    delivery_report_url: str | None = None
    step: str | None = None
    attempt: int | None = None
    timeout: float | None = None

    def __repr__(self) -> str:
        # Dataclass reprs end up in logs and tracebacks: never show a private message.
        if self.private:
            from vxmlkit.sms.phone import redact

            return f"SmsMessage(to={redact(self.to)!r}, text=<private>, sender={self.sender!r}, private=True)"
        return (
            f"SmsMessage(to={self.to!r}, text={self.text!r}, sender={self.sender!r}, flow={self.flow!r}, "
            f"call_session={self.call_session!r}, step={self.step!r}, attempt={self.attempt!r})"
        )


@dataclass(frozen=True)
class SmsResult:
    """What a gateway answered: its id for the message, the status, the segment count."""

    id: str
    status: str
    segments: int
    error: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    """A provider's delivery notification: the provider's message id and the new status.

    ``raw`` keeps every field the provider posted (for logs of unknown ids and for debugging).
    """

    id: str
    status: str
    raw: Mapping[str, str] = field(default_factory=dict)


class SmsError(Exception):
    """Sending failed. ``reason`` is short and stable (stored, shown to flows); ``detail`` is
    the longer explanation, often the provider's own text."""

    default_reason = "sms failed"

    def __init__(self, reason: str | None = None, *, detail: str | None = None) -> None:
        self.reason = reason or self.default_reason
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}" if detail else self.reason)


class InvalidMessageError(SmsError, ValueError):
    """The text is empty or longer than the configured maximum."""

    default_reason = "invalid message"


class InvalidRecipientError(SmsError):
    """The recipient is not a usable phone number (ours or the provider's verdict)."""

    default_reason = "invalid recipient"


class InvalidSenderError(SmsError):
    """The sender is missing or not a number the account may send from."""

    default_reason = "invalid sender"


class UnsubscribedRecipientError(SmsError):
    """The recipient has opted out of messages from this sender."""

    default_reason = "unsubscribed recipient"


class NotMobileError(SmsError):
    """The recipient is not a mobile number, so it cannot receive an SMS."""

    default_reason = "not a mobile number"


class AuthenticationError(SmsError):
    """The provider refused the credentials."""

    default_reason = "authentication failed"


class GatewayTimeoutError(SmsError):
    """The request was sent but no answer came in time; it may or may not have been delivered,
    so it is never retried."""

    default_reason = "gateway timeout"


class GatewayUnreachableError(SmsError):
    """The provider could not be reached at all (the request never left): connection refused
    after the retries, unknown host, no route."""

    default_reason = "gateway unreachable"


class GatewayConnectionError(SmsError):
    """The connection broke after the request was (perhaps) sent; never retried."""

    default_reason = "gateway connection lost"


class GatewayHTTPError(SmsError):
    """The provider answered with an HTTP error status."""

    default_reason = "gateway HTTP error"

    def __init__(self, status: int, *, detail: str | None = None) -> None:
        self.status = status
        super().__init__(f"gateway HTTP error {status}", detail=detail)


class MalformedResponseError(SmsError):
    """The provider's answer could not be understood."""

    default_reason = "malformed gateway response"


class GatewayRejectedError(SmsError):
    """The provider refused the message for a reason without a more specific error class."""

    default_reason = "rejected by gateway"


class InvalidDeliveryReportError(SmsError, ValueError):
    """A delivery report lacks the message id or carries a status vxmlkit does not know."""

    default_reason = "invalid delivery report"


class SmsConfigurationError(ValueError):
    """A required SMS setting is missing or has an unusable value (names the setting)."""
