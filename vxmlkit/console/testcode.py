"""A console call written out as a pytest test and a golden transcript.

The test uses the project's own testing vocabulary (``simulator.dial``, ``hears``, ``press``,
``say``, ``silence``, ``hangs_up`` ...) so that it reads like one written by hand, and is meant
to be kept and edited.
"""

from __future__ import annotations

import re

from .calls import ConsoleCall

__all__ = ["write_test", "function_name"]

_CALLS = {"press": "press", "say": "say", "silence": "silence", "nomatch": "nomatch", "hang_up": "hang_up"}


def function_name(entry: ConsoleCall) -> str:
    """A test function name for the call: its flow and the steps it walked."""
    words = [entry.flow, *entry.path[1:][-3:]]
    name = re.sub(r"[^0-9a-zA-Z]+", "_", "_".join(words)).strip("_").lower()
    return f"test_{name or 'call'}"


def _heard_phrase(heard: tuple[str, ...] | list[str]) -> str | None:
    """The last thing heard, cut to a phrase that is stable enough to assert on."""
    for prompt in reversed(heard):
        words = prompt.split()
        if words:
            return " ".join(words[:12])
    return None


def write_test(entry: ConsoleCall, *, golden_path: str | None = None) -> str:
    """The pytest source of a test that replays ``entry``'s call."""
    dial = entry.dial
    args = [repr(entry.flow), f"phone_number={dial['phone_number']!r}"]
    if dial.get("message_reference"):
        args.append(f"message_reference={dial['message_reference']!r}")
    if dial.get("call_parameters"):
        args.append(f"call_parameters={dial['call_parameters']!r}")
    if dial.get("callee_type", "voice") != "voice":
        args.append(f"callee_type={dial['callee_type']!r}")
    lines = [f"def {function_name(entry)}(simulator):", f"    call = simulator.dial({', '.join(args)})"]
    for action in entry.actions:
        phrase = _heard_phrase(action.heard_before)
        if phrase:
            lines.append(f"    call.hears({phrase!r})")
        method = _CALLS[action.name]
        argument = repr(action.value) if action.name in ("press", "say") else ""
        lines.append(f"    call.{method}({argument})")
    final = _heard_phrase(entry.call.heard)
    if final and (not entry.actions or entry.actions[-1].name != "hang_up"):
        lines.append(f"    call.hears({final!r})")
    if entry.call.ended in ("disconnect", "exit"):
        lines.append("    call.hangs_up()")
    elif entry.call.session.transferred_to and entry.call.ended == "transfer":
        lines.append(f"    call.transferred_to({entry.call.session.transferred_to!r})")
    for message in entry.call.sms:
        lines.append(f"    assert any(m.to == {message.to!r} for m in call.sms)")
        break
    header = ['"""Saved from the vxmlkit console."""', ""]
    if golden_path:
        header = ['"""Saved from the vxmlkit console."""', "", "from vxmlkit.testing import assert_transcript", ""]
        lines.append(f"    assert_transcript(call, {golden_path!r})")
    return "\n".join([*header, "", *lines]) + "\n"
