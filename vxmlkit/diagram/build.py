"""An explored flow as a diagram: one node per step, the endings and problems, labelled edges.

Explore's graph has a node per *state* (a step's document waiting, after so many retries);
a reader wants a node per *step*, so states fold into their step and the retries of an
escalation ladder become one looping edge. An edge of the explored graph may run several
steps in a row (``pay`` → ``charge`` → the SMS → ``receipt_sent``); each hop is drawn, the
first labelled with what the caller did, the others with what the code declares between them.
The caller hanging up is possible at every wait and is left out, so the picture stays readable.
"""

from __future__ import annotations

from typing import Any

from ..explore.graph import DIAL, Action, Edge as ExploredEdge, ExploredGraph
from .model import Diagram

__all__ = ["diagram_from_graph", "explored_diagram"]

#: How a declared transition reads on an edge.
_KIND_WORDS = {
    "voice": "person answers",
    "machine": "answering machine",
    "sms then": "SMS sent",
    "sms on_error": "SMS failed",
    "on_busy": "busy",
    "on_noanswer": "no answer",
    "on_network_failure": "network failure",
    "on_failure": "no more tries",
    "transfer then": "transfer ended",
}


def _hop_words(graph: ExploredGraph, edge: ExploredEdge, source: str, target: str) -> list[str]:
    """What the code declares between two steps that this edge walked."""
    if graph.declaration is None:
        return []
    walked = set(edge.transitions)
    words = []
    for transition in graph.declaration.between(source, target):
        if transition.id not in walked:
            continue
        if transition.kind == "choice":
            continue  # the caller's key or phrase already says it
        word = _KIND_WORDS.get(transition.kind)
        if word:
            words.append(word)
    return words


def _action_label(action: Action | None, wait: str) -> str:
    """What the caller did, as an edge reads: the key or phrase at a menu; at a field, the
    answer when it is short (``yes``) and the field's name when it is not (``card entered``)."""
    if action is None:
        return ""
    if wait.startswith("field ") and action.kind in ("press", "say"):
        value = action.value.rstrip("#")
        return f"{action.kind} {value}" if len(value) <= 4 else f"{wait[6:]} entered"
    return action.label


def diagram_from_graph(graph: ExploredGraph) -> Diagram:
    """The diagram of an explored flow."""
    start = graph.declaration.start if graph.declaration else ""
    diagram = Diagram(flow=graph.flow, start=start)
    steps = graph.declaration.steps if graph.declaration else tuple(sorted(graph.steps_reached))
    # A step's caption: the last words heard before it waits (or before the call ends there),
    # on the shortest path that reaches it.
    captions: dict[str, tuple[int, str]] = {}
    heard_at = [(s.step, len(s.path), s.heard) for s in graph.states.values()]
    heard_at += [(e.step, len(e.path), e.heard) for e in graph.endings if e.step]
    for step, depth, heard in heard_at:
        if heard and (step not in captions or depth < captions[step][0]):
            captions[step] = (depth, heard[-1])
    # The start step usually speaks and moves on at once (an answering-machine check): its
    # words are the first a call hears.
    for edge in graph.edges:
        if edge.source == DIAL and edge.steps and edge.steps[0] == start and start not in captions:
            reached = graph.states.get(edge.target)
            if reached is not None and len(reached.heard) > 1:
                captions[start] = (0, reached.heard[0])
    for step in steps:
        diagram.node(f"step:{step}", "step", captions.get(step, (0, ""))[1])

    def node_of(node: str) -> str | None:
        if node == DIAL:
            return None
        if node in graph.states:
            key = f"step:{graph.states[node].step}"
            diagram.node(key, "step")
            return key
        kind, _, index = node.partition(":")
        if kind == "ending":
            ending = graph.endings[int(index)]
            if ending.kind == "caller-hangup":
                return None
            words = {"hangup": "hang-up", "transfer": "transfer", "exit": "exit", "error": "error"}[ending.kind]
            name = f"{words} {ending.detail}".strip()
            key = f"ending:{name}"
            diagram.node(key, "ending")
            return key
        if kind == "problem":
            problem = graph.problems[int(index)]
            key = f"problem:{problem.kind}:{problem.step}"
            diagram.node(key, "problem", problem.message)
            return key
        return None

    for edge in graph.edges:
        target = node_of(edge.target)
        if target is None:
            continue
        source = node_of(edge.source)
        hops = [f"step:{name}" for name in edge.steps]
        chain = ([source] if source else []) + hops
        # The target is reached from the last step run; drop repeats (a step that re-asks itself).
        collapsed: list[str] = []
        for key in chain + [target]:
            if not collapsed or collapsed[-1] != key or key == source == target:
                collapsed.append(key)
        if len(collapsed) == 1:
            collapsed = collapsed * 2  # a retry within one step: a loop on itself
        first = True
        for a, b in zip(collapsed, collapsed[1:]):
            for key in (a, b):
                if key.startswith("step:"):
                    diagram.node(key, "step")
            words = []
            declared = _hop_words(graph, edge, a[5:], b[5:]) if a.startswith("step:") and b.startswith("step:") else []
            if first:
                wait = graph.states[edge.source].wait if edge.source in graph.states else ""
                words.append(_action_label(edge.action, wait))
                if not declared:  # an app over HTTP declares nothing: say what the platform decided
                    words += [d.label for d in edge.decisions if d.kind == "callee" and d.value != "voice"]
            words += declared
            label = " · ".join(dict.fromkeys(w for w in words if w))
            diagram.edge(a, b, label)
            first = False

    for problem in graph.problems:
        step_key = f"step:{problem.step}"
        if step_key in diagram.nodes:
            diagram.nodes[step_key].problem = problem.label
    return diagram


def explored_diagram(app: Any, flow: str, **options: Any) -> Diagram:
    """Explore ``flow`` of ``app`` and draw what was found (exploring writes nothing into the
    app's store and sends no message: see :func:`vxmlkit.explore.explore_flow`)."""
    from ..explore import explore_flow

    return diagram_from_graph(explore_flow(app, flow, **options))
