"""What every SMS gateway offers, and the pieces they share: logging that respects private
mode, sender numbers, and reading a provider's free-text error."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

from vxmlkit.redaction import get_logger
from vxmlkit.redaction import redact as redact_secrets
from vxmlkit.sms.models import (
    AuthenticationError,
    DeliveryReport,
    GatewayRejectedError,
    InvalidDeliveryReportError,
    InvalidRecipientError,
    InvalidSenderError,
    NotMobileError,
    SmsError,
    SmsMessage,
    SmsResult,
    UnsubscribedRecipientError,
)
from vxmlkit.sms.phone import normalise_recipient, redact, scrub_number

__all__ = [
    "SmsGateway",
    "log",
    "shown_recipient",
    "resolve_sender",
    "provider_text",
    "error_from_text",
    "log_outcome",
    "field",
    "require_id",
]

log = get_logger("vxmlkit.sms")


@runtime_checkable
class SmsGateway(Protocol):
    """Sends one message and reads the provider's delivery reports."""

    name: str

    def send(self, message: SmsMessage) -> SmsResult:
        """Send ``message``; raise :class:`~vxmlkit.sms.models.SmsError` when it cannot be."""
        ...

    def parse_delivery_report(self, form: Mapping[str, str]) -> DeliveryReport:
        """Read a delivery report posted by the provider (form or query fields)."""
        ...


def shown_recipient(message: SmsMessage) -> str:
    """The recipient as it may appear in logs: redacted for a private message."""
    return redact(message.to) if message.private else message.to


def resolve_sender(
    message: SmsMessage, default: str | None, *, required: bool, default_region: str = "US"
) -> str | None:
    """The message's sender, else the gateway's default, in E.164 (a number without ``+`` is
    read in ``default_region``).

    Raises :class:`InvalidSenderError` when a sender is required and there is none, or when it
    is not a phone number.
    """
    sender = message.sender or default
    if not sender:
        if required:
            raise InvalidSenderError(detail="no sender number: set VXMLKIT_SMS_SENDER or give the message a sender")
        return None
    try:
        return normalise_recipient(sender, default_region)
    except InvalidRecipientError as exc:
        raise InvalidSenderError(detail=f"the sender {sender!r} is not a phone number") from exc


def provider_text(text: str, message: SmsMessage, secrets: Iterable[str | None] = (), limit: int = 200) -> str:
    """A provider's text made fit for errors, logs and the store: providers may echo the
    request, so credentials, tokens and the message text are cut out
    (:func:`vxmlkit.redaction.redact`), and the recipient too when the message is private; then
    whitespace is collapsed and the text clipped to ``limit``."""
    text = redact_secrets(text, secrets=secrets, message_texts=(message.text,))
    if message.private:
        text = scrub_number(text, message.to)
    return " ".join(text.split())[:limit]


def error_from_text(text: str, message: SmsMessage) -> SmsError:
    """The typed error for a provider's free-text refusal (Plum's documented strings and
    their like); ``text`` (already passed through :func:`provider_text`) becomes the detail."""
    lowered = text.lower()
    detail = text
    if "unsubscribe" in lowered or "opted out" in lowered or "opt-out" in lowered:
        return UnsubscribedRecipientError(detail=detail)
    if "not a mobile" in lowered or "non-mobile" in lowered or "landline" in lowered:
        return NotMobileError(detail=detail)
    if "'to'" in lowered or '"to"' in lowered or "recipient" in lowered:
        return InvalidRecipientError(detail=detail)
    if "'from'" in lowered or '"from"' in lowered or "sender" in lowered:
        return InvalidSenderError(detail=detail)
    if "auth" in lowered or "password" in lowered or "login" in lowered or "credential" in lowered:
        return AuthenticationError(detail=detail)
    return GatewayRejectedError(detail=detail)


def log_outcome(gateway: str, message: SmsMessage, outcome: SmsResult | SmsError) -> None:
    """One log line per send; never the body, the recipient redacted when private."""
    if isinstance(outcome, SmsError):
        text = str(outcome)
        if message.private:
            text = scrub_number(text, message.to)
        log.warning("SMS to %s via %s failed: %s", shown_recipient(message), gateway, text)
    else:
        log.info(
            "SMS to %s via %s: %s (id %s, %d segment(s))",
            shown_recipient(message),
            gateway,
            outcome.status,
            outcome.id,
            outcome.segments,
        )


def field(form: Mapping[str, str], *names: str) -> str | None:
    """The first non-empty value among ``names``, matched without regard to case."""
    lowered = {str(key).lower(): value for key, value in form.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def require_id(form: Mapping[str, str], *names: str) -> str:
    """The message id of a delivery report, or :class:`InvalidDeliveryReportError`."""
    value = field(form, *names)
    if value is None:
        raise InvalidDeliveryReportError(detail=f"no message id (expected one of: {', '.join(names)})")
    return value
