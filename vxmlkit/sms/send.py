"""Send a message and keep its record."""

from __future__ import annotations

from vxmlkit.sms.gateways.base import SmsGateway
from vxmlkit.sms.models import SmsError, SmsMessage
from vxmlkit.sms.records import StoredSms, claim_message, get_message, record_outcome
from vxmlkit.store import Store

__all__ = ["send_and_record", "record_refused"]


def send_and_record(store: Store, gateway: SmsGateway, message: SmsMessage) -> StoredSms:
    """Send ``message`` through ``gateway`` once and return its stored record.

    The record is claimed first (``sending``), so a message with a ``(call_session, step,
    attempt)`` that is already stored is not sent again: its existing record is returned,
    possibly still ``sending`` while another request is at the provider. A failed send is
    recorded as ``failed`` with the error, not raised; the record's ``error`` says why.
    """
    if getattr(gateway, "records_messages", False):
        # The outbox's send is itself the (idempotent) write of the record.
        result = gateway.send(message)
        stored = get_message(store, result.id)
        assert stored is not None
        return stored
    stored, owner = claim_message(store, message, gateway=gateway.name)
    if not owner:
        return stored
    try:
        result = gateway.send(message)
    except SmsError as error:
        return record_outcome(store, stored.id, message, error)
    return record_outcome(store, stored.id, message, result)


def record_refused(store: Store, message: SmsMessage, error: SmsError, *, gateway: str) -> StoredSms:
    """Store ``message`` as ``failed`` with ``error`` without sending it (an invalid recipient,
    a text too long), so that it is listed with the messages that were sent, as the call's
    attempt to send it."""
    stored, owner = claim_message(store, message, gateway=gateway)
    return record_outcome(store, stored.id, message, error) if owner else stored
