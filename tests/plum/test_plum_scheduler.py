"""SchedulerClient against a real local server speaking the Call Scheduling and Pacing API."""

from __future__ import annotations

import json
import logging
import traceback
from datetime import date

import pytest

from vxmlkit.plum import (
    CallListError,
    CallSpec,
    Campaign,
    CampaignProfile,
    InUseError,
    NicknameTakenError,
    Profile,
    RuleViolation,
    Schedule,
    SchedulerClient,
    SchedulerError,
    SchedulerValidationError,
)

TOKEN = "3cbde128-32b6-47aa-9e62-6353f8b06812"
START = "https://ivr.example.com/vxml/reminder/start"
RESULT = "https://ivr.example.com/vxml/reminder/result"
MORNING = [{"profile": "MorningPace", "start_time": "08:00", "end_time": "11:00"}]


@pytest.fixture
def scheduler(plum) -> SchedulerClient:
    return SchedulerClient(TOKEN, plum.base_url + "/api", timeout=5)


def _campaign(scheduler: SchedulerClient, **kwargs) -> Campaign:
    scheduler.create_schedule(["mon", "wed", "fri"], "3wkdays")
    scheduler.create_profile(30, 100, 10, "MorningPace")
    arguments = dict(start_date="2022-01-01", end_date="2022-01-05", schedule="3wkdays", profiles=MORNING,
                     start_url=START, result_url=RESULT)
    arguments.update(kwargs)
    return scheduler.create_campaign(**arguments)


# -- schedules ----------------------------------------------------------------------------------


def test_create_schedule_sends_the_bearer_token_and_form_fields(plum, scheduler) -> None:
    schedule = scheduler.create_schedule(["mon", "wed", "fri"], "3wkdays")
    assert schedule == Schedule(("mon", "wed", "fri"), "3wkdays", id=1)
    (seen,) = plum.requests
    assert seen.method == "POST" and seen.path == "/api/schedules"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["Content-Type"].startswith("multipart/form-data")
    assert seen.form == {"days": '["mon", "wed", "fri"]', "nickname": "3wkdays"}


def test_list_and_get_schedules(plum, scheduler) -> None:
    scheduler.create_schedule(["mon"], "mondays")
    scheduler.create_schedule(["sat", "sun"], "weekends")
    schedules = scheduler.list_schedules()
    assert [(s.id, s.nickname, s.days) for s in schedules] == [(1, "mondays", ("mon",)),
                                                               (2, "weekends", ("sat", "sun"))]
    assert scheduler.get_schedule(2).nickname == "weekends"
    with pytest.raises(SchedulerError, match="no schedule with id 9"):
        scheduler.get_schedule(9)


def test_update_schedule_uses_patch_with_query_parameters(plum, scheduler) -> None:
    scheduler.create_schedule(["mon", "wed", "fri"], "3wkdays")
    updated = scheduler.update_schedule(1, days=["mon", "wed"], nickname="MonWedOnly")
    assert updated.days == ("mon", "wed") and updated.nickname == "MonWedOnly" and updated.id == 1
    seen = plum.requests[-1]
    assert seen.method == "PATCH" and seen.path == "/api/schedules/1" and seen.body == b""
    assert json.loads(seen.query["days"][0]) == ["mon", "wed"]
    assert seen.query["nickname"] == ["MonWedOnly"] and seen.query["name"] == ["MonWedOnly"]


def test_update_method_put_is_a_setting(plum) -> None:
    client = SchedulerClient(TOKEN, plum.base_url + "/api", update_method="PUT")
    client.create_schedule(["mon"])
    client.update_schedule(1, days=["tue"])
    assert plum.requests[-1].method == "PUT"


def test_taken_nickname_raises_typed_error_with_the_message(plum, scheduler) -> None:
    scheduler.create_schedule(["mon"], "3wkdays")
    with pytest.raises(NicknameTakenError) as caught:
        scheduler.create_schedule(["tue"], "3wkdays")
    assert str(caught.value) == "The nickname has already been taken."
    assert caught.value.field_errors == {"nickname": ["The nickname has already been taken."]}
    assert caught.value.status_code == 422
    assert isinstance(caught.value, SchedulerValidationError)


def test_delete_schedule_in_use_raises_in_use_error_with_the_campaign_id(plum, scheduler) -> None:
    created = _campaign(scheduler)
    with pytest.raises(InUseError) as caught:
        scheduler.delete_schedule(1)
    assert caught.value.campaign_id == created.id == 3
    assert str(caught.value) == "Schedule 3wkdays(id 1) is being used with campaign id 3."
    assert plum.requests[-1].method == "DELETE" and plum.requests[-1].path == "/api/schedules/1"
    scheduler.delete_campaign(3)
    scheduler.delete_schedule(1)
    assert scheduler.list_schedules() == []


@pytest.mark.parametrize(
    "days, nickname, rule",
    [
        ([], None, "at least one day"),
        (["monday"], None, "unknown day"),
        (["mon", "mon"], None, "twice"),
        ("mon", None, "list"),
        (["mon"], "n" * 65, "at most 64"),
        (["mon"], "", "must not be empty"),
    ],
)
def test_schedule_rules_are_checked_before_sending(plum, scheduler, days, nickname, rule) -> None:
    with pytest.raises(RuleViolation, match=rule):
        scheduler.create_schedule(days, nickname)
    assert plum.requests == []


# -- profiles -----------------------------------------------------------------------------------


def test_profiles_create_list_update_delete(plum, scheduler) -> None:
    profile = scheduler.create_profile(30, 100, 10, "MorningPace")
    assert profile == Profile(30, 100, 10, "MorningPace", id=1)
    assert plum.requests[0].form == {"period": "30", "amount_per_period": "100", "time_between_periods": "10",
                                     "nickname": "MorningPace"}
    assert [(p.id, p.nickname) for p in scheduler.list_profiles()] == [(1, "MorningPace")]
    updated = scheduler.update_profile(1, period=31, amount_per_period=101, time_between_periods=11,
                                       nickname="30-100-10")
    assert (updated.id, updated.nickname, updated.period) == (1, "30-100-10", 31)
    seen = plum.requests[-1]
    assert seen.method == "PATCH" and seen.path == "/api/profiles/1"
    assert {key: value[0] for key, value in seen.query.items()} == {
        "period": "31", "amount_per_period": "101", "time_between_periods": "11", "nickname": "30-100-10"}
    scheduler.delete_profile(1)
    assert scheduler.list_profiles() == []


def test_profile_nickname_taken(plum, scheduler) -> None:
    scheduler.create_profile(30, 100, 10, "MorningPace")
    with pytest.raises(NicknameTakenError, match="already been taken"):
        scheduler.create_profile(10, 10, 0, "MorningPace")


def test_delete_profile_in_use(plum, scheduler) -> None:
    _campaign(scheduler)
    with pytest.raises(InUseError) as caught:
        scheduler.delete_profile(2)
    assert caught.value.campaign_id == 3
    assert caught.value.message == "Profile MorningPace(id 2) is being used with campaign id 3."


@pytest.mark.parametrize(
    "args, field",
    [
        ((0, 100, 10), "period"),
        ((30, 0, 10), "amount_per_period"),
        ((30, 100, -1), "time_between_periods"),
        ((30, 100, 10**11), "time_between_periods"),
        (("30", 100, 10), "period"),
    ],
)
def test_profile_rules_are_checked_before_sending(plum, scheduler, args, field) -> None:
    with pytest.raises(RuleViolation) as caught:
        scheduler.create_profile(*args)
    assert caught.value.field == field
    assert plum.requests == []


# -- campaigns ----------------------------------------------------------------------------------


def test_create_campaign_sends_the_documented_fields_and_phone_file(plum, scheduler) -> None:
    created = _campaign(
        scheduler,
        start_date=date(2022, 1, 1),
        calls=["tel:+12223334444; ani=7778889999", ("tel:+14443332222;ani=9998887777", "marchcampaign"),
               CallSpec("16175551234", "r3")],
    )
    assert created.id == 3
    assert created.profiles == (CampaignProfile("MorningPace", "08:00", "11:00"),)
    seen = plum.requests[-1]
    assert seen.path == "/api/campaigns" and seen.method == "POST"
    assert seen.form == {
        "start_date": "2022-01-01",
        "end_date": "2022-01-05",
        "schedule": "3wkdays",
        "profiles": json.dumps(MORNING),
        "start_url": START,
        "result_url": RESULT,
    }
    filename, content, _ = seen.files["phone_numbers"]
    assert filename == "phone_numbers.csv"
    assert content.decode().splitlines() == [
        "tel:+12223334444; ani=7778889999",
        "tel:+14443332222;ani=9998887777, marchcampaign",
        "16175551234, r3",
    ]


def test_a_schedule_id_is_also_sent_as_schedule_id(plum, scheduler) -> None:
    _campaign(scheduler, schedule=1)
    form = plum.requests[-1].form
    assert form["schedule"] == "1" and form["schedule_id"] == "1"


def test_list_get_update_start_stop_delete_campaign(plum, scheduler) -> None:
    _campaign(scheduler)
    (listed,) = scheduler.list_campaigns()
    assert listed.id == 3 and listed.schedule == "3wkdays" and listed.start_date == "2022-01-01 00:00:00"
    assert listed.profiles[0].profile == "MorningPace" and listed.profiles[0].profile_id == 2
    assert scheduler.get_campaign(3) == listed
    scheduler.update_campaign(3, schedule=1, start_date="2022-04-15", end_date="2022-04-30",
                              profiles=[CampaignProfile("MorningPace", "08:00", "23:00")])
    seen = plum.requests[-1]
    assert seen.method == "PATCH" and seen.path == "/api/campaigns/3"
    assert seen.query["schedule"] == ["1"] and seen.query["start_date"] == ["2022-04-15"]
    assert json.loads(seen.query["profiles"][0]) == [{"profile": "MorningPace", "start_time": "08:00",
                                                      "end_time": "23:00"}]
    scheduler.start_campaign(3)
    assert plum.requests[-1].path == "/api/campaigns/start" and plum.requests[-1].form == {"campaign_id": "3"}
    assert plum.campaigns[3]["running"] is True
    scheduler.stop_campaign(3)
    assert plum.requests[-1].path == "/api/campaigns/stop"
    assert plum.campaigns[3]["running"] is False
    scheduler.delete_campaign(3)
    assert plum.requests[-1].method == "DELETE" and scheduler.list_campaigns() == []


def test_add_calls_as_a_json_list(plum, scheduler) -> None:
    _campaign(scheduler)
    count = scheduler.add_calls(3, ["tel:+12223334444;ani=7778889999",
                                    {"phone_number": "tel:+14443332222;ani=9998887777", "message_reference": "m2"}])
    assert count == 2
    seen = plum.requests[-1]
    assert seen.path == "/api/campaigns/add-calls" and seen.form["campaign_id"] == "3"
    assert json.loads(seen.form["phone_numbers"]) == ["tel:+12223334444;ani=7778889999",
                                                      "tel:+14443332222;ani=9998887777, m2"]
    assert plum.campaigns[3]["calls"][-1] == "tel:+14443332222;ani=9998887777, m2"


def test_add_calls_as_a_csv_file(plum, scheduler) -> None:
    _campaign(scheduler)
    scheduler.add_calls(3, [("16175551234", "a1"), "16175551235"], as_file=True)
    _, content, content_type = plum.requests[-1].files["phone_numbers"]
    assert content == b"16175551234, a1\n16175551235\n" and content_type == "text/csv"


def test_add_calls_to_an_unknown_campaign_raises_with_the_message(plum, scheduler) -> None:
    with pytest.raises(SchedulerError, match="Campaign id 9 not found."):
        scheduler.add_calls(9, ["16175551234"])


@pytest.mark.parametrize(
    "calls, field, rule",
    [
        ([("16175551234", "a,b")], "phone_numbers[0].message_reference", "comma"),
        (["16175551234", "6175551234"], "phone_numbers[1].phone_number", "before the area code"),
        ([CallSpec("16175551234", None, "x=1")], "phone_numbers[0].call_parameters", "no call_parameters"),
        ([{"phone": "16175551234"}], "phone_numbers[0]", "phone number"),
    ],
)
def test_add_calls_rules_are_checked_before_sending(plum, scheduler, calls, field, rule) -> None:
    with pytest.raises(CallListError) as caught:
        scheduler.add_calls(3, calls)
    (violation,) = caught.value.violations
    assert violation.field == field and rule in violation.rule
    assert plum.requests == []


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"start_date": "01/01/2022"}, "start_date"),
        ({"end_date": "2021-12-31"}, "end_date"),
        ({"profiles": []}, "profiles"),
        ({"profiles": [{"profile": "MorningPace", "start_time": "8am", "end_time": "11:00"}]}, "profiles.start_time"),
        ({"profiles": [{"profile": "MorningPace", "start_time": "11:00", "end_time": "08:00"}]}, "profiles.end_time"),
        ({"profiles": [{"profile": "MorningPace"}]}, "profiles"),
        ({"schedule": "s" * 65}, "schedule"),
        ({"start_url": "start.php"}, "start_url"),
        ({"calls": ["12"]}, "phone_numbers[0].phone_number"),
    ],
)
def test_campaign_rules_are_checked_before_sending(plum, scheduler, kwargs, field) -> None:
    arguments = dict(start_date="2022-01-01", end_date="2022-01-05", schedule="3wkdays", profiles=MORNING,
                     start_url=START)
    arguments.update(kwargs)
    with pytest.raises(ValueError) as caught:
        scheduler.create_campaign(**arguments)
    error = caught.value
    fields = [v.field for v in error.violations] if isinstance(error, CallListError) else [error.field]
    assert fields == [field]
    assert plum.requests == []


# -- errors, auth, secrecy ------------------------------------------------------------------------


def test_a_wrong_token_raises_with_the_status(plum) -> None:
    client = SchedulerClient("not-the-token", plum.base_url + "/api")
    with pytest.raises(SchedulerError) as caught:
        client.list_schedules()
    assert caught.value.status_code == 401
    assert str(caught.value) == "Unauthenticated."


@pytest.mark.parametrize(
    "status, body, error_class, expected",
    [
        (500, "<html>Server Error</html>", SchedulerError, "HTTP 500"),
        (200, "not json", SchedulerError, "not JSON"),
        (200, '{"status": "error", "error": "Schedule x(id 4) is being used with campaign id 12."}', InUseError, "12"),
        (400, '{"status": "error", "error": "Schedule x(id 4) is being used with campaign id 12."}', InUseError, "12"),
        (422, '{"message": "The given data was invalid.", "errors": {"days": ["The days field is required."]}}',
         SchedulerValidationError, "days: The days field is required."),
        (200, '{"status": "error"}', SchedulerError, "status 'error'"),
    ],
)
def test_error_bodies_become_typed_exceptions(plum, scheduler, status, body, error_class, expected) -> None:
    plum.answer("/api/schedules/4", status, body, content_type="application/json")
    with pytest.raises(error_class, match=expected) as caught:
        scheduler.delete_schedule(4)
    assert caught.value.raw == body and caught.value.status_code == status
    if error_class is InUseError:
        assert caught.value.campaign_id == 12


def test_a_list_answer_that_is_not_a_list_raises(plum, scheduler) -> None:
    plum.answer("/api/campaigns", body='{"status": "success"}', content_type="application/json")
    with pytest.raises(SchedulerError, match="not a list"):
        scheduler.list_campaigns()


def test_a_timeout_raises_scheduler_error(plum) -> None:
    plum.answer("/api/schedules", body="[]", delay=5)
    client = SchedulerClient(TOKEN, plum.base_url + "/api", timeout=0.2)
    with pytest.raises(SchedulerError, match="no answer within 0.2 s"):
        client.list_schedules()


def test_the_token_stays_out_of_reprs_logs_and_errors(plum, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client = SchedulerClient(TOKEN, plum.base_url + "/api")
    assert TOKEN not in repr(client)
    plum.answer("/api/schedules", 500, f"token {TOKEN} refused")
    with pytest.raises(SchedulerError) as caught:
        client.list_schedules()
    rendered = "".join(traceback.format_exception(caught.value)) + caught.value.raw
    assert TOKEN not in rendered and "***" in rendered
    assert TOKEN not in caplog.text
