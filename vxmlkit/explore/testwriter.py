"""``vxmlkit explore --write-tests``: a pytest module with one test per ending and problem path.

Each test dials the flow with the ``simulator`` fixture of vxmlkit's pytest plugin and walks
the shortest path explore found, in the project's testing vocabulary
(``call.press("1").hears("card number")``), then checks how the call ends. A test of a
problem path asserts what a correct flow does, so it fails until the problem is fixed. The
module is meant to be read, kept and edited.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from .graph import Action, ExploredGraph, path_label
from .replay import FlowCalls

__all__ = ["write_tests", "snippet"]


def snippet(prompt: str, limit: int = 60) -> str:
    """A short, distinctive piece of what was heard: its first sentence, cut at a word."""
    text = " ".join(prompt.split())
    first = re.split(r"(?<=[.?!])\s", text, maxsplit=1)[0]
    if len(first) <= limit:
        return first.rstrip(".?!") if len(first) > 12 else first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut


def _heard_after_each(transcript: list[Any]) -> list[list[str]]:
    """The prompts heard at the dial and after each caller input, from a call's transcript."""
    segments: list[list[str]] = [[]]
    for entry in transcript:
        if entry.kind == "heard":
            segments[-1].append(entry.text)
        elif entry.kind == "input":
            segments.append([])
    return segments


def _call_line(action: Action) -> str:
    if action.kind == "press":
        return f"call.press({action.value!r})"
    if action.kind == "say":
        return f"call.say({action.value!r})"
    if action.kind == "silence":
        return "call.silence()"
    if action.kind == "nomatch":
        return "call.nomatch()"
    if action.kind == "record":
        return f"call.record({float(action.value or 2)!r})"
    if action.kind == "transfer":
        return f"call.transfer_ends({action.value!r})"
    return "call.hang_up()"


def _name(words: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")[:70] or "path"
    name = f"test_{base}"
    if keyword.iskeyword(name):
        name += "_"
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    taken.add(candidate)
    return candidate


def _body(path: tuple[Action, ...], heard: list[list[str]]) -> list[str]:
    callee = next((a.value for a in path if a.kind == "callee"), "voice")
    lines = []
    groups: list[tuple[Action | None, list[Action]]] = [(None, [])]
    for action in path:
        if action.kind == "callee":
            continue
        if action.is_decision:
            groups[-1][1].append(action)
        else:
            groups.append((action, []))

    def sms_switch(decisions: list[Action]) -> list[str]:
        # What the SMS gateway does for the sends of this action (the fixture's outbox).
        if any(d.value == "failed" for d in decisions):
            return ['    simulator.outbox.fail_with = GatewayRejectedError(detail="the gateway refused the message")']
        return []

    dial_failing = sms_switch(groups[0][1])
    lines += dial_failing
    args = f", callee_type={callee!r}" if callee != "voice" else ""
    lines.append(f"    call = dial(simulator{args})")
    if dial_failing:
        lines.append("    simulator.outbox.fail_with = None")
    for index, (action, decisions) in enumerate(groups):
        prompts = heard[index] if index < len(heard) else []
        if index > 0 and action is not None:
            switch = sms_switch(decisions)
            lines += switch
            lines.append(f"    {_call_line(action)}")
            if switch:
                lines.append("    simulator.outbox.fail_with = None")
        if prompts and (action is None or action.kind != "hang_up"):
            lines.append(f"    call.hears({snippet(prompts[-1])!r})")
    return lines


def write_tests(app: Any, graph: ExploredGraph) -> str:
    """The text of a pytest module testing every ending and problem path of ``graph``."""
    if graph.declaration is None:
        raise ValueError("tests are written for a flow served in-process, not for an app over HTTP")
    flow = graph.flow
    calls = FlowCalls(app, flow, call_parameters=graph.call_parameters, phone_number=graph.phone_number)
    taken: set[str] = set()
    tests: list[str] = []
    with calls.isolated():
        for ending in graph.endings:
            run = calls.replay(ending.path)
            heard = _heard_after_each(run.session.transcript if run.session is not None else [])
            words = {"hangup": f"ends after {ending.step}", "caller-hangup": "caller hangs up",
                     "transfer": f"transfers to {ending.detail}", "exit": f"exits after {ending.step}",
                     "error": f"ends with error after {ending.step}"}[ending.kind]
            lines = [f"def {_name(words, taken)}(simulator: Simulator) -> None:",
                     f'    """{path_label(ending.path)} -> {ending.label}."""']
            lines += _body(ending.path, heard)
            if ending.kind == "hangup":
                lines.append("    call.hangs_up()")
            elif ending.kind == "transfer":
                lines.append(f"    call.transferred_to({ending.detail!r})")
            else:
                lines.append(f"    assert call.ended == {({'caller-hangup': 'hangup'}).get(ending.kind, ending.kind)!r}")
            tests.append("\n".join(lines))
        for problem in graph.problems:
            if problem.path is None or problem.kind in ("endless-loop", "result-hook-raised"):
                continue  # no call shows it: nothing to walk
            run = calls.replay(problem.path)
            heard = _heard_after_each(run.session.transcript if run.session is not None else [])
            lines = [f"def {_name(f'{problem.kind} {problem.step}', taken)}(simulator: Simulator) -> None:",
                     f'    """Fails until fixed: {problem.label}\n\n    Path: {path_label(problem.path)}.\n    """']
            body = _body(problem.path, heard)
            lines += body
            lines.append("    assert call.failure is None, call.failure")
            lines.append('    assert call.ended in ("disconnect", "exit", "transfer", "hangup"), call.ended')
            tests.append("\n".join(lines))
    header = f'''"""Every ending of the {flow} flow, by its shortest path: written by ``vxmlkit explore``.

Meant to be kept and edited. Re-run ``vxmlkit explore {flow} --write-tests FILE`` to see
paths the flow has gained.
"""

from __future__ import annotations

from vxmlkit.sms import GatewayRejectedError
from vxmlkit.testing import Call, Simulator

FLOW = {flow!r}
PHONE = {graph.phone_number!r}
PARAMETERS = {dict(graph.call_parameters)!r}


def dial(simulator: Simulator, callee_type: str = "voice") -> Call:
    return simulator.dial(FLOW, phone_number=PHONE, call_parameters=PARAMETERS, callee_type=callee_type)
'''
    return header + "\n\n" + "\n\n\n".join(tests) + "\n"
