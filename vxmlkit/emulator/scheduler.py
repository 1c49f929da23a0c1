"""Plum's Call Scheduling and Pacing API: schedules, profiles and campaigns, and the pacing
that decides when a campaign's calls may be placed.

Requests carry ``Authorization: Bearer <token>``; creations, start, stop and add-calls send
form fields (``days`` and ``profiles`` as JSON text, ``phone_numbers`` as a file or a JSON
list), updates send query parameters with PATCH or PUT. Answers have the documented shapes:
``{"status": "success", "response": {...}}``, lists as plain JSON arrays, field errors as
``{"nickname": ["The nickname has already been taken."]}`` (HTTP 422), and
``{"status": "error", "error": "Schedule 3wkdays(id 1) is being used with campaign id 3."}``.

A campaign places calls only while started, between its start and end dates, on its
schedule's days, inside one of its profiles' windows (Eastern time), and at most
``amount_per_period`` calls in each ``period`` minutes, followed by ``time_between_periods``
minutes without calls.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from vxmlkit.emulator.state import Batch, Platform
from vxmlkit.plum import rules
from vxmlkit.plum.errors import RuleViolation
from vxmlkit.plum.models import NICKNAME_LIMIT, PACING_LIMIT, WEEKDAYS, check_clock

__all__ = ["SchedulerApi", "handle"]

Answer = tuple[int, Any]


@dataclass
class Schedule:
    id: int
    days: list[str]
    nickname: str | None


@dataclass
class Profile:
    id: int
    period: int
    amount_per_period: int
    time_between_periods: int
    nickname: str | None


@dataclass
class Applied:
    """A profile applied to a campaign between two times of day (Eastern)."""

    profile: Profile
    start_time: str
    end_time: str


@dataclass
class Campaign:
    id: int
    start_date: date
    end_date: date
    schedule: Schedule
    schedule_label: str
    profiles: list[Applied]
    batch: Batch
    running: bool = False
    placed: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (date, profile, period) -> calls

    def may_place(self, now_eastern: datetime) -> bool:
        """Whether a call may be placed now; counts it against the period when it may."""
        today = now_eastern.date()
        if not self.running or not self.start_date <= today <= self.end_date:
            return False
        if WEEKDAYS[now_eastern.weekday()] not in self.schedule.days:
            return False
        minute = now_eastern.hour * 60 + now_eastern.minute + now_eastern.second / 60
        for index, applied in enumerate(self.profiles):
            start, end = _minutes(applied.start_time), _minutes(applied.end_time)
            if not start <= minute < end:
                continue
            profile = applied.profile
            cycle = profile.period + profile.time_between_periods
            since = minute - start
            if since % cycle >= profile.period:
                continue  # resting between periods
            key = (today.isoformat(), index, int(since // cycle))
            if self.placed.get(key, 0) < profile.amount_per_period:
                self.placed[key] = self.placed.get(key, 0) + 1
                return True
        return False


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class Invalid(Exception):
    """Field errors, answered as HTTP 422 ``{field: [messages]}``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, msgs in errors.items() for v in msgs))
        self.errors = errors


class Failure(Exception):
    """An error answered as ``{"status": "error", "error": message}``."""

    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.status = status


def _invalid(name: str, message: str) -> Invalid:
    return Invalid({name: [message]})


class SchedulerApi:
    """The scheduler's resources for one account."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.schedules: dict[int, Schedule] = {}
        self.profiles: dict[int, Profile] = {}
        self.campaigns: dict[int, Campaign] = {}
        self._last_id = 0

    def _next_id(self, kind: str) -> int:
        """Ids are unique across schedules, profiles and campaigns of the account."""
        del kind
        self._last_id += 1
        return self._last_id

    # -- values ---------------------------------------------------------------------------------

    @staticmethod
    def _nickname(values: Mapping[str, str], store: Mapping[int, Any], *, keys: tuple[str, ...] = ("nickname",),
                  exclude: int | None = None) -> str | None:
        name = next((values[key] for key in keys if key in values), None)
        if name is None:
            return None
        if len(name) > NICKNAME_LIMIT:
            raise _invalid("nickname", f"The nickname may not be greater than {NICKNAME_LIMIT} characters.")
        if any(item.nickname == name and ident != exclude for ident, item in store.items()):
            raise _invalid("nickname", "The nickname has already been taken.")
        return name or None

    @staticmethod
    def _days(text: str | None, *, required: bool) -> list[str] | None:
        if text is None or text == "":
            if required:
                raise _invalid("days", "The days field is required.")
            return None
        try:
            days = json.loads(text)
        except ValueError:
            days = [part.strip() for part in text.split(",")]
        if not isinstance(days, list) or not days or not all(isinstance(d, str) for d in days):
            raise _invalid("days", "The days must be an array of day names.")
        days = [day.strip().lower() for day in days]
        bad = [day for day in days if day not in WEEKDAYS]
        if bad:
            raise _invalid("days", f"The selected days are invalid: {', '.join(bad)} (use {', '.join(WEEKDAYS)}).")
        return list(dict.fromkeys(days))

    @staticmethod
    def _pacing(values: Mapping[str, str], name: str, *, required: bool, minimum: int) -> int | None:
        text = values.get(name, "").strip()
        if text == "":
            if required:
                raise _invalid(name, f"The {name} field is required.")
            return None
        if not text.isdigit() or len(text) > 11:
            raise _invalid(name, f"The {name} must be an integer of at most 11 digits.")
        number = int(text)
        if not minimum <= number <= PACING_LIMIT:
            raise _invalid(name, f"The {name} must be at least {minimum}.")
        return number

    @staticmethod
    def _date(values: Mapping[str, str], name: str, *, required: bool) -> date | None:
        text = values.get(name, "").strip()
        if not text:
            if required:
                raise _invalid(name, f"The {name} field is required.")
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise _invalid(name, f"The {name} does not match the format Y-m-d.") from None

    def _schedule_ref(self, text: str) -> Schedule:
        text = text.strip()
        for schedule in self.schedules.values():
            if (text.isdigit() and schedule.id == int(text)) or schedule.nickname == text:
                return schedule
        raise _invalid("schedule", "The selected schedule is invalid.")

    def _applied(self, text: str) -> list[Applied]:
        try:
            items = json.loads(text)
        except ValueError:
            raise _invalid("profiles", "The profiles must be a JSON array.") from None
        if not isinstance(items, list) or not items:
            raise _invalid("profiles", "The profiles field is required.")
        applied: list[Applied] = []
        for item in items:
            if not isinstance(item, Mapping) or not {"profile", "start_time", "end_time"} <= set(item):
                raise _invalid("profiles", "Each profile needs profile, start_time and end_time.")
            name = str(item["profile"])
            profile = next((p for p in self.profiles.values() if p.nickname == name or str(p.id) == name), None)
            if profile is None:
                raise _invalid("profiles", f"The selected profile {name} is invalid.")
            try:
                start = check_clock("start_time", str(item["start_time"]))
                end = check_clock("end_time", str(item["end_time"]))
            except RuleViolation as exc:
                raise _invalid("profiles", f"The {exc.field} must match the format H:i.") from None
            if end <= start:
                raise _invalid("profiles", "The end_time must be after the start_time.")
            applied.append(Applied(profile, start, end))
        return applied

    @staticmethod
    def _entries(values: Mapping[str, str], files: Mapping[str, bytes], *, required: bool) -> list[tuple[str, str]]:
        if "phone_numbers" in files:
            lines = files["phone_numbers"].decode("utf-8-sig", errors="replace").splitlines()
        elif values.get("phone_numbers", "").strip():
            try:
                lines = json.loads(values["phone_numbers"])
            except ValueError:
                raise _invalid("phone_numbers", "The phone numbers must be a JSON array or a file.") from None
            if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
                raise _invalid("phone_numbers", "The phone numbers must be a JSON array of strings.")
        elif required:
            raise _invalid("phone_numbers", "The phone numbers field is required.")
        else:
            return []
        entries: list[tuple[str, str]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            phone, _, reference = line.partition(",")
            try:
                rules.check_phone_number(phone.strip(), "phone_numbers")
            except RuleViolation as exc:
                raise _invalid("phone_numbers", f"Entry {number}: {exc.rule}") from None
            entries.append((phone.strip(), reference.strip()))
        return entries

    # -- answers --------------------------------------------------------------------------------

    def _users(self, schedule: Schedule | None = None, profile: Profile | None = None) -> list[int]:
        return sorted(c.id for c in self.campaigns.values()
                      if c.schedule is schedule or any(a.profile is profile for a in c.profiles))

    def schedules_api(self, method: str, ident: int | None, values: Mapping[str, str]) -> Answer:
        if ident is None and method == "GET":
            return 200, [{"schedule_id": s.id, "nickname": s.nickname, "days": s.days} for s in self.schedules.values()]
        if ident is None and method == "POST":
            days = self._days(values.get("days"), required=True)
            nickname = self._nickname(values, self.schedules)
            schedule = Schedule(self._next_id("schedules"), days or [], nickname)
            self.schedules[schedule.id] = schedule
            return 200, {"status": "success", "response": {"id": schedule.id, "nickname": nickname}}
        schedule = self.schedules.get(ident) if ident is not None else None
        if schedule is None:
            raise Failure(f"No query results for schedule id {ident}.", 404)
        if method in ("PATCH", "PUT"):
            days = self._days(values.get("days"), required=False)
            nickname = self._nickname(values, self.schedules, keys=("name", "nickname"), exclude=schedule.id)
            if days is not None:
                schedule.days = days
            if nickname is not None:
                schedule.nickname = nickname
            return 200, {"status": "success", "response": {"id": schedule.id, "days": json.dumps(schedule.days),
                                                           "nickname": schedule.nickname}}
        if method == "DELETE":
            users = self._users(schedule=schedule)
            if users:
                raise Failure(f"Schedule {schedule.nickname}(id {schedule.id}) is being used with campaign id {users[-1]}.")
            del self.schedules[schedule.id]
            return 200, {"status": "success"}
        raise Failure(f"{method} is not allowed here.", 405)

    def profiles_api(self, method: str, ident: int | None, values: Mapping[str, str]) -> Answer:
        if ident is None and method == "GET":
            return 200, [{"profile_id": p.id, "nickname": p.nickname, "period": p.period,
                          "amount_per_period": p.amount_per_period, "time_between_periods": p.time_between_periods}
                         for p in self.profiles.values()]
        if ident is None and method == "POST":
            period = self._pacing(values, "period", required=True, minimum=1)
            amount = self._pacing(values, "amount_per_period", required=True, minimum=1)
            rest = self._pacing(values, "time_between_periods", required=True, minimum=0)
            nickname = self._nickname(values, self.profiles)
            profile = Profile(self._next_id("profiles"), period or 1, amount or 1, rest or 0, nickname)
            self.profiles[profile.id] = profile
            return 200, {"status": "success", "response": {"id": profile.id, "nickname": nickname}}
        profile = self.profiles.get(ident) if ident is not None else None
        if profile is None:
            raise Failure(f"No query results for profile id {ident}.", 404)
        if method in ("PATCH", "PUT"):
            changes = {name: self._pacing(values, name, required=False, minimum=0 if name == "time_between_periods" else 1)
                       for name in ("period", "amount_per_period", "time_between_periods")}
            nickname = self._nickname(values, self.profiles, exclude=profile.id)
            for name, value in changes.items():
                if value is not None:
                    setattr(profile, name, value)
            if nickname is not None:
                profile.nickname = nickname
            return 200, {"status": "success", "response": {"id": profile.id, "nickname": profile.nickname}}
        if method == "DELETE":
            users = self._users(profile=profile)
            if users:
                raise Failure(f"Profile {profile.nickname}(id {profile.id}) is being used with campaign id {users[-1]}.")
            del self.profiles[profile.id]
            return 200, {"status": "success"}
        raise Failure(f"{method} is not allowed here.", 405)

    def _listing(self) -> list[dict[str, Any]]:
        return [
            {"campaign_id": c.id, "start_date": f"{c.start_date.isoformat()} 00:00:00",
             "end_date": f"{c.end_date.isoformat()} 00:00:00", "start_url": c.batch.start_url,
             "result_url": c.batch.result_url, "schedule_nickname": c.schedule_label,
             "profiles": [{"profile_id": a.profile.id, "nickname": a.profile.nickname, "start_time": a.start_time,
                           "end_time": a.end_time} for a in c.profiles]}
            for c in self.campaigns.values()
        ]

    def _add(self, campaign: Campaign, entries: list[tuple[str, str]]) -> None:
        for phone, reference in entries:
            self.platform.add_call(campaign.batch, phone, reference, "")

    def campaigns_api(self, method: str, action: str | None, values: Mapping[str, str],
                      files: Mapping[str, bytes]) -> Answer:
        if action is None and method == "GET":
            return 200, self._listing()
        if action is None and method == "POST":
            first = self._date(values, "start_date", required=True)
            last = self._date(values, "end_date", required=True)
            assert first is not None and last is not None
            if last < first:
                raise _invalid("end_date", "The end date must be a date after or equal to start date.")
            label = values.get("schedule") or values.get("schedule_id") or ""
            if not label:
                raise _invalid("schedule", "The schedule field is required.")
            schedule = self._schedule_ref(label)
            applied = self._applied(values.get("profiles", ""))
            start_url = self._url(values, "start_url", required=True)
            result_url = self._url(values, "result_url", required=False)
            entries = self._entries(values, files, required=False)
            ident = self._next_id("campaigns")
            batch = self.platform.new_batch("scheduler", f"scheduler campaign {ident}", start_url, result_url)
            campaign = Campaign(ident, first, last, schedule, label, applied, batch)
            batch.gate = lambda call, now: campaign.may_place(self.platform.clock.eastern(now))
            self.campaigns[ident] = campaign
            self._add(campaign, entries)
            return 200, {"status": "success", "response": {"id": ident}}
        if action in ("start", "stop", "add-calls") and method == "POST":
            campaign = self._campaign(values.get("campaign_id", ""))
            if action == "add-calls":
                self._add(campaign, self._entries(values, files, required=True))
            else:
                campaign.running = action == "start"
                with self.platform.lock:
                    self.platform.wake.notify_all()
            return 200, {"status": "success"}
        if action is None or not action.isdigit():
            if method in ("PATCH", "PUT") and not action:
                return 200, self._listing()  # documented: no id answers the list, changes nothing
            raise Failure("Not found.", 404)
        campaign = self.campaigns.get(int(action))
        if campaign is None:
            raise Failure(f"Campaign id {action} not found.", 404)
        if method in ("PATCH", "PUT"):
            first = self._date(values, "start_date", required=False) or campaign.start_date
            last = self._date(values, "end_date", required=False) or campaign.end_date
            if last < first:
                raise _invalid("end_date", "The end date must be a date after or equal to start date.")
            schedule = self._schedule_ref(values["schedule"]) if values.get("schedule") else campaign.schedule
            applied = self._applied(values["profiles"]) if values.get("profiles") else campaign.profiles
            start_url = self._url(values, "start_url", required=False) or campaign.batch.start_url
            result_url = self._url(values, "result_url", required=False) or campaign.batch.result_url
            campaign.start_date, campaign.end_date, campaign.schedule, campaign.profiles = first, last, schedule, applied
            if values.get("schedule"):
                campaign.schedule_label = values["schedule"]
            if (start_url, result_url) != (campaign.batch.start_url, campaign.batch.result_url):
                campaign.batch.start_url, campaign.batch.result_url = start_url, result_url
                campaign.batch.preflight = None
            return 200, {"status": "success", "response": {"id": campaign.id}}
        if method == "DELETE":
            self._delete(campaign)
            return 200, {"status": "success"}
        raise Failure(f"{method} is not allowed here.", 405)

    def _campaign(self, text: str) -> Campaign:
        if not text.strip().isdigit():
            raise _invalid("campaign_id", "The campaign id field is required.")
        campaign = self.campaigns.get(int(text))
        if campaign is None:
            raise Failure(f"Campaign id {int(text)} not found.")
        return campaign

    def _delete(self, campaign: Campaign) -> None:
        platform = self.platform
        with platform.lock:
            del self.campaigns[campaign.id]
            ids = {call.call_id for call in campaign.batch.calls}
            platform.open_calls = [call for call in platform.open_calls if call.call_id not in ids]
            for call_id in ids:
                if platform.calls[call_id].state in ("queued", "retry pending"):
                    del platform.calls[call_id]
            campaign.batch.calls = [call for call in campaign.batch.calls if call.call_id in platform.calls]
            if not campaign.batch.calls:
                platform.batches.pop(campaign.batch.id, None)

    @staticmethod
    def _url(values: Mapping[str, str], name: str, *, required: bool) -> str | None:
        value = values.get(name, "")
        if not value:
            if required:
                raise _invalid(name, f"The {name} field is required.")
            return None
        try:
            return rules.check_url(name, value)
        except RuleViolation:
            raise _invalid(name, f"The {name} format is invalid.") from None


def handle(api: SchedulerApi, method: str, path: str, authorization: str, values: Mapping[str, str],
           files: Mapping[str, bytes]) -> Answer:
    """Answer one scheduler request: ``path`` is what follows ``/api/``."""
    token = authorization[7:] if authorization.lower().startswith("bearer ") else ""
    if not token or not hmac.compare_digest(token.encode(), api.platform.settings.token.encode()):
        return 401, {"message": "Unauthenticated."}
    parts = [part for part in path.strip("/").split("/") if part]
    resource = parts[0] if parts else ""
    rest = parts[1] if len(parts) > 1 else None
    try:
        with api.platform.lock:
            if resource in ("schedules", "profiles"):
                if rest is not None and not rest.isdigit():
                    raise Failure("Not found.", 404)
                ident = int(rest) if rest is not None else None
                if resource == "schedules":
                    return api.schedules_api(method, ident, values)
                return api.profiles_api(method, ident, values)
            if resource == "campaigns":
                return api.campaigns_api(method, rest, values, files)
    except Invalid as exc:
        return 422, exc.errors
    except Failure as exc:
        return exc.status, {"status": "error", "error": str(exc)}
    return 404, {"message": "Not Found"}
