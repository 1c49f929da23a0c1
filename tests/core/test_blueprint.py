"""The routes through Flask's test client: pre-flight, start, continuation and every refusal."""

from __future__ import annotations

import io
import json
import logging
import re
import time as _time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from vxmlkit import CallParams, Flow, Recording, ask, digits, hangup, record, say, step
from vxmlkit.extension import get_kit
from vxmlkit.tokens import StepToken
from vxmlkit.validation import check_document

NS = {"v": "http://www.w3.org/2001/vxml"}
MIMETYPE = "application/voicexml+xml; charset=utf-8"


class Survey(Flow):
    """A small flow exercising state, inputs, recordings and a failing step."""

    name = "survey"

    class Params(CallParams):
        customer: str
        visits: int = 1
        amount: Decimal | None = None

    @step(start=True)
    def welcome(self, call):
        call.state["greeted"] = call.params.customer
        return ask("score", digits(length=1), "Rate us from 1 to 9.", then=self.scored)

    @step
    def scored(self, call, score):
        call.state["score"] = int(score)
        return record("comment", "Leave a comment.", then=self.recorded)

    @step
    def recorded(self, call, comment):
        call.state["comment_bytes"] = len(comment)
        call.state["comment_type"] = comment.content_type
        return [say("Thanks", call.params.customer, "."), hangup()]

    @step
    def broken(self, call):
        raise RuntimeError("the billing system is down")

    @step
    def unserialisable(self, call):
        call.state["when"] = object()
        return hangup()


@pytest.fixture
def app(make_app):
    return make_app([Survey])


@pytest.fixture
def client(app):
    return app.test_client()


def start(client, **fields):
    data = {"phone_number": "+16175551234", "message_reference": "ref-1", "call_id": "c-1",
            "call_parameters": "customer=Ann&visits=3", **fields}
    return client.post("/vxml/survey/start", data=data)


def next_url(response, attribute="next"):
    root = etree.fromstring(response.data)
    for element in root.iter():
        value = element.get(attribute)
        if value and "/step/" in value:
            return value
    raise AssertionError(f"no step URL in {response.text}")


def assert_voicexml(response, status):
    assert response.status_code == status, response.text
    assert response.content_type == MIMETYPE
    check_document(response.data)
    return etree.fromstring(response.data)


def test_get_preflight_answers_200(client):
    root = assert_voicexml(client.get("/vxml/survey/start"), 200)
    assert root.find(".//v:exit", NS) is not None


def test_start_creates_a_session_and_answers_the_first_document(app, client):
    response = start(client)
    root = assert_voicexml(response, 200)
    assert root.find(".//v:field", NS).get("name") == "score"
    session = get_kit(app).sessions.recent(limit=1)[0]
    assert (session.flow, session.phone_number, session.message_reference, session.call_id) == (
        "survey", "+16175551234", "ref-1", "c-1")
    assert session.state == {"greeted": "Ann"} and session.last_step == "welcome"


def test_start_reads_query_string_too(app, client):
    response = client.post("/vxml/survey/start?phone_number=%2B1617&call_parameters=customer%3DBo")
    assert_voicexml(response, 200)
    assert get_kit(app).sessions.recent(limit=1)[0].phone_number == "+1617"


def test_json_call_parameters(app, client):
    response = start(client, call_parameters=json.dumps({"customer": "Cy", "visits": 2, "amount": "9.50"}))
    assert_voicexml(response, 200)
    assert get_kit(app).sessions.recent(limit=1)[0].state == {"greeted": "Cy"}


def test_continuation_runs_the_steps_with_inputs_and_keeps_state(app, client):
    response = client.post(next_url(start(client)), data={"score": "8"})
    root = assert_voicexml(response, 200)
    assert root.find(".//v:record", NS) is not None
    url = next_url(response)
    response = client.post(url, data={"comment": (io.BytesIO(b"RIFF....WAVE"), "comment.wav", "audio/wav")},
                           content_type="multipart/form-data")
    root = assert_voicexml(response, 200)
    assert root.find(".//v:prompt", NS).text == "Thanks Ann."
    state = get_kit(app).sessions.recent(limit=1)[0].state
    assert state == {"greeted": "Ann", "score": 8, "comment_bytes": 12, "comment_type": "audio/wav"}


def test_recording_type():
    assert len(Recording("a.wav", "audio/wav", b"1234")) == 4


@pytest.mark.parametrize(
    ("call_parameters", "parameter"),
    [("visits=3", "customer"), ("customer=A&visits=many", "visits"), ("{not json", "call_parameters"),
     ("[1, 2]", "call_parameters"), ("customer=A&amount=NaN", "amount")],
)
def test_bad_parameters_give_an_error_document_and_a_log_line(client, caplog, call_parameters, parameter):
    with caplog.at_level(logging.WARNING, logger="vxmlkit"):
        response = start(client, call_parameters=call_parameters)
    root = assert_voicexml(response, 200)
    assert root.find(".//v:disconnect", NS) is not None and "cannot continue" in root.find(".//v:prompt", NS).text
    assert f"call parameter {parameter!r}" in caplog.text


def test_tampered_token_is_refused_with_voicexml(client, caplog):
    url = next_url(start(client))
    tampered = re.sub(r"t=([^&]+)", lambda m: "t=" + m.group(1)[:-2] + ("AA" if m.group(1)[-2:] != "AA" else "BB"), url)
    with caplog.at_level(logging.WARNING, logger="vxmlkit"):
        response = client.post(tampered, data={"score": "1"})
    root = assert_voicexml(response, 403)
    assert root.find(".//v:disconnect", NS) is not None and "Goodbye" in root.find(".//v:prompt", NS).text
    assert "invalid link" in caplog.text


def test_token_for_another_step_is_refused(client):
    url = next_url(start(client))
    response = client.post(url.replace("/step/scored", "/step/broken"))
    assert_voicexml(response, 403)


def test_expired_token_is_refused(app, client, caplog, monkeypatch):
    url = next_url(start(client))
    real_time = _time.time
    monkeypatch.setattr(_time, "time", lambda: real_time() + 7201)
    with caplog.at_level(logging.WARNING, logger="vxmlkit"):
        response = client.post(url, data={"score": "1"})
    assert_voicexml(response, 403)
    assert "expired link" in caplog.text


def test_unknown_flow_and_unknown_route_answer_404_voicexml(client):
    assert_voicexml(client.post("/vxml/nope/start", data={"phone_number": "1"}), 404)
    assert_voicexml(client.get("/vxml/nope/start"), 404)
    assert_voicexml(client.get("/vxml/some/other/path"), 404)


def test_step_that_raises_apologises_logs_and_keeps_the_session(app, client, caplog):
    start(client)
    kit = get_kit(app)
    session = kit.sessions.recent(limit=1)[0]
    token = kit.signer.sign(StepToken("survey", session.id, "broken", session.internal["document"]))
    with caplog.at_level(logging.ERROR, logger="vxmlkit"):
        response = client.get("/vxml/survey/step/broken", query_string={"t": token})
    root = assert_voicexml(response, 200)
    assert "something went wrong" in root.find(".//v:prompt", NS).text
    assert "the billing system is down" in caplog.text and "Traceback" in caplog.text
    kept = kit.sessions.get(session.id)
    assert kept.status == "error" and "RuntimeError: the billing system is down" in kept.error
    assert kept.state == {"greeted": "Ann"}


def test_state_that_is_not_json_is_a_step_error(app, client):
    start(client)
    kit = get_kit(app)
    session = kit.sessions.recent(limit=1)[0]
    token = kit.signer.sign(StepToken("survey", session.id, "unserialisable", session.internal["document"]))
    response = client.get("/vxml/survey/step/unserialisable", query_string={"t": token})
    assert b"something went wrong" in assert_voicexml(response, 200).find(".//v:prompt", NS).text.encode()
    assert "not JSON-serialisable" in kit.sessions.get(session.id).error


def test_oversized_values_are_refused(app, client):
    assert_voicexml(start(client, message_reference="x" * 5000), 413)
    url = next_url(start(client))
    assert_voicexml(client.post(url, data={"score": "1" * 5000}), 413)


def test_oversized_recording_is_refused(make_app):
    app = make_app([Survey], VXMLKIT_MAX_RECORDING_BYTES=10)
    client = app.test_client()
    url = next_url(client.post(next_url(start(client)), data={"score": "5"}))
    response = client.post(url, data={"comment": (io.BytesIO(b"x" * 11), "c.wav", "audio/wav")},
                           content_type="multipart/form-data")
    assert_voicexml(response, 413)


def test_missing_input_is_a_step_error_not_a_crash(app, client):
    response = client.post(next_url(start(client)), data={})
    assert "something went wrong" in assert_voicexml(response, 200).find(".//v:prompt", NS).text


def test_method_not_allowed_answers_voicexml(client):
    assert_voicexml(client.delete("/vxml/survey/start"), 405)


def test_secret_key_is_required(tmp_path):
    from flask import Flask

    from vxmlkit import VxmlKit

    app = Flask("x", instance_path=str(tmp_path))
    with pytest.raises(RuntimeError, match="VXMLKIT_SECRET_KEY"):
        VxmlKit(app, flows=[Survey])


_field = st.text(st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["</prompt><exit/>", "]]>", "{{ x }}", "\x00\x01", "x" * 10_000, "customer=<b>&visits=1", '{"customer": "]]>"}'])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phone_number=_field, message_reference=_field, call_parameters=_field)
def test_any_start_post_gets_valid_voicexml(client, phone_number, message_reference, call_parameters):
    response = client.post("/vxml/survey/start", data={
        "phone_number": phone_number, "message_reference": message_reference, "call_parameters": call_parameters})
    assert response.status_code == 200 or 400 <= response.status_code < 500
    assert response.content_type == MIMETYPE
    check_document(response.data)


class Checkout(Flow):
    name = "checkout"

    @step(start=True)
    def card(self, call):
        return ask("card", digits(min=15, max=16), "Card number?", private=True, then=self.charge)

    @step
    def charge(self, call, card):
        int(card + "x")  # a bug that quotes the input in its message


def test_private_input_never_reaches_the_log_or_the_store(make_app, caplog):
    app = make_app([Checkout])
    client = app.test_client()
    first = client.post("/vxml/checkout/start", data={"phone_number": "1"})
    with caplog.at_level(logging.DEBUG):
        response = client.post(next_url(first), data={"card": "4111111111111111"})
    assert "something went wrong" in assert_voicexml(response, 200).find(".//v:prompt", NS).text
    session = get_kit(app).sessions.recent(limit=1)[0]
    assert "ValueError" in session.error and "ValueError" in caplog.text
    assert "4111111111111111" not in session.error and "4111111111111111" not in caplog.text
    assert "****************x" in session.error


def test_a_body_larger_than_any_recording_is_refused_unread(make_app):
    app = make_app([Survey], VXMLKIT_MAX_RECORDING_BYTES=1000)
    response = app.test_client().post("/vxml/survey/start", data={"phone_number": "1", "pad": "x" * 200_000})
    assert_voicexml(response, 413)


def test_url_encoded_bodies_are_read_within_their_limits(make_app):
    # The start and step bodies are read without werkzeug's form parser: same answers, same limits.
    app = make_app([Survey], VXMLKIT_MAX_RECORDING_BYTES=1000)
    client = app.test_client()
    form = {"phone_number": "+16175551234", "message_reference": "ref-9", "call_id": "c-9",
            "call_parameters": "customer=Ann&visits=3"}
    body = "&".join(f"{k}={v}" for k, v in form.items()).replace("+", "%2B") + "&call_id=second"
    response = client.post("/vxml/survey/start?message_reference=from-query&call_id=q",
                           data=body.replace("customer=Ann&visits=3", "customer%3DAnn%26visits%3D3"),
                           content_type="application/x-www-form-urlencoded")
    assert_voicexml(response, 200)
    session = get_kit(app).sessions.recent(flow="survey", limit=1)[0]
    # The body wins over the query string, and the first of a repeated name wins.
    assert (session.phone_number, session.message_reference, session.call_id) == ("+16175551234", "ref-9", "c-9")
    assert session.call_parameters == "customer=Ann&visits=3"
    # Over the body limit (the recording limit plus 64 KiB): 413, unread.
    big = "phone_number=1&message_reference=" + "x" * (1000 + 65 * 1024)
    assert_voicexml(client.post("/vxml/survey/start", data=big, content_type="application/x-www-form-urlencoded"), 413)
    # More fields than any voice browser posts: 413 too.
    many = "&".join(f"f{i}=1" for i in range(1001))
    assert_voicexml(client.post(next_url(response), data=many, content_type="application/x-www-form-urlencoded"), 413)
