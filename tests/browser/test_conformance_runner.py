"""The conformance runner on small hand-written tests: discovery, inputs, verdicts, skips, guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from vxmlkit.browser import Input, conformance
from vxmlkit.browser.conformance import (
    CONF_NS,
    ConformanceFetcher,
    ScriptedCaller,
    TestCase,
    derive_inputs,
    discover_tests,
    instruction_input,
    run_suite,
    run_test,
    skip_reason,
)
from vxmlkit.browser.fetching import FetchError, FetchRequest

VXML = "http://www.w3.org/2001/vxml"


def write(folder: Path, name: str, body: str, **root_attributes: str) -> Path:
    """Write a .txml test whose <vxml> holds ``body``."""
    extra = "".join(f' {key}="{value}"' for key, value in root_attributes.items())
    path = folder / name
    path.write_text(
        '<?xml version="1.0"?>\n<!-- a test -->\n'
        f'<vxml version="2.0" xmlns="{VXML}" xmlns:conf="{CONF_NS}"{extra}>\n{body}\n</vxml>\n',
        encoding="utf-8",
    )
    return path


CATCH_ALL = "<catch><conf:fail expr=\"'caught ' + _event\"/></catch>"


# --- discovery --------------------------------------------------------------------------------


def test_only_entry_documents_are_tests(tmp_path: Path) -> None:
    write(tmp_path, "main.txml", '<form><block><goto next="part.vxml"/></block></form>')
    write(tmp_path, "part.txml", "<form><block><conf:pass/></block></form>", application="root.txml")
    write(tmp_path, "root.txml", "<var name='r' expr='1'/>")
    write(tmp_path, "other.txml", "<form><block><conf:pass/></block></form>")
    cases = discover_tests([tmp_path])
    assert [case.path.name for case in cases] == ["main.txml", "other.txml"]


def test_a_file_named_on_its_own_is_run_even_when_others_load_it(tmp_path: Path) -> None:
    write(tmp_path, "main.txml", '<form><block><goto next="part.txml"/></block></form>')
    part = write(tmp_path, "part.txml", "<form><block><conf:pass/></block></form>")
    assert [case.path for case in discover_tests([part])] == [part]


def test_discovery_is_recursive_and_in_natural_order(tmp_path: Path) -> None:
    (tmp_path / "deep" / "er").mkdir(parents=True)
    for name in ("a10.txml", "a9.txml"):
        write(tmp_path / "deep" / "er", name, "<form><block><conf:pass/></block></form>")
    assert [case.path.name for case in discover_tests([tmp_path])] == ["a9.txml", "a10.txml"]


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        discover_tests([tmp_path / "absent"])


def test_ids_name_the_suite_version(tmp_path: Path) -> None:
    folder = tmp_path / "vxml-2.1" / "x"
    folder.mkdir(parents=True)
    write(folder, "7.txml", "<form><block><conf:pass/></block></form>")
    assert [case.id for case in discover_tests([tmp_path])] == ["vxml-2.1/7"]


# --- inputs -----------------------------------------------------------------------------------


def test_inputs_follow_the_conformance_elements_over_all_documents(tmp_path: Path) -> None:
    entry = write(
        tmp_path,
        "main.txml",
        '<form><field name="a"><conf:speech value="foxtrot"/><conf:grammar utterance="foxtrot"/></field>'
        '<field name="b"><conf:dtmf value="12"/></field>'
        '<field name="c"><conf:noinput/></field><block><goto next="more.vxml"/></block></form>',
    )
    write(tmp_path, "more.txml", '<form><field name="d"><conf:nomatch/></field><block><conf:hangup/></block></form>')
    assert derive_inputs(entry) == [
        Input.speech("truth or consequences"),
        Input.dtmf("12"),
        Input.noinput(),
        Input.nomatch(),
        Input.hangup(),
    ]


def test_transfer_tests_get_the_outcome_their_environment_describes(tmp_path: Path) -> None:
    path = write(tmp_path, "301.txml", '<form><transfer name="t" dest="tel:+18005551212" bridge="true"/></form>')
    assert derive_inputs(TestCase(id="vxml-2.0/301", path=path)) == [Input.transfer("busy")]


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        (["Say 'San Francisco' again."], Input.speech("san francisco")),
        (["Press '5'."], Input.dtmf("5")),
        (["No input expected. Say nothing."], Input.noinput()),
        (["Say something unrecognizable one more time."], Input.nomatch()),
        (["Hang up now."], Input.hangup()),
        (["Say 'Chicago'.", "then", "Press '1'."], Input.dtmf("1")),
        (["Welcome."], None),
    ],
)
def test_the_last_instruction_heard_decides(heard: list[str], expected: Input | None) -> None:
    assert instruction_input(heard) == expected


def test_caller_obeys_instructions_then_script_then_silence_then_hangs_up() -> None:
    caller = ScriptedCaller([Input.dtmf("9"), Input.speech("london")])
    field = type("Waiting", (), {"kind": "field"})()
    assert caller.respond(field, ["Say 'London'."]) == Input.speech("london")
    assert caller.respond(field, []) == Input.dtmf("9")  # the instruction crossed london off
    assert [caller.respond(field, []) for _ in range(4)] == [Input.noinput()] * 3 + [Input.hangup()]


def test_caller_defaults_for_record_and_transfer() -> None:
    caller = ScriptedCaller([])
    assert caller.respond(type("W", (), {"kind": "record"})(), []).kind == "recording"
    assert caller.respond(type("W", (), {"kind": "transfer"})(), []) == Input.transfer("far_end_disconnect")


# --- fetching ---------------------------------------------------------------------------------


def test_fetcher_transforms_txml_and_reads_vxml_names_as_txml(tmp_path: Path) -> None:
    write(tmp_path, "doc.txml", "<form><block><conf:pass/></block></form>")
    fetcher = ConformanceFetcher(tmp_path)
    for url in (str(tmp_path / "doc.txml"), str(tmp_path / "doc.vxml"), "http://localhost/vxml/doc.vxml#f"):
        answer = fetcher.fetch(FetchRequest(url=url))
        assert b"<prompt>pass</prompt>" in answer.body
        assert CONF_NS.encode() not in answer.body
        assert answer.url == url


def test_fetcher_passes_other_files_through_and_stays_offline(tmp_path: Path) -> None:
    (tmp_path / "s.js").write_text("var x = 1;", encoding="utf-8")
    fetcher = ConformanceFetcher(tmp_path)
    assert fetcher.fetch(FetchRequest(url=str(tmp_path / "s.js"))).body == b"var x = 1;"
    with pytest.raises(FetchError, match="runs offline"):
        fetcher.fetch(FetchRequest(url="http://example.com/x.vxml"))
    with pytest.raises(FetchError):
        fetcher.fetch(FetchRequest(url=str(tmp_path / "absent.vxml")))


# --- skips ------------------------------------------------------------------------------------


def test_a_test_needing_an_absent_document_is_skipped_with_the_reason(tmp_path: Path) -> None:
    entry = write(tmp_path, "t.txml", '<form><block><goto next="gone.vxml"/></block></form>')
    outcome = run_test(entry)
    assert outcome.status == "skipped"
    assert "gone.vxml" in outcome.reason and "not in the partial copy" in outcome.reason
    assert "t.txml line 4" in outcome.reason


def test_absent_documents_the_test_expects_to_be_absent_do_not_skip(tmp_path: Path) -> None:
    entry = write(tmp_path, "t.txml", '<form><block><goto next="notExist.vxml"/></block></form>')
    assert skip_reason(TestCase("t", entry)) is None


def test_listener_verdicts_are_skipped() -> None:
    reason = skip_reason(TestCase("vxml-2.0/369", Path("/nonexistent/369.txml")))
    assert reason is not None and reason.startswith("real audio needed")


# --- verdicts ---------------------------------------------------------------------------------


def test_a_passing_test(tmp_path: Path) -> None:
    entry = write(tmp_path, "ok.txml", f"{CATCH_ALL}<form><block><var name='x' expr='2'/>"
                  "<if cond='x == 2'><conf:pass/><else/><conf:fail reason='x'/></if></block></form>")
    outcome = run_test(entry)
    assert (outcome.status, outcome.reason) == ("passed", "")
    assert "pass" in outcome.transcript_text
    assert outcome.line() == f"ok {entry}: passed"


def test_a_failing_test_reports_what_was_heard(tmp_path: Path) -> None:
    entry = write(tmp_path, "bad.txml", "<form><block><conf:fail reason='wrong branch'/></block></form>")
    outcome = run_test(entry)
    assert outcome.status == "failed"
    assert outcome.reason == "heard fail: wrong branch"
    assert outcome.line() == f"bad {entry}: failed: heard fail: wrong branch"


def test_a_failure_expression_is_reported_with_its_value(tmp_path: Path) -> None:
    entry = write(tmp_path, "ev.txml", f"{CATCH_ALL}<form><block><throw event='my.event'/></block></form>")
    assert run_test(entry).reason == "heard fail: caught my.event"


def test_speech_asked_for_is_given(tmp_path: Path) -> None:
    entry = write(
        tmp_path,
        "say.txml",
        f"{CATCH_ALL}<form><field name='city'><conf:grammar utterance='echo' interp='tyo'/>"
        "<conf:speech value='echo'/><filled><if cond=\"city == 'tyo'\"><conf:pass/>"
        "<else/><conf:fail expr=\"'got ' + city\"/></if></filled></field></form>",
    )
    outcome = run_test(entry)
    assert outcome.status == "passed", outcome.reason


def test_silence_asked_for_is_given(tmp_path: Path) -> None:
    entry = write(
        tmp_path,
        "quiet.txml",
        "<form><field name='f'><conf:grammar utterance='alpha'/><conf:noinput/>"
        "<noinput><conf:pass/></noinput><filled><conf:fail reason='filled'/></filled></field></form>",
    )
    assert run_test(entry).status == "passed"


def test_a_multi_document_test_passes_through_its_parts(tmp_path: Path) -> None:
    write(tmp_path, "start.txml", f"{CATCH_ALL}<form><block><goto next='finish.vxml'/></block></form>")
    write(tmp_path, "finish.txml", f"{CATCH_ALL}<form><block><conf:pass/></block></form>")
    result = run_suite([tmp_path])
    assert [(outcome.id, outcome.status) for outcome in result.outcomes] == [("start", "passed")]


def test_ending_without_a_verdict_fails_with_how_it_ended(tmp_path: Path) -> None:
    entry = write(tmp_path, "mute.txml", "<form><block>hello</block></form>")
    outcome = run_test(entry)
    assert outcome.status == "failed"
    assert outcome.reason.startswith("ended by exit without a verdict")


def test_an_interpreter_crash_fails_that_test_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "a.txml", "<form><block><conf:pass/></block></form>")
    write(tmp_path, "b.txml", "<form><block><conf:pass/></block></form>")
    import vxmlkit.browser as browser_package

    real_dial = browser_package.Browser.dial

    def dial(self: object, url: str, **kwargs: object) -> object:
        if url.endswith("a.txml"):
            raise RuntimeError("boom")
        return real_dial(self, url, **kwargs)

    monkeypatch.setattr(browser_package.Browser, "dial", dial)
    result = run_suite([tmp_path])
    assert [outcome.status for outcome in result.outcomes] == ["failed", "passed"]
    assert result.outcomes[0].reason.startswith("interpreter crashed: RuntimeError: boom")
    assert result.summary_line() == "1 passed, 1 failed, 0 skipped"


def test_suite_counts_every_status(tmp_path: Path) -> None:
    write(tmp_path, "p.txml", "<form><block><conf:pass/></block></form>")
    write(tmp_path, "f.txml", "<form><block><conf:fail/></block></form>")
    write(tmp_path, "s.txml", "<form><block><goto next='nowhere.vxml'/></block></form>")
    seen: list[str] = []
    result = run_suite([tmp_path], on_outcome=lambda outcome: seen.append(outcome.status))
    assert seen == ["failed", "passed", "skipped"]
    assert (result.passed, result.failed, result.skipped) == (1, 1, 1)
    assert result.to_json()["summary"] == "1 passed, 1 failed, 1 skipped"


def test_manual_verdict_reads_the_order_of_what_was_heard() -> None:
    assert conformance._in_order("For alpha, press 1. For bravo, press 2.", ["for alpha press 1", "for bravo press 2"]) is None
    assert conformance._in_order("bravo alpha", ["alpha", "bravo"]) is not None


def test_a_hanging_test_is_stopped_and_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import vxmlkit.browser as browser_package

    entry = write(tmp_path, "slow.txml", "<form><block><conf:pass/></block></form>")

    def dial_forever(self: object, url: str, **kwargs: object) -> None:
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(browser_package.Browser, "dial", dial_forever)
    outcome = run_test(entry, time_limit=0.2)
    assert outcome.status == "failed"
    assert outcome.reason == "the test ran longer than 0.2 s and was stopped"


def test_an_input_that_cannot_answer_the_wait_is_reported_as_such(tmp_path: Path) -> None:
    entry = write(
        tmp_path,
        "rec.txml",
        "<form><field name='f'><conf:grammar utterance='alpha'/><prompt>Recite your favorite nursery rhyme.</prompt>"
        "<filled><conf:pass/></filled></field></form>",
    )
    outcome = run_test(entry)
    assert outcome.status == "failed"
    assert outcome.reason.startswith("the caller's recorded 5 s does not fit the wait")


def test_a_malformed_test_fails_with_the_parse_error_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "broken.txml").write_text("<vxml version='2.0'><form>", encoding="utf-8")
    write(tmp_path, "fine.txml", "<form><block><conf:pass/></block></form>")
    result = run_suite([tmp_path])
    broken, fine = result.outcomes
    assert broken.status == "failed"
    assert broken.reason.startswith("ended by error.badfetch")
    assert "cannot transform" in broken.reason
    assert fine.status == "passed"
