"""Ozeki's HTTP API command ``SendSms``.

A GET to the API URL (``http://host:9509/api``) with ``command=SendSms``, ``Username``,
``Password``, ``Recipient``, ``Message`` and optionally ``Sender``, ``DeliveryReportURL`` and
``ApiExtension``. Numbers go out in E.164 with the ``+``, as in Ozeki's examples. The answer
is XML holding ``Code`` (200 on success), ``Message`` and, on success, ``SmsId``; Ozeki's own
published sample closes its root element with a misspelt tag, so the answer is read
tolerantly (only those three elements matter). When delivery is known Ozeki posts an
``SMSDeliveryReport`` notification to ``DeliveryReportURL``.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from lxml import etree

from vxmlkit.sms.gateways.base import error_from_text, field, log_outcome, provider_text, require_id, resolve_sender
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
from vxmlkit.sms.segments import count_segments

__all__ = ["OzekiGateway", "OZEKI_STATUSES"]

# Delivery states as Ozeki and SMS centres word them, in vxmlkit's vocabulary. The exact field
# values of the SMSDeliveryReport notification are not published with the command; these
# cover the usual wordings, and anything else is refused with the raw value in the error.
OZEKI_STATUSES: dict[str, str] = {
    "queued": "queued",
    "pending": "queued",
    "sent": "sent",
    "senttonetwork": "sent",
    "deliveredtonetwork": "sent",
    "submitted": "sent",
    "delivered": "delivered",
    "deliveredtohandset": "delivered",
    "success": "delivered",
    "true": "delivered",
    "failed": "failed",
    "deliveryfailed": "failed",
    "error": "failed",
    "false": "failed",
    "undelivered": "undelivered",
    "notdelivered": "undelivered",
    "expired": "undelivered",
    "rejected": "undelivered",
}

_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


class OzekiGateway:
    """Sends through an Ozeki HTTP API URL such as ``http://127.0.0.1:9509/api``."""

    name = "ozeki"

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        timeout: float = 30.0,
        sender: str | None = None,
        api_extension: str | None = None,
        connect_retries: int = 2,
        default_region: str = "US",
    ) -> None:
        self.url = url
        self.username = username
        self._password = password
        self.timeout = timeout
        self.sender = sender
        self.api_extension = api_extension
        self.connect_retries = connect_retries
        self.default_region = default_region

    def __repr__(self) -> str:
        return f"OzekiGateway(url={safe_url(self.url)!r})"

    def send(self, message: SmsMessage) -> SmsResult:
        """Run ``SendSms``; the answer's ``SmsId`` is the result id."""
        try:
            result = self._send(message)
        except SmsError as error:
            log_outcome(self.name, message, error)
            raise
        log_outcome(self.name, message, result)
        return result

    def _send(self, message: SmsMessage) -> SmsResult:
        sender = resolve_sender(message, self.sender, required=False, default_region=self.default_region)
        params = {"command": "SendSms", "Username": self.username, "Password": self._password}
        if self.api_extension:
            params["ApiExtension"] = self.api_extension
        if sender:
            params["Sender"] = sender
        params["Recipient"] = message.to
        params["Message"] = message.text
        if message.delivery_report_url:
            params["DeliveryReportURL"] = message.delivery_report_url
        parts = urlsplit(self.url)
        query = "&".join(q for q in (parts.query, urlencode(params)) if q)
        answer = http_request(
            "GET",
            urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, "")),
            headers={"Accept": "application/xml, text/xml", "User-Agent": "vxmlkit-sms"},
            timeout=min(self.timeout, message.timeout or self.timeout),
            connect_retries=self.connect_retries,
        )
        return self._read(answer, message)

    def _read(self, answer: HttpAnswer, message: SmsMessage) -> SmsResult:
        if answer.status in (401, 403):
            raise AuthenticationError(detail=f"HTTP {answer.status}")
        if answer.status >= 300:
            detail = answer.redirect() or self._clean(answer.text(), message)
            raise GatewayHTTPError(answer.status, detail=detail or None)
        values = _answer_values(answer.body)
        code = values.get("code")
        if code is None:
            raise MalformedResponseError(detail=f"no <Code> in the answer: {self._clean(answer.text(), message)!r}")
        text = values.get("message") or ""
        if code != "200":
            raise error_from_text(self._clean(f"Ozeki code {code}: {text}".strip(), message), message)
        sms_id = values.get("smsid")
        if not sms_id:
            raise MalformedResponseError(detail="the answer has Code 200 but no <SmsId>")
        return SmsResult(id=sms_id, status="sent", segments=count_segments(message.text))

    def _clean(self, text: str, message: SmsMessage) -> str:
        return provider_text(text, message, (self._password, self.username))

    def parse_delivery_report(self, form: Mapping[str, str]) -> DeliveryReport:
        """Read an ``SMSDeliveryReport`` notification: the ``SmsId`` and the delivery state
        (``DeliveryStatus``, ``Status``, ``Result`` or a ``Delivered`` true/false)."""
        report_id = require_id(form, "SmsId", "MessageId", "Id")
        raw_status = field(form, "DeliveryStatus", "Status", "Result", "Delivered")
        key = "".join((raw_status or "").lower().split()).replace("_", "")
        status = OZEKI_STATUSES.get(key)
        if status is None:
            raise InvalidDeliveryReportError(detail=f"unknown delivery status {raw_status!r} for message {report_id!r}")
        return DeliveryReport(id=report_id, status=status, raw=dict(form))


def _answer_values(body: bytes) -> dict[str, str]:
    """``Code``, ``Message`` and ``SmsId`` from the answer (lower-cased names), wherever they
    sit and whatever the root is called."""
    if not body.strip():
        return {}
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return {}
    if root is None:
        return {}
    values: dict[str, str] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname.lower()
        if name in ("code", "message", "smsid") and name not in values:
            values[name] = (element.text or "").strip()
    return values

