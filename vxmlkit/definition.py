"""Checks of a flow's step code made when the class is defined.

Components are built while a call runs, so a typo in ``then=self.chrage`` or an ``sms()``
timeout of 300 would otherwise surface only when a caller reaches that step. Reading the
steps' source once at class definition catches the literal cases up front; everything is
still checked again at run time.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .flow import Flow

__all__ = ["check_steps", "STEP_ARGUMENTS"]

#: Keyword arguments of components that name a step.
STEP_ARGUMENTS = frozenset({"then", "on_error", "on_failure", "on_busy", "on_noanswer", "on_network_failure",
                            "voice", "machine"})


def _self_attribute(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def check_steps(flow: type[Flow]) -> None:
    """Raise FlowDefinitionError for a literal mistake in one of ``flow``'s steps."""
    from .flow import FlowDefinitionError
    from .sms.step import MAX_TIMEOUT, MIN_TIMEOUT

    for name in flow.steps:
        function = inspect.getattr_static(flow, name)
        try:
            source = textwrap.dedent(inspect.getsource(function))
            tree = ast.parse(source)
            first_line = inspect.getsourcelines(function)[1]
            filename = inspect.getsourcefile(function) or "?"
        except (OSError, TypeError, SyntaxError):
            continue  # no source (built dynamically): the run-time checks remain
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{filename}:{first_line + node.lineno - 1}"
            called = _call_name(node)
            for keyword in node.keywords:
                target = _self_attribute(keyword.value)
                if keyword.arg in STEP_ARGUMENTS and target is not None and target not in flow.steps:
                    raise FlowDefinitionError(
                        f"flow {flow.name!r}, step {name!r} ({where}): {keyword.arg}=self.{target} is not a step"
                        f" of the flow (steps: {', '.join(sorted(flow.steps))})"
                    )
                if (called == "sms" and keyword.arg == "timeout" and isinstance(keyword.value, ast.Constant)
                        and not (isinstance(keyword.value.value, (int, float)) and not isinstance(keyword.value.value, bool)
                                 and MIN_TIMEOUT <= keyword.value.value <= MAX_TIMEOUT)):
                    raise FlowDefinitionError(
                        f"flow {flow.name!r}, step {name!r} ({where}): sms() timeout must be from {MIN_TIMEOUT} "
                        f"to {MAX_TIMEOUT} seconds, not {keyword.value.value!r}"
                    )
            if called == "menu":
                for keyword in node.keywords:
                    if keyword.arg == "choices" and isinstance(keyword.value, ast.Dict):
                        for value in keyword.value.values:
                            target = _self_attribute(value)
                            if target is not None and target not in flow.steps:
                                raise FlowDefinitionError(
                                    f"flow {flow.name!r}, step {name!r} ({where}): menu choice self.{target} is not a step"
                                )
