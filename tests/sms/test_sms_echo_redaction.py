"""A provider that echoes our request in its error: nothing of it but its own words reaches the
log or the store. A real server on loopback echoes the headers and body it received."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest

from vxmlkit.plum.errors import OutboundError, SchedulerError
from vxmlkit.plum.outbound import OutboundClient
from vxmlkit.plum.scheduler import SchedulerClient
from vxmlkit.redaction import cut_tokens, get_logger, redact
from vxmlkit.sms.gateways.ozeki import OzekiGateway
from vxmlkit.sms.gateways.plum import PlumSmsGateway
from vxmlkit.sms.models import SmsMessage
from vxmlkit.sms.send import send_and_record
from vxmlkit.store import open_store

LOGIN = "acme-login"
PASSWORD = "Pa55-w0rd-never-logged"
TEMPORARY = "Kq7-Zx9-Tm4"
TEXT = f"Your temporary password is {TEMPORARY}. It expires in 10 minutes."
TOKEN = "eyJmbG93IjoicGFzc3dvcmQtcmVzZXQifQ.ZmFrZS1zaWduYXR1cmU"
REPORT_URL = f"https://ivr.example.com/vxml/_sms/plum/report?t={TOKEN}"


def _echo(seen, shape: str) -> str:
    """The request as a careless provider repeats it."""
    headers = "\n".join(f"{name}: {value}" for name, value in seen.headers.items())
    form = "&".join(f"{k}={v}" for k, v in seen.form.items())
    if shape == "json":
        return json.dumps({"status": "failure", "error": f"Bad request: {seen.headers.get('authorization')} {form} {seen.form}"})
    if shape == "raw":
        return f"Bad request\n{headers}\n\n{form}\nquery={seen.query}"
    return f"<html><body><h1>400 Bad Request</h1><pre>{headers}\n{json.dumps(seen.form)}</pre></body></html>"


def _forbidden(text: str) -> list[str]:
    basic = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
    return [secret for secret in (PASSWORD, LOGIN, basic, TEMPORARY, TOKEN, "temporary password") if secret in text]


@pytest.mark.parametrize("shape", ["json", "raw", "html"])
@pytest.mark.parametrize("private", [True, False])
def test_plum_sms_echo_reaches_neither_log_nor_store(provider, tmp_path: Path, caplog, shape: str, private: bool) -> None:
    status = 200 if shape == "json" else 400
    provider.answer = lambda seen: provider.reply(status, _echo(seen, shape), "application/json" if shape == "json" else "text/html")
    database = tmp_path / "store.sqlite3"
    store = open_store(f"sqlite:///{database}")
    gateway = PlumSmsGateway(LOGIN, PASSWORD, provider.base_url, sender="+16175551234", timeout=5)
    message = SmsMessage(to="+12223459789", text=TEXT, private=private, delivery_report_url=REPORT_URL,
                         call_session="s-1", step="send", attempt=1)
    with caplog.at_level(logging.DEBUG):
        stored = send_and_record(store, gateway, message)
    store.close()
    assert provider.count() == 1
    assert stored.status == "failed"
    assert stored.error, "the provider's own error is kept"
    assert "Bad Request" in stored.error or "Bad request" in stored.error
    assert _forbidden(caplog.text) == []
    assert _forbidden(stored.error) == []
    raw = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("store.sqlite3"))
    stored_text = raw.decode("utf-8", errors="replace")
    if private:
        assert _forbidden(stored_text) == []
    else:  # a message that is not private keeps its body in its own column, and nowhere else
        assert stored_text.count(TEXT) == 1 and _forbidden(stored_text.replace(TEXT, "")) == []


def test_ozeki_echo_of_the_query_is_cut(provider, caplog) -> None:
    provider.answer = lambda seen: provider.reply(500, _echo(seen, "raw"), "text/plain")
    gateway = OzekiGateway(provider.base_url + "/api", "ozeki-user", PASSWORD, timeout=5)
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as caught:
        gateway.send(SmsMessage(to="+12223459789", text=TEXT, delivery_report_url=REPORT_URL))
    shown = str(caught.value) + caplog.text
    assert "ozeki-user" not in shown and _forbidden(shown) == []


def test_outbound_and_scheduler_errors_echoing_credentials_are_cut(provider) -> None:
    provider.answer = lambda seen: provider.reply(500, _echo(seen, "raw"), "text/plain")
    with pytest.raises(OutboundError) as caught:
        OutboundClient(LOGIN, "982451", provider.base_url, timeout=5).queue_call(
            "+16175551234", f"https://ivr.example.com/vxml/x/start?t={TOKEN}")
    shown = str(caught.value) + str(getattr(caught.value, "raw", ""))
    assert "982451" not in shown and _forbidden(shown) == []
    with pytest.raises(SchedulerError) as caught:
        SchedulerClient("sched-token-77141", provider.base_url, timeout=5).list_schedules()
    shown = str(caught.value) + str(getattr(caught.value, "raw", ""))
    assert "sched-token-77141" not in shown


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Authorization: Basic YWNtZTpzZWNyZXQ=", "YWNtZTpzZWNyZXQ="),
        ('{"password": "hunter22", "error": "no"}', "hunter22"),
        ("login=someone&pin=4433&to=1", "4433"),
        ("<pin>4433</pin>", "4433"),
        ("result_url=https%3A%2F%2Fh%2Fr%3Ft%3Dabc.def&x=1", "abc.def"),
        ("see https://h/vxml/f/step/s?t=abc.def-ghi for more", "abc.def-ghi"),
        ('{"body": "anything at all \\n here"}', "anything at all"),
    ],
)
def test_redact_cuts_credentials_tokens_and_bodies_wherever_they_are(text: str, gone: str) -> None:
    assert gone not in redact(text)


def test_redact_keeps_the_providers_words() -> None:
    assert redact('{"status": "failure", "error": "Daily limit reached"}') == '{"status": "failure", "error": "Daily limit reached"}'


def test_vxmlkit_log_lines_lose_their_signed_tokens(caplog) -> None:
    log = get_logger("vxmlkit.test-redaction")
    with caplog.at_level(logging.INFO, logger="vxmlkit.test-redaction"):
        log.info("fetched %s", f"https://ivr.example.com/vxml/flow/step/ask?t={TOKEN}&x=1")
        try:
            raise ValueError(f"bad link /vxml/flow/start?t={TOKEN}")
        except ValueError:
            log.exception("failed")
    assert TOKEN not in caplog.text
    assert "t=***&x=1" in caplog.text
    assert cut_tokens("a?t=1.2.3") == "a?t=***"
