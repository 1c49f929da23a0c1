"""OutboundClient against a real local server speaking queuecall.php / queuecalls.php."""

from __future__ import annotations

import csv
import io
import logging
import pickle
import traceback
from datetime import datetime, timedelta, timezone

import pytest

from vxmlkit.plum import CallListError, CallSpec, OutboundClient, OutboundError, QueuedCall, RuleViolation

LOGIN = "acme-outbound"
PIN = "98765432"
START = "https://ivr.example.com/vxml/reminder/start?t=abc"
RESULT = "https://ivr.example.com/vxml/reminder/result?t=abc"


@pytest.fixture
def client(plum) -> OutboundClient:
    return OutboundClient(LOGIN, PIN, plum.base_url, timeout=5)


# -- queue_call: success and request shape ----------------------------------------------------


def test_queue_call_posts_the_documented_form_and_reads_the_call_id(plum, client) -> None:
    queued = client.queue_call("tel:+16175551234;ani=6175550000", START, RESULT, message_reference="inv-42",
                               call_parameters={"amount": "42.10", "name": "Ann & Bob"}, max_retries=2,
                               retry_interval=600, scheduled=1323248400, expires=1323249000)
    assert isinstance(queued, QueuedCall)
    assert queued.call_id == "112850593"
    assert queued.status == "queued"
    (seen,) = plum.requests
    assert seen.method == "POST"
    assert seen.path == "/webservice/queuecall.php"
    assert seen.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert seen.form == {
        "login": LOGIN,
        "pin": PIN,
        "phone_number": "tel:+16175551234;ani=6175550000",
        "start_url": START,
        "result_url": RESULT,
        "message_reference": "inv-42",
        "call_parameters": "amount=42.10&name=Ann+%26+Bob",
        "max_retries": "2",
        "retry_interval": "600",
        "scheduled_timestamp": "1323248400",
        "expiration_timestamp": "1323249000",
    }


def test_only_given_optional_fields_are_sent(plum, client) -> None:
    client.queue_call("+16175551234", START)
    assert set(plum.requests[0].form) == {"login", "pin", "phone_number", "start_url"}


def test_retry_field_name_is_a_setting(plum) -> None:
    client = OutboundClient(LOGIN, PIN, plum.base_url, retry_field="max_retry")
    client.queue_call("16175551234", START, max_retries=3)
    form = plum.requests[0].form
    assert form["max_retry"] == "3"
    assert "max_retries" not in form


def test_natural_times_go_as_scheduled_time_and_expiration_time(plum, client) -> None:
    client.queue_call("16175551234", START, scheduled="+1 hour", expires="oct 14th, 2031 11:05PM EST")
    form = plum.requests[0].form
    assert form["scheduled_time"] == "+1 hour"
    assert form["expiration_time"] == "oct 14th, 2031 11:05PM EST"
    assert "scheduled_timestamp" not in form and "expiration_timestamp" not in form


def test_aware_datetimes_become_unix_timestamps(plum, client) -> None:
    start = datetime(2011, 12, 7, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
    client.queue_call("16175551234", START, scheduled=start, expires=start + timedelta(minutes=10))
    form = plum.requests[0].form
    assert form["scheduled_timestamp"] == "1323266400"
    assert form["expiration_timestamp"] == "1323267000"


def test_string_call_parameters_are_sent_unchanged(plum, client) -> None:
    client.queue_call("16175551234", START, call_parameters="a=1|b=2")
    assert plum.requests[0].form["call_parameters"] == "a=1|b=2"


def test_the_answer_is_kept_raw_with_the_credentials_redacted(plum, client) -> None:
    queued = client.queue_call("16175551234", START)
    assert "<queuecall" in queued.raw and "<phone_number>16175551234</phone_number>" in queued.raw
    assert PIN not in queued.raw and LOGIN not in queued.raw
    assert "<pin>***</pin>" in queued.raw


def test_call_id_may_come_as_a_child_element(plum, client) -> None:
    plum.answer("/webservice/queuecall.php", body='<queuecall status="queued"><call_id> 991 </call_id></queuecall>')
    assert client.queue_call("16175551234", START).call_id == "991"


def test_a_byte_order_mark_and_blank_lines_before_the_xml_are_tolerated(plum, client) -> None:
    plum.answer("/webservice/queuecall.php", body='\ufeff\n\n<?xml version="1.0"?><queuecall status="queued" call_id="5"/>')
    assert client.queue_call("16175551234", START).call_id == "5"


# -- queue_call: error paths --------------------------------------------------------------------


def test_status_failed_raises_with_the_body_and_the_reason(plum) -> None:
    client = OutboundClient(LOGIN, "00000000", plum.base_url)
    with pytest.raises(OutboundError) as caught:
        client.queue_call("16175551234", START)
    error = caught.value
    assert "status 'failed'" in str(error)
    assert "invalid login or pin" in str(error)
    assert error.status_code == 200
    assert '<queuecall status="failed">' in error.raw


@pytest.mark.parametrize("status", [500, 401, 404, 503])
def test_http_errors_raise_outbound_error_with_status_and_body(plum, client, status) -> None:
    plum.answer("/webservice/queuecall.php", status, "<html><body>Server trouble</body></html>",
                content_type="text/html")
    with pytest.raises(OutboundError) as caught:
        client.queue_call("16175551234", START)
    assert caught.value.status_code == status
    assert caught.value.raw == "<html><body>Server trouble</body></html>"
    assert f"HTTP {status}" in str(caught.value)


def test_a_redirect_is_not_followed_with_the_credentials(plum, client) -> None:
    plum.answer("/webservice/queuecall.php", 302, "")
    with pytest.raises(OutboundError) as caught:
        client.queue_call("16175551234", START)
    assert caught.value.status_code == 302
    assert len(plum.requests) == 1


def test_a_timeout_raises_outbound_error(plum) -> None:
    plum.answer("/webservice/queuecall.php", body='<queuecall status="queued" call_id="1"/>', delay=5)
    client = OutboundClient(LOGIN, PIN, plum.base_url, timeout=0.2)
    with pytest.raises(OutboundError) as caught:
        client.queue_call("16175551234", START)
    assert "no answer within 0.2 s" in str(caught.value)
    assert caught.value.status_code is None
    assert caught.value.raw == ""


def test_a_refused_connection_raises_outbound_error(plum) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = OutboundClient(LOGIN, PIN, f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(OutboundError, match="failed"):
        client.queue_call("16175551234", START)


@pytest.mark.parametrize(
    "body",
    [
        "Call queued!",
        "",
        "<html><head><title>Maintenance</title></head>",
        "<queuecall status='queued' call_id='1'",
        '{"status": "queued", "call_id": 1}',
    ],
)
def test_a_body_that_is_not_xml_raises_with_the_raw_body(plum, client, body) -> None:
    plum.answer("/webservice/queuecall.php", body=body)
    with pytest.raises(OutboundError, match="not XML") as caught:
        client.queue_call("16175551234", START)
    assert caught.value.raw == body
    assert caught.value.status_code == 200


@pytest.mark.parametrize(
    "body, expected",
    [
        ('<result status="queued" call_id="1"/>', "without <queuecall status"),
        ('<queuecall call_id="1"/>', "without <queuecall status"),
        ('<queuecall status="queued"/>', "without a call_id"),
        ('<queuecall status="pending" call_id="1"/>', "status 'pending'"),
    ],
)
def test_unexpected_xml_raises(plum, client, body, expected) -> None:
    plum.answer("/webservice/queuecall.php", body=body)
    with pytest.raises(OutboundError, match=expected):
        client.queue_call("16175551234", START)


def test_external_entities_are_not_resolved(plum, client, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<queuecall status="failed"><error>&x;</error></queuecall>')
    plum.answer("/webservice/queuecall.php", body=body)
    with pytest.raises(OutboundError) as caught:
        client.queue_call("16175551234", START)
    assert "TOP-SECRET" not in str(caught.value)


# -- rules: broken values raise before any request ----------------------------------------------


@pytest.mark.parametrize(
    "kwargs, field, rule",
    [
        ({"max_retries": 11}, "max_retries", "from 0 to 10"),
        ({"max_retries": -1}, "max_retries", "from 0 to 10"),
        ({"max_retries": "3"}, "max_retries", "integer"),
        ({"max_retries": True}, "max_retries", "integer"),
        ({"retry_interval": 59}, "retry_interval", "from 60 to 172800"),
        ({"retry_interval": 172801}, "retry_interval", "from 60 to 172800"),
        ({"scheduled": "x" * 81}, "scheduled", "at most 80"),
        ({"expires": "   "}, "expires", "must not be empty"),
        ({"scheduled": -5}, "scheduled", "0 or more"),
        ({"scheduled": datetime(2030, 1, 1)}, "scheduled", "needs a timezone"),
        ({"scheduled": 3.5}, "scheduled", "natural time"),
        ({"scheduled": 2000, "expires": 1000}, "expires", "later than scheduled"),
        ({"message_reference": "r" * 256}, "message_reference", "at most 255"),
        ({"call_parameters": "p" * 256}, "call_parameters", "at most 255"),
        ({"call_parameters": {"k": "v" * 300}}, "call_parameters", "at most 255"),
        ({"result_url": "ftp://example.com/r"}, "result_url", "http:// or https://"),
        ({"result_url": "https://example.com/" + "r" * 240}, "result_url", "at most 255"),
        ({"start_url": "/relative/start"}, "start_url", "absolute"),
        ({"phone_number": "6175551234"}, "phone_number", "put 1 before the area code"),
        ({"phone_number": "+1 (617) 555-1234"}, "phone_number", "digits only"),
        ({"phone_number": "tel:+16175551234;ani=16175550000"}, "phone_number", "10-digit caller id"),
        ({"phone_number": "tel:+16175551234;ani=1617555000"}, "phone_number", "without the leading 1"),
        ({"phone_number": "tel:+16175551234;ani=617555000"}, "phone_number", "10-digit"),
        ({"phone_number": "tel:+16175551234;postd=12a"}, "phone_number", "postd"),
        ({"phone_number": "tel:+16175551234;ext=12"}, "phone_number", "only ';ani=' and ';postd='"),
        ({"phone_number": "tel:+16175551234;ani=6175550000;ani=6175550001"}, "phone_number", "twice"),
        ({"phone_number": "+1617555123456789"}, "phone_number", "8 to 15 digits"),
        ({"phone_number": "1" + "6" * 130}, "phone_number", "at most 128"),
        ({"phone_number": ""}, "phone_number", "required"),
        ({"phone_number": "16175551234\n"}, "phone_number", "control characters"),
    ],
)
def test_a_broken_value_raises_value_error_and_sends_nothing(plum, client, kwargs, field, rule) -> None:
    arguments = {"phone_number": "16175551234", "start_url": START, **kwargs}
    with pytest.raises(ValueError) as caught:
        client.queue_call(**arguments)
    assert isinstance(caught.value, RuleViolation)
    assert caught.value.field == field
    assert rule in caught.value.rule
    assert str(caught.value).startswith(f"{field}: ")
    assert plum.requests == []


@pytest.mark.parametrize(
    "phone",
    ["16175551234", "+16175551234", "tel:+16175551234", "tel:+16177123000;postd=1234",
     "tel:+10123456789;ani=2345678901", "tel:+16175551234; ani=6175550000", "+441632960961",
     "tel:+16175551234;ani=6175550000;postd=12#"],
)
def test_documented_phone_forms_are_accepted(plum, client, phone) -> None:
    client.queue_call(phone, START)
    assert plum.requests[0].form["phone_number"] == phone


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"login": ""}, "login"),
        ({"login": "l" * 129}, "login"),
        ({"pin": "1" * 17}, "pin"),
        ({"pin": ""}, "pin"),
        ({"retry_field": "retries"}, "retry_field"),
        ({"base_url": "outbound.plumvoice.com"}, "base_url"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_client_settings_are_checked(kwargs, field) -> None:
    arguments = {"login": LOGIN, "pin": PIN, **kwargs}
    with pytest.raises(RuleViolation) as caught:
        OutboundClient(**arguments)
    assert caught.value.field == field


def test_credential_errors_do_not_quote_the_credential() -> None:
    with pytest.raises(RuleViolation) as caught:
        OutboundClient(LOGIN, "S3cretPin-too-long-1234")
    assert "S3cretPin" not in str(caught.value)


# -- credentials never leak -------------------------------------------------------------------------


def test_credentials_stay_out_of_reprs_logs_and_errors(plum, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client = OutboundClient(LOGIN, PIN, plum.base_url, timeout=5)
    assert PIN not in repr(client) and LOGIN not in repr(client)
    queued = client.queue_call("16175551234", START, message_reference="r1")
    assert PIN not in repr(queued)
    # an error answer that echoes the credentials back
    plum.answer("/webservice/queuecall.php", 500, f"bad request login={LOGIN}&pin={PIN}")
    with pytest.raises(OutboundError) as caught:
        client.queue_call("16175551234", START)
    rendered = "".join(traceback.format_exception(caught.value)) + repr(caught.value) + caught.value.raw
    assert PIN not in rendered and LOGIN not in rendered
    assert PIN not in caplog.text and LOGIN not in caplog.text
    assert "queued call 112850593" in caplog.text


# -- queue_campaign -------------------------------------------------------------------------------


def test_queue_campaign_posts_multipart_with_the_phone_list(plum, client) -> None:
    campaign = client.queue_campaign(
        "march-reminders",
        [
            "16175551234",
            ("tel:+16175551235;ani=6175550000", "inv-2"),
            CallSpec("16175551236", "inv-3", {"amount": "12.50", "note": 'say "hi", then'}),
            {"phone_number": "16175551237", "call_parameters": "x=1"},
        ],
        START,
        RESULT,
        campaign_parameters={"batch": "7"},
        max_retries=1,
        retry_interval=3600,
        scheduled="tomorrow 9am",
        expires="+3 days",
    )
    assert campaign.status == "queued"
    assert campaign.campaign_id == plum.campaign_ids[-1]
    assert campaign.calls == 4
    assert campaign.name == "march-reminders"
    (seen,) = plum.requests
    assert seen.path == "/webservice/queuecalls.php"
    assert seen.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert seen.form == {
        "login": LOGIN,
        "pin": PIN,
        "campaign_name": "march-reminders",
        "start_url": START,
        "result_url": RESULT,
        "campaign_parameters": "batch=7",
        "max_retries": "1",
        "retry_interval": "3600",
        "scheduled_time": "tomorrow 9am",
        "expiration_time": "+3 days",
    }
    filename, content, content_type = seen.files["phone_list"]
    assert filename == "phone_list.csv" and content_type == "text/csv"
    assert content.decode().splitlines() == [
        "16175551234",
        "tel:+16175551235;ani=6175550000,inv-2",
        "16175551236,inv-3,amount=12.50&note=say+%22hi%22%2C+then",
        "16175551237,,x=1",
    ]


def test_the_phone_list_is_csv_quoted_where_needed(plum, client) -> None:
    client.queue_campaign("c1", [("16175551234", 'ref, "quoted"', "a,b")], START)
    content = plum.requests[0].files["phone_list"][1].decode()
    assert content == '16175551234,"ref, ""quoted""","a,b"\n'
    assert next(csv.reader(io.StringIO(content))) == ["16175551234", 'ref, "quoted"', "a,b"]


def test_campaign_uses_the_retry_field_setting(plum) -> None:
    client = OutboundClient(LOGIN, PIN, plum.base_url, retry_field="max_retry")
    client.queue_campaign("c1", ["16175551234"], START, max_retries=0)
    assert plum.requests[0].form["max_retry"] == "0"


def test_every_bad_call_is_reported_together_and_nothing_is_sent(plum, client) -> None:
    calls = ["16175551234", "6175551234", ("16175551235", "r" * 129), ("16175551236", None, "p" * 256), 42]
    with pytest.raises(CallListError) as caught:
        client.queue_campaign("c1", calls, START)
    fields = [violation.field for violation in caught.value.violations]
    assert fields == ["calls[1].phone_number", "calls[2].message_reference", "calls[3].call_parameters", "calls[4]"]
    assert "at most 128" in caught.value.violations[1].rule
    assert isinstance(caught.value, ValueError)
    assert plum.requests == []


def test_an_empty_campaign_is_refused(plum, client) -> None:
    with pytest.raises(RuleViolation, match="at least one call"):
        client.queue_campaign("c1", [], START)
    assert plum.requests == []


@pytest.mark.parametrize("kwargs", [{"max_retries": 11}, {"retry_interval": 30}, {"name": ""},
                                    {"expires": "y" * 81}, {"campaign_parameters": "p" * 256}])
def test_campaign_rules_are_checked_before_sending(plum, client, kwargs) -> None:
    arguments = {"name": "c1", "calls": ["16175551234"], "start_url": START, **kwargs}
    with pytest.raises(RuleViolation):
        client.queue_campaign(**arguments)
    assert plum.requests == []


def test_upload_progress_is_reported_up_to_the_total(plum, client) -> None:
    seen: list[tuple[int, int]] = []
    calls = [(f"1617555{index:04d}", f"ref-{index}") for index in range(5000)]
    client.queue_campaign("big", calls, START, on_progress=lambda sent, total: seen.append((sent, total)))
    total = seen[-1][1]
    assert len(seen) > 1
    assert seen[-1][0] == total == len(plum.requests[0].body)
    assert [sent for sent, _ in seen] == sorted(sent for sent, _ in seen)
    assert len(plum.requests[0].files["phone_list"][1].decode().splitlines()) == 5000


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (200, '<queuecalls status="failed"><error>campaign name already used</error></queuecalls>',
         "status 'failed': campaign name already used"),
        (200, "<queuecalls/>", "without a status"),
        (200, "OK", "not XML"),
        (500, "Internal Server Error", "HTTP 500"),
        (401, "Unauthorized", "HTTP 401"),
    ],
)
def test_campaign_error_answers_raise(plum, client, status, body, expected) -> None:
    plum.answer("/webservice/queuecalls.php", status, body)
    with pytest.raises(OutboundError, match=expected) as caught:
        client.queue_campaign("c1", ["16175551234"], START)
    assert caught.value.raw == body
    assert caught.value.status_code == status


def test_campaign_answer_with_success_status_is_accepted(plum, client) -> None:
    plum.answer("/webservice/queuecalls.php", body='<response status="success" id="12" calls="1"/>')
    campaign = client.queue_campaign("c1", ["16175551234"], START)
    assert campaign.campaign_id == "12"
    assert campaign.attributes == {"status": "success", "id": "12", "calls": "1"}


def test_campaign_timeout_raises(plum) -> None:
    plum.answer("/webservice/queuecalls.php", body='<queuecalls status="queued"/>', delay=5)
    client = OutboundClient(LOGIN, PIN, plum.base_url, timeout=0.2)
    with pytest.raises(OutboundError, match="no answer"):
        client.queue_campaign("c1", ["16175551234"], START)


def test_prepare_campaign_checks_and_builds_without_sending(plum, client) -> None:
    prepared = client.prepare_campaign("c1", [("16175551234", "a")], START, max_retries=2)
    assert prepared.phone_list == "16175551234,a\n"
    assert prepared.fields == {"campaign_name": "c1", "start_url": START, "max_retries": "2"}
    assert "pin" not in prepared.fields and "login" not in prepared.fields
    assert plum.requests == []


def test_a_base_url_with_a_path_is_kept(plum) -> None:
    client = OutboundClient(LOGIN, PIN, plum.base_url + "/outbound/")
    plum.answer("/outbound/webservice/queuecall.php", body='<queuecall status="queued" call_id="9"/>')
    assert client.queue_call("16175551234", START).call_id == "9"
    assert plum.requests[0].path == "/outbound/webservice/queuecall.php"


def test_errors_survive_pickling_for_worker_queues() -> None:
    error = OutboundError("x", status_code=500, raw="body")
    assert isinstance(pickle.loads(pickle.dumps(error)), OutboundError)
