"""The emulator's outbound, scheduler and SMS APIs, spoken to over HTTP without vxmlkit's
clients (which would refuse the broken values first): every documented rule answers the
error a client meets."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
from lxml import etree

from vxmlkit.emulator.clock import EASTERN
from vxmlkit.plum import CampaignProfile, SchedulerClient
from vxmlkit.plum.transport import FilePart, encode_multipart
from vxmlkit.sms.gateways.plum import PlumSmsGateway
from vxmlkit.sms.models import SmsMessage

from .conftest import LOGIN, PIN, TOKEN, wait_until

START = "http://127.0.0.1:9/start"


def _post(url: str, fields: dict, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=urlencode(fields).encode(), headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _queuecall(emulator, **fields) -> etree._Element:
    form = {"login": LOGIN, "pin": PIN, "phone_number": "16175551234", "start_url": START, **fields}
    form = {key: value for key, value in form.items() if value is not None}
    status, body = _post(emulator.base_url + "/webservice/queuecall.php", form)
    assert status == 200
    return etree.fromstring(body.encode())


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"pin": "00000000"}, "invalid login or pin"),
        ({"login": None}, "login and pin are required"),
        ({"phone_number": None}, "phone_number: is required"),
        ({"phone_number": "6175551234"}, "put 1 before the area code"),
        ({"phone_number": "tel:+16175551234;ani=16175550000"}, "10-digit caller id"),
        ({"start_url": None}, "start_url: is required"),
        ({"start_url": "ftp://example.com/x"}, "http:// or https://"),
        ({"result_url": "http://example.com/" + "r" * 250}, "result_url: must be at most 255"),
        ({"message_reference": "m" * 256}, "message_reference: must be at most 255"),
        ({"call_parameters": "p" * 256}, "call_parameters: must be at most 255"),
        ({"max_retries": "11"}, "max_retries: must be an integer from 0 to 10"),
        ({"max_retry": "-1"}, "max_retry: must be an integer from 0 to 10"),
        ({"max_retries": "2", "max_retry": "3"}, "disagree"),
        ({"retry_interval": "59"}, "retry_interval: must be an integer from 60 to 172800 seconds"),
        ({"retry_interval": "soon"}, "retry_interval: must be an integer"),
        ({"scheduled_time": "x" * 81}, "scheduled_time: must be at most 80 characters"),
        ({"expiration_time": "whenever you like"}, "expiration_time: cannot read"),
        ({"scheduled_timestamp": "12:00"}, "scheduled_timestamp: must be a UNIX time"),
    ],
)
def test_queuecall_rules_answer_failed_with_the_rule(start_emulator, fields, error) -> None:
    emulator = start_emulator(dial=False)
    root = _queuecall(emulator, **fields)
    assert root.tag == "queuecall" and root.get("status") == "failed"
    assert error in root.findtext("error")
    assert emulator.platform.calls == {}


def test_queuecall_reads_the_retry_field_under_either_name_and_natural_times(start_emulator) -> None:
    emulator = start_emulator(dial=False, start=datetime(2026, 12, 1, 9, 0, tzinfo=EASTERN).timestamp())
    root = _queuecall(emulator, max_retry="4", retry_interval="120", scheduled_time="tomorrow 9:30am",
                      expiration_time="oct 14th, 2031 11:05PM EST")
    assert root.get("status") == "queued" and root.findtext("max_retry") == "4"
    call = emulator.platform.calls[root.get("call_id")]
    assert (call.max_retries, call.retry_interval) == (4, 120)
    assert datetime.fromtimestamp(call.due, EASTERN).strftime("%Y-%m-%d %H:%M") == "2026-12-02 09:30"
    assert call.expires == datetime(2031, 10, 15, 4, 5, tzinfo=timezone.utc).timestamp()
    other = _queuecall(emulator, max_retries="0", scheduled_timestamp="1323248400", expiration_time="+3 days")
    call = emulator.platform.calls[other.get("call_id")]
    assert call.max_retries == 0 and call.due == 1323248400
    assert call.expires is not None and abs(call.expires - (emulator.clock.now() + 3 * 86400)) < 3600


def _queuecalls(emulator, phone_list: bytes | None, **fields) -> etree._Element:
    form = {"login": LOGIN, "pin": PIN, "campaign_name": "c1", "start_url": START, **fields}
    if phone_list is not None:
        form["phone_list"] = FilePart("phone_list.csv", phone_list)
    body, content_type = encode_multipart(form)
    request = urllib.request.Request(emulator.base_url + "/webservice/queuecalls.php", data=body,
                                     headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        return etree.fromstring(answer.read())


def test_queuecalls_refuses_bad_lists_and_a_used_name(start_emulator) -> None:
    emulator = start_emulator(dial=False)
    root = _queuecalls(emulator, None)
    assert root.get("status") == "failed" and "phone_list" in root.findtext("error")
    root = _queuecalls(emulator, b"16175551234\n6175551235,r2\n16175551236,r3,a=1,extra\n")
    assert root.get("status") == "failed"
    assert "line 2:" in root.findtext("error") and "line 3:" in root.findtext("error")
    root = _queuecalls(emulator, b"\xef\xbb\xbf16175551234\n\n16175551235,r2,\"a=1,b=2\"\n",
                       campaign_parameters="batch=7")
    assert (root.get("status"), root.get("calls")) == ("queued", "2")
    calls = emulator.platform.batches[int(root.get("campaign_id"))].calls
    assert [(c.phone_number, c.message_reference, c.call_parameters) for c in calls] == [
        ("16175551234", "", ""), ("16175551235", "r2", "a=1,b=2")]
    again = _queuecalls(emulator, b"16175551234\n")
    assert again.get("status") == "failed" and "already used" in again.findtext("error")


# -- scheduler ----------------------------------------------------------------------------------


def _scheduler(emulator) -> SchedulerClient:
    return SchedulerClient(TOKEN, emulator.base_url + "/api", timeout=5)


def _api(emulator, method: str, path: str, fields: dict | None = None) -> tuple[int, object]:
    data = None
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if fields is not None:
        data, headers["Content-Type"] = encode_multipart(fields)
    request = urllib.request.Request(emulator.base_url + "/api" + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_scheduler_field_errors_have_the_documented_shape(start_emulator) -> None:
    emulator = start_emulator(dial=False)
    assert _api(emulator, "POST", "/schedules", {"nickname": "x"}) == (422, {"days": ["The days field is required."]})
    status, body = _api(emulator, "POST", "/schedules", {"days": '["mon", "funday"]'})
    assert status == 422 and "funday" in body["days"][0]
    assert _api(emulator, "POST", "/profiles", {"period": "30", "amount_per_period": "x", "time_between_periods": "0"})[0] == 422
    _api(emulator, "POST", "/schedules", {"days": '["mon"]', "nickname": "s"})
    _api(emulator, "POST", "/profiles", {"period": "30", "amount_per_period": "5", "time_between_periods": "0",
                                         "nickname": "p"})
    base = {"start_date": "2026-12-01", "end_date": "2026-12-31", "schedule": "s", "start_url": START,
            "profiles": json.dumps([{"profile": "p", "start_time": "08:00", "end_time": "11:00"}])}
    assert _api(emulator, "POST", "/campaigns", {**base, "schedule": "nope"}) == (
        422, {"schedule": ["The selected schedule is invalid."]})
    status, body = _api(emulator, "POST", "/campaigns",
                        {**base, "profiles": json.dumps([{"profile": "q", "start_time": "08:00", "end_time": "11:00"}])})
    assert status == 422 and body == {"profiles": ["The selected profile q is invalid."]}
    assert _api(emulator, "POST", "/campaigns", {**base, "end_date": "2026-11-01"})[0] == 422
    status, body = _api(emulator, "POST", "/campaigns",
                        {**base, "phone_numbers": FilePart("n.csv", b"16175551234, r1\n6175551235\n")})
    assert status == 422 and "Entry 2" in body["phone_numbers"][0]
    assert _api(emulator, "POST", "/campaigns/start", {"campaign_id": "42"}) == (
        200, {"status": "error", "error": "Campaign id 42 not found."})
    request = urllib.request.Request(emulator.base_url + "/api/schedules", headers={"Authorization": "Bearer wrong"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 401 and json.load(caught.value) == {"message": "Unauthenticated."}


def _eastern(*args: int) -> float:
    return datetime(*args, tzinfo=EASTERN).timestamp()


def test_campaign_calls_keep_to_days_windows_and_pacing(start_emulator) -> None:
    # Tuesday 1 December 2026, 07:59 Eastern; a profile of 2 calls per 10 minutes, then 5 minutes of rest
    emulator = start_emulator(dial=False, start=_eastern(2026, 12, 1, 7, 59))
    client = _scheduler(emulator)
    client.create_schedule(["tue", "thu"], "tue-thu")
    client.create_profile(10, 2, 5, "two-per-ten")
    campaign = client.create_campaign("2026-12-01", "2026-12-03", "tue-thu",
                                      [CampaignProfile("two-per-ten", "08:00", "09:00")], START,
                                      calls=[f"1617555{n:04d}" for n in range(6)])
    gate_campaign = emulator.scheduler.campaigns[campaign.id]
    batch = gate_campaign.batch
    call = batch.calls[0]

    def allowed_at(*moment: int) -> bool:
        return bool(batch.gate(call, _eastern(*moment)))

    assert not allowed_at(2026, 12, 1, 8, 0)  # not started yet
    client.start_campaign(campaign.id)
    assert not allowed_at(2026, 12, 1, 7, 59)  # before the window
    assert allowed_at(2026, 12, 1, 8, 0) and allowed_at(2026, 12, 1, 8, 9)
    assert not allowed_at(2026, 12, 1, 8, 9, 30)  # 2 calls in the first period already
    assert not allowed_at(2026, 12, 1, 8, 12)  # resting
    assert allowed_at(2026, 12, 1, 8, 15) and allowed_at(2026, 12, 1, 8, 24) and not allowed_at(2026, 12, 1, 8, 24)
    assert not allowed_at(2026, 12, 1, 9, 0)  # the window has closed
    assert not allowed_at(2026, 12, 2, 8, 0)  # Wednesday is not on the schedule
    assert allowed_at(2026, 12, 3, 8, 0)  # Thursday is
    assert not allowed_at(2026, 12, 8, 8, 0)  # past the end date
    client.stop_campaign(campaign.id)
    assert not allowed_at(2026, 12, 3, 8, 30)


def test_a_started_campaign_dials_at_most_amount_per_period(start_emulator, voice_app) -> None:
    # 08:00 Eastern on a Tuesday at 60x: 3 calls per 10-minute period, 5 numbers
    emulator = start_emulator(speed=60, start=_eastern(2026, 12, 1, 8, 0))
    client = _scheduler(emulator)
    client.create_schedule(["tue"], "tuesdays")
    client.create_profile(10, 3, 50, "three")
    campaign = client.create_campaign("2026-12-01", "2026-12-01", "tuesdays", [CampaignProfile("three", "08:00", "17:00")],
                                      voice_app.base_url + "/start", voice_app.base_url + "/result",
                                      calls=[(f"1617555{n:04d}", f"r{n}") for n in range(5)])
    client.start_campaign(campaign.id)
    assert wait_until(lambda: len(voice_app.seen("POST", "/result")) == 3)
    states = sorted(call.state for call in emulator.scheduler.campaigns[campaign.id].batch.calls)
    assert states == ["completed", "completed", "completed", "queued", "queued"]
    references = {s.form["message_reference"] for s in voice_app.seen("POST", "/start")}
    assert references == {"r0", "r1", "r2"}


# -- SMS ------------------------------------------------------------------------------------------


def test_sms_delivery_reports_follow_the_callee_rules(start_emulator, voice_app) -> None:
    rules = "- {pattern: '12223450001', sms: undelivered}\n- {pattern: '12223450002', sms: failed}\n"
    emulator = start_emulator(rules)
    gateway = PlumSmsGateway(LOGIN, PIN, emulator.base_url, sender="+16175550000",
                             result_url=voice_app.base_url + "/sms-report", timeout=5)
    ids = {to: gateway.send(SmsMessage(to=f"+{to}", text="Your receipt")).id
           for to in ("12223459789", "12223450001", "12223450002")}
    assert wait_until(lambda: len(voice_app.seen("POST", "/sms-report")) == 5)
    reports: dict[str, list[str]] = {}
    for seen in voice_app.seen("POST", "/sms-report"):
        reports.setdefault(seen.form["sms_message_id"], []).append(gateway.parse_delivery_report(seen.form).status)
    assert reports == {ids["12223459789"]: ["sent", "delivered"], ids["12223450001"]: ["sent", "undelivered"],
                       ids["12223450002"]: ["failed"]}


def test_sms_queue_xml_and_auth(start_emulator) -> None:
    emulator = start_emulator(dial=False, sms_numbers=("16175550000",))
    token = base64.b64encode(f"{LOGIN}:{PIN}".encode()).decode()
    fields = {"to": "12223459789", "from": "16175550000", "body": "hi"}
    status, body = _post(emulator.base_url + "/ws/sms/queue.xml", fields, {"Authorization": f"Basic {token}"})
    root = etree.fromstring(body.encode())
    assert status == 200 and root.findtext("status") == "success"
    assert root.find("result/sms_messages/sms_message/sms_message_id").text == "sms-1"
    status, body = _post(emulator.base_url + "/ws/sms/queue.json", {**fields, "from": "16175559999"},
                         {"Authorization": f"Basic {token}"})
    assert status == 200 and "not an SMS-enabled number" in json.loads(body)["error"]
    status, body = _post(emulator.base_url + "/ws/sms/queue.json", fields)
    assert status == 401 and json.loads(body) == {"status": "failure", "error": "Authentication required", "result": None}
