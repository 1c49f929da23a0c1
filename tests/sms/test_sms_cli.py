"""``vxmlkit sms send`` and ``vxmlkit outbox`` through click's runner."""

from __future__ import annotations

import base64

import pytest
from click.testing import CliRunner

from vxmlkit.sms.cli import outbox_command, sms_group


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "VXMLKIT_SMS_GATEWAY": "outbox"}


def test_send_to_the_outbox_then_list(env: dict[str, str]) -> None:
    runner = CliRunner()
    sent = runner.invoke(sms_group, ["send", "(222) 345-9789", "Order 7 confirmed: pay 12.00 USD €"], env=env)
    assert sent.exit_code == 0, sent.output
    lines = dict(line.split(": ", 1) for line in sent.stdout.splitlines())
    assert lines["status"] == "queued"
    assert lines["segments"] == "1 (GSM-7)"
    assert lines["gateway"] == "outbox"
    runner.invoke(sms_group, ["send", "2223450000", "second", "--sender", "+16175551234"], env=env)

    listed = runner.invoke(outbox_command, [], env=env)
    assert listed.exit_code == 0
    rows = listed.stdout.splitlines()
    assert len(rows) == 2
    assert "to=+12223450000" in rows[0] and "'second'" in rows[0]
    assert lines["id"] in rows[1] and "to=+12223459789" in rows[1] and "queued outbox" in rows[1]

    limited = runner.invoke(outbox_command, ["--limit", "1"], env=env)
    assert len(limited.stdout.splitlines()) == 1
    assert runner.invoke(outbox_command, ["--status", "delivered"], env=env).stdout == "no messages\n"
    assert runner.invoke(outbox_command, ["--flow", "payments"], env=env).stdout == "no messages\n"
    assert runner.invoke(outbox_command, ["--status", "lost"], env=env).exit_code == 2


def test_invalid_recipient_exits_1(env: dict[str, str]) -> None:
    result = CliRunner().invoke(sms_group, ["send", "345-9789", "hi"], env=env)
    assert result.exit_code == 1
    assert "invalid recipient" in result.output


def test_empty_text_exits_1(env: dict[str, str]) -> None:
    result = CliRunner().invoke(sms_group, ["send", "2223459789", "  "], env=env)
    assert result.exit_code == 1
    assert "empty message" in result.output


def test_missing_setting_exits_1_naming_it(env: dict[str, str]) -> None:
    result = CliRunner().invoke(sms_group, ["send", "2223459789", "hi"], env={**env, "VXMLKIT_SMS_GATEWAY": "ozeki"})
    assert result.exit_code == 1
    assert "VXMLKIT_OZEKI_URL is required" in result.output


def test_send_through_plum_prints_the_provider_id(env: dict[str, str], provider) -> None:
    def answer(seen):
        assert base64.b64decode(seen.headers["authorization"][6:]) == b"dev:pw"
        entry = {"sms_message_id": "plum-77", "status": "queued"}
        return provider.reply(200, {"status": "success", "result": {"sms_messages": [entry]}})

    provider.answer = answer
    plum = {
        **env,
        "VXMLKIT_SMS_GATEWAY": "plum",
        "VXMLKIT_PLUM_SMS_URL": provider.base_url,
        "VXMLKIT_PLUM_LOGIN": "dev",
        "VXMLKIT_PLUM_PASSWORD": "pw",
        "VXMLKIT_SMS_SENDER": "6175551234",
    }
    result = CliRunner().invoke(sms_group, ["send", "+1 222 345 9789", "x" * 161], env=plum)
    assert result.exit_code == 0, result.output
    assert "id: plum-77" in result.output
    assert "segments: 2 (GSM-7)" in result.output
    assert provider.requests[0].form["from"] == "16175551234"
    listed = CliRunner().invoke(outbox_command, [], env=plum)
    assert "queued plum to=+12223459789" in listed.stdout


def test_gateway_error_exits_1_and_is_stored(env: dict[str, str], provider) -> None:
    provider.answer = lambda seen: provider.reply(200, {"status": "failure", "error": "Invalid 'to' phone number"})
    plum = {
        **env,
        "VXMLKIT_SMS_GATEWAY": "plum",
        "VXMLKIT_PLUM_SMS_URL": provider.base_url,
        "VXMLKIT_PLUM_LOGIN": "dev",
        "VXMLKIT_PLUM_PASSWORD": "pw",
        "VXMLKIT_SMS_SENDER": "6175551234",
    }
    result = CliRunner().invoke(sms_group, ["send", "2223459789", "hi"], env=plum)
    assert result.exit_code == 1
    assert "error: invalid recipient: Invalid 'to' phone number (gateway plum)" in result.output
    listed = CliRunner().invoke(outbox_command, ["--status", "failed"], env=plum)
    assert "error=invalid recipient" in listed.stdout



def test_default_database_is_under_instance(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        sms_group, ["send", "2223459789", "hi"], env={"VXMLKIT_DATABASE_URL": None, "VXMLKIT_SMS_GATEWAY": None}
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "instance" / "vxmlkit.sqlite3").is_file()


def test_sender_is_normalised_and_checked(env: dict[str, str]) -> None:
    runner = CliRunner()
    sent = runner.invoke(sms_group, ["send", "2223459789", "hi", "--sender", "(617) 555-1234"], env=env)
    assert sent.exit_code == 0, sent.output
    bad = runner.invoke(sms_group, ["send", "2223459789", "hi", "--sender", "front desk"], env=env)
    assert bad.exit_code == 1
    assert "invalid sender: the sender 'front desk' is not a phone number" in bad.output
