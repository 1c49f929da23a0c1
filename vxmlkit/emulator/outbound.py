"""Plum's outbound web services: ``webservice/queuecall.php`` and ``webservice/queuecalls.php``.

Both take form fields (queuecalls.php as multipart/form-data with a ``phone_list`` file of
``phone,message_reference,call_parameters`` lines) and answer XML: ``<queuecall
status="queued" call_id="...">`` echoing the request's fields as child elements, as Plum's
public sample does, or ``status="failed"`` with an ``<error>`` naming the field and the rule.
The documented limits are the ones vxmlkit's client checks (:mod:`vxmlkit.plum.rules`), so a
client that skipped its checks meets the same rule here.
"""

from __future__ import annotations

import csv
import hmac
import io
from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

from vxmlkit.emulator.clock import TimeTextError, read_time
from vxmlkit.emulator.state import Platform
from vxmlkit.plum import rules
from vxmlkit.plum.errors import RuleViolation

__all__ = ["Refused", "queuecall", "queuecalls"]


class Refused(Exception):
    """The request breaks a rule; the message is the ``<error>`` text."""


def _answer(root: str, attributes: Mapping[str, str], children: Mapping[str, str] | None = None,
            error: str | None = None) -> str:
    attrs = "".join(f" {name}={quoteattr(value)}" for name, value in attributes.items())
    inner = "".join(f"\n    <{name}>{escape(value)}</{name}>" for name, value in (children or {}).items()
                    if name.replace("_", "").isalnum())
    if error is not None:
        inner += f"\n    <error>{escape(error)}</error>"
    return f'<?xml version="1.0"?>\n<{root}{attrs}>{inner}\n</{root}>\n'


def _check_account(platform: Platform, form: Mapping[str, str]) -> None:
    settings = platform.settings
    login, pin = form.get("login", ""), form.get("pin", "")
    if not login or not pin:
        raise Refused("login and pin are required")
    try:
        rules.check_text("login", login)
        rules.check_text("pin", pin)
    except RuleViolation as exc:
        raise Refused(str(exc)) from None
    # Compare both, in constant time, so the answer does not tell which one was wrong.
    good_login = hmac.compare_digest(login.encode(), settings.login.encode())
    good_pin = hmac.compare_digest(pin.encode(), settings.pin.encode())
    if not (good_login and good_pin):
        raise Refused("invalid login or pin")


def _integer(form: Mapping[str, str], name: str, bounds: tuple[int, int], unit: str = "") -> int | None:
    text = form.get(name, "").strip()
    if text == "":
        return None
    low, high = bounds
    if not text.lstrip("-").isdigit():
        raise Refused(f"{name}: must be an integer from {low} to {high}{unit} (got {text[:20]!r})")
    try:
        return rules.check_int_range(name, int(text), bounds, unit)
    except RuleViolation as exc:
        raise Refused(str(exc)) from None


def _moment(platform: Platform, form: Mapping[str, str], kind: str) -> float | None:
    stamp, text = form.get(f"{kind}_timestamp", "").strip(), form.get(f"{kind}_time", "")
    if stamp:
        if not stamp.isdigit():
            raise Refused(f"{kind}_timestamp: must be a UNIX time (got {stamp[:20]!r})")
        return float(int(stamp))
    if text.strip():
        if len(text) > rules.NATURAL_TIME_LIMIT:
            raise Refused(f"{kind}_time: must be at most {rules.NATURAL_TIME_LIMIT} characters (got {len(text)})")
        try:
            return read_time(text, platform.clock.now())
        except TimeTextError as exc:
            raise Refused(f"{kind}_time: {exc}") from None
    return None


def _timing(platform: Platform, form: Mapping[str, str]) -> dict[str, object]:
    """max_retries (or max_retry), retry_interval, scheduled and expiration, checked."""
    retries = [value for value in (_integer(form, name, rules.MAX_RETRIES_RANGE) for name in rules.RETRY_FIELDS)
               if value is not None]
    if len(set(retries)) > 1:
        raise Refused("max_retries and max_retry disagree: give one of them")
    # An expiration before the scheduled time is not refused: the call expires unplaced.
    due = _moment(platform, form, "scheduled")
    expires = _moment(platform, form, "expiration")
    return {
        "max_retries": retries[0] if retries else None,
        "retry_interval": _integer(form, "retry_interval", rules.RETRY_INTERVAL_RANGE, " seconds"),
        "due": due,
        "expires": expires,
    }


def _field(form: Mapping[str, str], name: str, *, required: bool = False) -> str:
    value = form.get(name, "")
    try:
        if name.endswith("_url"):
            return rules.check_url(name, value) if (required or value) else ""
        if name == "phone_number":
            return rules.check_phone_number(value)
        return rules.check_text(name, value, required=required)
    except RuleViolation as exc:
        raise Refused(str(exc)) from None


def queuecall(platform: Platform, form: Mapping[str, str]) -> str:
    """Answer a queuecall.php POST: queue one call."""
    try:
        _check_account(platform, form)
        phone = _field(form, "phone_number", required=True)
        start_url = _field(form, "start_url", required=True)
        result_url = _field(form, "result_url")
        reference = _field(form, "message_reference")
        parameters = _field(form, "call_parameters")
        timing = _timing(platform, form)
    except Refused as exc:
        return _answer("queuecall", {"status": "failed"}, error=str(exc))
    batch = platform.new_batch("call", reference or phone, start_url, result_url or None)
    call = platform.add_call(batch, phone, reference, parameters, **timing)  # type: ignore[arg-type]
    return _answer("queuecall", {"status": "queued", "call_id": call.call_id}, form)


def read_phone_list(content: bytes) -> list[tuple[str, str, str]]:
    """The phone list of queuecalls.php: ``(phone, message_reference, call_parameters)`` per
    non-blank line; Refused names every bad line (up to five)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused("phone_list: must be UTF-8 text") from None
    calls: list[tuple[str, str, str]] = []
    problems: list[str] = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > 3:
            problems.append(f"line {line}: more than 3 columns (phone,message_reference,call_parameters)")
            continue
        phone, reference, parameters = (row + ["", ""])[:3]
        try:
            rules.check_phone_number(phone.strip(), "phone_number")
            rules.check_text("message_reference", reference, limit=rules.PHONE_LIST_MESSAGE_REFERENCE_LIMIT)
            rules.check_text("call_parameters", parameters)
        except RuleViolation as exc:
            problems.append(f"line {line}: {exc}")
            continue
        calls.append((phone.strip(), reference, parameters))
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise Refused("phone_list: " + "; ".join(problems[:5]) + more)
    if not calls:
        raise Refused("phone_list: holds no phone number")
    return calls


def queuecalls(platform: Platform, form: Mapping[str, str], files: Mapping[str, bytes]) -> str:
    """Answer a queuecalls.php POST: queue a campaign from its phone list."""
    try:
        _check_account(platform, form)
        name = _field(form, "campaign_name", required=True)
        start_url = _field(form, "start_url", required=True)
        result_url = _field(form, "result_url")
        parameters = _field(form, "campaign_parameters")
        timing = _timing(platform, form)
        if "phone_list" not in files:
            raise Refused("phone_list: a file of phone numbers is required")
        calls = read_phone_list(files["phone_list"])
        with platform.lock:
            if any(batch.kind == "campaign" and batch.name == name for batch in platform.batches.values()):
                raise Refused(f"campaign name {name!r} already used")
            batch = platform.new_batch("campaign", name, start_url, result_url or None, parameters or None)
    except Refused as exc:
        return _answer("queuecalls", {"status": "failed"}, error=str(exc))
    for phone, reference, call_parameters in calls:
        platform.add_call(batch, phone, reference, call_parameters, **timing)  # type: ignore[arg-type]
    return _answer("queuecalls", {"status": "queued", "campaign_id": str(batch.id), "campaign_name": name,
                                  "calls": str(len(calls))})
