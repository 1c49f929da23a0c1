"""The explored graph of a call flow: the data model every other part of explore reads.

Nodes are the *states* a call waits in (a step's document waiting for the caller), the
*endings* a call reaches (the app hung up, the caller hung up, a transfer, an exit, an error)
and the *problems* found (a step that raised, a document the schema refused ...). Edges are
labelled transitions: what the caller did (:class:`Action`) and what the platform decided on
the way (the callee type, an SMS sent or failed), with the flow steps run and the declared
transitions walked.

:class:`FlowDeclaration` is what a flow's code declares (its steps and transitions), so that a
report can say what was reached *out of* what exists. Everything here is plain data; see
:mod:`vxmlkit.explore.jsonreport` for its JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Action",
    "Transition",
    "FlowDeclaration",
    "State",
    "Ending",
    "Problem",
    "Edge",
    "ExploredGraph",
    "DIAL",
    "PROBLEM_KINDS",
    "ENDING_KINDS",
    "ending_label",
    "ending_of",
    "event_label",
    "path_label",
]

#: The node every path starts from: the platform dials the flow.
DIAL = "dial"

#: How a call can end.
ENDING_KINDS = ("hangup", "caller-hangup", "transfer", "exit", "error")

#: What explore reports as wrong, with the words the report uses.
PROBLEM_KINDS = {
    "step-raised": "a step raised",
    "schema": "a document failed the schema check",
    "refused-parameter": "a call parameter was refused",
    "dead-end": "a dead end",
    "endless-loop": "a loop with no way out",
    "unreachable-step": "a step nothing reaches",
    "call-error": "the call ended with an error",
    "result-hook-raised": "on_result raised",
}


@dataclass(frozen=True, order=True)
class Action:
    """One thing that happens at a choice point of a path.

    Caller actions (``kind``): ``press`` (keys), ``say`` (words), ``silence``, ``nomatch``,
    ``record`` (seconds), ``transfer`` (how the transfer ended), ``hang_up``. Platform
    decisions: ``callee`` (``session.connection.callee_type``), ``sms`` (``sent`` or
    ``failed``) and ``result`` (how Plum reports the call to the result URL, such as
    ``failed busy``: what the flow's ``on_result`` sees).
    """

    kind: str
    value: str = ""

    @property
    def is_decision(self) -> bool:
        """True for what the platform decides rather than the caller."""
        return self.kind in ("callee", "sms", "result")

    @property
    def label(self) -> str:
        """Readable: ``press 1``, ``say "pay"``, ``silence``, ``sms failed``, ``callee answeringmachine``."""
        if self.kind == "say":
            return f'say "{self.value}"'
        if self.kind in ("silence", "nomatch", "hang_up"):
            return {"silence": "silence", "nomatch": "nomatch", "hang_up": "hang up"}[self.kind]
        if self.kind == "record":
            return f"record {self.value} s" if self.value != "0" else "record nothing"
        if self.kind == "transfer":
            return f"transfer {self.value}"
        return f"{self.kind} {self.value}"

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value, "label": self.label}


def path_label(path: tuple[Action, ...]) -> str:
    """A path as one line: ``callee voice, press 1, press 4111111111111111#, sms failed``."""
    return ", ".join(action.label for action in path) or "(dial only)"


def caller_inputs(path: tuple[Action, ...]) -> int:
    """How many caller actions a path holds (its length as an input path)."""
    return sum(1 for action in path if not action.is_decision)


@dataclass(frozen=True, order=True)
class Transition:
    """A transition a flow declares: from a step, of a kind, to a step.

    Kinds: ``choice`` (label: the key and/or phrase), ``then``, ``on_failure``, ``voice``,
    ``machine``, ``sms then``, ``sms on_error``, ``transfer then``, ``on_busy``,
    ``on_noanswer``, ``on_network_failure``, ``goto``; ``observed`` for a transition a call
    made that the code does not spell out.
    """

    source: str
    kind: str
    target: str
    label: str = ""

    @property
    def id(self) -> str:
        """``greet --choice 1/pay--> pay``: the transition's name in reports."""
        how = self.kind + (f" {self.label}" if self.label else "")
        return f"{self.source} --{how}--> {self.target}"


@dataclass
class FlowDeclaration:
    """What a flow's code declares: its steps (start first) and transitions."""

    flow: str
    start: str
    steps: tuple[str, ...]
    transitions: tuple[Transition, ...]

    def between(self, source: str, target: str) -> list[Transition]:
        """The declared transitions from ``source`` to ``target``."""
        return [t for t in self.transitions if t.source == source and t.target == target]


@dataclass
class State:
    """A point where the call waits for the caller.

    ``step`` is the flow step whose document waits (for an app over HTTP: the document's URL
    path); ``wait`` what it waits in (``menu``, ``field card``, ``record comment``,
    ``transfer transfer``); ``within`` what the caller already did in this document (the
    noinput/nomatch counts that select escalation prompts); ``path`` the shortest path here.
    """

    id: str
    step: str
    wait: str
    within: tuple[str, ...]
    path: tuple[Action, ...]
    heard: tuple[str, ...] = ()
    options: tuple[Action, ...] = ()

    @property
    def depth(self) -> int:
        return caller_inputs(self.path)


@dataclass
class Ending:
    """How calls end: ``kind`` (:data:`ENDING_KINDS`), ``detail`` (the number of a transfer,
    the error), the last ``step``, and the shortest path that ends this way."""

    id: str
    kind: str
    detail: str
    step: str
    path: tuple[Action, ...]
    heard: tuple[str, ...] = ()
    transcript: str = ""

    @property
    def label(self) -> str:
        return ending_label(self.kind, self.detail, self.step)


def ending_label(kind: str, detail: str, step: str) -> str:
    """``the app hangs up (after goodbye)``, ``transfer tel:+16175550100 (after front_desk)``."""
    words = {"hangup": "the app hangs up", "caller-hangup": "the caller hangs up", "transfer": "transfer",
             "exit": "exit", "error": "error"}[kind]
    return f"{words} {detail}".strip() + (f" (after {step})" if step and kind != "caller-hangup" else "")


def ending_of(session: Any) -> tuple[str, str] | None:
    """(kind, detail) of how a browser session ended, or None while it goes on."""
    how = session.ended
    if how is None:
        return None
    if how == "error":
        return "error", f"{session.error}" + (f": {session.error_message}" if session.error_message else "")
    if how == "transfer":
        return "transfer", str(session.transferred_to or "")
    if how == "hangup":
        return "caller-hangup", ""
    if how == "exit":
        return "exit", str((session.exit or {}).get("expr") or "")
    return "hangup", ""


def event_label(step: str, within: tuple[str, ...]) -> str:
    """An escalation reached in a step's document: ``greet: nomatch, silence``."""
    return f"{step}: {', '.join(sorted(within))}"


@dataclass
class Problem:
    """Something wrong with the flow, with the shortest path that shows it (none for a step
    nothing reaches). ``detail`` holds the traceback or the schema's complaints."""

    id: str
    kind: str
    step: str
    message: str
    path: tuple[Action, ...] | None
    detail: str = ""
    heard: tuple[str, ...] = ()
    transcript: str = ""

    @property
    def label(self) -> str:
        return f"{PROBLEM_KINDS.get(self.kind, self.kind)}: {self.message}"


@dataclass
class Edge:
    """A transition between nodes: ``source`` and ``target`` are node ids (:data:`DIAL`, a
    state's id, ``ending:N`` or ``problem:N``); ``action`` the caller's action (None from
    :data:`DIAL`); ``decisions`` what the platform decided on the way; ``steps`` the flow steps
    that ran; ``transitions`` the ids of the declared transitions walked."""

    source: str
    action: Action | None
    decisions: tuple[Action, ...]
    target: str
    steps: tuple[str, ...] = ()
    transitions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        parts = ([self.action.label] if self.action is not None else []) + [d.label for d in self.decisions]
        return ", ".join(parts) or "dial"


@dataclass
class ExploredGraph:
    """Everything explore found for one flow (or one VoiceXML app over HTTP)."""

    flow: str
    declaration: FlowDeclaration | None
    states: dict[str, State] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    endings: list[Ending] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    steps_reached: set[str] = field(default_factory=set)
    transitions_walked: set[str] = field(default_factory=set)
    #: Shortest path that reaches each step / walks each transition (by id).
    step_paths: dict[str, tuple[Action, ...]] = field(default_factory=dict)
    transition_paths: dict[str, tuple[Action, ...]] = field(default_factory=dict)
    #: What the bounds cut, in words; empty when the exploration is complete.
    cut: list[str] = field(default_factory=list)
    #: Calls made, wall-clock and CPU seconds spent.
    paths: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    call_parameters: dict[str, str] = field(default_factory=dict)
    phone_number: str = ""

    @property
    def complete(self) -> bool:
        """True when no bound was reached."""
        return not self.cut

    @property
    def all_steps(self) -> tuple[str, ...]:
        return self.declaration.steps if self.declaration else tuple(sorted(self.steps_reached))

    @property
    def all_transitions(self) -> tuple[str, ...]:
        declared = [t.id for t in self.declaration.transitions] if self.declaration else []
        observed = sorted(t for t in self.transitions_walked if t not in declared)
        return tuple(declared + observed)

    def node_label(self, node: str) -> str:
        """A readable name of a node id."""
        if node == DIAL:
            return "dial"
        if node in self.states:
            state = self.states[node]
            return f"{state.step} [{state.wait}]" + (f" after {', '.join(state.within)}" if state.within else "")
        kind, _, index = node.partition(":")
        if kind == "ending":
            return self.endings[int(index)].label
        if kind == "problem":
            return self.problems[int(index)].label
        return node
