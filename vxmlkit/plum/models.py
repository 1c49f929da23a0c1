"""Typed values exchanged with Plum's outbound services and the scheduler API.

The models validate on construction (a broken value raises ``RuleViolation``, a
``ValueError``), and the ``from_api`` constructors read the scheduler's JSON tolerantly:
missing keys become ``None``, extra keys are kept in ``extra``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from vxmlkit.plum import rules
from vxmlkit.plum.errors import RuleViolation

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NICKNAME_LIMIT = 64
#: The scheduler stores pacing numbers in 11-digit integer columns.
PACING_LIMIT = 99_999_999_999
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CallSpec:
    """One call of a campaign: the number, and what the start_url receives with it."""

    phone_number: str
    message_reference: str | None = None
    call_parameters: str | Mapping[str, object] | None = None


@dataclass(frozen=True)
class QueuedCall:
    """queuecall.php's answer: the call is queued under ``call_id``.

    ``call_id`` is unique per outbound server only; correlate results on message_reference.
    ``raw`` is the answer body with the credentials redacted.
    """

    call_id: str
    status: str
    raw: str = field(repr=False)


@dataclass(frozen=True)
class QueuedCampaign:
    """queuecalls.php's answer.

    ``attributes`` holds the root element's attributes as sent (for example a campaign id,
    whose name the public documentation does not give); ``campaign_id`` is the first of
    ``campaign_id``, ``id`` present there.
    """

    name: str
    status: str
    campaign_id: str | None
    calls: int
    attributes: Mapping[str, str]
    raw: str = field(repr=False)


def check_nickname(value: object, field_name: str = "nickname") -> str | None:
    """A schedule or profile nickname: optional text of at most 64 characters."""
    if value is None:
        return None
    return rules.check_text(field_name, value, required=True, limit=NICKNAME_LIMIT)


def check_days(value: object) -> tuple[str, ...]:
    """Days of the week as 3-letter abbreviations (mon ... sun), at least one, no repeats."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise RuleViolation("days", "must be a list of 3-letter day names such as ['mon', 'wed', 'fri']")
    days = tuple(str(day).strip().lower() for day in value)
    if not days:
        raise RuleViolation("days", "needs at least one day")
    unknown = [day for day in days if day not in WEEKDAYS]
    if unknown:
        raise RuleViolation("days", f"unknown day(s) {unknown}: use {', '.join(WEEKDAYS)}")
    if len(set(days)) != len(days):
        raise RuleViolation("days", "lists a day twice")
    return days


def check_pacing(field_name: str, value: object, minimum: int) -> int:
    """A profile's pacing number: an integer of at most 11 digits, at least ``minimum``."""
    return rules.check_int_range(field_name, value, (minimum, PACING_LIMIT))


def check_date(field_name: str, value: object) -> date:
    """A campaign date: a ``date`` or a 'YYYY-MM-DD' string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise RuleViolation(field_name, f"must be a date or a 'YYYY-MM-DD' string (got {value!r})")


def check_clock(field_name: str, value: object) -> str:
    """A time of day 'HH:MM' on a 24-hour clock (Eastern time for the scheduler)."""
    if not isinstance(value, str) or not _HHMM.fullmatch(value.strip()):
        raise RuleViolation(field_name, f"must be 'HH:MM' on a 24-hour clock (got {value!r})")
    return value.strip()


def _maybe_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _extra(data: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in known}


@dataclass(frozen=True)
class Schedule:
    """The days of the week on which a campaign may place calls."""

    days: tuple[str, ...]
    nickname: str | None = None
    id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", check_days(self.days))
        check_nickname(self.nickname)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Schedule:
        """Read a schedule from the scheduler's JSON (``schedule_id`` or ``id``)."""
        days = data.get("days") or []
        if isinstance(days, str):
            # The update answer carries the days as a JSON text: "[\"mon\",\"wed\"]".
            try:
                days = json.loads(days)
            except ValueError:
                days = [day.strip(' "[]') for day in days.split(",") if day.strip(' "[]')]
        if not isinstance(days, list):
            days = []
        schedule = cls.__new__(cls)
        object.__setattr__(schedule, "days", tuple(str(day).lower() for day in days))
        object.__setattr__(schedule, "nickname", data.get("nickname"))
        object.__setattr__(schedule, "id", _maybe_int(data.get("schedule_id", data.get("id"))))
        object.__setattr__(schedule, "extra", _extra(data, {"days", "nickname", "schedule_id", "id"}))
        return schedule


@dataclass(frozen=True)
class Profile:
    """Call pacing: ``amount_per_period`` calls in each ``period`` minutes, then
    ``time_between_periods`` minutes of rest."""

    period: int | None
    amount_per_period: int | None
    time_between_periods: int | None
    nickname: str | None = None
    id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        check_pacing("period", self.period, 1)
        check_pacing("amount_per_period", self.amount_per_period, 1)
        check_pacing("time_between_periods", self.time_between_periods, 0)
        check_nickname(self.nickname)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Profile:
        """Read a profile from the scheduler's JSON; the list answer carries only id and nickname."""
        profile = cls.__new__(cls)
        for name in ("period", "amount_per_period", "time_between_periods"):
            object.__setattr__(profile, name, _maybe_int(data.get(name)))
        object.__setattr__(profile, "nickname", data.get("nickname"))
        object.__setattr__(profile, "id", _maybe_int(data.get("profile_id", data.get("id"))))
        known = {"period", "amount_per_period", "time_between_periods", "nickname", "profile_id", "id"}
        object.__setattr__(profile, "extra", _extra(data, known))
        return profile


@dataclass(frozen=True)
class CampaignProfile:
    """A profile applied to a campaign between two times of day (Eastern time)."""

    profile: str
    start_time: str
    end_time: str
    profile_id: int | None = None

    def __post_init__(self) -> None:
        rules.check_text("profiles.profile", self.profile, required=True, limit=NICKNAME_LIMIT)
        start = check_clock("profiles.start_time", self.start_time)
        end = check_clock("profiles.end_time", self.end_time)
        if end <= start:
            raise RuleViolation("profiles.end_time", f"must be later than start_time ({start})")

    def to_api(self) -> dict[str, str]:
        """The JSON object the scheduler expects in ``profiles``."""
        return {"profile": self.profile, "start_time": self.start_time, "end_time": self.end_time}

    @classmethod
    def coerce(cls, value: CampaignProfile | Mapping[str, Any]) -> CampaignProfile:
        """Accept a CampaignProfile or a mapping with profile, start_time, end_time."""
        if isinstance(value, CampaignProfile):
            return value
        if isinstance(value, Mapping):
            missing = [key for key in ("profile", "start_time", "end_time") if key not in value]
            if missing:
                raise RuleViolation("profiles", f"each profile needs {', '.join(missing)}")
            return cls(str(value["profile"]), value["start_time"], value["end_time"])
        raise RuleViolation("profiles", f"must be CampaignProfile objects or mappings, not {type(value).__name__}")


@dataclass(frozen=True)
class Campaign:
    """A scheduler campaign as the list answer describes it."""

    id: int | None
    start_date: str | None = None
    end_date: str | None = None
    start_url: str | None = None
    result_url: str | None = None
    schedule: str | None = None
    profiles: tuple[CampaignProfile, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Campaign:
        """Read a campaign from the scheduler's JSON (``campaign_id`` or ``id``)."""
        profiles = []
        for item in data.get("profiles") or []:
            if isinstance(item, Mapping):
                entry = CampaignProfile.__new__(CampaignProfile)
                object.__setattr__(entry, "profile", str(item.get("nickname", item.get("profile", ""))))
                object.__setattr__(entry, "start_time", str(item.get("start_time", "")))
                object.__setattr__(entry, "end_time", str(item.get("end_time", "")))
                object.__setattr__(entry, "profile_id", _maybe_int(item.get("profile_id")))
                profiles.append(entry)
        schedule = data.get("schedule_nickname", data.get("schedule"))
        known = {"campaign_id", "id", "start_date", "end_date", "start_url", "result_url", "schedule_nickname",
                 "schedule", "profiles"}
        return cls(
            id=_maybe_int(data.get("campaign_id", data.get("id"))),
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            start_url=data.get("start_url"),
            result_url=data.get("result_url"),
            schedule=None if schedule is None else str(schedule),
            profiles=tuple(profiles),
            extra=_extra(data, known),
        )
