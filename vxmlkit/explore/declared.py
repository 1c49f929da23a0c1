"""What a flow class declares: its steps and the transitions its steps' code names.

The steps' source is read once (as :mod:`vxmlkit.definition` does for its checks): a keyword
argument that names a step (``then=self.charge``, ``on_failure=self.goodbye``,
``machine=self.voicemail`` ...) and each entry of a ``menu(choices={...})`` is a transition.
Helper methods a step calls (``self._identity_question()``) are read as part of the step. A
target computed at run time cannot be read from the source: explore still walks it, and
reports it as an ``observed`` transition.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import TYPE_CHECKING, Any

from ..definition import _call_name, _self_attribute
from .graph import FlowDeclaration, Transition

if TYPE_CHECKING:
    from ..flow import Flow

__all__ = ["declaration_of"]

#: (component, keyword) -> transition kind; ``None`` as component: any component.
_KINDS: dict[tuple[str | None, str], str] = {
    ("sms", "then"): "sms then",
    ("sms", "on_error"): "sms on_error",
    ("transfer", "then"): "transfer then",
    ("transfer", "on_busy"): "on_busy",
    ("transfer", "on_noanswer"): "on_noanswer",
    ("transfer", "on_network_failure"): "on_network_failure",
    ("answering_machine", "voice"): "voice",
    ("answering_machine", "machine"): "machine",
    (None, "then"): "then",
    (None, "on_failure"): "on_failure",
}


def _tree(function: Any) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None


def _choice_label(key: ast.AST) -> str:
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    if isinstance(key, ast.Tuple) and all(isinstance(e, ast.Constant) for e in key.elts):
        return "/".join(str(e.value) for e in key.elts)  # type: ignore[attr-defined]
    return "?"


def _transitions_in(tree: ast.AST, source: str, steps: dict[str, Any]) -> tuple[list[Transition], set[str]]:
    """The transitions written in one function's tree, and the helper methods it calls."""
    found: list[Transition] = []
    helpers: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = _call_name(node)
        target = _self_attribute(node.func)
        if target is not None and target not in steps:
            helpers.add(target)
        if called == "goto" and node.args:
            name = _self_attribute(node.args[0])
            if name in steps:
                found.append(Transition(source, "goto", name))
        for keyword in node.keywords:
            if called == "menu" and keyword.arg == "choices" and isinstance(keyword.value, ast.Dict):
                for key, value in zip(keyword.value.keys, keyword.value.values):
                    name = _self_attribute(value)
                    if name in steps and key is not None:
                        found.append(Transition(source, "choice", name, _choice_label(key)))
                continue
            name = _self_attribute(keyword.value)
            if name not in steps or keyword.arg is None:
                continue
            kind = _KINDS.get((called, keyword.arg)) or _KINDS.get((None, keyword.arg))
            if kind is not None:
                found.append(Transition(source, kind, name))
    return found, helpers


def declaration_of(flow: type[Flow]) -> FlowDeclaration:
    """Read ``flow``'s steps and declared transitions (start step first, then in source order)."""
    steps = dict(flow.steps)
    transitions: list[Transition] = []
    for name in steps:
        seen: set[str] = set()
        pending = [inspect.getattr_static(flow, name)]
        while pending:
            function = pending.pop()
            tree = _tree(function)
            if tree is None:
                continue
            found, helpers = _transitions_in(tree, name, steps)
            for transition in found:
                if transition not in transitions:
                    transitions.append(transition)
            for helper in sorted(helpers - seen):
                seen.add(helper)
                member = inspect.getattr_static(flow, helper, None)
                if callable(member) or isinstance(member, (staticmethod, classmethod)):
                    pending.append(getattr(member, "__func__", member))

    def order(step: str) -> tuple[int, int]:
        function = inspect.getattr_static(flow, step)
        try:
            line = inspect.getsourcelines(function)[1]
        except (OSError, TypeError):
            line = 0
        return (0 if step == flow.start_step else 1, line)

    ordered = tuple(sorted(steps, key=order))
    position = {step: index for index, step in enumerate(ordered)}
    transitions.sort(key=lambda t: (position[t.source], position[t.target], t.kind, t.label))
    return FlowDeclaration(flow=flow.name, start=flow.start_step, steps=ordered, transitions=tuple(transitions))
