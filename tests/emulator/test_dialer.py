"""The emulator dials: pre-flight, start POST, the callee's script, retries, expiry, results."""

from __future__ import annotations

import json
import logging
import urllib.request

from vxmlkit.plum import OutboundClient

from .conftest import LOGIN, PIN, wait_until

RULES = """
rules:
  - {pattern: "16175550001", answer: voice, inputs: ["dtmf:1"]}
  - {pattern: "16175550002", answer: [busy, noanswer, voice], inputs: ["dtmf:2"]}
  - {pattern: "16175550003", answer: busy}
  - {pattern: "16175550004", answer: answeringmachine}
  - {pattern: "1617555001?", answer: fax}
  - {pattern: "16175550005", answer: voice, inputs: ["dtmf:1"], hangup_after: 1}
"""


def _client(emulator) -> OutboundClient:
    return OutboundClient(LOGIN, PIN, emulator.base_url, timeout=5)


def _settled(emulator, count: int) -> bool:
    calls = list(emulator.platform.calls.values())
    return len(calls) == count and all(c.result_post in ("delivered", "no result_url") for c in calls)


def test_an_answered_call_gets_preflight_start_post_and_result(start_emulator, voice_app, caplog) -> None:
    caplog.set_level(logging.INFO, logger="vxmlkit.emulator")
    emulator = start_emulator(RULES)
    queued = _client(emulator).queue_call("tel:+16175550001;ani=6175559999", voice_app.base_url + "/start",
                                          voice_app.base_url + "/result", message_reference="ref-1",
                                          call_parameters={"amount": "42.10"})
    assert wait_until(lambda: _settled(emulator, 1))
    # pre-flight: a GET of each URL before the first dial
    assert [s.path for s in voice_app.seen("GET")] == ["/start", "/result"]
    (start,) = voice_app.seen("POST", "/start")
    assert start.form == {"phone_number": "tel:+16175550001;ani=6175559999", "message_reference": "ref-1",
                          "call_parameters": "amount=42.10", "call_id": queued.call_id}
    (answer,) = voice_app.seen("POST", "/answer")
    assert answer.form == {"choice": "1"}
    (result,) = voice_app.seen("POST", "/result")
    assert set(result.form) == {"phone_number", "message_reference", "call_id", "result", "callee_type",
                                "attempts", "last_attempt_timestamp", "duration"}
    assert (result.form["result"], result.form["callee_type"], result.form["attempts"]) == ("completed", "voice", "1")
    assert result.form["call_id"] == queued.call_id and result.form["message_reference"] == "ref-1"
    call = emulator.platform.calls[queued.call_id]
    assert int(result.form["last_attempt_timestamp"]) == int(call.attempts[0].started)
    assert int(result.form["duration"]) == call.attempts[0].duration >= 1
    assert "heard: Hello. Press 1 to confirm or 2 to cancel." in call.attempts[0].transcript
    placed = [r.getMessage() for r in caplog.records if "attempt 1/1" in r.getMessage()]
    assert len(placed) == 1 and queued.call_id in placed[0] and "voice, completed" in placed[0]


def test_failed_attempts_are_retried_after_the_interval_on_the_platform_clock(start_emulator, voice_app) -> None:
    emulator = start_emulator(RULES, speed=6000)
    queued = _client(emulator).queue_call("16175550002", voice_app.base_url + "/start", voice_app.base_url + "/result",
                                          max_retries=3, retry_interval=600)
    assert wait_until(lambda: _settled(emulator, 1))
    call = emulator.platform.calls[queued.call_id]
    assert [a.callee_type for a in call.attempts] == ["busy", "noanswer", "voice"]
    starts = [a.started for a in call.attempts]
    # each retry waits retry_interval seconds of platform time (which ran 6000 times faster)
    assert all(later - earlier >= 600 for earlier, later in zip(starts, starts[1:]))
    (result,) = voice_app.seen("POST", "/result")
    assert (result.form["result"], result.form["callee_type"], result.form["attempts"]) == ("completed", "voice", "3")
    assert len(voice_app.seen("POST", "/start")) == 1  # only the answered attempt reached the app


def test_retries_run_out_and_the_result_says_failed(start_emulator, voice_app) -> None:
    emulator = start_emulator(RULES)
    _client(emulator).queue_call("16175550003", voice_app.base_url + "/start", voice_app.base_url + "/result",
                                 max_retries=2, retry_interval=60)
    _client(emulator).queue_call("16175550011", voice_app.base_url + "/start", voice_app.base_url + "/result")
    assert wait_until(lambda: _settled(emulator, 2))
    results = {s.form["phone_number"]: s.form for s in voice_app.seen("POST", "/result")}
    assert (results["16175550003"]["result"], results["16175550003"]["callee_type"],
            results["16175550003"]["attempts"]) == ("failed", "busy", "3")
    assert (results["16175550011"]["result"], results["16175550011"]["callee_type"],
            results["16175550011"]["attempts"]) == ("failed", "fax", "1")
    assert voice_app.seen("POST", "/start") == []


def test_an_answering_machine_completes_as_answeringmachine(start_emulator, voice_app) -> None:
    emulator = start_emulator(RULES)
    _client(emulator).queue_call("16175550004", voice_app.base_url + "/start", voice_app.base_url + "/result")
    assert wait_until(lambda: _settled(emulator, 1))
    (result,) = voice_app.seen("POST", "/result")
    assert (result.form["result"], result.form["callee_type"]) == ("completed", "answeringmachine")
    assert voice_app.seen("POST", "/answer") == []  # the machine pressed nothing


def test_a_callee_who_hangs_up_early_answers_nothing(start_emulator, voice_app) -> None:
    emulator = start_emulator(RULES)
    queued = _client(emulator).queue_call("16175550005", voice_app.base_url + "/start", voice_app.base_url + "/result")
    assert wait_until(lambda: _settled(emulator, 1))
    assert voice_app.seen("POST", "/answer") == []
    attempt = emulator.platform.calls[queued.call_id].attempts[0]
    assert attempt.duration == 1 and "caller: hangup" in attempt.transcript


def test_a_call_past_its_expiration_is_not_placed_and_reports_failed(start_emulator, voice_app) -> None:
    emulator = start_emulator(RULES)
    now = int(emulator.clock.now())
    queued = _client(emulator).queue_call("16175550001", voice_app.base_url + "/start", voice_app.base_url + "/result",
                                          scheduled="+2 hours", expires=now + 3600)
    assert wait_until(lambda: _settled(emulator, 1))
    assert emulator.platform.calls[queued.call_id].state == "expired"
    (result,) = voice_app.seen("POST", "/result")
    assert (result.form["result"], result.form["callee_type"], result.form["attempts"]) == ("failed", "unknown", "0")
    assert voice_app.seen("POST", "/start") == []


def test_a_scheduled_call_waits_for_its_time(start_emulator, voice_app) -> None:
    emulator = start_emulator(RULES, speed=7200)
    queued_at = emulator.clock.now()
    queued = _client(emulator).queue_call("16175550001", voice_app.base_url + "/start", voice_app.base_url + "/result",
                                          scheduled="+1 hour")
    assert wait_until(lambda: _settled(emulator, 1))
    assert emulator.platform.calls[queued.call_id].attempts[0].started >= queued_at + 3600


def test_a_result_url_that_refuses_is_posted_again_until_200(start_emulator, voice_app) -> None:
    voice_app.refuse_results = 2
    emulator = start_emulator(RULES, callback_retry=60.0)
    _client(emulator).queue_call("16175550001", voice_app.base_url + "/start", voice_app.base_url + "/result")
    assert wait_until(lambda: _settled(emulator, 1))
    posts = voice_app.seen("POST", "/result")
    assert len(posts) == 3 and posts[0].form == posts[2].form


def test_a_failed_preflight_fails_the_attempt_without_a_start_post(start_emulator, voice_app) -> None:
    emulator = start_emulator(RULES)
    _client(emulator).queue_call("16175550001", voice_app.base_url + "/missing", voice_app.base_url + "/result")
    assert wait_until(lambda: _settled(emulator, 1))
    (result,) = voice_app.seen("POST", "/result")
    assert (result.form["result"], result.form["callee_type"]) == ("failed", "unknown")
    (call,) = emulator.platform.calls.values()
    assert "HTTP 404" in (call.attempts[0].error or "")


def test_the_status_page_lists_calls_with_state_attempts_and_transcripts(start_emulator, voice_app) -> None:
    emulator = start_emulator(RULES)
    client = _client(emulator)
    client.queue_campaign("spring", [("16175550001", "a"), ("16175550003", "b")], voice_app.base_url + "/start",
                          voice_app.base_url + "/result", max_retries=1, retry_interval=60)
    assert wait_until(lambda: _settled(emulator, 2))
    with urllib.request.urlopen(emulator.base_url + "/?format=json", timeout=5) as answer:
        data = json.load(answer)
    (batch,) = data["batches"]
    assert batch["name"] == "spring" and batch["states"]["completed"] == 1 and batch["states"]["failed"] == 1
    calls = {c["message_reference"]: c for c in data["calls"]}
    assert (calls["a"]["state"], calls["a"]["attempts"], calls["a"]["callee_type"]) == ("completed", 1, "voice")
    assert (calls["b"]["state"], calls["b"]["attempts"], calls["b"]["callee_type"]) == ("failed", 2, "busy")
    assert "caller: pressed 1" in calls["a"]["history"][0]["transcript"]
    with urllib.request.urlopen(emulator.base_url + "/", timeout=5) as answer:
        page = answer.read().decode()
    assert "spring" in page and "retry pending" in page and "caller: pressed 1" in page


def test_signed_tokens_in_the_apps_urls_stay_off_the_page_and_the_log(start_emulator, voice_app, caplog) -> None:
    caplog.set_level(logging.INFO, logger="vxmlkit.emulator")
    voice_app.refuse_results = 1
    emulator = start_emulator(RULES)
    client = _client(emulator)
    client.queue_call("16175550001", voice_app.base_url + "/start?t=SIGNED-start-token",
                      voice_app.base_url + "/result?t=SIGNED-result-token")
    client.queue_call("16175550001", voice_app.base_url + "/missing?t=SIGNED-missing-token")
    assert wait_until(lambda: _settled(emulator, 2))
    assert len(voice_app.seen("POST", "/result")) == 2  # the tokens still reach the app
    with urllib.request.urlopen(emulator.base_url + "/?format=json", timeout=5) as answer:
        page = answer.read().decode()
    with urllib.request.urlopen(emulator.base_url + "/", timeout=5) as answer:
        page += answer.read().decode()
    assert "/start" in page and "HTTP 404" in page
    emulator_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("vxmlkit.emulator"))
    shown = page.find("SIGNED")
    assert shown == -1, page[max(0, shown - 300):shown + 50]
    assert "SIGNED" not in emulator_log
