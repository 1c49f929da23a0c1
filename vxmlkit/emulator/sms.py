"""Plum DEV's SMS API: ``POST /ws/sms/queue.json`` (or ``queue.xml``) with HTTP Basic auth.

Form fields ``to`` (US number with the leading 1), ``from`` (an SMS-enabled number of the
account), ``body`` and optionally ``result_url``. The answer is the documented envelope
``{"status": "success"|"failure", "error": ..., "result": {"sms_messages": [{"sms_message_id",
"to", "from", "body", "request_timestamp", "result_url", "status"}]}}`` (the same fields as XML
elements for ``queue.xml``). The callee rules decide each message's fate: refused at once for
an ``unsubscribed`` or ``landline`` number, else delivery reports to ``result_url``: ``sent``
then ``received`` (delivered), or ``sent`` then ``undelivered``, or ``failed``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from vxmlkit.emulator.state import Platform, SmsRecord
from vxmlkit.plum import rules
from vxmlkit.plum.errors import RuleViolation

__all__ = ["queue_sms", "envelope_xml"]

#: Platform seconds from queueing to "sent", and from "sent" to the final report.
SENT_AFTER = 1.0
FINAL_AFTER = 2.0
_REPORTS = {"delivered": ("sent", "received"), "undelivered": ("sent", "undelivered"), "failed": ("failed",)}


def _failure(status: int, error: str) -> tuple[int, dict[str, Any]]:
    return status, {"status": "failure", "error": error, "result": None}


def _authorised(platform: Platform, authorization: str) -> bool:
    if not authorization.lower().startswith("basic "):
        return False
    try:
        login, _, password = base64.b64decode(authorization[6:].strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    good_login, good_password = platform.settings.sms_credentials
    return hmac.compare_digest(login.encode(), good_login.encode()) & hmac.compare_digest(
        password.encode(), good_password.encode())


def _us_number(value: str) -> bool:
    digits = value.removeprefix("+")
    return digits.isdigit() and len(digits) == 11 and digits.startswith("1")


def queue_sms(platform: Platform, authorization: str, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """Queue one text message; return (HTTP status, envelope)."""
    if not _authorised(platform, authorization):
        return _failure(401, "Authentication required")
    to, sender, body = form.get("to", "").strip(), form.get("from", "").strip(), form.get("body", "")
    result_url = form.get("result_url", "").strip()
    if not _us_number(to):
        return _failure(200, "Invalid 'to' phone number")
    digits = sender.removeprefix("+")
    if not (digits.isdigit() and 8 <= len(digits) <= 15):
        return _failure(200, "Invalid 'from' phone number")
    allowed = platform.settings.sms_numbers
    if allowed and digits not in {number.removeprefix("+") for number in allowed}:
        return _failure(200, f"The 'from' number {digits} is not an SMS-enabled number of this account")
    if not body.strip():
        return _failure(200, "The 'body' field is required")
    if result_url:
        try:
            rules.check_url("result_url", result_url)
        except RuleViolation as exc:
            return _failure(200, f"Invalid 'result_url': {exc.rule}")
    to = to.removeprefix("+")
    outcome = platform.callees.sms_outcome(to)
    if outcome == "unsubscribed":
        return _failure(200, "The recipient has unsubscribed from this number")
    if outcome == "landline":
        return _failure(200, f"{to} is not a mobile number")
    with platform.lock:
        record = SmsRecord(platform.new_sms_id(), to, digits, result_url or None, platform.clock.now(), outcome)
        platform.sms[record.id] = record
    if record.result_url:
        _report(platform, record, list(_REPORTS[outcome]), SENT_AFTER)
    else:
        record.status = _REPORTS[outcome][-1]
    entry = {"sms_message_id": record.id, "to": to, "from": digits, "body": body,
             "request_timestamp": int(record.requested), "result_url": record.result_url, "status": "queued"}
    return 200, {"status": "success", "error": None, "result": {"sms_messages": [entry]}}


def _report(platform: Platform, record: SmsRecord, statuses: list[str], delay: float) -> None:
    """Owe the message's result_url the next status; the one after follows once it is taken."""
    status, rest = statuses[0], statuses[1:]

    def delivered() -> None:
        record.status = status
        record.reports.append(status)
        if rest:
            _report(platform, record, rest, FINAL_AFTER)

    def abandoned(reason: str) -> None:
        record.reports.append(f"{status}: {reason}")

    fields = {"sms_message_id": record.id, "status": status, "to": record.to, "from": record.sender}
    assert record.result_url is not None
    platform.add_callback(record.result_url, fields, delay=delay, on_delivered=delivered, on_abandoned=abandoned)


def envelope_xml(envelope: Mapping[str, Any]) -> str:
    """The envelope as XML, for ``queue.xml``."""

    def element(name: str, value: Any) -> str:
        if value is None:
            return f"<{name}/>"
        if isinstance(value, Mapping):
            return f"<{name}>" + "".join(element(k, v) for k, v in value.items()) + f"</{name}>"
        if isinstance(value, list):
            return f"<{name}>" + "".join(element("sms_message", item) for item in value) + f"</{name}>"
        return f"<{name}>{escape(str(value))}</{name}>"

    return '<?xml version="1.0"?>\n' + element("response", envelope) + "\n"
