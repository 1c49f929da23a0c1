"""``vxmlkit call`` / ``vxmlkit campaign``: their core functions against the local Plum server,
and the click commands through CliRunner with the settings in the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vxmlkit.plum import OutboundClient, RuleViolation
from vxmlkit.plum.cli import (
    BadRowsError,
    MissingSetting,
    PlumSettings,
    call_command,
    campaign_command,
    parse_params,
    parse_when,
    queue_campaign_file,
    queue_one_call,
)

LOGIN = "acme-outbound"
PIN = "98765432"
TOKEN = "3cbde128-32b6-47aa-9e62-6353f8b06812"
START = "https://ivr.example.com/vxml/reminder/start?t=abc"
RESULT = "https://ivr.example.com/vxml/reminder/result?t=abc"


@pytest.fixture
def client(plum) -> OutboundClient:
    return OutboundClient(LOGIN, PIN, plum.base_url, timeout=5)


@pytest.fixture
def env(plum, tmp_path, monkeypatch) -> dict[str, str]:
    """The settings in the environment, pointing at the local server."""
    values = {
        "VXMLKIT_PLUM_LOGIN": LOGIN,
        "VXMLKIT_PLUM_PIN": PIN,
        "VXMLKIT_PLUM_OUTBOUND_URL": plum.base_url,
        "VXMLKIT_PLUM_SCHEDULER_TOKEN": TOKEN,
        "VXMLKIT_PUBLIC_URL": "https://ivr.example.com",
        "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VXMLKIT_APP", raising=False)
    monkeypatch.chdir(tmp_path)
    return values


# -- settings -------------------------------------------------------------------------------------


def test_settings_come_from_config_over_env_and_stay_out_of_repr() -> None:
    settings = PlumSettings.load(
        {"VXMLKIT_PLUM_PIN": "env-pin-1234", "VXMLKIT_PLUM_RETRY_FIELD": "max_retry", "VXMLKIT_PLUM_LOGIN": "env-login"},
        {"VXMLKIT_PLUM_LOGIN": "config-login",
         "VXMLKIT_PLUM_OUTBOUND_URL": "https://outbound-uk.example.com", "VXMLKIT_PLUM_SCHEDULER_TOKEN": "tok-5678"},
    )
    assert settings.login == "config-login" and settings.pin == "env-pin-1234"
    assert settings.outbound_url == "https://outbound-uk.example.com"
    assert settings.retry_field == "max_retry"
    shown = repr(settings)
    assert "env-pin-1234" not in shown and "config-login" not in shown and "tok-5678" not in shown
    client = settings.outbound_client()
    assert client.retry_field == "max_retry" and client.base_url == "https://outbound-uk.example.com"
    assert settings.scheduler_client().base_url == "https://scheduler.plumvoice.com/api"


def test_missing_credentials_name_the_variable() -> None:
    with pytest.raises(MissingSetting, match="VXMLKIT_PLUM_PIN must be set"):
        PlumSettings.load({"VXMLKIT_PLUM_LOGIN": "x"}, {}).outbound_client()
    with pytest.raises(MissingSetting, match="VXMLKIT_PLUM_SCHEDULER_TOKEN"):
        PlumSettings.load({}, {}).scheduler_client()


def test_parse_when_and_params() -> None:
    assert parse_when("1323248400") == 1323248400
    assert parse_when(" +1 hour ") == "+1 hour"
    assert parse_when(None) is None
    assert parse_params(["amount=42.10", "name=Ann=B"]) == {"amount": "42.10", "name": "Ann=B"}
    with pytest.raises(RuleViolation, match="name=value"):
        parse_params(["amount"])


# -- core of `vxmlkit call` ---------------------------------------------------------------------------


def test_queue_one_call_builds_the_phone_number_and_fields(plum, client) -> None:
    queued = queue_one_call(client, START, RESULT, "+16175551234", params={"amount": "42.10"}, ani="6175550000",
                            retries=2, retry_interval=600, at="+1 hour", expires="1323249000",
                            message_reference="inv-42")
    assert queued.call_id == "112850593"
    form = plum.requests[0].form
    assert form["phone_number"] == "tel:+16175551234;ani=6175550000"
    assert form["call_parameters"] == "amount=42.10"
    assert form["scheduled_time"] == "+1 hour"
    assert form["expiration_timestamp"] == "1323249000"
    assert form["max_retries"] == "2" and form["retry_interval"] == "600"
    assert form["message_reference"] == "inv-42"
    assert form["start_url"] == START and form["result_url"] == RESULT


def test_queue_one_call_refuses_a_second_ani(plum, client) -> None:
    with pytest.raises(RuleViolation, match="already carries"):
        queue_one_call(client, START, None, "tel:+16175551234;ani=6175550000", ani="6175550001")
    assert plum.requests == []


# -- core of `vxmlkit campaign` -------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "numbers.csv"
    path.write_text(text)
    return path


def test_campaign_file_is_sent_as_the_phone_list(plum, client, tmp_path) -> None:
    path = _write(tmp_path, "destination,first_name\n16175551234,Ann\ntel:+16175551235;ani=6175550000,Bob\n")
    campaign = queue_campaign_file(client, START, RESULT, path, name="spring", params={"batch": "1"}, retries=1)
    assert campaign is not None and campaign.calls == 2 and campaign.campaign_id == plum.campaign_ids[-1]
    seen = plum.requests[0]
    assert seen.form["campaign_name"] == "spring" and seen.form["campaign_parameters"] == "batch=1"
    assert seen.files["phone_list"][1].decode().splitlines() == [
        "16175551234,,first_name=Ann",
        "tel:+16175551235;ani=6175550000,,first_name=Bob",
    ]


def test_bad_rows_stop_the_campaign_and_nothing_is_sent(plum, client, tmp_path) -> None:
    path = _write(tmp_path, "16175551234\n6175551234\n16175551236,a,b,c\n")
    reported: list[str] = []
    with pytest.raises(BadRowsError, match="2 bad row") as caught:
        queue_campaign_file(client, START, None, path, name="c", report=reported.append)
    assert [bad.line for bad in caught.value.bad_rows] == [2, 3]
    assert reported[0].startswith(f"{path}:2: phone_number")
    assert reported[1].startswith(f"{path}:3: row")
    assert plum.requests == []


def test_skip_bad_sends_only_the_good_rows(plum, client, tmp_path) -> None:
    path = _write(tmp_path, "16175551234\n6175551234\n16175551236\n")
    reported: list[str] = []
    campaign = queue_campaign_file(client, START, None, path, name="c", skip_bad=True, report=reported.append)
    assert campaign is not None and campaign.calls == 2
    assert len(reported) == 1
    assert plum.requests[0].files["phone_list"][1].decode() == "16175551234\n16175551236\n"


def test_dry_run_checks_everything_and_sends_nothing(plum, client, tmp_path) -> None:
    path = _write(tmp_path, "16175551234\n")
    assert queue_campaign_file(client, START, None, path, name="c", dry_run=True) is None
    with pytest.raises(RuleViolation, match="from 0 to 10"):
        queue_campaign_file(client, START, None, path, name="c", retries=11, dry_run=True)
    assert plum.requests == []


def test_a_file_of_only_bad_rows_with_skip_bad_sends_nothing(plum, client, tmp_path) -> None:
    path = _write(tmp_path, "6175551234\n")
    with pytest.raises(RuleViolation, match="no call"):
        queue_campaign_file(client, START, None, path, name="c", skip_bad=True)
    assert plum.requests == []


# -- the click commands: checks that come before any URL or request --------------------------------------


def test_call_with_retries_11_exits_with_the_rule_before_any_request(plum, env) -> None:
    result = CliRunner().invoke(call_command, ["payment-reminder", "+16175551234", "--retries", "11"])
    assert result.exit_code == 2
    assert "--retries (max_retries): must be an integer from 0 to 10 (got 11)" in result.output
    assert plum.requests == []


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--retry-interval", "30"], "--retry-interval (retry_interval): must be an integer from 60 to 172800"),
        (["--at", "x" * 81], "--at (scheduled): must be at most 80 characters"),
        (["--ani", "16175550000"], "without the leading 1"),
        (["--param", "novalue"], "must look like name=value"),
    ],
)
def test_call_option_rules_exit_non_zero_before_any_request(plum, env, args, expected) -> None:
    result = CliRunner().invoke(call_command, ["payment-reminder", "+16175551234", *args])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert plum.requests == []


def test_campaign_with_bad_option_exits_before_reading_anything(plum, env, tmp_path) -> None:
    path = _write(tmp_path, "16175551234\n")
    result = CliRunner().invoke(campaign_command, ["payment-reminder", str(path), "--retries", "11"])
    assert result.exit_code == 2 and "from 0 to 10" in result.output
    assert plum.requests == []


def test_call_without_credentials_names_the_variable_and_sends_nothing(plum, env, monkeypatch) -> None:
    monkeypatch.delenv("VXMLKIT_PLUM_PIN")
    result = CliRunner().invoke(call_command, ["payment-reminder", "+16175551234"])
    assert result.exit_code == 1
    assert "VXMLKIT_PLUM_PIN must be set" in result.output
    assert LOGIN not in result.output
    assert plum.requests == []


def test_an_unknown_app_is_a_usage_error(plum, env) -> None:
    result = CliRunner().invoke(call_command, ["payment-reminder", "+16175551234", "--app", "no_such_module:app"])
    assert result.exit_code == 2 and "no_such_module" in result.output


# -- the click commands end to end: the example app, its signed URLs, the local Plum server -------------


def test_call_command_queues_the_flow_with_its_signed_urls(plum, env) -> None:
    result = CliRunner().invoke(
        call_command,
        ["payment-reminder", "+16175551234", "--param", "amount=42.10", "--ani", "6175550000", "--retries", "2",
         "--retry-interval", "600", "--at", "+1 hour", "--expires", "+1 day", "--ref", "inv-42"],
    )
    assert result.exit_code == 0, result.output
    assert "Queued call 112850593 (payment-reminder to +16175551234)." in result.output
    (seen,) = plum.requests
    form = seen.form
    assert form["start_url"].startswith("https://ivr.example.com/")
    assert "/payment-reminder/start?t=" in form["start_url"]
    assert "/payment-reminder/result?t=" in form["result_url"]
    assert form["phone_number"] == "tel:+16175551234;ani=6175550000"
    assert form["call_parameters"] == "amount=42.10"
    assert (form["max_retries"], form["retry_interval"]) == ("2", "600")
    assert (form["scheduled_time"], form["expiration_time"]) == ("+1 hour", "+1 day")
    assert form["message_reference"] == "inv-42"
    assert (form["login"], form["pin"]) == (LOGIN, PIN)
    assert PIN not in result.output and LOGIN not in result.output


def test_call_command_reports_plum_refusal_without_credentials(plum, env) -> None:
    plum.answer("/webservice/queuecall.php", 500, f"failed for {LOGIN}/{PIN}")
    result = CliRunner().invoke(call_command, ["payment-reminder", "16175551234"])
    assert result.exit_code == 1
    assert "Plum did not queue it (HTTP 500)" in result.output
    assert PIN not in result.output and LOGIN not in result.output


def test_call_command_retry_field_from_the_environment(plum, env, monkeypatch) -> None:
    monkeypatch.setenv("VXMLKIT_PLUM_RETRY_FIELD", "max_retry")
    result = CliRunner().invoke(call_command, ["payment-reminder", "16175551234", "--retries", "0"])
    assert result.exit_code == 0, result.output
    assert plum.requests[0].form["max_retry"] == "0"


def test_call_command_with_an_unknown_flow_is_a_usage_error(plum, env) -> None:
    result = CliRunner().invoke(call_command, ["no-such-flow", "16175551234"])
    assert result.exit_code == 2
    assert "no-such-flow" in result.output
    assert plum.requests == []


def test_call_command_without_a_public_url_says_which_setting(plum, env, monkeypatch) -> None:
    monkeypatch.delenv("VXMLKIT_PUBLIC_URL")
    result = CliRunner().invoke(call_command, ["payment-reminder", "16175551234"])
    assert result.exit_code == 1
    assert "VXMLKIT_PUBLIC_URL" in result.output
    assert plum.requests == []


def test_campaign_command_sends_the_file(plum, env, tmp_path) -> None:
    path = _write(tmp_path, "destination,first_name\n16175551234,Ann\n16175551235,Bob\n")
    result = CliRunner().invoke(campaign_command, ["payment-reminder", str(path), "--name", "spring",
                                                   "--retries", "1"])
    assert result.exit_code == 0, result.output
    assert f"Queued campaign 'spring' (id {plum.campaign_ids[-1]}) with 2 call(s)." in result.output
    seen = plum.requests[0]
    assert seen.path == "/webservice/queuecalls.php"
    assert "/payment-reminder/start?t=" in seen.form["start_url"]
    assert seen.form["max_retries"] == "1"
    assert seen.files["phone_list"][1] == b"16175551234,,first_name=Ann\n16175551235,,first_name=Bob\n"
    assert PIN not in result.output


def test_campaign_command_bad_rows_exit_with_line_numbers_and_send_nothing(plum, env, tmp_path) -> None:
    path = _write(tmp_path, "16175551234\n6175551234\n\nnot-a-number\n")
    result = CliRunner().invoke(campaign_command, ["payment-reminder", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: phone_number" in result.output
    assert f"{path}:4: phone_number" in result.output
    assert "2 bad row(s)" in result.output and "nothing was sent" in result.output
    assert plum.requests == []


def test_campaign_command_skip_bad_sends_the_good_rows(plum, env, tmp_path) -> None:
    path = _write(tmp_path, "16175551234\n6175551234\n16175551236\n")
    result = CliRunner().invoke(campaign_command, ["payment-reminder", str(path), "--skip-bad", "--name", "c"])
    assert result.exit_code == 0, result.output
    assert f"{path}:2: phone_number" in result.output
    assert plum.requests[0].files["phone_list"][1] == b"16175551234\n16175551236\n"


def test_campaign_command_dry_run_sends_nothing(plum, env, tmp_path) -> None:
    path = _write(tmp_path, "16175551234\n")
    result = CliRunner().invoke(campaign_command, ["payment-reminder", str(path), "--dry-run", "--name", "c"])
    assert result.exit_code == 0, result.output
    assert "nothing was sent" in result.output
    assert plum.requests == []


def test_campaign_command_shows_a_progress_bar_for_a_large_upload(plum, env, tmp_path) -> None:
    lines = "".join(f"1617{index:07d},reference-{index:08d},amount={index}.00&account=AC{index:010d}\n"
                    for index in range(6000))
    path = _write(tmp_path, lines)
    assert path.stat().st_size > 256 * 1024
    result = CliRunner().invoke(campaign_command, ["payment-reminder", str(path), "--name", "big"])
    assert result.exit_code == 0, result.output
    assert "Uploading phone list" in result.stderr
    assert "with 6000 call(s)" in result.output
    assert len(plum.requests[0].files["phone_list"][1].splitlines()) == 6000


# -- the calls queued are the calls the app starts ------------------------------------------------


def _start(app, url: str, phone: str, call_id: str = "c-1", reference: str = ""):
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return app.test_client().post(f"{parts.path}?{parts.query}", data={
        "phone_number": phone, "call_id": call_id, "message_reference": reference, "call_parameters": "amount=1"})


def test_call_command_binds_the_start_url_to_the_queued_call(plum, env) -> None:
    from vxmlkit.app import create_app
    from vxmlkit.extension import get_kit
    from vxmlkit.urls import flow_urls

    result = CliRunner().invoke(call_command, ["payment-reminder", "+16175551234", "--param", "amount=42.10",
                                               "--param", "account=A-1", "--ref", "inv-42"])
    assert result.exit_code == 0, result.output
    start_url = plum.requests[0].form["start_url"]
    app = create_app()
    assert _start(app, start_url, "+15555550199", reference="inv-42").status_code == 403  # a stranger's number
    assert _start(app, flow_urls(app, "payment-reminder").start_url, "+16175551234").status_code == 403
    assert _start(app, start_url, "16175551234", reference="inv-42").status_code == 200
    [session] = get_kit(app).sessions.recent()
    assert session.call_parameters == "amount=42.10&account=A-1"  # as queued, not as posted


def test_a_call_plum_refused_never_starts(plum, env) -> None:
    from vxmlkit.app import create_app
    from vxmlkit.extension import get_kit

    plum.answer("/webservice/queuecall.php", 500, "no")
    assert CliRunner().invoke(call_command, ["payment-reminder", "16175551234"]).exit_code == 1
    assert get_kit(create_app()).queued_calls.counts() == {"cancelled": 1}


def test_campaign_command_binds_the_start_url_to_the_campaigns_calls(plum, env, tmp_path) -> None:
    from vxmlkit.app import create_app

    path = _write(tmp_path, "destination,amount\n16175551234,10\n16175551235,20\n")
    result = CliRunner().invoke(campaign_command, ["payment-reminder", str(path), "--name", "spring"])
    assert result.exit_code == 0, result.output
    start_url = plum.requests[0].form["start_url"]
    app = create_app()
    assert _start(app, start_url, "16175559999").status_code == 403
    assert _start(app, start_url, "16175551235").status_code == 200
