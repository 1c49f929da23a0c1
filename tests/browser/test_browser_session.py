"""The session API: inputs, waiting, transcript, JSON."""

from __future__ import annotations

import json

import pytest

from vxmlkit.browser import Input, InterpreterError
from vxmlkit.browser.scripting import script_declarations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dtmf:1234#", Input("dtmf", "1234#")),
        ("say:yes please", Input("speech", "yes please")),
        ("noinput", Input("noinput")),
        ("nomatch", Input("nomatch")),
        ("hangup", Input("hangup")),
        ("transfer:busy", Input("transfer", "busy")),
        ("record:3", Input("recording", seconds=3.0)),
        ("record:2.5#", Input("recording", seconds=2.5, termchar="#")),
    ],
)
def test_input_parse(text, expected):
    assert Input.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dtmf:12x", "DTMF keys must be"),
        ("say:", "needs some words"),
        ("transfer:sideways", "unknown transfer outcome 'sideways'"),
        ("record:long", "record takes seconds"),
        ("press 1", "bad input 'press 1'"),
        ("noinput:now", "bad input 'noinput:now'"),
    ],
)
def test_input_parse_rejects_bad_syntax(text, message):
    with pytest.raises(ValueError) as caught:
        Input.parse(text)
    assert message in str(caught.value)


def test_waiting_describes_the_item(vxml_call):
    session = vxml_call('<form><field name="amount" type="number"><property name="timeout" value="7s"/></field></form>')
    waiting = session.waiting
    assert (waiting.kind, waiting.name, waiting.timeout, waiting.modes) == ("field", "amount", 7.0, ("dtmf", "voice"))


def test_wrong_input_kind_is_rejected_without_changing_the_call(vxml_call):
    session = vxml_call('<form><field name="f" type="digits"/></form>')
    with pytest.raises(ValueError) as caught:
        session.send(Input.transfer("busy"))
    assert "field" in str(caught.value) and "transfer" in str(caught.value)
    session.send(Input.dtmf("1"))
    assert session.ended == "exit"


def test_send_after_the_end_is_an_error(vxml_call):
    session = vxml_call("<form><block>bye</block></form>")
    with pytest.raises(InterpreterError):
        session.send(Input.dtmf("1"))


def test_to_json_and_transcript_text(vxml_call):
    session = vxml_call(
        '<form><field name="f" type="digits"><prompt>Number?</prompt><filled><exit expr="f"/></filled></field></form>',
        ["dtmf:42#"],
    )
    data = json.loads(json.dumps(session.to_json()))
    assert data["prompts"] == ["Number?"]
    assert data["ended"] == "exit" and data["exit"] == {"expr": "42", "namelist": {}} and data["error"] is None
    assert [entry["kind"] for entry in data["transcript"]] == ["fetched", "heard", "input", "ended"]
    text = session.transcript_text()
    assert "heard: Number?" in text and "pressed 42#" in text and "ended: exit" in text


def test_heard_since_input(vxml_call):
    session = vxml_call(
        """<form><field name="a" type="digits"><prompt>First?</prompt></field>
                 <field name="b" type="digits"><prompt>Second?</prompt></field></form>"""
    )
    assert session.heard_since_input() == ["First?"]
    session.send(Input.dtmf("1"))
    assert session.heard_since_input() == ["Second?"]


def test_prompts_queued_before_a_transition_are_heard_at_the_next_wait(vxml_call):
    session = vxml_call(
        {
            "start.vxml": '<form><block>Welcome.<goto next="two.vxml"/></block></form>',
            "two.vxml": '<form><field name="f" type="digits"><prompt>Enter.</prompt></field></form>',
        }
    )
    assert session.prompts == ["Welcome.", "Enter."]
    kinds = [entry.kind for entry in session.transcript]
    assert kinds == ["fetched", "fetched", "heard", "heard"]


def test_script_declarations_finds_top_level_names():
    source = """
        var a = 1, b = f(1, 2), c;
        function g(x) { var hidden = 1; return x; }
        var d = function () { var alsoHidden; };
        var e = 2
        for (var i = 0; i < 3; i++) { var inner = i; }
    """
    assert script_declarations(source) == (["a", "b", "c", "d", "e", "i", "inner"], ["g"])


def test_private_field_input_is_not_kept_in_the_transcript(vxml_call):
    session = vxml_call(
        """<form><field name="card" type="digits"><property name="logging" value="false"/>
             <prompt>Card number?</prompt><filled><exit expr="card.length"/></filled></field></form>""",
        ["dtmf:4111111111111111#"],
    )
    assert session.exit["expr"] == 16
    assert "4111" not in session.transcript_text()
    assert "4111" not in json.dumps(session.to_json())


@pytest.mark.parametrize(
    ("events", "thrown", "expected"),
    [
        ("", "error.badfetch", "error.badfetch"),
        ("error", "error.badfetch.http.404", "error"),
        ("error error.badfetch", "error.badfetch.http.404", "error.badfetch"),
        ("error.bad", "error.badfetch", None),
        ("nomatch noinput", "noinput", "noinput"),
    ],
)
def test_matched_event_name(events, thrown, expected):
    from vxmlkit.browser.events import matched_event_name

    assert matched_event_name(events, thrown) == expected
