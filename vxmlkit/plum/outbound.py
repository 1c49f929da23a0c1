"""Queue outbound calls and campaigns on Plum DEV (queuecall.php and queuecalls.php).

Every documented rule is checked before a request leaves: a broken value raises
``RuleViolation`` (a ``ValueError``) naming the field and the rule, and nothing is sent.

Answers are read defensively. queuecall.php's only public sample is
``<queuecall status="queued" call_id="...">`` (it echoes the request fields, the PIN
included, as child elements); anything else is an :class:`OutboundError` carrying the
redacted body. queuecalls.php has no public answer sample: vxmlkit reads it the same way,
an XML document whose root element carries a ``status`` attribute, ``queued`` (or
``success``) meaning the campaign was accepted; the root's other attributes are kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from lxml import etree

from vxmlkit.redaction import get_logger, redact
from vxmlkit.plum import rules
from vxmlkit.plum.errors import CallListError, OutboundError, RuleViolation
from vxmlkit.plum.models import CallSpec, QueuedCall, QueuedCampaign
from vxmlkit.plum.transport import FilePart, HttpAnswer, ProgressCallback, TransportError, encode_multipart, send

DEFAULT_OUTBOUND_URL = "https://outbound.plumvoice.com"
QUEUECALL_PATH = "/webservice/queuecall.php"
QUEUECALLS_PATH = "/webservice/queuecalls.php"
PHONE_LIST_FILENAME = "phone_list.csv"
_ACCEPTED_CAMPAIGN_STATUSES = frozenset({"queued", "success"})
_USER_AGENT = "vxmlkit-plum-outbound"

CallLike = CallSpec | str | tuple[object, ...] | list[object] | Mapping[str, object]
"""A campaign call: a CallSpec, a phone number, a (phone, message_reference, call_parameters)
tuple (the last two optional), or a mapping with those keys."""

logger = get_logger("vxmlkit.plum")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _local_name(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def coerce_call(item: CallLike, index: int = 0) -> CallSpec:
    """Turn one campaign entry into a CallSpec (no rule checks yet)."""
    where = f"calls[{index}]"
    if isinstance(item, CallSpec):
        return item
    if isinstance(item, str):
        return CallSpec(item)
    if isinstance(item, (tuple, list)):
        if not 1 <= len(item) <= 3:
            raise RuleViolation(where, "a tuple must be (phone_number[, message_reference[, call_parameters]])")
        return CallSpec(*item)
    if isinstance(item, Mapping):
        unknown = set(item) - {"phone_number", "message_reference", "call_parameters"}
        if unknown or "phone_number" not in item:
            raise RuleViolation(
                where, "a mapping needs phone_number and may have message_reference, call_parameters only"
            )
        return CallSpec(
            item["phone_number"],  # type: ignore[arg-type]
            item.get("message_reference"),  # type: ignore[arg-type]
            item.get("call_parameters"),  # type: ignore[arg-type]
        )
    raise RuleViolation(where, f"must be a CallSpec, a phone number, a tuple or a mapping, not {type(item).__name__}")


def phone_list_csv(calls: Iterable[CallLike]) -> tuple[str, int]:
    """Build queuecalls.php's phone list: one ``phone,message_reference,call_parameters``
    line per call, CSV-quoted where needed. Returns (text, number of calls).

    Every call is checked; all the broken ones are reported together in a CallListError.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    problems: list[RuleViolation] = []
    count = 0
    for index, item in enumerate(calls):
        count += 1
        where = f"calls[{index}]"
        try:
            spec = coerce_call(item, index)
            phone = rules.check_phone_number(spec.phone_number, f"{where}.phone_number")
            reference = spec.message_reference
            if reference is not None:
                rules.check_text(
                    f"{where}.message_reference", reference, limit=rules.PHONE_LIST_MESSAGE_REFERENCE_LIMIT
                )
            parameters = rules.encode_parameters("call_parameters", spec.call_parameters)
        except RuleViolation as violation:
            if not violation.field.startswith(where):
                violation = RuleViolation(f"{where}.{violation.field}", violation.rule)
            problems.append(violation)
            continue
        row = [phone]
        if reference or parameters:
            row.append(reference or "")
        if parameters:
            row.append(parameters)
        writer.writerow(row)
    if problems:
        raise CallListError(problems)
    if count == 0:
        raise RuleViolation("calls", "a campaign needs at least one call")
    return out.getvalue(), count


@dataclass(frozen=True)
class PreparedCampaign:
    """A checked campaign request: its form fields (without the credentials) and phone list."""

    name: str
    fields: Mapping[str, str]
    phone_list: str
    calls: int


class OutboundClient:
    """Client for Plum DEV's outbound web services.

    ``base_url`` is the host that holds ``webservice/queuecall.php`` or that folder itself
    (``https://outbound.plumvoice.com`` and ``https://outbound.plumvoice.com/webservice/`` are
    the same setting; other hosts, such as the UK one or a turnkey server's
    ``http://host/outbound``, are settings too).
    ``retry_field`` is the form name of the retry count: ``max_retries`` (older pages) or
    ``max_retry`` (newest reference). The login and PIN never appear in reprs, logs or
    exception messages.
    """

    def __init__(
        self,
        login: str,
        pin: str,
        base_url: str = DEFAULT_OUTBOUND_URL,
        *,
        retry_field: str = "max_retries",
        timeout: float = 30.0,
    ) -> None:
        self._login = rules.check_text("login", login, required=True)
        self._pin = rules.check_text("pin", pin, required=True)
        self.base_url = rules.service_root(rules.check_url("base_url", base_url, limit=2048), "webservice")
        if retry_field not in rules.RETRY_FIELDS:
            raise RuleViolation("retry_field", f"must be one of {', '.join(rules.RETRY_FIELDS)} (got {retry_field!r})")
        self.retry_field = retry_field
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise RuleViolation("timeout", f"must be a positive number of seconds (got {timeout!r})")
        self.timeout = float(timeout)

    def __repr__(self) -> str:
        return f"OutboundClient(base_url={self.base_url!r}, retry_field={self.retry_field!r}, timeout={self.timeout})"

    # -- public API -------------------------------------------------------------------------

    def queue_call(
        self,
        phone_number: str,
        start_url: str,
        result_url: str | None = None,
        message_reference: str | None = None,
        call_parameters: str | Mapping[str, object] | None = None,
        max_retries: int | None = None,
        retry_interval: int | None = None,
        scheduled: rules.TimeValue | None = None,
        expires: rules.TimeValue | None = None,
    ) -> QueuedCall:
        """Queue one call; return its call_id.

        ``call_parameters`` is sent as is when a string, urlencoded when a mapping.
        ``scheduled`` / ``expires``: a timezone-aware datetime or a UNIX time (sent as
        scheduled_timestamp / expiration_timestamp) or natural text such as "+1 hour"
        (scheduled_time / expiration_time, at most 80 characters).
        Raises RuleViolation before sending, OutboundError when Plum does not queue the call.
        """
        fields = {
            "phone_number": rules.check_phone_number(phone_number),
            "start_url": rules.check_url("start_url", start_url),
        }
        if result_url is not None:
            fields["result_url"] = rules.check_url("result_url", result_url)
        if message_reference is not None:
            fields["message_reference"] = rules.check_text("message_reference", message_reference)
        parameters = rules.encode_parameters("call_parameters", call_parameters)
        if parameters is not None:
            fields["call_parameters"] = parameters
        fields.update(
            rules.timing_fields(
                max_retries=max_retries,
                retry_interval=retry_interval,
                scheduled=scheduled,
                expires=expires,
                retry_field=self.retry_field,
            )
        )
        body = urlencode({"login": self._login, "pin": self._pin, **fields}).encode("utf-8")
        answer = self._post(
            QUEUECALL_PATH, body, "application/x-www-form-urlencoded; charset=utf-8", on_progress=None
        )
        call = self._read_queuecall(answer)
        logger.info("queued call %s (message_reference=%r)", call.call_id, message_reference)
        return call

    def prepare_campaign(
        self,
        name: str,
        calls: Iterable[CallLike],
        start_url: str,
        result_url: str | None = None,
        campaign_parameters: str | Mapping[str, object] | None = None,
        max_retries: int | None = None,
        retry_interval: int | None = None,
        scheduled: rules.TimeValue | None = None,
        expires: rules.TimeValue | None = None,
    ) -> PreparedCampaign:
        """Check a campaign and build what :meth:`queue_campaign` would send, sending nothing.

        Raises RuleViolation or CallListError (all broken calls at once).
        """
        campaign_name = rules.check_text("name", name, required=True)
        phone_list, count = phone_list_csv(calls)
        fields = {"campaign_name": campaign_name, "start_url": rules.check_url("start_url", start_url)}
        if result_url is not None:
            fields["result_url"] = rules.check_url("result_url", result_url)
        parameters = rules.encode_parameters("campaign_parameters", campaign_parameters)
        if parameters is not None:
            fields["campaign_parameters"] = parameters
        fields.update(
            rules.timing_fields(
                max_retries=max_retries,
                retry_interval=retry_interval,
                scheduled=scheduled,
                expires=expires,
                retry_field=self.retry_field,
            )
        )
        return PreparedCampaign(name=campaign_name, fields=fields, phone_list=phone_list, calls=count)

    def queue_campaign(
        self,
        name: str,
        calls: Iterable[CallLike],
        start_url: str,
        result_url: str | None = None,
        campaign_parameters: str | Mapping[str, object] | None = None,
        max_retries: int | None = None,
        retry_interval: int | None = None,
        scheduled: rules.TimeValue | None = None,
        expires: rules.TimeValue | None = None,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> QueuedCampaign:
        """Queue a campaign: the calls go up as a phone list file in one multipart request.

        ``calls`` holds CallSpecs, phone numbers, (phone, message_reference, call_parameters)
        tuples or mappings. ``campaign_parameters`` (a string, or a mapping urlencoded) is
        passed to the start_url of every call. ``on_progress(sent, total)`` follows the
        upload. Raises RuleViolation / CallListError before sending, OutboundError on a refusal.
        """
        prepared = self.prepare_campaign(
            name, calls, start_url, result_url, campaign_parameters, max_retries, retry_interval, scheduled, expires
        )
        body, content_type = encode_multipart(
            {
                "login": self._login,
                "pin": self._pin,
                **prepared.fields,
                "phone_list": FilePart(PHONE_LIST_FILENAME, prepared.phone_list.encode("utf-8")),
            }
        )
        answer = self._post(QUEUECALLS_PATH, body, content_type, on_progress=on_progress)
        campaign = self._read_queuecalls(answer, prepared.name, prepared.calls)
        logger.info("queued campaign %r with %d call(s)", prepared.name, prepared.calls)
        return campaign

    # -- plumbing ---------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return redact(text, secrets=(self._pin, self._login))

    def _post(self, path: str, body: bytes, content_type: str, *, on_progress: ProgressCallback | None) -> HttpAnswer:
        service = path.rsplit("/", 1)[-1]
        headers = {"Content-Type": content_type, "Accept": "application/xml, text/xml", "User-Agent": _USER_AGENT}
        try:
            answer = send(
                "POST", self.base_url + path, body=body, headers=headers, timeout=self.timeout, on_progress=on_progress
            )
        except TransportError as error:
            raise OutboundError(f"{service}: {self._redact(str(error))}") from None
        redacted = HttpAnswer(answer.status, self._redact(answer.body), answer.headers)
        if not 200 <= answer.status < 300:
            detail = _excerpt(redacted.body)
            where = f" (redirected to {answer.headers.get('Location')})" if 300 <= answer.status < 400 else ""
            raise OutboundError(
                f"{service} answered HTTP {answer.status}{where}" + (f": {detail}" if detail else ""),
                status_code=answer.status,
                raw=redacted.body,
            )
        return redacted

    @staticmethod
    def _parse(service: str, answer: HttpAnswer) -> etree._Element:
        text = answer.body.lstrip("\ufeff \t\r\n")
        try:
            root = etree.fromstring(text.encode("utf-8"), _XML_PARSER)
        except (etree.XMLSyntaxError, ValueError):
            root = None
        if root is None:
            raise OutboundError(
                f"{service} answered something that is not XML: {_excerpt(answer.body) or '(empty body)'}",
                status_code=answer.status,
                raw=answer.body,
            )
        return root

    @staticmethod
    def _error_detail(root: etree._Element) -> str:
        for element in root.iter():
            if _local_name(element.tag) in ("error", "message", "reason", "description") and element.text:
                return _excerpt(element.text)
        return _excerpt(root.text or "")

    def _read_queuecall(self, answer: HttpAnswer) -> QueuedCall:
        root = self._parse("queuecall.php", answer)
        if _local_name(root.tag) != "queuecall" or root.get("status") is None:
            raise OutboundError(
                f"queuecall.php answered XML without <queuecall status=...>: {_excerpt(answer.body)}",
                status_code=answer.status,
                raw=answer.body,
            )
        status = root.get("status", "").strip()
        call_id = (root.get("call_id") or root.findtext("call_id") or "").strip()
        if status.lower() != "queued":
            detail = self._error_detail(root)
            raise OutboundError(
                f"queuecall.php did not queue the call: status {status!r}" + (f": {detail}" if detail else ""),
                status_code=answer.status,
                raw=answer.body,
            )
        if not call_id:
            raise OutboundError(
                "queuecall.php answered status 'queued' without a call_id", status_code=answer.status, raw=answer.body
            )
        return QueuedCall(call_id=call_id, status=status, raw=answer.body)

    def _read_queuecalls(self, answer: HttpAnswer, name: str, count: int) -> QueuedCampaign:
        root = self._parse("queuecalls.php", answer)
        status = (root.get("status") or "").strip()
        if status.lower() not in _ACCEPTED_CAMPAIGN_STATUSES:
            detail = self._error_detail(root)
            shown = f"status {status!r}" if status else f"<{_local_name(root.tag)}> without a status"
            raise OutboundError(
                f"queuecalls.php did not queue campaign {name!r}: {shown}" + (f": {detail}" if detail else ""),
                status_code=answer.status,
                raw=answer.body,
            )
        attributes = {str(key): str(value) for key, value in root.attrib.items()}
        campaign_id = attributes.get("campaign_id") or attributes.get("id") or root.findtext("campaign_id")
        return QueuedCampaign(
            name=name, status=status, campaign_id=campaign_id, calls=count, attributes=attributes, raw=answer.body
        )

