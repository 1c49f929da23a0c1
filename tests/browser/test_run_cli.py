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
    assert set(answer) == {"prompts", "transcript", "ended", "exit", "error"}
    assert answer["prompts"] == ["Enter your code.", "Nothing heard.", "Enter your code.", "Thanks."]
    assert answer["ended"] == "exit"
    assert answer["exit"]["namelist"] == {"code": "4321"}
    assert answer["error"] is None
    assert all(set(entry) == {"kind", "text", "data"} for entry in answer["transcript"])


def test_running_out_of_inputs_hangs_up_and_still_exits_zero(pin_document: Path) -> None:
    code, out, _ = invoke(str(pin_document), "--json")
    assert code == 0
    assert json.loads(out)["ended"] == "hangup"


def test_a_document_error_is_an_end_not_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "broken.vxml"
    path.write_text(BROKEN_LINK, encoding="utf-8")
    code, out, _ = invoke(str(path), "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["ended"] == "error"
    assert answer["error"].startswith("error.badfetch")
    assert answer["prompts"] == ["Going."]


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
