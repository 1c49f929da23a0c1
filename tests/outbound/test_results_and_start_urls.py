"""Signed start/result URLs, the result_url intake and ``vxmlkit results``."""

from __future__ import annotations

import csv
import io
import logging
import threading
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from vxmlkit import Flow, hangup, say, step
from vxmlkit.app import create_app
from vxmlkit.cli import cli
from vxmlkit.extension import get_kit
from vxmlkit.queueing import record_call
from vxmlkit.urls import flow_urls
from vxmlkit.validation import check_document

SEEN: list = []


class Reminder(Flow):
    name = "reminder"

    @step(start=True)
    def hello(self, call):
        return [say("Hello."), hangup()]

    def on_result(self, result):
        SEEN.append(result)
        if result.message_reference == "explode":
            raise RuntimeError("CRM is down")


@pytest.fixture
def production_app(tmp_path):
    SEEN.clear()
    return create_app({"VXMLKIT_SECRET_KEY": "s", "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                       "VXMLKIT_PUBLIC_URL": "https://ivr.example.com/"}, flows=[Reminder])


def result_form(**overrides):
    form = {"phone_number": "16175551234", "message_reference": "inv-1", "call_id": "99", "result": "completed",
            "callee_type": "voice", "attempts": "1", "last_attempt_timestamp": "1795315619", "duration": "42"}
    form.update(overrides)
    return form


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_flow_urls_are_absolute_and_signed(production_app):
    urls = flow_urls(production_app, "reminder")
    assert urls.start_url.startswith("https://ivr.example.com/vxml/reminder/start?t=reminder.")
    assert urls.result_url.startswith("https://ivr.example.com/vxml/reminder/result?t=reminder.")
    with production_app.app_context():
        assert Reminder.start_url().startswith("https://ivr.example.com/vxml/reminder/start?t=reminder.-.start.")
        assert Reminder.result_url().startswith("https://ivr.example.com/vxml/reminder/result?t=reminder.-.result.")
    assert Reminder.start_url(production_app).startswith("https://ivr.example.com/vxml/reminder/start?t=")
    with pytest.raises(LookupError):
        flow_urls(production_app, "nope")


def test_public_url_is_required_outside_a_request(tmp_path):
    app = create_app({"VXMLKIT_SECRET_KEY": "s", "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"},
                     flows=[Reminder])
    with pytest.raises(ValueError, match="VXMLKIT_PUBLIC_URL"):
        flow_urls(app, "reminder")
    with app.test_request_context("/", base_url="https://proxy.example.org"):
        assert flow_urls(app, "reminder").start_url.startswith("https://proxy.example.org/vxml/reminder/start?t=")


def test_production_requires_the_start_token_but_answers_the_preflight(production_app):
    client = production_app.test_client()
    assert client.get("/vxml/reminder/start").status_code == 200
    refused = client.post("/vxml/reminder/start", data={"phone_number": "1"})
    assert refused.status_code == 403
    check_document(refused.data)
    tampered = local(flow_urls(production_app, "reminder").start_url)[:-3] + "xyz"
    assert client.post(tampered, data={"phone_number": "1"}).status_code == 403
    result_token = local(flow_urls(production_app, "reminder").result_url).split("?")[1]
    assert client.post(f"/vxml/reminder/start?{result_token}", data={"phone_number": "1"}).status_code == 403
    # the flow's own start URL names no queued call: refused unless the flow is open to unqueued calls
    unqueued = client.post(local(flow_urls(production_app, "reminder").start_url), data={"phone_number": "16175551234"})
    assert unqueued.status_code == 403
    check_document(unqueued.data)
    queued = record_call(production_app, "reminder", "+16175551234")
    good = client.post(local(queued.start_url), data={"phone_number": "16175551234", "call_id": "c1"})
    assert good.status_code == 200 and b"Hello." in good.data


def test_result_intake_once_with_the_hook(production_app):
    client = production_app.test_client()
    url = local(flow_urls(production_app, "reminder").result_url)
    assert client.get(url.split("?")[0]).status_code == 200  # pre-flight, no token needed
    assert client.post(url, data=result_form()).status_code == 200
    assert client.post(url, data=result_form()).status_code == 200
    kit = get_kit(production_app)
    stored = kit.results.list()
    assert len(stored) == 1 and len(SEEN) == 1
    r = stored[0]
    assert (r.flow, r.phone_number, r.message_reference, r.call_id, r.result, r.callee_type, r.attempts, r.duration) == (
        "reminder", "16175551234", "inv-1", "99", "completed", "voice", 1, 42)
    assert r.last_attempt is not None and r.completed
    assert kit.results.hook_status("inv-1", "99") == ("done", None)


def test_result_without_token_is_refused_in_production(production_app):
    client = production_app.test_client()
    assert client.post("/vxml/reminder/result", data=result_form()).status_code == 403
    assert get_kit(production_app).results.list() == []


def test_unknown_values_are_kept_raw_and_logged(production_app, caplog):
    client = production_app.test_client()
    url = local(flow_urls(production_app, "reminder").result_url)
    with caplog.at_level(logging.WARNING, logger="vxmlkit"):
        response = client.post(url, data=result_form(result="abandoned", callee_type="robot", attempts="two"))
    assert response.status_code == 200
    r = get_kit(production_app).results.list()[0]
    assert (r.result, r.callee_type, r.attempts, r.raw["attempts"]) == ("abandoned", "robot", None, "two")
    assert "unknown result 'abandoned'" in caplog.text and "unknown callee_type 'robot'" in caplog.text


def test_a_failing_hook_is_logged_and_the_result_kept(production_app, caplog):
    client = production_app.test_client()
    url = local(flow_urls(production_app, "reminder").result_url)
    with caplog.at_level(logging.ERROR, logger="vxmlkit"):
        assert client.post(url, data=result_form(message_reference="explode")).status_code == 200
    kit = get_kit(production_app)
    assert len(kit.results.list()) == 1
    status, error = kit.results.hook_status("explode", "99")
    assert status == "error" and "CRM is down" in error and "CRM is down" in caplog.text


def test_two_identical_posts_at_once_store_one_and_run_the_hook_once(production_app):
    url = local(flow_urls(production_app, "reminder").result_url)
    barrier = threading.Barrier(6)
    codes = []

    def post():
        client = production_app.test_client()
        barrier.wait()
        codes.append(client.post(url, data=result_form(message_reference="race")).status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 6
    assert len(get_kit(production_app).results.list()) == 1 and len(SEEN) == 1


def test_results_command(production_app, monkeypatch):
    client = production_app.test_client()
    url = local(flow_urls(production_app, "reminder").result_url)
    client.post(url, data=result_form(message_reference="a", call_id="1"))
    client.post(url, data=result_form(message_reference="b", call_id="2", result="failed", callee_type="busy"))
    monkeypatch.setattr("vxmlkit.discovery.import_app", lambda spec: production_app)
    runner = CliRunner()
    out = runner.invoke(cli, ["results", "--app", "prod", "--flow", "reminder"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2 and " b " in lines[0] and "failed" in lines[0] and "busy" in lines[0]
    out = runner.invoke(cli, ["results", "--app", "prod", "--csv", "--since", "1h"])
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [row["message_reference"] for row in rows] == ["b", "a"]
    assert runner.invoke(cli, ["results", "--app", "prod", "--flow", "other"]).stdout.strip() == "no results"
    assert runner.invoke(cli, ["results", "--app", "prod", "--since", "tomorrowish"]).exit_code == 2
