"""The console's routes and calls, without a browser: who may use it, and what a call keeps."""

from __future__ import annotations

import pytest

from vxmlkit.app import create_app
from vxmlkit.console import console_url
from vxmlkit.console.views import TOKEN_HEADER
from vxmlkit.extension import get_kit


def _app(tmp_path, **config):
    settings = {"VXMLKIT_SECRET_KEY": "s3cret", "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}"}
    settings.update(config)
    return create_app(settings)


def _token(app) -> str:
    return console_url(app, get_kit(app), "").split("t=", 1)[1]


def test_not_mounted_in_production_by_default(tmp_path):
    app = _app(tmp_path)
    assert not app.debug and not app.testing
    response = app.test_client().get("/vxml/_console/?t=x")
    # Not a console page: the vxmlkit catch-all answers VoiceXML.
    assert response.status_code == 404
    assert response.content_type.startswith("application/voicexml+xml")


def test_mounted_in_debug_or_when_enabled(tmp_path):
    debug = _app(tmp_path, DEBUG=True)
    assert debug.test_client().get(f"/vxml/_console/?t={_token(debug)}").status_code == 200
    enabled = _app(tmp_path, VXMLKIT_CONSOLE="1")
    assert enabled.test_client().get(f"/vxml/_console/?t={_token(enabled)}").status_code == 200
    off_in_debug = _app(tmp_path, DEBUG=True, VXMLKIT_CONSOLE="0")
    assert off_in_debug.test_client().get(f"/vxml/_console/?t={_token(off_in_debug)}").status_code == 404


def test_an_unreadable_setting_stops_the_app(tmp_path):
    with pytest.raises(ValueError, match="VXMLKIT_CONSOLE"):
        _app(tmp_path, VXMLKIT_CONSOLE="ture")


def test_every_route_needs_the_token(tmp_path):
    app = _app(tmp_path, VXMLKIT_CONSOLE="1")
    client = app.test_client()
    assert client.get("/vxml/_console/").status_code == 403
    assert client.get("/vxml/_console/api/flows").status_code == 403
    assert client.post("/vxml/_console/api/calls", json={"flow": "survey"}).status_code == 403
    forged = _app(tmp_path, VXMLKIT_CONSOLE="1", VXMLKIT_SECRET_KEY="another secret")
    assert client.get("/vxml/_console/api/flows", headers={TOKEN_HEADER: _token(forged)}).status_code == 403
    # A token of another purpose (a start URL's) is not a console token.
    start_token = get_kit(app).start_signer.sign(__import__("vxmlkit.tokens").tokens.StepToken("survey", "-", "start"))
    assert client.get("/vxml/_console/api/flows", headers={TOKEN_HEADER: start_token}).status_code == 403
    assert client.get("/vxml/_console/api/flows", headers={TOKEN_HEADER: _token(app)}).status_code == 200


def test_a_console_call_stays_in_its_sandbox(tmp_path):
    app = _app(tmp_path, VXMLKIT_CONSOLE="1")
    kit = get_kit(app)
    client = app.test_client()
    headers = {TOKEN_HEADER: _token(app)}
    dialled = client.post("/vxml/_console/api/calls", headers=headers, json={
        "flow": "payment-reminder", "phone_number": "+16175551234",
        "call_parameters": "amount=42.10&account=A-1", "callee_type": "voice"})
    assert dialled.status_code == 200, dialled.get_json()
    call = dialled.get_json()
    assert call["waiting"]["kind"] == "field" or call["waiting"] is not None
    call = client.post(f"/vxml/_console/api/calls/{call['id']}/press", headers=headers, json={"value": "1"}).get_json()
    call = client.post(f"/vxml/_console/api/calls/{call['id']}/press", headers=headers,
                       json={"value": "4111111111111111#"}).get_json()
    assert call["ended"] == "disconnect"
    assert call["path"] == ["opening", "greet", "pay", "charge", "receipt_sent"]
    assert call["sms"][0]["to"] == "+16175551234"
    # The app's own store and outbox saw nothing of it.
    assert kit.sessions.recent(limit=10) == []
    from vxmlkit.sms import list_messages

    assert list_messages(kit.store) == []
    # A closed call's sandbox is gone.
    folder = app.extensions["vxmlkit.console"].get(call["id"]).sandbox.folder
    assert folder.exists()
    client.delete(f"/vxml/_console/api/calls/{call['id']}", headers=headers)
    assert not folder.exists()
    assert client.get(f"/vxml/_console/api/calls/{call['id']}", headers=headers).status_code == 400


def test_bad_actions_get_clear_errors(tmp_path):
    app = _app(tmp_path, VXMLKIT_CONSOLE="1")
    client = app.test_client()
    headers = {TOKEN_HEADER: _token(app)}
    unknown = client.post("/vxml/_console/api/calls", headers=headers, json={"flow": "nope"})
    assert unknown.status_code == 400 and "no flow 'nope'" in unknown.get_json()["error"]
    call = client.post("/vxml/_console/api/calls", headers=headers,
                       json={"flow": "survey", "callee_type": "robot"})
    assert call.status_code == 400 and "callee type" in call.get_json()["error"]
    call = client.post("/vxml/_console/api/calls", headers=headers, json={"flow": "survey"}).get_json()
    bad = client.post(f"/vxml/_console/api/calls/{call['id']}/dance", headers=headers, json={})
    assert bad.status_code == 400 and "unknown action" in bad.get_json()["error"]
    client.post(f"/vxml/_console/api/calls/{call['id']}/hang_up", headers=headers, json={})
    after = client.post(f"/vxml/_console/api/calls/{call['id']}/press", headers=headers, json={"value": "1"})
    assert after.status_code == 400 and "ended" in after.get_json()["error"]


def test_saved_test_replays_the_call(tmp_path, pytester):
    """The code "save as test" writes runs green as a test of the same call."""
    app = _app(tmp_path, VXMLKIT_CONSOLE="1")
    client = app.test_client()
    headers = {TOKEN_HEADER: _token(app)}
    call = client.post("/vxml/_console/api/calls", headers=headers, json={
        "flow": "payment-reminder", "phone_number": "+16175551234",
        "call_parameters": "amount=42.10&account=A-1"}).get_json()
    for keys in ("1", "4111111111111111#"):
        call = client.post(f"/vxml/_console/api/calls/{call['id']}/press", headers=headers, json={"value": keys}).get_json()
    saved = client.get(f"/vxml/_console/api/calls/{call['id']}/test", headers=headers).get_json()
    pytester.makeini("[pytest]\nvxml_app = vxmlkit.app:create_app\n")
    pytester.makepyfile(test_saved=saved["test"])
    golden = pytester.path / saved["golden_path"]
    golden.parent.mkdir(parents=True)
    golden.write_text(saved["golden"])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
