"""Plum's documented rules for outbound fields, checked before any request is sent.

Each check raises :class:`~vxmlkit.plum.errors.RuleViolation` (a ``ValueError``) naming the
field and the rule. The limits come from Plum's outbound API reference: login 128, pin 16,
phone_number 128, start_url / result_url / message_reference / call_parameters 255 characters,
max_retries 0 to 10, retry_interval 60 to 172800 seconds, natural time expressions at most 80
characters, caller id (``ani``) 10 digits without the leading 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from vxmlkit.plum.errors import RuleViolation

FIELD_LIMITS: dict[str, int] = {
    "login": 128,
    "pin": 16,
    "phone_number": 128,
    "start_url": 255,
    "result_url": 255,
    "message_reference": 255,
    "call_parameters": 255,
    "campaign_parameters": 255,
}
#: In a queuecalls.php phone list, message_reference is limited to 128 characters.
PHONE_LIST_MESSAGE_REFERENCE_LIMIT = 128
MAX_RETRIES_RANGE = (0, 10)
RETRY_INTERVAL_RANGE = (60, 172800)
NATURAL_TIME_LIMIT = 80
RETRY_FIELDS = ("max_retries", "max_retry")

_DIGITS = re.compile(r"\d+")
_DTMF = re.compile(r"[0-9*#]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_text(field: str, value: object, *, required: bool = False, limit: int | None = None) -> str:
    """Check a plain text field: a str, without control characters, within its length limit.

    The value itself is never quoted in the error, so this is safe for credentials.
    """
    if not isinstance(value, str):
        raise RuleViolation(field, f"must be a string, not {type(value).__name__}")
    if required and not value.strip():
        raise RuleViolation(field, "is required and must not be empty")
    if _CONTROL.search(value):
        raise RuleViolation(field, "must not contain control characters (line breaks, tabs ...)")
    maximum = limit if limit is not None else FIELD_LIMITS.get(field)
    if maximum is not None and len(value) > maximum:
        raise RuleViolation(field, f"must be at most {maximum} characters (got {len(value)})")
    return value


def check_url(field: str, value: object, *, limit: int | None = None) -> str:
    """Check an absolute http(s) URL within its length limit."""
    url = check_text(field, value, required=True, limit=limit)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RuleViolation(field, f"must be an absolute http:// or https:// URL (got {url!r})")
    return url


def service_root(url: str, folder: str) -> str:
    """``url`` without a trailing ``/<folder>`` and slash: the host (or turnkey path) a service
    lives under, whether the setting names the host or the service's folder.

    ``service_root("https://outbound.plumvoice.com/webservice/", "webservice")`` and
    ``service_root("https://outbound.plumvoice.com", "webservice")`` both give
    ``https://outbound.plumvoice.com``.
    """
    root = url.strip().rstrip("/")
    suffix = "/" + folder.strip("/")
    return root[: -len(suffix)] if root.endswith(suffix) else root


def check_phone_number(value: object, field: str = "phone_number") -> str:
    """Check a number to dial and return it unchanged.

    Accepted forms: ``16175551234``, ``+16175551234``, ``tel:+16175551234``, each optionally
    followed by ``;ani=6175550000`` (caller id: 10 digits, no leading 1) and/or
    ``;postd=1234`` (digits to dial after the call connects: 0-9, * and #). The number itself
    is 8 to 15 digits; a bare 10-digit number is refused because Plum needs the country code
    1 before the area code.
    """
    text = check_text(field, value, required=True)
    number, *params = text.split(";")
    digits = number.strip()
    if digits.lower().startswith("tel:"):
        digits = digits[4:]
    has_plus = digits.startswith("+")
    if has_plus:
        digits = digits[1:]
    if not _DIGITS.fullmatch(digits):
        raise RuleViolation(
            field,
            f"{number.strip()!r} is not a phone number: use digits only, optionally "
            "prefixed by 'tel:' and '+', e.g. tel:+16175551234",
        )
    if len(digits) == 10 and not has_plus:
        raise RuleViolation(field, f"{digits!r} lacks the country code: put 1 before the area code (1{digits})")
    if not 8 <= len(digits) <= 15:
        raise RuleViolation(field, f"{digits!r} must have 8 to 15 digits including the country code")
    seen: set[str] = set()
    for param in params:
        name, sep, param_value = param.partition("=")
        name, param_value = name.strip().lower(), param_value.strip()
        if not sep or name not in ("ani", "postd"):
            raise RuleViolation(
                field, f"unknown part {param.strip()!r}: only ';ani=' and ';postd=' may follow the number"
            )
        if name in seen:
            raise RuleViolation(field, f"';{name}=' is given twice")
        seen.add(name)
        if name == "ani" and not (len(param_value) == 10 and param_value.isdigit() and param_value[0] != "1"):
            raise RuleViolation(
                field, f"ani {param_value!r} must be a 10-digit caller id without the leading 1 (e.g. 6175550000)"
            )
        if name == "postd" and not _DTMF.fullmatch(param_value):
            raise RuleViolation(field, f"postd {param_value!r} must be digits to dial (0-9, * and #)")
    return text


def with_caller_id(phone_number: str, ani: str | None) -> str:
    """Return ``phone_number`` with ``;ani=`` added (as a ``tel:`` URI), checked."""
    if ani is None:
        return check_phone_number(phone_number)
    if ";ani=" in phone_number.replace(" ", "").lower():
        raise RuleViolation("phone_number", "already carries ';ani=': give the caller id only once")
    number = phone_number if phone_number.lower().startswith("tel:") else f"tel:{phone_number}"
    return check_phone_number(f"{number};ani={ani}")


def check_int_range(field: str, value: object, bounds: tuple[int, int], unit: str = "") -> int:
    """Check an integer within inclusive bounds."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleViolation(field, f"must be an integer from {low} to {high}{unit} (got {value!r})")
    if not low <= value <= high:
        raise RuleViolation(field, f"must be an integer from {low} to {high}{unit} (got {value})")
    return value


def check_max_retries(value: object, field: str = "max_retries") -> int:
    """max_retries: an integer from 0 to 10."""
    return check_int_range(field, value, MAX_RETRIES_RANGE)


def check_retry_interval(value: object) -> int:
    """retry_interval: an integer from 60 to 172800 seconds."""
    return check_int_range("retry_interval", value, RETRY_INTERVAL_RANGE, " seconds")


TimeValue = datetime | int | str


def time_field(kind: str, value: object, argument: str) -> tuple[str, str]:
    """Turn a scheduled/expiration value into the form field Plum expects.

    ``kind`` is ``"scheduled"`` or ``"expiration"``; ``argument`` is the Python argument name
    used in errors. A timezone-aware datetime or a UNIX time (int >= 0) becomes
    ``<kind>_timestamp``; a natural time expression ("now", "+3 days", at most 80 characters)
    becomes ``<kind>_time``. A naive datetime is refused: its moment would depend on the
    machine's timezone.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise RuleViolation(argument, "a datetime needs a timezone (e.g. datetime(..., tzinfo=timezone.utc))")
        return f"{kind}_timestamp", str(int(value.timestamp()))
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise RuleViolation(argument, f"a UNIX time must be 0 or more (got {value})")
        return f"{kind}_timestamp", str(value)
    if isinstance(value, str):
        text = check_text(argument, value, required=True, limit=NATURAL_TIME_LIMIT)
        return f"{kind}_time", text.strip()
    raise RuleViolation(
        argument, f"must be a datetime, a UNIX time (int) or a natural time text, not {type(value).__name__}"
    )


def timing_fields(
    *,
    max_retries: int | None,
    retry_interval: int | None,
    scheduled: TimeValue | None,
    expires: TimeValue | None,
    retry_field: str,
) -> dict[str, str]:
    """Check the retry and timing arguments and return the form fields they become."""
    fields: dict[str, str] = {}
    if max_retries is not None:
        fields[retry_field] = str(check_max_retries(max_retries))
    if retry_interval is not None:
        fields["retry_interval"] = str(check_retry_interval(retry_interval))
    if scheduled is not None:
        name, text = time_field("scheduled", scheduled, "scheduled")
        fields[name] = text
    if expires is not None:
        name, text = time_field("expiration", expires, "expires")
        fields[name] = text
    start, end = fields.get("scheduled_timestamp"), fields.get("expiration_timestamp")
    if start and end and int(start) and int(end) and int(end) <= int(start):
        raise RuleViolation("expires", "must be later than scheduled")
    return fields


def encode_parameters(field: str, value: str | Mapping[str, object] | None) -> str | None:
    """call_parameters / campaign_parameters: a string as is, a mapping urlencoded; <= 255."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        text = urlencode({str(key): "" if item is None else str(item) for key, item in value.items()})
    else:
        text = value
    return check_text(field, text)
