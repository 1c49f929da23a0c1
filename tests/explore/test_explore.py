"""vxmlkit explore: the example flows explored completely, and seeded defects found by a
minimal input path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from apps import FLOWS, OrderConfirmation
from tests.explore.flows import create_defects_app
from vxmlkit.app import create_app
from vxmlkit.cli import cli
from vxmlkit.explore import Bounds, declaration_of, explore_flow, graph_json, text_report
from vxmlkit.explore.graph import path_label


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    folder = tmp_path_factory.mktemp("examples")
    return create_app({"TESTING": True, "VXMLKIT_SECRET_KEY": "test",
                       "VXMLKIT_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}"})


@pytest.fixture(scope="module")
def defects(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    folder = tmp_path_factory.mktemp("defects")
    return create_defects_app(VXMLKIT_DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}")


@pytest.mark.parametrize("flow", [f.name for f in FLOWS])
def test_each_example_flow_is_explored_completely(examples: Flask, flow: str) -> None:
    graph = explore_flow(examples, flow)
    assert graph.complete, graph.cut
    assert graph.problems == [], text_report(graph)
    assert graph.steps_reached == set(graph.declaration.steps)
    assert set(graph.all_transitions) == graph.transitions_walked, text_report(graph)
    kinds = {ending.kind for ending in graph.endings}
    assert {"hangup", "caller-hangup"} <= kinds
    # the answering machine branch is its own ending, reached with no input at all
    assert any(e.step == "voicemail" and path_label(e.path) == "callee answeringmachine" for e in graph.endings)


def test_payment_reminder_paths_name_every_branch(examples: Flask) -> None:
    graph = explore_flow(examples, "payment-reminder")
    endings = {e.step: path_label(e.path) for e in graph.endings if e.kind == "hangup"}
    assert endings == {
        "voicemail": "callee answeringmachine",
        "receipt_sent": "callee voice, press 1, press 123456789012345#, sms sent",
        "receipt_failed": "callee voice, press 1, press 123456789012345#, sms failed",
        "goodbye": "callee voice, silence, silence, silence",
    }
    walked = graph.transition_paths
    assert path_label(walked["greet --choice 2/repeat--> greet"]) == "callee voice, press 2"
    assert path_label(walked["pay --on_failure--> goodbye"]) == "callee voice, press 1, silence, silence, silence"
    # the escalation ladder: each count of silence and nomatch is its own state of the menu
    ladder = sorted(s.within for s in graph.states.values() if s.step == "greet")
    assert ladder == [(), ("nomatch",), ("nomatch", "nomatch"), ("nomatch", "silence"), ("silence",),
                      ("silence", "silence")]


def test_a_menu_offers_keys_and_phrases(examples: Flask) -> None:
    graph = explore_flow(examples, "appointment-reminder")
    [remind] = [s for s in graph.states.values() if s.step == "remind" and not s.within]
    assert [o.label for o in remind.options] == [
        "press 1", 'say "confirm"', "press 2", 'say "cancel"', "press 3", 'say "front desk"',
        "silence", "nomatch", "hang up"]
    [transfer] = [s for s in graph.states.values() if s.wait.startswith("transfer")]
    assert "transfer busy" in [o.label for o in transfer.options]
    assert path_label(graph.transition_paths["front_desk --on_busy--> front_desk_busy"]) == (
        "callee voice, press 3, transfer busy")


def test_digits_from_the_call_parameters_pass_an_identity_check(examples: Flask) -> None:
    graph = explore_flow(examples, "password-reset", call_parameters={"account": "ACCT-987654"})
    sent = [e for e in graph.endings if e.step == "password_sent"]
    assert [path_label(e.path) for e in sent] == ["callee voice, press 1, press 7654, sms sent"]


def test_a_step_that_raises_after_the_second_silence(defects: Flask) -> None:
    graph = explore_flow(defects, "second-silence")
    [problem] = graph.problems
    assert problem.kind == "step-raised" and problem.step == "no_pin"
    assert path_label(problem.path) == "silence, silence"
    assert "RuntimeError: seeded defect: the second silence breaks the flow" in problem.detail


def test_a_step_nothing_reaches(defects: Flask) -> None:
    graph = explore_flow(defects, "orphan")
    [problem] = graph.problems
    assert (problem.kind, problem.step, problem.path) == ("unreachable-step", "forgotten", None)
    assert "forgotten" not in graph.steps_reached


def test_a_choice_that_loops_back_forever(defects: Flask) -> None:
    graph = explore_flow(defects, "carousel")
    [problem] = graph.problems
    assert problem.kind == "endless-loop" and problem.step == "offers"
    assert path_label(problem.path) == "press 1"


def test_a_document_the_schema_refuses_on_the_machine_branch_only(defects: Flask) -> None:
    graph = explore_flow(defects, "machine-template")
    [problem] = graph.problems
    assert problem.kind == "schema" and problem.step == "message"
    assert path_label(problem.path) == "callee answeringmachine"
    assert "<goto> needs exactly one of next" in problem.message
    assert graph.steps_reached == {"opening", "talk", "message"}


def test_a_question_that_waits_forever(defects: Flask) -> None:
    graph = explore_flow(defects, "forever")
    [problem] = graph.problems
    assert problem.kind == "dead-end" and problem.step == "question"
    assert path_label(problem.path) == ", ".join(["silence"] * 10)
    assert "still waits after 10 silences or nomatches" in problem.message


def test_the_result_hook_with_each_result_plum_reports(defects: Flask) -> None:
    graph = explore_flow(defects, "callback")
    [problem] = graph.problems
    assert problem.kind == "result-hook-raised"
    assert path_label(problem.path) == "result failed noanswer"
    assert "LookupError: seeded defect: no retry slot for unanswered calls" in problem.detail


def test_one_sentence_per_alternative_of_an_srgs_grammar(defects: Flask) -> None:
    graph = explore_flow(defects, "switchboard")
    [first] = [s for s in graph.states.values() if not s.within]
    assert [o.label for o in first.options if o.kind == "say"] == [
        'say "please billing"', 'say "technical support"', 'say "sales"']
    assert graph.problems == []


def test_the_bounds_say_what_they_cut(examples: Flask) -> None:
    graph = explore_flow(examples, "payment-reminder", bounds=Bounds(max_paths=10))
    assert graph.paths == 10 and not graph.complete
    assert "--max-paths 10" in graph.cut[0]
    shallow = explore_flow(examples, "payment-reminder", bounds=Bounds(max_depth=1))
    assert any("--max-depth 1" in note for note in shallow.cut)
    assert "endless-loop" not in {p.kind for p in shallow.problems}  # not judged on a partial graph


def test_the_json_graph_is_complete_and_consistent(examples: Flask) -> None:
    graph = explore_flow(examples, "order-confirmation")
    data = json.loads(json.dumps(graph_json(graph)))
    ids = {node["id"] for node in data["nodes"]}
    assert all(edge["source"] in ids and edge["target"] in ids for edge in data["edges"])
    # every input tried at a state is an edge out of it, and every call made is an edge
    for node in (n for n in data["nodes"] if n["type"] == "state"):
        tried = {e["action"]["label"] for e in data["edges"] if e["source"] == node["id"]}
        assert tried == {o["label"] for o in node["options"]}, node["label"]
    assert len(data["edges"]) >= data["paths"]
    declared = {t.id for t in declaration_of(OrderConfirmation).transitions}
    assert {t["id"] for t in data["transitions"] if t["declared"]} == declared
    assert all(t["walked"] and t["path"] for t in data["transitions"])


def test_cli_summary_and_exit_status(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VXMLKIT_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    result = runner.invoke(cli, ["explore", "payment-reminder"])
    assert result.exit_code == 0, result.output
    assert "explored completely" in result.output
    assert "steps reached:      8/8 (100%)" in result.output
    assert "transitions walked: 9/9 (100%)" in result.output
    assert "problems: none" in result.output
    failing = runner.invoke(cli, ["explore", "second-silence", "--app", "tests.explore.flows:create_defects_app"])
    assert failing.exit_code == 1
    assert "a step raised [no_pin]" in failing.output and "path: silence, silence" in failing.output
    as_json = runner.invoke(cli, ["explore", "survey", "--json"])
    assert json.loads(as_json.output)["flow"] == "survey"
    unknown = runner.invoke(cli, ["explore", "no-such-flow"])
    assert unknown.exit_code == 2 and "no flow 'no-such-flow'" in unknown.output


REPO = Path(__file__).resolve().parents[2]


def test_written_tests_walk_every_ending_and_fail_on_a_problem(examples: Flask, defects: Flask,
                                                                 pytester: pytest.Pytester) -> None:
    from vxmlkit.explore.testwriter import write_tests

    graph = explore_flow(examples, "payment-reminder")
    module = write_tests(examples, graph)
    assert module.count("\ndef test_") == len(graph.endings) == 5
    assert "call.press('1')" in module and "simulator.outbox.fail_with = GatewayRejectedError(" in module
    broken = write_tests(defects, explore_flow(defects, "second-silence"))
    pytester.makeini(f"""
        [pytest]
        vxml_app = tests.explore.flows:create_defects_app
        pythonpath = {REPO}
    """)
    pytester.makepyfile(test_payment_paths=module.replace("FLOW = 'payment-reminder'", "FLOW = 'payment-reminder'\n")
                        .replace("from vxmlkit.testing import Call, Simulator",
                                 "import pytest\nfrom vxmlkit.app import create_app\nfrom vxmlkit.testing import Call, Simulator"
                                 "\n\n\n@pytest.fixture\ndef vxml_app(tmp_path):\n    return create_app({'TESTING': True,"
                                 " 'VXMLKIT_SECRET_KEY': 't', 'VXMLKIT_DATABASE_URL': f'sqlite:///{tmp_path}/db.sqlite3'})"),
                        test_second_silence_paths=broken)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=5 + 2, failed=1)
    result.stdout.fnmatch_lines(["*test_step_raised_no_pin*", "*RuntimeError: seeded defect*"])


def test_explore_an_app_over_http(tmp_path: Path) -> None:
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    from vxmlkit.explore import explore_url
    from vxmlkit.urls import flow_urls

    # The explorer posts the flow's own start URL: a call vxmlkit did not queue.
    app = create_app({"VXMLKIT_SECRET_KEY": "test", "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "VXMLKIT_ALLOW_UNQUEUED_CALLS": "*"})

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: object) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    app.config["VXMLKIT_PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with app.app_context():
            start = flow_urls(app, "order-confirmation").start_url
        graph = explore_url(start, call_parameters={"order": "A17", "total": "129.90", "items": "2"})
    finally:
        server.shutdown()
    assert graph.complete and graph.problems == [], text_report(graph)
    # Over HTTP a state is a document's URL path: the goodbye after the SMS comes from its route.
    ends = {e.step for e in graph.endings if e.kind == "hangup"}
    assert ends == {"/vxml/order-confirmation/step/voicemail", "/vxml/order-confirmation/sms/confirm",
                    "/vxml/order-confirmation/step/cancelled", "/vxml/order-confirmation/step/unconfirmed"}
    assert "/vxml/order-confirmation/step/review" in graph.steps_reached


def test_going_on_with_a_live_call_finds_the_same_graph_as_dialling_again(
        examples: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from vxmlkit.explore import explorer

    def shape(flow: str) -> str:
        data = graph_json(explore_flow(examples, flow))
        data.pop("seconds")
        return json.dumps(data, sort_keys=True)

    resumed = shape("order-confirmation")
    monkeypatch.setattr(explorer, "_LIVE_CALLS", 0)
    assert shape("order-confirmation") == resumed
