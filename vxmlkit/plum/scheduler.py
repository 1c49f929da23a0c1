"""Client for Plum's Call Scheduling and Pacing API: schedules, profiles, campaigns.

Requests follow the API reference: bearer token; creations, start, stop and add-calls as
multipart/form-data fields (lists such as ``days`` and ``profiles`` JSON-encoded, as in the
reference's curl examples); updates as PATCH (or PUT, a setting) with query parameters.
The documented error bodies become typed exceptions: ``{"nickname": ["The nickname has
already been taken."]}`` raises :class:`NicknameTakenError`, ``"... is being used with
campaign id N."`` raises :class:`InUseError` carrying N.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from vxmlkit.redaction import get_logger, redact
from vxmlkit.plum import rules
from vxmlkit.plum.errors import (
    CallListError,
    InUseError,
    NicknameTakenError,
    RuleViolation,
    SchedulerError,
    SchedulerValidationError,
)
from vxmlkit.plum.models import (
    CallSpec,
    Campaign,
    CampaignProfile,
    Profile,
    Schedule,
    check_date,
    check_days,
    check_nickname,
    check_pacing,
)
from vxmlkit.plum.transport import FilePart, HttpAnswer, TransportError, encode_multipart, send

DEFAULT_SCHEDULER_URL = "https://scheduler.plumvoice.com/api"
_IN_USE = re.compile(r"is being used with campaign id (\d+)", re.I)
_USER_AGENT = "vxmlkit-plum-scheduler"

SchedulerCall = CallSpec | str | tuple[object, ...] | list[object] | Mapping[str, object]
"""A scheduler call: a CallSpec or phone number, a (phone, message_reference) tuple, or a
mapping with phone_number and message_reference. The scheduler takes no call_parameters."""

logger = get_logger("vxmlkit.plum")


def scheduler_entry(item: SchedulerCall, index: int = 0) -> str:
    """One phone_numbers entry: ``tel:+1...;ani=...`` optionally followed by
    ``, message_reference`` (which must not contain a comma)."""
    where = f"phone_numbers[{index}]"
    phone: object
    reference: object
    parameters: object
    if isinstance(item, str):
        phone, reference, parameters = item, None, None
    elif isinstance(item, CallSpec):
        phone, reference, parameters = item.phone_number, item.message_reference, item.call_parameters
    elif isinstance(item, (tuple, list)) and 1 <= len(item) <= 2:
        phone, reference, parameters = item[0], (item[1] if len(item) == 2 else None), None
    elif isinstance(item, Mapping) and "phone_number" in item and set(item) <= {"phone_number", "message_reference"}:
        phone, reference, parameters = item["phone_number"], item.get("message_reference"), None
    else:
        raise RuleViolation(where, "must be a phone number, a (phone_number, message_reference) pair or a CallSpec")
    if parameters is not None:
        raise RuleViolation(f"{where}.call_parameters", "the scheduler takes no call_parameters")
    number = rules.check_phone_number(phone, f"{where}.phone_number")
    if reference is None or reference == "":
        return number
    text = rules.check_text(f"{where}.message_reference", reference)
    if "," in text:
        raise RuleViolation(f"{where}.message_reference", "must not contain a comma")
    return f"{number}, {text}"


def scheduler_entries(calls: Iterable[SchedulerCall]) -> list[str]:
    """Check every call and return the entries; all broken calls are reported together."""
    entries: list[str] = []
    problems: list[RuleViolation] = []
    for index, item in enumerate(calls):
        try:
            entries.append(scheduler_entry(item, index))
        except RuleViolation as violation:
            problems.append(violation)
    if problems:
        raise CallListError(problems)
    if not entries:
        raise RuleViolation("phone_numbers", "needs at least one call")
    return entries


def _id(field: str, value: object) -> int:
    return rules.check_int_range(field, value, (1, 2**63 - 1))


class SchedulerClient:
    """Client for the Call Scheduling and Pacing API (``<base_url>/schedules`` ...).

    ``base_url`` is the API's folder (``https://scheduler.plumvoice.com/api``) or its host
    (``https://scheduler.plumvoice.com``): both reach ``/api/schedules``.

    ``update_method`` is ``"PATCH"`` or ``"PUT"`` (the API treats both alike). The token never
    appears in reprs, logs or exception messages.
    """

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_SCHEDULER_URL,
        *,
        timeout: float = 30.0,
        update_method: str = "PATCH",
    ) -> None:
        self._token = rules.check_text("token", token, required=True, limit=4096)
        self.base_url = rules.service_root(rules.check_url("base_url", base_url, limit=2048), "api") + "/api"
        if update_method not in ("PATCH", "PUT"):
            raise RuleViolation("update_method", f"must be PATCH or PUT (got {update_method!r})")
        self.update_method = update_method
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise RuleViolation("timeout", f"must be a positive number of seconds (got {timeout!r})")
        self.timeout = float(timeout)

    def __repr__(self) -> str:
        return f"SchedulerClient(base_url={self.base_url!r}, update_method={self.update_method!r})"

    # -- schedules --------------------------------------------------------------------------

    def create_schedule(self, days: Sequence[str], nickname: str | None = None) -> Schedule:
        """Create a schedule (the days a campaign may call); return it with its id."""
        schedule = Schedule(days, nickname)  # type: ignore[arg-type]  # checked and made a tuple there
        fields = {"days": json.dumps(list(schedule.days))}
        if nickname is not None:
            fields["nickname"] = nickname
        answer = self._request("POST", "/schedules", fields=fields)
        response = _response_object(answer)
        return Schedule.from_api({"days": list(schedule.days), "nickname": nickname, **response})

    def list_schedules(self) -> list[Schedule]:
        """All schedules of the account."""
        return [Schedule.from_api(item) for item in _response_list(self._request("GET", "/schedules"))]

    def get_schedule(self, schedule_id: int) -> Schedule:
        """One schedule, found in the list (the API has no single-schedule read)."""
        wanted = _id("schedule_id", schedule_id)
        for schedule in self.list_schedules():
            if schedule.id == wanted:
                return schedule
        raise SchedulerError(f"no schedule with id {wanted}")

    def update_schedule(
        self, schedule_id: int, *, days: Sequence[str] | None = None, nickname: str | None = None
    ) -> Schedule:
        """Change a schedule's days and/or nickname; only the given values change."""
        wanted = _id("schedule_id", schedule_id)
        query: dict[str, str] = {}
        if days is not None:
            query["days"] = json.dumps(list(check_days(days)))
        if nickname is not None:
            check_nickname(nickname)
            # The reference names this query parameter "name" while every answer says
            # "nickname"; both are sent so that either reading of the API takes it.
            query["nickname"] = nickname
            query["name"] = nickname
        if not query:
            raise RuleViolation("update_schedule", "give days and/or nickname to change")
        answer = self._request(self.update_method, f"/schedules/{wanted}", query=query)
        return Schedule.from_api({"id": wanted, **_response_object(answer)})

    def delete_schedule(self, schedule_id: int) -> None:
        """Delete a schedule; raises InUseError while a campaign uses it."""
        self._request("DELETE", f"/schedules/{_id('schedule_id', schedule_id)}")

    # -- profiles ---------------------------------------------------------------------------

    def create_profile(
        self, period: int, amount_per_period: int, time_between_periods: int, nickname: str | None = None
    ) -> Profile:
        """Create a pacing profile (minutes and calls per period); return it with its id."""
        profile = Profile(period, amount_per_period, time_between_periods, nickname)
        fields = {
            "period": str(period),
            "amount_per_period": str(amount_per_period),
            "time_between_periods": str(time_between_periods),
        }
        if nickname is not None:
            fields["nickname"] = nickname
        response = _response_object(self._request("POST", "/profiles", fields=fields))
        return Profile.from_api(
            {
                "period": profile.period,
                "amount_per_period": profile.amount_per_period,
                "time_between_periods": profile.time_between_periods,
                **response,
                # The reference's sample answer repeats a schedule's nickname; keep ours.
                "nickname": nickname if nickname is not None else response.get("nickname"),
            }
        )

    def list_profiles(self) -> list[Profile]:
        """All profiles of the account (the list answer gives ids and nicknames)."""
        return [Profile.from_api(item) for item in _response_list(self._request("GET", "/profiles"))]

    def get_profile(self, profile_id: int) -> Profile:
        """One profile, found in the list."""
        wanted = _id("profile_id", profile_id)
        for profile in self.list_profiles():
            if profile.id == wanted:
                return profile
        raise SchedulerError(f"no profile with id {wanted}")

    def update_profile(
        self,
        profile_id: int,
        *,
        period: int | None = None,
        amount_per_period: int | None = None,
        time_between_periods: int | None = None,
        nickname: str | None = None,
    ) -> Profile:
        """Change some of a profile's values; only the given values change."""
        wanted = _id("profile_id", profile_id)
        query: dict[str, str] = {}
        for name, value, minimum in (
            ("period", period, 1),
            ("amount_per_period", amount_per_period, 1),
            ("time_between_periods", time_between_periods, 0),
        ):
            if value is not None:
                query[name] = str(check_pacing(name, value, minimum))
        if nickname is not None:
            query["nickname"] = check_nickname(nickname) or ""
        if not query:
            raise RuleViolation("update_profile", "give at least one value to change")
        answer = self._request(self.update_method, f"/profiles/{wanted}", query=query)
        return Profile.from_api({"id": wanted, **{k: int(v) for k, v in query.items() if k != "nickname"},
                                 **_response_object(answer)})

    def delete_profile(self, profile_id: int) -> None:
        """Delete a profile; raises InUseError while a campaign uses it."""
        self._request("DELETE", f"/profiles/{_id('profile_id', profile_id)}")

    # -- campaigns --------------------------------------------------------------------------

    def create_campaign(
        self,
        start_date: date | str,
        end_date: date | str,
        schedule: int | str,
        profiles: Sequence[CampaignProfile | Mapping[str, Any]],
        start_url: str,
        result_url: str | None = None,
        calls: Iterable[SchedulerCall] | None = None,
    ) -> Campaign:
        """Create a campaign; ``calls`` (optional) go up as its phone numbers file."""
        first, last = check_date("start_date", start_date), check_date("end_date", end_date)
        if last < first:
            raise RuleViolation("end_date", f"must not be before start_date ({first.isoformat()})")
        schedule_value = self._schedule_value(schedule)
        applied = self._profiles(profiles)
        fields: dict[str, str | FilePart] = {
            "start_date": first.isoformat(),
            "end_date": last.isoformat(),
            "schedule": schedule_value,
            "profiles": json.dumps([profile.to_api() for profile in applied]),
            "start_url": rules.check_url("start_url", start_url),
        }
        if isinstance(schedule, int):
            # The reference's curl example sends the id as schedule_id; its table says schedule.
            fields["schedule_id"] = schedule_value
        if result_url is not None:
            fields["result_url"] = rules.check_url("result_url", result_url)
        if calls is not None:
            entries = scheduler_entries(calls)
            fields["phone_numbers"] = FilePart("phone_numbers.csv", ("\n".join(entries) + "\n").encode("utf-8"))
        response = _response_object(self._request("POST", "/campaigns", fields=fields))
        return Campaign(
            id=_as_int(response.get("id")),
            start_date=first.isoformat(),
            end_date=last.isoformat(),
            start_url=start_url,
            result_url=result_url,
            schedule=schedule_value,
            profiles=tuple(applied),
        )

    def list_campaigns(self) -> list[Campaign]:
        """All campaigns of the account."""
        return [Campaign.from_api(item) for item in _response_list(self._request("GET", "/campaigns"))]

    def get_campaign(self, campaign_id: int) -> Campaign:
        """One campaign, found in the list."""
        wanted = _id("campaign_id", campaign_id)
        for campaign in self.list_campaigns():
            if campaign.id == wanted:
                return campaign
        raise SchedulerError(f"no campaign with id {wanted}")

    def update_campaign(
        self,
        campaign_id: int,
        *,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        start_url: str | None = None,
        result_url: str | None = None,
        profiles: Sequence[CampaignProfile | Mapping[str, Any]] | None = None,
        schedule: int | str | None = None,
    ) -> None:
        """Change a campaign. ``profiles`` replaces ALL of the campaign's profiles.

        Phone numbers cannot change here: use :meth:`add_calls`.
        """
        wanted = _id("campaign_id", campaign_id)
        query: dict[str, str] = {}
        first = check_date("start_date", start_date) if start_date is not None else None
        last = check_date("end_date", end_date) if end_date is not None else None
        if first and last and last < first:
            raise RuleViolation("end_date", f"must not be before start_date ({first.isoformat()})")
        if first:
            query["start_date"] = first.isoformat()
        if last:
            query["end_date"] = last.isoformat()
        if start_url is not None:
            query["start_url"] = rules.check_url("start_url", start_url)
        if result_url is not None:
            query["result_url"] = rules.check_url("result_url", result_url)
        if profiles is not None:
            query["profiles"] = json.dumps([profile.to_api() for profile in self._profiles(profiles)])
        if schedule is not None:
            query["schedule"] = self._schedule_value(schedule)
        if not query:
            raise RuleViolation("update_campaign", "give at least one value to change")
        self._request(self.update_method, f"/campaigns/{wanted}", query=query)

    def delete_campaign(self, campaign_id: int) -> None:
        """Delete a campaign (its schedule and profiles stay)."""
        self._request("DELETE", f"/campaigns/{_id('campaign_id', campaign_id)}")

    def start_campaign(self, campaign_id: int) -> None:
        """Start a campaign."""
        self._request("POST", "/campaigns/start", fields={"campaign_id": str(_id("campaign_id", campaign_id))})

    def stop_campaign(self, campaign_id: int) -> None:
        """Stop a running campaign."""
        self._request("POST", "/campaigns/stop", fields={"campaign_id": str(_id("campaign_id", campaign_id))})

    def add_calls(self, campaign_id: int, calls: Iterable[SchedulerCall], *, as_file: bool = False) -> int:
        """Append calls to a campaign (to the end of its queue if running); return their number.

        The calls go as a JSON list, or as a CSV file when ``as_file`` is true.
        """
        wanted = _id("campaign_id", campaign_id)
        entries = scheduler_entries(calls)
        phone_numbers: str | FilePart
        if as_file:
            phone_numbers = FilePart("phone_numbers.csv", ("\n".join(entries) + "\n").encode("utf-8"))
        else:
            phone_numbers = json.dumps(entries)
        self._request("POST", "/campaigns/add-calls", fields={"phone_numbers": phone_numbers,
                                                               "campaign_id": str(wanted)})
        return len(entries)

    # -- plumbing ---------------------------------------------------------------------------

    @staticmethod
    def _schedule_value(schedule: int | str) -> str:
        if isinstance(schedule, bool):
            raise RuleViolation("schedule", "must be a schedule id (int) or nickname (str)")
        if isinstance(schedule, int):
            return str(_id("schedule", schedule))
        return check_nickname(schedule, "schedule") or ""

    @staticmethod
    def _profiles(profiles: Sequence[CampaignProfile | Mapping[str, Any]]) -> list[CampaignProfile]:
        if isinstance(profiles, (str, Mapping)) or not profiles:
            raise RuleViolation("profiles", "needs a list of at least one profile")
        return [CampaignProfile.coerce(profile) for profile in profiles]

    def _redact(self, text: str) -> str:
        return redact(text, secrets=(self._token,))

    def _request(
        self, method: str, path: str, *, fields: Mapping[str, str | FilePart] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json", "User-Agent": _USER_AGENT}
        body = None
        if fields is not None:
            body, headers["Content-Type"] = encode_multipart(fields)
        try:
            answer = send(method, url, body=body, headers=headers, timeout=self.timeout)
        except TransportError as error:
            raise SchedulerError(f"scheduler: {self._redact(str(error))}") from None
        answer = HttpAnswer(answer.status, self._redact(answer.body), answer.headers)
        logger.debug("scheduler %s %s -> HTTP %d", method, path, answer.status)
        return _read_answer(method, path, answer)


def _as_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _field_errors(data: Mapping[str, Any]) -> dict[str, list[str]] | None:
    """Field errors in the forms {"field": ["msg"]}, {"errors": {...}} or {"error": {...}}."""
    candidate: Mapping[str, Any] = data
    for key in ("errors", "error"):
        if isinstance(data.get(key), Mapping):
            candidate = data[key]
    errors: dict[str, list[str]] = {}
    for key, value in candidate.items():
        if key in ("message", "status"):
            continue
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return None
        errors[str(key)] = list(value)
    return errors or None


def _read_answer(method: str, path: str, answer: HttpAnswer) -> Any:
    where = f"{method} {path}"
    try:
        data = json.loads(answer.body) if answer.body.strip() else None
    except ValueError:
        data = None
        if 200 <= answer.status < 300:
            raise SchedulerError(
                f"{where} answered something that is not JSON: {_excerpt(answer.body)}",
                status_code=answer.status,
                raw=answer.body,
            ) from None
    if isinstance(data, Mapping):
        status = str(data.get("status", "")).lower()
        errors = _field_errors(data) if status != "success" else None
        if errors is not None:
            taken = any("already been taken" in text for text in errors.get("nickname", []))
            error_class = NicknameTakenError if taken else SchedulerValidationError
            text = errors["nickname"][0] if taken else "; ".join(
                f"{key}: {message}" for key, messages in errors.items() for message in messages
            )
            raise error_class(text, errors, status_code=answer.status, raw=answer.body)
        if status == "error" or (status != "success" and not 200 <= answer.status < 300):
            message = data.get("error") or data.get("message")
            if isinstance(message, str):
                match = _IN_USE.search(message)
                if match:
                    raise InUseError(message, int(match.group(1)), status_code=answer.status, raw=answer.body)
                raise SchedulerError(message, status_code=answer.status, raw=answer.body)
        if status == "error":
            raise SchedulerError(
                f"{where} answered status 'error': {_excerpt(answer.body)}", status_code=answer.status, raw=answer.body
            )
    if not 200 <= answer.status < 300:
        detail = _excerpt(answer.body)
        raise SchedulerError(
            f"{where} answered HTTP {answer.status}" + (f": {detail}" if detail else ""),
            status_code=answer.status,
            raw=answer.body,
        )
    return data


def _response_object(data: Any) -> dict[str, Any]:
    if isinstance(data, Mapping) and isinstance(data.get("response"), Mapping):
        return dict(data["response"])
    return {}


def _response_list(data: Any) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping):
        data = data.get("response", data.get("data"))
    if not isinstance(data, list):
        raise SchedulerError(f"the scheduler answered a list request with {type(data).__name__}, not a list")
    return [item for item in data if isinstance(item, Mapping)]
