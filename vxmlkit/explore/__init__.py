"""Explore every path of a call flow, offline, and report what it reaches and what goes wrong.

>>> graph = explore_flow(app, "payment-reminder")
>>> print(text_report(graph))

The pipeline, one module each: :mod:`.graph` (the data model: states, endings, problems,
labelled edges, and the flow's declaration), :mod:`.declared` (the transitions a flow class
declares), :mod:`.inputs` (what to try at a wait), :mod:`.replay` (one path on a fresh call,
in-process or over HTTP), :mod:`.trace` (the steps and transitions a call walked),
:mod:`.explorer` (the breadth-first search), :mod:`.report` and :mod:`.jsonreport` (the
results), :mod:`.testwriter` (pytest tests from the paths), :mod:`.cli` (``vxmlkit explore``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .declared import declaration_of
from .explorer import DEFAULT_CALLEE_TYPES, Bounds, explore
from .graph import Action, Edge, Ending, ExploredGraph, FlowDeclaration, Problem, State, Transition
from .jsonreport import graph_json
from .replay import FlowCalls, UrlCalls
from .report import text_report

__all__ = [
    "Action",
    "Bounds",
    "Edge",
    "Ending",
    "ExploredGraph",
    "FlowDeclaration",
    "Problem",
    "State",
    "Transition",
    "declaration_of",
    "explore_flow",
    "explore_url",
    "graph_json",
    "sample_parameters",
    "text_report",
]

DEFAULT_PHONE = "+16175550142"

_SAMPLES: dict[Any, str] = {
    str: "A-1234",
    int: "2",
    float: "1.5",
    Decimal: "42.10",
    bool: "true",
    _dt.date: "2030-01-15",
    _dt.datetime: "2030-01-15T14:30",
}


def sample_parameters(flow: Any, given: Mapping[str, str] | None = None) -> dict[str, str]:
    """Call parameters for exploring ``flow``: ``given``, plus a sample value of the declared
    type for each required parameter not given (optional ones keep their defaults)."""
    values = dict(given or {})
    for name, (kind, required, _default) in flow.Params.declared().items():
        if required and name not in values:
            values[name] = _SAMPLES.get(kind, "1")
    return values


def explore_flow(app: Any, flow: str, *, call_parameters: Mapping[str, str] | None = None,
                 phone_number: str = DEFAULT_PHONE, bounds: Bounds = Bounds(),
                 callee_types: Sequence[str] = DEFAULT_CALLEE_TYPES,
                 answers: dict[str, list[str]] | None = None) -> ExploredGraph:
    """Explore the flow named ``flow`` of ``app`` (served in-process, on a store of its own)."""
    from ..extension import get_kit
    from ..testing.sandbox import Sandbox

    flow_cls = get_kit(app).flow(flow)
    if flow_cls is None:
        raise LookupError(f"no flow {flow!r}; known: {', '.join(sorted(get_kit(app).flows)) or 'none'}")
    parameters = sample_parameters(flow_cls, call_parameters)
    # Hundreds of calls: dialled on a private copy of the app, so that none of them lands in
    # its store or sends a message through its gateway.
    with Sandbox(app) as sandbox:
        calls = FlowCalls(sandbox.app, flow, call_parameters=parameters, phone_number=phone_number)
        return explore(calls, flow=flow, declaration=declaration_of(flow_cls), call_parameters=parameters,
                       phone_number=phone_number, bounds=bounds, callee_types=callee_types, answers=answers)


def explore_url(url: str, *, call_parameters: Mapping[str, str] | None = None, phone_number: str = DEFAULT_PHONE,
                bounds: Bounds = Bounds(), callee_types: Sequence[str] = DEFAULT_CALLEE_TYPES,
                answers: dict[str, list[str]] | None = None, browser: Any = None) -> ExploredGraph:
    """Explore any VoiceXML application at ``url`` over HTTP, dialled with Plum's start fields
    (POST ``phone_number``, ``message_reference``, ``call_parameters``, ``call_id``)."""
    parameters = dict(call_parameters or {})
    calls = UrlCalls(url, call_parameters=parameters, phone_number=phone_number, browser=browser)
    return explore(calls, flow=url, declaration=None, call_parameters=parameters, phone_number=phone_number,
                   bounds=bounds, callee_types=callee_types, answers=answers)
