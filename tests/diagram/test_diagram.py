"""Diagrams drawn from explored flows: what they show, the checked-in picture, Graphviz."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from tests.explore.flows import create_defects_app
from vxmlkit import Flow, hangup, menu, say, step
from vxmlkit.app import create_app
from vxmlkit.diagram import DiagramError, draw, flow_diagram
from vxmlkit.diagram.build import explored_diagram

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def examples(tmp_path):
    return create_app({"TESTING": True, "VXMLKIT_SECRET_KEY": "diagram tests",
                       "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}"})


def _needs_graphviz() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("VXMLKIT_REQUIRE_GRAPHVIZ") == "1":
            pytest.fail("VXMLKIT_REQUIRE_GRAPHVIZ=1 but Graphviz's dot is not installed")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")


def test_every_step_and_branch_of_the_payment_reminder(examples):
    diagram = explored_diagram(examples, "payment-reminder")
    steps = {node.name for node in diagram.nodes.values() if node.kind == "step"}
    assert steps == {"opening", "greet", "pay", "charge", "receipt_sent", "receipt_failed", "voicemail", "goodbye"}
    edges = {(diagram.nodes[e.source].name, diagram.nodes[e.target].name): e.label for e in diagram.edges.values()}
    assert edges[("opening", "greet")] == "person answers"
    assert edges[("opening", "voicemail")] == "answering machine"
    assert edges[("greet", "pay")] == 'press 1, say "pay"'
    assert edges[("pay", "charge")] == "card entered"  # a long answer is named, not spelled out
    assert edges[("charge", "receipt_sent")] == "SMS sent"
    assert edges[("charge", "receipt_failed")] == "SMS failed"
    assert edges[("greet", "goodbye")] == "silence, nomatch · no more tries"
    # The escalation ladder is one loop on its step, not a node per retry.
    assert "silence" in edges[("greet", "greet")] and "nomatch" in edges[("greet", "greet")]
    assert edges[("pay", "pay")] == "silence, nomatch"
    assert {n.name for n in diagram.nodes.values() if n.kind == "ending"} == {"hang-up"}
    greet = diagram.nodes["step:greet"]
    assert greet.caption.startswith("Your balance of $42.10 is due")


def test_the_checked_in_diagram_matches_the_flow(examples):
    """README and docs show the payment reminder as the tool draws it today."""
    drawn = flow_diagram(examples, "payment-reminder", fmt="mermaid").decode()
    checked_in = (ROOT / "docs" / "diagrams" / "payment-reminder.mmd").read_text()
    assert drawn == checked_in, "run: vxmlkit diagram payment-reminder -o docs/diagrams/payment-reminder.mmd"
    for shown_in in ("README.md", "docs/seeing.md"):
        block = re.search(r"```mermaid\n(.*?)```", (ROOT / shown_in).read_text(), re.S)
        assert block is not None, f"{shown_in} shows no mermaid diagram"
        assert block.group(1) == drawn, f"{shown_in}'s diagram is out of date: paste docs/diagrams/payment-reminder.mmd"


def test_problems_are_marked(tmp_path):
    app = create_defects_app(VXMLKIT_DATABASE_URL=f"sqlite:///{tmp_path / 'defects.sqlite3'}")
    orphan = explored_diagram(app, "orphan")
    assert "nothing reaches" in (orphan.nodes["step:forgotten"].problem or "")
    raised = explored_diagram(app, "second-silence")
    problems = [n for n in raised.nodes.values() if n.kind == "problem" or n.problem]
    assert any("raised" in (n.problem or n.caption) for n in problems)
    mermaid = draw(raised, "mermaid").decode()
    assert "class " in mermaid and " problem" in mermaid


def _thirty_questions() -> type[Flow]:
    """Thirty menus in a row, each with its own escalation ladder, then a goodbye."""

    def question(number: int):
        def ask_question(self, call):
            following = f"q{number + 1}" if number < 29 else "bye"
            return menu(f"Question {number}. Press 1.", choices={"1": following}, tries=2, on_failure="bye")

        ask_question.__name__ = ask_question.__qualname__ = f"q{number}"
        return step(start=True)(ask_question) if number == 0 else step(ask_question)

    def bye(self, call):
        return [say("Goodbye."), hangup()]

    namespace = {f"q{n}": question(n) for n in range(30)}
    namespace.update(name="thirty", bye=step(bye), __module__=__name__, __doc__="Thirty questions.")
    return type("Thirty", (Flow,), namespace)


def test_thirty_steps_stay_readable(tmp_path):
    app = create_app({"TESTING": True, "VXMLKIT_SECRET_KEY": "s",
                      "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'long.sqlite3'}"}, flows=[_thirty_questions()])
    diagram = explored_diagram(app, "thirty")
    steps = [n for n in diagram.nodes.values() if n.kind == "step"]
    assert len(steps) == 31  # one node a step: retries never become nodes of their own
    # Each question: one edge on, one loop for its retries, one to the goodbye.
    assert len(diagram.edges) == 3 * 30  # the last answer and its failure both lead to the goodbye, which hangs up
    assert diagram.edges[("step:q7", "step:q7")].label == "silence, nomatch"


def test_svg_and_png_through_graphviz(examples, tmp_path):
    _needs_graphviz()
    svg = flow_diagram(examples, "payment-reminder", fmt="svg")
    root = etree.fromstring(svg)
    classes = {el.get("class") for el in root.iter() if el.get("class")}
    assert {"node step-greet", "node step-pay", "edge edge-greet--pay"} <= classes
    png = flow_diagram(examples, "payment-reminder", fmt="png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_the_command_writes_each_format(tmp_path):
    _needs_graphviz()
    env = {**os.environ, "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"), "VXMLKIT_SECRET_KEY": "s",
           "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    vxmlkit = [str(Path(sys.executable).with_name("vxmlkit"))]
    out = tmp_path / "pay.svg"
    done = subprocess.run([*vxmlkit, "diagram", "payment-reminder", "--format", "svg", "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().lstrip().startswith((b"<?xml", b"<!--", b"<svg"))
    mermaid = subprocess.run([*vxmlkit, "diagram", "payment-reminder"], capture_output=True, text=True, env=env,
                             timeout=120)
    assert mermaid.returncode == 0 and mermaid.stdout.startswith("flowchart TD")
    unknown = subprocess.run([*vxmlkit, "diagram", "nope"], capture_output=True, text=True, env=env, timeout=120)
    assert unknown.returncode == 2 and "no flow 'nope'" in unknown.stderr


def test_without_graphviz_the_message_says_what_to_do(examples, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(DiagramError, match="apt-get install graphviz"):
        flow_diagram(examples, "payment-reminder", fmt="svg")
    # Text formats need nothing installed.
    assert flow_diagram(examples, "payment-reminder", fmt="dot").startswith(b"digraph")
