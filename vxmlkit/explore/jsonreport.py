"""The whole explored graph as JSON (``vxmlkit explore --json``): what diagrams are drawn from.

Shape (every list in a stable order)::

    {"flow", "complete", "cut", "paths", "seconds", "call_parameters", "phone_number",
     "steps": [{"name", "reached", "path"}], "transitions": [{"id", "source", "kind", "label",
     "target", "declared", "walked", "path"}],
     "nodes": [{"id", "type": "dial"|"state"|"ending"|"problem", ...}],
     "edges": [{"source", "target", "label", "action", "decisions", "steps", "transitions"}],
     "endings": [...], "problems": [...]}

A path is a list of actions ``{"kind", "value", "label"}``.
"""

from __future__ import annotations

from typing import Any

from .graph import DIAL, Action, ExploredGraph, path_label

__all__ = ["graph_json"]


def _path(path: tuple[Action, ...] | None) -> list[dict[str, str]] | None:
    return None if path is None else [action.to_json() for action in path]


def graph_json(graph: ExploredGraph) -> dict[str, Any]:
    """``graph`` as JSON-ready data."""
    declared = {t.id: t for t in graph.declaration.transitions} if graph.declaration else {}
    transitions = []
    for tid in graph.all_transitions:
        t = declared.get(tid)
        source, _, rest = tid.partition(" --")
        how, _, target = rest.partition("--> ")
        transitions.append({
            "id": tid,
            "source": t.source if t else source,
            "kind": t.kind if t else "observed",
            "label": t.label if t else how,
            "target": t.target if t else target,
            "declared": t is not None,
            "walked": tid in graph.transitions_walked,
            "path": _path(graph.transition_paths.get(tid)),
        })
    nodes: list[dict[str, Any]] = [{"id": DIAL, "type": "dial", "label": "dial"}]
    for state in graph.states.values():
        nodes.append({"id": state.id, "type": "state", "label": graph.node_label(state.id), "step": state.step,
                      "wait": state.wait, "within": list(state.within), "heard": list(state.heard),
                      "options": [o.to_json() for o in state.options], "path": _path(state.path)})
    for ending in graph.endings:
        nodes.append({"id": ending.id, "type": "ending", "label": ending.label, "kind": ending.kind,
                      "detail": ending.detail, "step": ending.step, "path": _path(ending.path)})
    for problem in graph.problems:
        nodes.append({"id": problem.id, "type": "problem", "label": problem.label, "kind": problem.kind,
                      "step": problem.step, "message": problem.message, "detail": problem.detail,
                      "path": _path(problem.path)})
    return {
        "flow": graph.flow,
        "complete": graph.complete,
        "cut": list(graph.cut),
        "paths": graph.paths,
        "seconds": round(graph.seconds, 4),
        "call_parameters": dict(graph.call_parameters),
        "phone_number": graph.phone_number,
        "steps": [{"name": s, "reached": s in graph.steps_reached, "path": _path(graph.step_paths.get(s))}
                  for s in graph.all_steps],
        "transitions": transitions,
        "nodes": nodes,
        "edges": [{"source": e.source, "target": e.target, "label": e.label,
                   "action": e.action.to_json() if e.action else None,
                   "decisions": [d.to_json() for d in e.decisions], "steps": list(e.steps),
                   "transitions": list(e.transitions)} for e in graph.edges],
        "endings": [{"id": e.id, "kind": e.kind, "detail": e.detail, "step": e.step, "label": e.label,
                     "path": _path(e.path), "path_text": path_label(e.path)} for e in graph.endings],
        "problems": [{"id": p.id, "kind": p.kind, "step": p.step, "message": p.message, "detail": p.detail,
                      "path": _path(p.path), "path_text": path_label(p.path) if p.path is not None else None}
                     for p in graph.problems],
    }
