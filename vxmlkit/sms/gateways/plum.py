"""Plum DEV's SMS API.

``POST <base_url>/ws/sms/queue.json`` with HTTP Basic auth (the DEV login) and the form fields
``to``, ``from``, ``body`` and optionally ``result_url``. Numbers are sent as E.164 digits
without the ``+``: Plum asks for the leading 1 of a US number, which is the country code, so
"+12223459789" goes out as "12223459789" and a number of another country keeps its own code.
The answer is an envelope ``{"status": "success"|"failure", "error": "...", "result":
{"sms_messages": [{"sms_message_id": ..., "status": ...}]}}``; a failure's error is free text
("Invalid 'to' phone number", an unsubscribed recipient, not a mobile number) and is mapped to
a typed error. Plum posts delivery status (queued, sent, received, failed, undelivered) to
``result_url``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from vxmlkit.redaction import basic_credentials
from vxmlkit.sms.gateways.base import error_from_text, field, log_outcome, provider_text, require_id, resolve_sender
from vxmlkit.plum.rules import service_root
from vxmlkit.sms.http import HttpAnswer, http_request, safe_url
from vxmlkit.sms.models import (
    AuthenticationError,
    DeliveryReport,
    GatewayHTTPError,
    InvalidDeliveryReportError,
    MalformedResponseError,
    SmsError,
    SmsMessage,
    SmsResult,
)
from vxmlkit.sms.phone import provider_digits
from vxmlkit.sms.segments import count_segments

__all__ = ["PlumSmsGateway", "PLUM_STATUSES"]

# Plum's delivery statuses in vxmlkit's vocabulary.
PLUM_STATUSES: dict[str, str] = {
    "queued": "queued",
    "sent": "sent",
    "received": "delivered",
    "delivered": "delivered",
    "failed": "failed",
    "undelivered": "undelivered",
}


class PlumSmsGateway:
    """Sends through Plum DEV's ``queue.json``.

    ``base_url`` is the hosting host that holds ``/ws/sms/queue.json`` (for example
    ``https://hosting.plumvoice.com``) or that folder (``https://hosting.plumvoice.com/ws/sms/``); ``sender`` is the default SMS-enabled number of the
    account; ``result_url`` the default delivery-status URL (a message's own
    ``delivery_report_url`` wins).
    """

    name = "plum"

    def __init__(
        self,
        login: str,
        password: str,
        base_url: str,
        *,
        timeout: float = 30.0,
        result_url: str | None = None,
        sender: str | None = None,
        connect_retries: int = 2,
        default_region: str = "US",
    ) -> None:
        self.login = login
        self._password = password
        self.url = service_root(base_url, "ws/sms") + "/ws/sms/queue.json"
        self.timeout = timeout
        self.result_url = result_url
        self.sender = sender
        self.connect_retries = connect_retries
        self.default_region = default_region

    def __repr__(self) -> str:
        return f"PlumSmsGateway(login={self.login!r}, url={safe_url(self.url)!r})"

    def send(self, message: SmsMessage) -> SmsResult:
        """Queue ``message`` at Plum; its answer's ``sms_message_id`` is the result id."""
        try:
            result = self._send(message)
        except SmsError as error:
            log_outcome(self.name, message, error)
            raise
        log_outcome(self.name, message, result)
        return result

    def _send(self, message: SmsMessage) -> SmsResult:
        sender = resolve_sender(message, self.sender, required=True, default_region=self.default_region)
        assert sender is not None
        fields = {"to": provider_digits(message.to), "from": provider_digits(sender), "body": message.text}
        result_url = message.delivery_report_url or self.result_url
        if result_url:
            fields["result_url"] = result_url
        token = base64.b64encode(f"{self.login}:{self._password}".encode()).decode("ascii")
        answer = http_request(
            "POST",
            self.url,
            body=urlencode(fields).encode("utf-8"),
            headers={
                "Authorization": f"Basic {token}",
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
                "User-Agent": "vxmlkit-sms",
            },
            timeout=min(self.timeout, message.timeout or self.timeout),
            connect_retries=self.connect_retries,
        )
        return self._read(answer, message)

    def _read(self, answer: HttpAnswer, message: SmsMessage) -> SmsResult:
        envelope = _envelope(answer)
        error = self._clean(str(envelope.get("error") or "") if envelope else "", message)
        if answer.status in (401, 403):
            raise AuthenticationError(detail=error or self._clean(answer.text(), message) or f"HTTP {answer.status}")
        if envelope is not None and str(envelope.get("status", "")).lower() == "failure":
            raise error_from_text(error or "failure without an error text", message)
        if answer.status >= 300:
            detail = answer.redirect() or error or self._clean(answer.text(), message)
            raise GatewayHTTPError(answer.status, detail=detail or None)
        if envelope is None:
            raise MalformedResponseError(
                detail=f"the answer is not a JSON object: {self._clean(answer.text(), message)!r}"
            )
        if str(envelope.get("status", "")).lower() != "success":
            raise MalformedResponseError(detail=f"unexpected envelope status {envelope.get('status')!r}")
        result = envelope.get("result")
        messages = result.get("sms_messages") if isinstance(result, dict) else None
        if isinstance(messages, dict):  # tolerate a single message not wrapped in a list
            messages = [messages]
        first = messages[0] if isinstance(messages, list) and messages else None
        if not isinstance(first, dict) or not first.get("sms_message_id"):
            raise MalformedResponseError(detail="the answer has no result.sms_messages[0].sms_message_id")
        status = PLUM_STATUSES.get(str(first.get("status") or "queued").lower())
        if status is None:
            raise MalformedResponseError(detail=f"unknown message status {first.get('status')!r}")
        return SmsResult(id=str(first["sms_message_id"]), status=status, segments=count_segments(message.text))

    def _clean(self, text: str, message: SmsMessage) -> str:
        return provider_text(text, message, (self._password, self.login, basic_credentials(self.login, self._password)))

    def parse_delivery_report(self, form: Mapping[str, str]) -> DeliveryReport:
        """Read what Plum posts to ``result_url``: the message id (``sms_message_id``) and its
        ``status``; ``received`` becomes ``delivered``."""
        report_id = require_id(form, "sms_message_id", "message_id", "id")
        raw_status = field(form, "status")
        status = PLUM_STATUSES.get((raw_status or "").lower())
        if status is None:
            raise InvalidDeliveryReportError(detail=f"unknown delivery status {raw_status!r} for message {report_id!r}")
        return DeliveryReport(id=report_id, status=status, raw=dict(form))


def _envelope(answer: HttpAnswer) -> dict[str, Any] | None:
    """The JSON object of the answer, or None when the body is not one."""
    try:
        data = json.loads(answer.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None

