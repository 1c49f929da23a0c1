"""Checks of a flow's step code made when the class is defined.

Components are built while a call runs, so a typo in ``then=self.chrage`` or an ``sms()``
timeout of 300 would otherwise surface only when a caller reaches that step. Reading the
steps' source once at class definition catches the literal cases up front: a step named (as
``self.x`` or ``"x"``) that does not exist, a step that cannot take the answers posted to it,
an ``sms()`` timeout out of range. Template names written literally are kept and checked when
the flow is served by an app (:func:`check_templates`), since only the app knows its template
folders. Everything is still checked again at run time.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .flow import Flow

__all__ = ["check_steps", "check_templates", "require_template", "template_search_path", "TemplateMissing",
           "STEP_ARGUMENTS"]

#: Keyword arguments of components that name a step.
STEP_ARGUMENTS = frozenset({"then", "on_error", "on_failure", "on_busy", "on_noanswer", "on_network_failure",
                            "voice", "machine"})

#: Components whose ``then`` step receives the component's answer, named by its first argument.
_ANSWERING = frozenset({"ask", "record"})

#: Step arguments whose step is reached without any answer.
_NO_ANSWER = frozenset({"on_failure", "voice", "machine"})


def _self_attribute(node: ast.AST) -> str | None:
    """``x`` when ``node`` is ``self.x``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _step_target(node: ast.AST) -> str | None:
    """The step ``node`` names: ``self.x`` or the literal ``"x"``."""
    attribute = _self_attribute(node)
    if attribute is not None:
        return attribute
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
        return node.value
    return None


def _shown(node: ast.AST) -> str:
    return f"self.{node.attr}" if isinstance(node, ast.Attribute) else repr(getattr(node, "value", "?"))


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _literal(node: ast.AST) -> tuple[bool, Any]:
    """(True, value) when ``node`` is a literal (``-1`` included), else (False, None)."""
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_steps(flow: type[Flow]) -> None:
    """Raise FlowDefinitionError for a literal mistake in one of ``flow``'s steps; keep the
    literal template names in ``flow._template_names`` for :func:`check_templates`."""
    from .flow import FlowDefinitionError
    from .sms.step import MAX_TIMEOUT, MIN_TIMEOUT

    templates: list[tuple[str, str]] = []
    for name in flow.steps:
        function = inspect.getattr_static(flow, name)
        try:
            source = textwrap.dedent(inspect.getsource(function))
            tree = ast.parse(source)
            first_line = inspect.getsourcelines(function)[1]
            filename = inspect.getsourcefile(function) or "?"
        except (OSError, TypeError, SyntaxError):
            continue  # no source (built dynamically): the run-time checks remain
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        # The names this step's document may submit; None when one is computed.
        submitted: set[str] | None = set()
        for node in calls:
            if _call_name(node) in _ANSWERING:
                known, value = _literal(node.args[0]) if node.args else (False, None)
                if known and isinstance(value, str) and submitted is not None:
                    submitted.add(value)
                else:
                    submitted = None

        def fail(node: ast.AST, message: str) -> None:
            where = f"{filename}:{first_line + getattr(node, 'lineno', 1) - 1}"
            raise FlowDefinitionError(f"flow {flow.name!r}, step {name!r} ({where}): {message}")

        def target_of(node: ast.Call, value: ast.AST, what: str) -> str | None:
            target = _step_target(value)
            if target is not None and target not in flow.steps:
                fail(node, f"{what}={_shown(value)} is not a step of the flow"
                           f"{_did_you_mean(target, flow.steps)} (steps: {', '.join(sorted(flow.steps))})")
            return target

        def takes_nothing(node: ast.Call, target: str | None, how: str) -> None:
            required = flow.steps[target].required if target else frozenset()
            if required:
                fail(node, f"step {target!r} needs {', '.join(sorted(required))}, but {how} posts no answer"
                           " (give the parameters defaults)")

        for node in calls:
            called = _call_name(node)
            for keyword in node.keywords:
                if keyword.arg in STEP_ARGUMENTS:
                    target = target_of(node, keyword.value, keyword.arg)
                    if keyword.arg in _NO_ANSWER:
                        takes_nothing(node, target, f"{called}({keyword.arg}=...)")
                    elif keyword.arg == "then" and called in _ANSWERING and target is not None:
                        _check_answer_target(flow, node, target, submitted, fail)
                if called == "sms" and keyword.arg == "timeout":
                    known, value = _literal(keyword.value)
                    if known and not (isinstance(value, (int, float)) and not isinstance(value, bool)
                                      and MIN_TIMEOUT <= value <= MAX_TIMEOUT):
                        fail(node, f"sms() timeout must be from {MIN_TIMEOUT} to {MAX_TIMEOUT} seconds, not {value!r}")
                if called == "menu" and keyword.arg == "choices" and isinstance(keyword.value, ast.Dict):
                    for value in keyword.value.values:
                        takes_nothing(node, target_of(node, value, "menu choice"), "a menu choice")
            if called == "goto" and node.args:
                takes_nothing(node, target_of(node, node.args[0], "goto"), "goto()")
            if called == "template" and node.args:
                known, value = _literal(node.args[0])
                if known and isinstance(value, str):
                    templates.append((value, f"step {name!r} ({filename}:{first_line + node.lineno - 1})"))
    flow._template_names = tuple(templates)


def _check_answer_target(flow: type[Flow], node: ast.Call, target: str, submitted: set[str] | None, fail: Any) -> None:
    """The ``then`` step of an ask()/record() must take the answers the document posts."""
    info = flow.steps[target]
    known, answer = _literal(node.args[0]) if node.args else (False, None)
    if known and isinstance(answer, str) and not info.accepts_any and answer not in info.inputs:
        takes = ", ".join(sorted(info.inputs)) or "no answers"
        fail(node, f"{_call_name(node)}({answer!r}, then=...) posts {answer!r} to step {target!r}, which takes "
                   f"{takes}{_did_you_mean(answer, info.inputs)} (add a parameter {answer!r} to {target!r})")
    if submitted is not None:
        missing = info.required - submitted
        if missing:
            fail(node, f"step {target!r} needs {', '.join(sorted(missing))}, but this step's document posts only "
                       f"{', '.join(sorted(submitted)) or 'nothing'}")


def template_search_path(renderer: Any) -> list[str]:
    """The folders ``renderer`` looks for templates in, first match first."""
    loader = getattr(getattr(renderer, "environment", None), "loader", None)
    loaders = getattr(loader, "loaders", [loader] if loader is not None else [])
    return [str(path) for inner in loaders for path in getattr(inner, "searchpath", [])]


class TemplateMissing(LookupError):
    """A step asked for a template that no template folder holds."""


def require_template(renderer: Any, template: str, where: str, error: type[Exception] = TemplateMissing) -> None:
    """Raise ``error`` naming the folders searched when ``renderer`` has no ``template``."""
    environment = renderer.environment
    try:
        environment.loader.get_source(environment, template)
    except Exception:  # noqa: BLE001 - jinja2.TemplateNotFound and loader errors alike
        known = sorted(environment.loader.list_templates())
        raise error(
            f"{where}: no template {template!r}{_did_you_mean(template, known)}"
            f" (searched {', '.join(template_search_path(renderer))})"
        ) from None


def check_templates(flows: Iterable[type[Flow]], renderer: Any) -> None:
    """Raise FlowDefinitionError when a flow names, literally, a template no folder holds."""
    from .flow import FlowDefinitionError

    for flow in flows:
        for template, where in getattr(flow, "_template_names", ()):
            require_template(renderer, template, f"flow {flow.name!r}, {where}", FlowDefinitionError)
