"""The Ozeki gateway against a local server speaking Ozeki's HTTP API SendSms command."""

from __future__ import annotations

import threading
import uuid

import pytest

from vxmlkit.sms.gateways.ozeki import OzekiGateway
from vxmlkit.sms.models import (
    AuthenticationError,
    GatewayHTTPError,
    GatewayRejectedError,
    GatewayTimeoutError,
    GatewayUnreachableError,
    InvalidDeliveryReportError,
    InvalidRecipientError,
    MalformedResponseError,
    SmsMessage,
)

USERNAME = "http_user"
PASSWORD = "oz-s3cret"


def wait_until(condition, seconds: float = 5.0) -> None:
    event = threading.Event()
    for _ in range(int(seconds * 100)):
        if condition():
            return
        event.wait(0.01)


def result_xml(code: int, text: str, sms_id: str | None = None, closing: str = "OzApi_CommandResult_SendSms") -> str:
    sms = f"<SmsId>{sms_id}</SmsId>" if sms_id else ""
    return (
        '<?xml version="1.0"?>'
        '<OzApi_CommandResult_SendSms xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<Code>{code}</Code><Message>{text}</Message>{sms}</{closing}>"
    )


@pytest.fixture
def ozeki(provider):
    """The provider answering as Ozeki's /api?command=SendSms does."""

    def answer(seen):
        if seen.path != "/api" or seen.query.get("command") != "SendSms":
            return provider.reply(404, "not found", "text/plain")
        if (seen.query.get("Username"), seen.query.get("Password")) != (USERNAME, PASSWORD):
            return provider.reply(401, "Unauthorized", "text/plain")
        recipient = seen.query.get("Recipient", "")
        if not (recipient.startswith("+") and recipient[1:].isdigit()):
            return provider.reply(200, result_xml(302, "Invalid recipient number"), "text/xml")
        return provider.reply(200, result_xml(200, "Command successfully executed", str(uuid.uuid4())), "text/xml")

    provider.answer = answer
    return provider


def gateway(provider, **options) -> OzekiGateway:
    options.setdefault("timeout", 5.0)
    return OzekiGateway(provider.base_url + "/api", USERNAME, options.pop("password", PASSWORD), **options)


def test_success_sends_the_documented_parameters(ozeki) -> None:
    message = SmsMessage(
        to="+12223459789", text="Your new password: 4711", delivery_report_url="https://app.example/dr?t=tok"
    )
    result = gateway(ozeki, sender="+16175551234").send(message)
    assert uuid.UUID(result.id)
    assert result.status == "sent"
    assert result.segments == 1
    [seen] = ozeki.requests
    assert seen.method == "GET"
    assert seen.query == {
        "command": "SendSms",
        "Username": USERNAME,
        "Password": PASSWORD,
        "Sender": "+16175551234",
        "Recipient": "+12223459789",
        "Message": "Your new password: 4711",
        "DeliveryReportURL": "https://app.example/dr?t=tok",
    }


def test_sender_and_report_url_are_optional(ozeki) -> None:
    gateway(ozeki, api_extension="9994").send(SmsMessage(to="+12223459789", text="hi"))
    query = ozeki.requests[0].query
    assert "Sender" not in query and "DeliveryReportURL" not in query
    assert query["ApiExtension"] == "9994"


def test_answer_with_a_misspelt_closing_tag_is_read(provider) -> None:
    # Ozeki's published sample closes its root with a different name than it opens.
    body = result_xml(200, "Command successfully executed", "7d678b16-0e81-4a05-805b-851e4794495e",
                      closing="OzApi_CommandResult_SencdSms")
    provider.answer = lambda seen: provider.reply(200, body, "text/xml")
    assert gateway(provider).send(SmsMessage(to="+12223459789", text="hi")).id == "7d678b16-0e81-4a05-805b-851e4794495e"


def test_wrong_credentials_are_an_authentication_error(ozeki) -> None:
    with pytest.raises(AuthenticationError):
        gateway(ozeki, password="nope").send(SmsMessage(to="+12223459789", text="hi"))


def test_refused_recipient_is_an_invalid_recipient(ozeki) -> None:
    with pytest.raises(InvalidRecipientError) as caught:
        gateway(ozeki).send(SmsMessage(to="12223459789", text="hi"))
    assert "Ozeki code 302: Invalid recipient number" in str(caught.value)


def test_other_codes_are_rejections(provider) -> None:
    provider.answer = lambda seen: provider.reply(200, result_xml(501, "Command failed"), "text/xml")
    with pytest.raises(GatewayRejectedError, match="Ozeki code 501: Command failed"):
        gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))


def test_server_error_is_an_http_error(provider) -> None:
    provider.answer = lambda seen: provider.reply(500, "boom", "text/plain")
    with pytest.raises(GatewayHTTPError) as caught:
        gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))
    assert caught.value.status == 500


@pytest.mark.parametrize(
    "body",
    [
        "",
        "Command successfully executed",
        "<html><body>Proxy error</body></html>",
        "<Result><Message>ok</Message></Result>",
        result_xml(200, "Command successfully executed"),
    ],
)
def test_malformed_answers(provider, body: str) -> None:
    provider.answer = lambda seen: provider.reply(200, body, "text/xml")
    with pytest.raises(MalformedResponseError):
        gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))


def test_external_entities_are_not_resolved(provider, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<r><Code>200</Code><Message>ok</Message><SmsId>&x;</SmsId></r>"
    )
    provider.answer = lambda seen: provider.reply(200, body, "text/xml")
    with pytest.raises(MalformedResponseError):
        gateway(provider).send(SmsMessage(to="+12223459789", text="hi"))


def test_timeout_is_an_error_and_not_retried(provider) -> None:
    provider.answer = lambda seen: provider.reply(200, result_xml(200, "late", "x"), "text/xml", hold=True)
    with pytest.raises(GatewayTimeoutError):
        gateway(provider, timeout=0.3).send(SmsMessage(to="+12223459789", text="hi"))
    wait_until(lambda: provider.count() >= 1)
    assert provider.count() == 1


def test_refused_connection_is_unreachable(closed_port: int) -> None:
    with pytest.raises(GatewayUnreachableError, match="3 attempts"):
        OzekiGateway(f"http://127.0.0.1:{closed_port}/api", USERNAME, PASSWORD).send(
            SmsMessage(to="+12223459789", text="hi")
        )


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"NotificationName": "SMSDeliveryReport", "SmsId": "a1", "DeliveryStatus": "Delivered"}, "delivered"),
        ({"SmsId": "a1", "Status": "Delivered to handset"}, "delivered"),
        ({"SmsId": "a1", "Status": "DeliveredToNetwork"}, "sent"),
        ({"smsid": "a1", "status": "failed"}, "failed"),
        ({"SmsId": "a1", "Delivered": "false"}, "failed"),
        ({"SmsId": "a1", "Result": "expired"}, "undelivered"),
    ],
)
def test_delivery_reports(form: dict[str, str], expected: str) -> None:
    report = OzekiGateway("http://ozeki.example/api", USERNAME, PASSWORD).parse_delivery_report(form)
    assert (report.id, report.status) == ("a1", expected)


def test_bad_delivery_reports() -> None:
    gw = OzekiGateway("http://ozeki.example/api", USERNAME, PASSWORD)
    with pytest.raises(InvalidDeliveryReportError, match="no message id"):
        gw.parse_delivery_report({"Status": "Delivered"})
    with pytest.raises(InvalidDeliveryReportError, match="'teleported'"):
        gw.parse_delivery_report({"SmsId": "a1", "Status": "teleported"})


def test_repr_hides_the_password() -> None:
    url = f"http://u:{PASSWORD}@ozeki.example/api?Password={PASSWORD}"
    assert PASSWORD not in repr(OzekiGateway(url, "u", PASSWORD))
