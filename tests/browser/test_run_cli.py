"""``vxmlkit run``: a call from the command line, as a transcript or one JSON object."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from vxmlkit.browser import Input
from vxmlkit.browser.cli import parse_inputs, run_command, session_json

ASK_PIN = """<?xml version="1.0"?>
<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">
  <form id="pin">
    <field name="code">
      <prompt>Enter your code.</prompt>
      <grammar mode="dtmf" version="1.0" root="four" xmlns="http://www.w3.org/2001/06/grammar">
        <rule id="four"><item repeat="4"><one-of>
          <item>0</item><item>1</item><item>2</item><item>3</item><item>4</item>
          <item>5</item><item>6</item><item>7</item><item>8</item><item>9</item>
        </one-of></item></rule>
      </grammar>
      <noinput>Nothing heard. <reprompt/></noinput>
      <filled><prompt>Thanks.</prompt><exit namelist="code"/></filled>
    </field>
  </form>
</vxml>
"""

BROKEN_LINK = """<?xml version="1.0"?>
<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">
  <form><block>Going.<goto next="missing-page.vxml"/></block></form>
</vxml>
"""


@pytest.fixture
def pin_document(tmp_path: Path) -> Path:
    path = tmp_path / "pin.vxml"
    path.write_text(ASK_PIN, encoding="utf-8")
    return path


def invoke(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(run_command, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def test_transcript_shows_heard_input_and_the_end(pin_document: Path) -> None:
    code, out, _ = invoke(str(pin_document), "--input", "dtmf:1234")
    assert code == 0
    assert "Enter your code." in out
    assert "1234" in out
    assert "Thanks." in out
    assert "exit" in out
    assert out.index("Enter your code.") < out.index("1234") < out.index("Thanks.")


def test_json_is_one_object_with_the_documented_shape(pin_document: Path) -> None:
    code, out, _ = invoke(str(pin_document), "--input", "noinput", "--input", "dtmf:4321", "--json")
    assert code == 0
    answer = json.loads(out)  # fails on anything but exactly one JSON document
    assert set(answer) == {"prompts", "transcript", "ended", "exit", "error", "unused_inputs"}
    assert answer["unused_inputs"] == []
    assert answer["prompts"] == ["Enter your code.", "Nothing heard.", "Enter your code.", "Thanks."]
    assert answer["ended"] == "exit"
    assert answer["exit"]["namelist"] == {"code": "4321"}
    assert answer["error"] is None
    assert all(set(entry) == {"kind", "text", "data"} for entry in answer["transcript"])


def test_running_out_of_inputs_hangs_up_and_still_exits_zero(pin_document: Path) -> None:
    code, out, _ = invoke(str(pin_document), "--json")
    assert code == 0
    assert json.loads(out)["ended"] == "hangup"


def test_a_document_error_ends_the_call_with_its_own_exit_status(tmp_path: Path) -> None:
    path = tmp_path / "broken.vxml"
    path.write_text(BROKEN_LINK, encoding="utf-8")
    code, out, _ = invoke(str(path), "--json")
    assert code == 3
    answer = json.loads(out)
    assert answer["ended"] == "error"
    assert answer["error"].startswith("error.badfetch")
    assert answer["prompts"] == ["Going."]
    code, out, _ = invoke(str(path), "--json", "--allow-errors")
    assert (code, json.loads(out)["ended"]) == (0, "error")


def test_a_bad_input_is_a_usage_error(pin_document: Path) -> None:
    code, _, err = invoke(str(pin_document), "--input", "dtmf:12", "--input", "whistle")
    assert code == 2
    assert "input 2 ('whistle')" in err


def test_an_input_that_cannot_answer_the_wait_is_a_usage_error(pin_document: Path) -> None:
    code, out, err = invoke(str(pin_document), "--input", "record:3", "--json")
    assert code == 2
    assert out == ""
    assert "the inputs do not fit the call" in err


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke(str(tmp_path / "nowhere.vxml"))
    assert code == 2
    assert "no such file" in err


def test_an_interpreter_crash_exits_one(pin_document: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vxmlkit.browser as browser_package

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("interpreter bug")

    monkeypatch.setattr(browser_package.Browser, "run", crash)
    code, out, err = invoke(str(pin_document), "--json")
    assert code == 1
    assert out == ""
    assert "RuntimeError: interpreter bug" in err


@pytest.fixture
def served_pin() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = ASK_PIN.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/voicexml+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pin.vxml"
    finally:
        server.shutdown()
        server.server_close()


def test_runs_a_document_over_http(served_pin: str) -> None:
    code, out, _ = invoke(served_pin, "--input", "dtmf:0007", "--ani", "6175551234", "--json")
    assert code == 0
    assert json.loads(out)["exit"]["namelist"] == {"code": "0007"}


def test_parse_inputs_keeps_order_and_names_the_bad_one() -> None:
    assert parse_inputs(["dtmf:12#", "say:yes please", "noinput", "nomatch", "hangup"]) == [
        Input.dtmf("12#"),
        Input.speech("yes please"),
        Input.noinput(),
        Input.nomatch(),
        Input.hangup(),
    ]
    with pytest.raises(ValueError, match=r"input 3 \('dtmf:12x'\)"):
        parse_inputs(["noinput", "hangup", "dtmf:12x"])


def test_session_json_normalises_prompt_whitespace(pin_document: Path) -> None:
    from vxmlkit.browser import Browser

    session = Browser().run(str(pin_document), [Input.dtmf("1111")])
    shaped = session_json(session)
    assert json.loads(json.dumps(shaped)) == shaped
    assert all(prompt == " ".join(prompt.split()) for prompt in shaped["prompts"])


# -- playing Plum against a real server ---------------------------------------------------------------


@pytest.fixture
def example_server(tmp_path: Path) -> Iterator[tuple[object, str]]:
    """The example app behind a real HTTP server on loopback; yields (app, signed start URL)."""
    from werkzeug.serving import make_server

    from vxmlkit.app import create_app
    from vxmlkit.queueing import record_call

    app = create_app({"VXMLKIT_SECRET_KEY": "run-cli", "VXMLKIT_REQUIRE_START_TOKEN": True,
                      "VXMLKIT_ALLOW_UNQUEUED_CALLS": "payment-reminder",
                      "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'calls.sqlite3'}"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["VXMLKIT_PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with app.app_context():
            # a call queued through vxmlkit, as PLUM below describes it: the app starts only such calls
            yield app, record_call(app, "payment-reminder", "+16175551234", message_reference="ref-7",
                                   call_parameters="amount=42.10&account=A-1").start_url
    finally:
        server.shutdown()
        server.server_close()


PLUM = ("--phone", "+16175551234", "--param", "amount=42.10", "--param", "account=A-1", "--message-reference", "ref-7")


def test_run_posts_plums_fields_to_a_start_url_with_a_token(example_server) -> None:
    app, start_url = example_server
    code, out, _ = invoke(start_url, *PLUM, "--call-id", "call-1", "--input", "dtmf:2", "--input", "dtmf:1",
                          "--input", "dtmf:4111111111111111#", "--input", "dtmf:9", "--input", "say:extra words")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].strip().startswith("fetched: POST http://127.0.0.1:")
    assert "Your balance of $42.10 is due now." in out
    assert "Your payment of $42.10 has been accepted." in out
    assert [line.strip() for line in lines if line.strip().startswith("ended:")] == ["ended: disconnect"]
    assert lines[-1].strip() == "unused: 2 inputs left when the call ended: dtmf:9, say:extra words"
    from vxmlkit.extension import get_kit

    stored = get_kit(app).sessions.find(flow="payment-reminder", call_id="call-1")
    assert (stored.phone_number, stored.message_reference, stored.call_parameters) == (
        "+16175551234", "ref-7", "amount=42.10&account=A-1")


def test_run_plays_an_answering_machine(example_server) -> None:
    _, start_url = example_server
    code, out, _ = invoke(start_url, *PLUM, "--callee-type", "answeringmachine", "--input", "dtmf:1", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["ended"] == "disconnect"
    assert any("Please call us back at your convenience" in prompt for prompt in answer["prompts"])
    assert answer["unused_inputs"] == ["dtmf:1"]


def test_a_refused_token_is_a_failed_call(example_server) -> None:
    _, start_url = example_server
    refused = start_url.split("?", 1)[0] + "?t=forged"
    code, out, _ = invoke(refused, *PLUM, "--input", "dtmf:1")
    assert code == 3
    ended = [line.strip() for line in out.splitlines() if line.strip().startswith("ended:")]
    assert ended == [f"ended: error.badfetch.http.403: HTTP 403 FORBIDDEN for POST {refused}"]
    assert out.count(refused) == 2  # once where it was fetched, once where the call ended
    assert "unused: 1 input left when the call ended: dtmf:1" in out
    code, out, _ = invoke(refused, *PLUM, "--allow-errors", "--json")
    assert (code, json.loads(out)["error"]) == (0, "error.badfetch.http.403")


def test_a_refused_connection_is_a_failed_call() -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, _ = invoke(f"http://127.0.0.1:{port}/vxml/x/start", "--phone", "1", "--json")
    answer = json.loads(out)
    assert (code, answer["ended"], answer["error"]) == (3, "error", "error.badfetch")


def test_without_plums_fields_run_gets_the_url_and_says_what_it_left(example_server) -> None:
    _, start_url = example_server
    code, out, _ = invoke(start_url, "--input", "dtmf:1")
    assert code == 0
    assert "fetched: GET" in out and "unused: 1 input left when the call ended: dtmf:1" in out


def test_plum_options_need_a_url_and_params_need_an_equals_sign(pin_document: Path, example_server) -> None:
    code, _, err = invoke(str(pin_document), "--phone", "1")
    assert code == 2 and "needs an http(s) URL" in err
    code, _, err = invoke(example_server[1], "--param", "amount")
    assert code == 2 and "param 1 ('amount') is not key=value" in err


@pytest.mark.parametrize("text", ["dtmf:12#", "say:yes please", "noinput", "nomatch", "hangup", "transfer:busy", "record:2.5#", "record:3"])
def test_an_input_reads_back_in_its_command_line_form(text: str) -> None:
    assert Input.parse(text).command_line() == text
