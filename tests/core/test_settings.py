"""One way to read settings: the Flask config first, then the environment, everywhere.

Security settings take an explicit value or their secure default; debug never relaxes them.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from vxmlkit.app import create_app
from vxmlkit.settings import SETTINGS, SettingError, Settings, setting

ROOT = Path(__file__).resolve().parents[2]
# Names in the docs that are not settings of the table: CLI options' variables (read by click:
# --app, the emulator's options) and the test suite's own database.
NOT_SETTINGS = {"VXMLKIT_APP", "VXMLKIT_TEST_DATABASE_URL", "VXMLKIT_EMULATOR_LOGIN", "VXMLKIT_EMULATOR_PIN",
                "VXMLKIT_EMULATOR_TOKEN", "VXMLKIT_EMULATOR_LOG"}


def documented_names() -> set[str]:
    text = (ROOT / "README.md").read_text() + "".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    return set(re.findall(r"\bVXMLKIT_[A-Z0-9_]*[A-Z0-9]\b", text)) - NOT_SETTINGS


def test_every_documented_setting_is_in_the_table_and_every_setting_is_documented() -> None:
    table = {entry.name for entry in SETTINGS}
    assert documented_names() - table == set()
    readme = (ROOT / "README.md").read_text()
    assert [name for name in sorted(table) if name not in readme] == []


@pytest.mark.parametrize("entry", SETTINGS, ids=lambda entry: entry.name)
def test_each_setting_is_read_from_the_config_and_from_the_environment(entry) -> None:
    assert entry.example, f"{entry.name} needs an example value"
    expected = entry.parse(entry.example)
    assert expected != entry.default
    assert Settings({entry.name: entry.example}, {})[entry.name] == expected
    assert Settings({}, {entry.name: entry.example})[entry.name] == expected
    assert Settings({}, {})[entry.name] == entry.default
    # the config wins over the environment
    assert Settings({entry.name: entry.example}, {entry.name: "something else entirely"})[entry.name] == expected
    assert Settings({entry.name: entry.example}, {}).source(entry.name) == "config"
    assert Settings({}, {entry.name: entry.example}).source(entry.name) == "environment"


@pytest.mark.parametrize("entry", [e for e in SETTINGS if e.name not in ("VXMLKIT_SMS_GATEWAY", "VXMLKIT_DATABASE_URL", "VXMLKIT_SECRET_KEY")],
                         ids=lambda entry: entry.name)
def test_the_app_reads_each_setting_from_the_environment(entry, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VXMLKIT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("VXMLKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv(entry.name, entry.example)
    app = create_app()
    assert app.config[entry.name] == entry.parse(entry.example)


def test_the_sms_gateway_comes_from_the_environment_in_the_app(tmp_path, monkeypatch) -> None:
    from vxmlkit.extension import get_kit
    from vxmlkit.sms.gateways import PlumSmsGateway

    for name, value in {
        "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"), "VXMLKIT_SMS_GATEWAY": "plum",
        "VXMLKIT_PLUM_SMS_URL": "http://127.0.0.1:9/", "VXMLKIT_PLUM_LOGIN": "l", "VXMLKIT_PLUM_PASSWORD": "p",
        "VXMLKIT_SMS_SENDER": "+16175551234",
    }.items():
        monkeypatch.setenv(name, value)
    assert isinstance(get_kit(create_app()).sms_gateway, PlumSmsGateway)


# -- security settings ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ture", "", "  ", "maybe"])
def test_an_unreadable_security_value_stops_the_app_naming_the_setting(value, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VXMLKIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("VXMLKIT_REQUIRE_START_TOKEN", value)
    with pytest.raises(SettingError, match="VXMLKIT_REQUIRE_START_TOKEN"):
        create_app()


@pytest.mark.parametrize(("name", "value"), [("VXMLKIT_TRUSTED_NETWORKS", "10.0.0.0/33"), ("VXMLKIT_TOKEN_MAX_AGE", "2h"),
                                             ("VXMLKIT_ALLOW_UNQUEUED_CALLS", "")])
def test_other_security_values_are_checked_at_start_up(name, value, tmp_path) -> None:
    with pytest.raises(SettingError, match=name):
        create_app({name: value, "VXMLKIT_INSTANCE_PATH": str(tmp_path)})


def test_flask_debug_does_not_turn_the_start_token_off(tmp_path) -> None:
    """FLASK_DEBUG=1 in a fresh process: the app is in debug, a start POST without a token is refused."""
    code = (
        "from vxmlkit.app import create_app\n"
        "app = create_app()\n"
        "assert app.debug, 'FLASK_DEBUG=1 should put the app in debug'\n"
        "answer = app.test_client().post('/vxml/survey/start', data={'call_id': 'x', 'phone_number': '+16175550100'})\n"
        "print(answer.status_code, app.config['VXMLKIT_REQUIRE_START_TOKEN'], answer.mimetype)\n"
    )
    env = {**os.environ, "FLASK_DEBUG": "1", "VXMLKIT_INSTANCE_PATH": str(tmp_path)}
    env.pop("VXMLKIT_REQUIRE_START_TOKEN", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["403", "True", "application/voicexml+xml"]


def test_only_a_testing_app_gets_the_relaxed_defaults(tmp_path) -> None:
    assert Settings({}, {}, testing=True)["VXMLKIT_REQUIRE_START_TOKEN"] is False
    assert Settings({}, {})["VXMLKIT_REQUIRE_START_TOKEN"] is True
    testing = create_app({"TESTING": True, "VXMLKIT_INSTANCE_PATH": str(tmp_path)})
    assert testing.config["VXMLKIT_REQUIRE_START_TOKEN"] is False
    debug = create_app({"DEBUG": True, "VXMLKIT_INSTANCE_PATH": str(tmp_path)})
    assert debug.config["VXMLKIT_REQUIRE_START_TOKEN"] is True
    # an explicit value in a testing app is kept
    assert create_app({"TESTING": True, "VXMLKIT_REQUIRE_START_TOKEN": "yes"}).config["VXMLKIT_REQUIRE_START_TOKEN"] is True


def test_unknown_names_are_not_settings() -> None:
    with pytest.raises(KeyError):
        setting("VXMLKIT_NO_SUCH_THING")


# -- the outbox warning -------------------------------------------------------------------------------


def test_serving_with_the_outbox_outside_debug_and_testing_warns(tmp_path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="vxmlkit"):
        create_app({"VXMLKIT_INSTANCE_PATH": str(tmp_path)})
    assert any("no message leaves this machine" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="vxmlkit"):
        create_app({"TESTING": True})
    assert not any("no message leaves" in record.getMessage() for record in caplog.records)


# -- a real gunicorn process, every SMS setting from its environment ---------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gunicorn_honours_the_sms_gateway_from_its_environment(tmp_path) -> None:
    from tests.sms.conftest import ProviderServer, start_server
    from vxmlkit.browser import Browser, Input

    provider = ProviderServer()
    sent: list[dict[str, str]] = []

    def answer(seen):
        if seen.path != "/ws/sms/queue.json":
            return provider.reply(404, "<html>no</html>", "text/html")
        sent.append(seen.form)
        entry = {"sms_message_id": "plum-1", "to": seen.form["to"], "status": "queued", "body": seen.form["body"]}
        return provider.reply(200, {"status": "success", "error": None, "result": {"sms_messages": [entry]}})

    provider.answer = answer
    sms_server = start_server(provider)
    port = _free_port()
    env = {
        **os.environ,
        "VXMLKIT_SECRET_KEY": "gunicorn-test-secret",
        "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"),
        "VXMLKIT_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "VXMLKIT_ALLOW_UNQUEUED_CALLS": "order-confirmation",
        "VXMLKIT_SMS_GATEWAY": "plum",
        "VXMLKIT_PLUM_SMS_URL": provider.base_url,
        "VXMLKIT_PLUM_LOGIN": "acme",
        "VXMLKIT_PLUM_PASSWORD": "pw-from-env",
        "VXMLKIT_SMS_SENDER": "+16175551234",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "vxmlkit.app:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/vxml/order-confirmation/start", timeout=2).read()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        app = create_app({"VXMLKIT_SECRET_KEY": "gunicorn-test-secret", "VXMLKIT_PUBLIC_URL": f"http://127.0.0.1:{port}",
                          "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance")})
        from vxmlkit.urls import flow_urls

        start_url = flow_urls(app, "order-confirmation").start_url
        session = Browser().dial(start_url, method="POST", data={
            "phone_number": "+16175550142", "message_reference": "m-1", "call_id": "c-1",
            "call_parameters": "order=A1234&total=129.90&items=3&pay_by=2026-12-01",
        }, dnis="+16175550142")
        session.send(Input.dtmf("1"))
        assert session.ended == "disconnect", session.transcript_text()
        assert len(sent) == 1 and sent[0]["to"] == "16175550142" and "A1234" in sent[0]["body"]
        assert "on their way" in " ".join(session.prompts)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        sms_server.shutdown()
        sms_server.server_close()


# -- the generated secret ----------------------------------------------------------------------------


def test_workers_starting_together_agree_on_one_secret(tmp_path) -> None:
    """Many starters on an empty instance folder: none fails, none reads a half-written file,
    all get the same secret."""
    import threading

    from vxmlkit.app import _instance_secret

    for round_ in range(20):
        folder = tmp_path / f"instance-{round_}"
        barrier = threading.Barrier(12)
        got: list[str] = []
        errors: list[BaseException] = []

        def start() -> None:
            barrier.wait()
            try:
                got.append(_instance_secret(folder))
            except BaseException as exc:  # noqa: BLE001 - any failure is the test's finding
                errors.append(exc)

        threads = [threading.Thread(target=start) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(got) == 12 and len(set(got)) == 1 and len(got[0]) >= 32
        assert sorted(p.name for p in folder.iterdir()) == ["secret_key"]
