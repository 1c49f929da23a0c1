"""The Plum DEV SMS gateway against a local server speaking Plum's queue.json protocol."""

from __future__ import annotations

import base64
import threading

import pytest

from vxmlkit.sms.gateways.plum import PlumSmsGateway
from vxmlkit.sms.models import (
    AuthenticationError,
    GatewayHTTPError,
    GatewayRejectedError,
    GatewayTimeoutError,
    GatewayUnreachableError,
    InvalidDeliveryReportError,
    InvalidRecipientError,
    InvalidSenderError,
    MalformedResponseError,
    NotMobileError,
    SmsError,
    SmsMessage,
    UnsubscribedRecipientError,
)

LOGIN = "dev-login"
PASSWORD = "pl-um-s3cret"
SENDER = "+16175551234"
UNSUBSCRIBED = "12223450000"
LANDLINE = "12223451111"


def wait_until(condition, seconds: float = 5.0) -> None:
    event = threading.Event()
    for _ in range(int(seconds * 100)):
        if condition():
            return
        event.wait(0.01)


@pytest.fixture(params=["fake", "emulator"])
def plum(request, provider, emulated_sms):
    """Plum's queue.json: a provider stand-in answering as the seed documents say, then
    vxmlkit's emulator with callee rules for the unsubscribed and the landline numbers."""
    if request.param == "emulator":
        rules = f"- {{pattern: '{UNSUBSCRIBED}', sms: unsubscribed}}\n- {{pattern: '{LANDLINE}', sms: landline}}\n"
        emulated = emulated_sms(LOGIN, PASSWORD, rules)
        emulated.first_id = "sms-1"
        return emulated
    provider.first_id = "plum-1"

    def answer(seen):
        if seen.method != "POST" or seen.path != "/ws/sms/queue.json":
            return provider.reply(404, "<html>Not Found</html>", "text/html")
        expected = "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
        if seen.headers.get("authorization") != expected:
            return provider.reply(401, {"status": "failure", "error": "Authentication required", "result": None})
        to = seen.form.get("to", "")
        if not (to.isdigit() and len(to) == 11 and to.startswith("1")):
            return provider.reply(200, {"status": "failure", "error": "Invalid 'to' phone number", "result": None})
        if to == UNSUBSCRIBED:
            return provider.reply(
                200, {"status": "failure", "error": "The recipient has unsubscribed from this number", "result": None}
            )
        if to == LANDLINE:
            return provider.reply(200, {"status": "failure", "error": f"{to} is not a mobile number", "result": None})
        entry = {
            "sms_message_id": f"plum-{len(provider.requests)}",
            "to": to,
            "from": seen.form.get("from"),
            "body": seen.form.get("body"),
            "request_timestamp": 1795312800,
            "result_url": seen.form.get("result_url"),
            "status": "queued",
        }
        return provider.reply(200, {"status": "success", "error": None, "result": {"sms_messages": [entry]}})

    provider.answer = answer
    return provider


def gateway(provider, **options) -> PlumSmsGateway:
    options.setdefault("sender", SENDER)
    options.setdefault("timeout", 5.0)
    return PlumSmsGateway(LOGIN, options.pop("password", PASSWORD), provider.base_url, **options)


def test_success_posts_the_documented_fields(plum) -> None:
    result = gateway(plum, result_url="https://app.example/sms/status").send(
        SmsMessage(to="+12223459789", text="Receipt 42: paid 10.00 USD")
    )
    assert result.id == plum.first_id
    assert result.status == "queued"
    assert result.segments == 1
    assert result.error is None
    [seen] = plum.requests
    assert seen.form == {
        "to": "12223459789",
        "from": "16175551234",
        "body": "Receipt 42: paid 10.00 USD",
        "result_url": "https://app.example/sms/status",
    }
    assert base64.b64decode(seen.headers["authorization"].split()[1]).decode() == f"{LOGIN}:{PASSWORD}"
    assert seen.headers["content-type"].startswith("application/x-www-form-urlencoded")


def test_message_sender_and_report_url_win_over_defaults(plum) -> None:
    message = SmsMessage(
        to="+12223459789", text="x" * 200, sender="(617) 555-9999", delivery_report_url="https://app.example/r?t=abc"
    )
    result = gateway(plum, result_url="https://app.example/default").send(message)
    assert result.segments == 2
    [seen] = plum.requests
    assert seen.form["from"] == "16175559999"
    assert seen.form["result_url"] == "https://app.example/r?t=abc"


def test_no_result_url_field_without_one(plum) -> None:
    gateway(plum).send(SmsMessage(to="+12223459789", text="hi"))
    assert "result_url" not in plum.requests[0].form


def test_missing_sender_is_refused_before_any_request(plum) -> None:
    with pytest.raises(InvalidSenderError, match="VXMLKIT_SMS_SENDER"):
        gateway(plum, sender=None).send(SmsMessage(to="+12223459789", text="hi"))
    assert plum.count() == 0


def test_wrong_password_is_an_authentication_error(plum) -> None:
    with pytest.raises(AuthenticationError) as caught:
        gateway(plum, password="wrong").send(SmsMessage(to="+12223459789", text="hi"))
    assert caught.value.reason == "authentication failed"
    assert "Authentication required" in str(caught.value)


def test_invalid_to_is_an_invalid_recipient(plum) -> None:
    with pytest.raises(InvalidRecipientError) as caught:
        gateway(plum).send(SmsMessage(to="+442079460958", text="hi"))
    assert caught.value.reason == "invalid recipient"
    assert caught.value.detail == "Invalid 'to' phone number"


def test_unsubscribed_recipient(plum) -> None:
    with pytest.raises(UnsubscribedRecipientError) as caught:
        gateway(plum).send(SmsMessage(to="+" + UNSUBSCRIBED, text="hi"))
    assert caught.value.reason == "unsubscribed recipient"


def test_not_a_mobile_number(plum) -> None:
    with pytest.raises(NotMobileError):
        gateway(plum).send(SmsMessage(to="+" + LANDLINE, text="hi"))


def test_unknown_failure_text_is_a_rejection_with_the_text(provider) -> None:
    provider.answer = lambda seen: provider.reply(200, {"status": "failure", "error": "Daily limit reached"})
    with pytest.raises(GatewayRejectedError, match="Daily limit reached"):
        gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))


def test_server_error_is_an_http_error(provider) -> None:
    provider.answer = lambda seen: provider.reply(500, "<html>Internal Server Error</html>", "text/html")
    with pytest.raises(GatewayHTTPError) as caught:
        gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))
    assert caught.value.status == 500
    assert caught.value.reason == "gateway HTTP error 500"
    assert provider.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        "<html>maintenance</html>",
        "",
        "[1, 2]",
        '{"status": "success"}',
        '{"status": "success", "result": {"sms_messages": []}}',
        '{"status": "success", "result": {"sms_messages": [{"to": "12223459789"}]}}',
        '{"status": "success", "result": {"sms_messages": [{"sms_message_id": "a", "status": "teleported"}]}}',
        '{"status": "maybe"}',
    ],
)
def test_malformed_answers(provider, body: str) -> None:
    provider.answer = lambda seen: provider.reply(200, body, "application/json")
    with pytest.raises(MalformedResponseError) as caught:
        gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))
    assert caught.value.reason == "malformed gateway response"


def test_timeout_is_an_error_and_not_retried(provider) -> None:
    provider.answer = lambda seen: provider.reply(200, {"status": "success"}, hold=True)
    with pytest.raises(GatewayTimeoutError) as caught:
        gateway(provider, timeout=0.3).send(SmsMessage(to="+12223459789", text="hi"))
    assert isinstance(caught.value, SmsError)
    wait_until(lambda: provider.count() >= 1)
    assert provider.count() == 1


def test_refused_connection_is_unreachable(closed_port: int) -> None:
    gw = PlumSmsGateway(LOGIN, PASSWORD, f"http://127.0.0.1:{closed_port}", sender=SENDER)
    with pytest.raises(GatewayUnreachableError, match="3 attempts"):
        gw.send(SmsMessage(to="+12223459789", text="hi"))


@pytest.mark.parametrize(
    ("status", "expected"),
    [("queued", "queued"), ("sent", "sent"), ("received", "delivered"), ("RECEIVED", "delivered"),
     ("failed", "failed"), ("undelivered", "undelivered")],
)
def test_delivery_report_statuses(status: str, expected: str) -> None:
    form = {"sms_message_id": "plum-7", "status": status, "to": "12223459789"}
    report = PlumSmsGateway(LOGIN, PASSWORD, "https://plum.example").parse_delivery_report(form)
    assert (report.id, report.status) == ("plum-7", expected)
    assert report.raw == form


@pytest.mark.parametrize(
    ("form", "message"),
    [({"status": "sent"}, "no message id"), ({"sms_message_id": "p1", "status": "lost"}, "'lost'"),
     ({"sms_message_id": "p1"}, "None")],
)
def test_bad_delivery_reports(form: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidDeliveryReportError, match=message):
        PlumSmsGateway(LOGIN, PASSWORD, "https://plum.example").parse_delivery_report(form)


def test_repr_hides_the_password() -> None:
    assert PASSWORD not in repr(PlumSmsGateway(LOGIN, PASSWORD, "https://plum.example"))


def test_sender_without_plus_is_read_in_the_default_region(plum) -> None:
    gw = PlumSmsGateway(LOGIN, PASSWORD, plum.base_url, sender="020 7946 0958", default_region="GB")
    assert gw.send(SmsMessage(to="+12223459789", text="hi")).status == "queued"
    assert plum.requests[0].form["from"] == "442079460958"


def test_a_single_unwrapped_message_is_tolerated(provider) -> None:
    entry = {"sms_message_id": "solo", "status": "sent"}
    provider.answer = lambda seen: provider.reply(200, {"status": "success", "result": {"sms_messages": entry}})
    result = gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))
    assert (result.id, result.status) == ("solo", "sent")


def test_redirect_is_not_followed_and_names_the_target(provider) -> None:
    provider.answer = lambda seen: provider.reply(301, "moved", "text/plain")
    provider.extra_headers = {"Location": "https://hosting.example/ws/sms/queue.json?x=1"}
    with pytest.raises(GatewayHTTPError) as caught:
        gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))
    assert caught.value.status == 301
    assert "redirected to https://hosting.example/ws/sms/queue.json" in str(caught.value)
    assert provider.count() == 1


def test_message_timeout_shortens_the_gateway_timeout(provider) -> None:
    provider.answer = lambda seen: provider.reply(200, {"status": "success"}, hold=True)
    with pytest.raises(GatewayTimeoutError, match="within 0.3 s"):
        gateway(provider, timeout=30.0).send(SmsMessage(to="+12223459789", text="hi", timeout=0.3))
    wait_until(lambda: provider.count() >= 1)
    assert provider.count() == 1


@pytest.mark.parametrize("suffix", ["", "/", "/ws/sms", "/ws/sms/"])
def test_base_url_is_the_host_or_the_sms_folder(plum, suffix) -> None:
    sender = PlumSmsGateway(LOGIN, PASSWORD, plum.base_url + suffix, sender=SENDER, timeout=5.0)
    assert sender.send(SmsMessage(to="+12223459789", text="Hello")).status == "queued"
    assert [seen.path for seen in plum.requests] == ["/ws/sms/queue.json"]
