"""The platform's clock, which may run faster than the wall clock, and the time values of
Plum's forms read against it.

``Clock(speed=60)`` makes a minute of platform time pass in one real second: retry intervals,
schedules, pacing and reported durations are all in platform time, and the platform's answers
(``last_attempt_timestamp``, ``request_timestamp`` ...) carry its time.

:func:`read_time` reads ``scheduled_time`` / ``expiration_time`` the way Plum documents them:
UNIX digits, "now", "+3 days", "tomorrow 9am", "oct 14th, 2011 11:05PM EST".
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser

__all__ = ["EASTERN", "Clock", "TimeTextError", "read_time"]

#: The scheduler's profiles are in Eastern time.
EASTERN = ZoneInfo("America/New_York")

_UNITS = {
    "sec": 1, "second": 1, "min": 60, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
    "fortnight": 14 * 86400,
}
_RELATIVE = re.compile(r"([+-]?)\s*(\d+)\s*(sec|second|min|minute|hour|day|week|fortnight)s?\b", re.I)
_NEXT = re.compile(r"\bnext\s+(sec|second|min|minute|hour|day|week|fortnight)\b", re.I)
# US zone abbreviations as strtotime reads them; dateutil needs them spelled out.
_ZONES = {
    "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600, "MST": -7 * 3600,
    "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600, "UTC": 0, "GMT": 0, "Z": 0,
}


class Clock:
    """Platform time: a UNIX time that advances ``speed`` times faster than the wall clock.

    ``start`` is the platform time at creation (default: now). The clock is thread-safe and
    monotonic: it follows ``time.monotonic`` rather than the wall clock.
    """

    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be a positive number (got {speed!r})")
        self.speed = float(speed)
        self._origin = time.time() if start is None else float(start)
        self._real_origin = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> float:
        """The platform's current UNIX time."""
        return self._origin + (time.monotonic() - self._real_origin) * self.speed

    def real_seconds(self, platform_seconds: float) -> float:
        """How long ``platform_seconds`` of platform time last on the wall clock."""
        return max(0.0, platform_seconds) / self.speed

    def set(self, when: float) -> None:
        """Jump the platform clock to ``when`` (a UNIX time); it goes on at the same speed."""
        with self._lock:
            self._origin = float(when)
            self._real_origin = time.monotonic()

    def eastern(self, when: float | None = None) -> datetime:
        """Platform time as an aware datetime in Eastern time."""
        return datetime.fromtimestamp(self.now() if when is None else when, EASTERN)


class TimeTextError(ValueError):
    """A scheduled/expiration value that cannot be read."""


def _day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def read_time(text: str, now: float) -> float:
    """Read a Plum time value against platform time ``now``; return a UNIX time.

    Digits are a UNIX time. Otherwise natural text as PHP's strtotime reads it, in the forms
    Plum documents: ``now``, ``today``, ``tomorrow`` (optionally with a time of day), relative
    offsets such as ``+3 days`` or ``+1 hour 30 minutes``, and absolute dates such as
    ``oct 14th, 2011 11:05PM EST`` (a date without a zone is read in Eastern time).
    Raises :class:`TimeTextError` naming the text.
    """
    value = text.strip()
    if not value:
        raise TimeTextError("an empty time")
    if value.isdigit():
        return float(int(value))
    lowered = value.lower()
    base = datetime.fromtimestamp(now, EASTERN)
    rest = value
    for word, days in (("now", None), ("today", 0), ("tomorrow", 1), ("yesterday", -1)):
        if lowered.startswith(word):
            rest = value[len(word):].strip()
            base = base if days is None else _day_start(base) + timedelta(days=days)
            break
    rest = _NEXT.sub(r"+1 \1", rest)
    offset = 0.0
    for sign, amount, unit in _RELATIVE.findall(rest):
        seconds = int(amount) * _UNITS[unit.lower()]
        offset += -seconds if sign == "-" else seconds
    rest = _RELATIVE.sub("", rest).strip(" ,")
    if not rest:
        return base.timestamp() + offset
    try:
        parsed = date_parser.parse(rest, default=_day_start(base).replace(tzinfo=None), tzinfos=_ZONES)
    except (ValueError, OverflowError) as exc:
        raise TimeTextError(f"cannot read {text!r} as a time: {exc}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=EASTERN)
    return parsed.astimezone(timezone.utc).timestamp() + offset
