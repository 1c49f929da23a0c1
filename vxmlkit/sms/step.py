"""The ``sms`` step: text the caller (a receipt, a password, payment details) in the middle of a call.

The document a step answers with submits to vxmlkit's SMS route, playing ``hold_audio`` while it
waits, with ``fetchtimeout`` set to the step's ``timeout``. The route sends through the
configured gateway once per (call session, step, attempt), however often the voice browser
repeats the request, and continues at ``then``, or at ``on_error`` when sending fails or times
out. The message travels inside the document sealed (encrypted and signed with the app's
secret), so no SMS body waits in the store and a private message is never written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..components import Component, StepRef, Template, _optional_step, step_name

__all__ = ["Sms", "sms", "MIN_TIMEOUT", "MAX_TIMEOUT"]

MIN_TIMEOUT = 1
MAX_TIMEOUT = 120


def check_timeout(timeout: Any) -> int | float:
    """The timeout in seconds if it is within 1..120, else ValueError naming the rule."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
        raise ValueError(f"sms() timeout must be a number of seconds from {MIN_TIMEOUT} to {MAX_TIMEOUT}, not {timeout!r}")
    return timeout


@dataclass(frozen=True)
class Sms(Component):
    """Send a text message, then continue at ``then`` (or ``on_error`` when sending fails)."""

    to: str
    text: str | Template
    sender: str | None
    then: str
    on_error: str | None
    timeout: int | float
    hold_audio: str | None
    private: bool
    terminal = True


def sms(
    to: str,
    text: str | Template,
    sender: str | None = None,
    *,
    then: StepRef,
    on_error: StepRef | None = None,
    timeout: int | float = 30,
    hold_audio: str | None = None,
    private: bool = False,
) -> Sms:
    """Text ``to`` while the caller waits, then go on to the step ``then``.

    ``to`` may be written as people write numbers ("(222) 345-9789", "+1 222 345 9789",
    "tel:+12223459789"); it is normalised to E.164 (``VXMLKIT_SMS_DEFAULT_REGION``, default US).
    ``text`` is a string or ``template("sms/receipt.txt", **context)`` (a plain-text template).
    ``sender`` defaults to ``VXMLKIT_SMS_SENDER``. ``timeout`` (1 to 120 seconds, default 30)
    bounds the wait; ``hold_audio`` plays meanwhile. When sending fails or times out the call
    continues at ``on_error`` (or at ``then``; the failure is logged and stored either way);
    the next step may accept ``sms_status`` and ``sms_error`` to learn what happened. With
    ``private=True`` neither the text nor the full number reaches logs or the store.
    """
    if not isinstance(to, str) or not to.strip():
        raise ValueError("sms() needs the recipient's number (to=...)")
    if isinstance(text, str):
        if not text.strip():
            raise ValueError("sms() text is empty")
    elif not isinstance(text, Template):
        raise TypeError(f"sms() text must be a string or template(...), not {type(text).__name__}")
    if hold_audio is not None and (not hold_audio.strip() or any(c.isspace() for c in hold_audio.strip())):
        raise ValueError(f"sms() hold_audio must be a URL, not {hold_audio!r}")
    return Sms(
        to=to.strip(),
        text=text,
        sender=sender,
        then=step_name(then),
        on_error=_optional_step(on_error),
        timeout=check_timeout(timeout),
        hold_audio=hold_audio.strip() if hold_audio else None,
        private=bool(private),
    )
