"""The breadth-first search over a flow's paths.

Each queued path is replayed on a fresh call (:mod:`.replay`). Where it ends up is a node of
the graph: a state it waits in (new states queue one path per input worth trying there, from
:mod:`.inputs`), an ending, or a problem. A state is known again by the step, the call's
state, the document's structure (not its signed URLs) and what the caller already did in that
document, so loops close and the search stays small. After the search, the graph is read for
the problems no single call shows: a loop with no way out and a step nothing reaches.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .graph import (
    DIAL,
    Action,
    Edge,
    Ending,
    ExploredGraph,
    FlowDeclaration,
    Problem,
    State,
    caller_inputs,
    ending_of,
)
from .inputs import harvest_digits, options_at
from .replay import WAITS_FOREVER, Replay, fingerprint, state_json, with_decision
from .trace import walk

__all__ = ["Bounds", "explore", "DEFAULT_CALLEE_TYPES"]

#: Calls kept waiting at their state, to go on with instead of dialling again (each holds
#: a script context: a bound on memory).
_LIVE_CALLS = 256

#: The callee types explored when a document reads ``session.connection.callee_type``: what
#: Plum reports for a call that was answered.
DEFAULT_CALLEE_TYPES = ("voice", "answeringmachine")


@dataclass(frozen=True)
class Bounds:
    """How far explore goes: ``max_paths`` calls in all, ``max_depth`` caller inputs per path."""

    max_paths: int = 20_000
    max_depth: int = 40


@dataclass
class _Pending:
    path: tuple[Action, ...]
    source: str
    action: Action | None
    fresh: tuple[Action, ...] = ()


def _handles_hangup(document: str) -> bool:
    """Whether a document may act on the caller hanging up (a handler, an application root)."""
    return "connection.disconnect" in document or "<catch>" in document or 'application="' in document \
        or re.search(r"<catch[^>]*event=\"[^\"]*\bconnection\b", document) is not None


def _failures(within: Sequence[str]) -> int:
    return sum(1 for label in within if label in ("silence", "nomatch"))


class _Search:
    def __init__(self, calls: Any, graph: ExploredGraph, bounds: Bounds, callee_types: Sequence[str],
                 answers: dict[str, list[str]] | None) -> None:
        self.calls = calls
        self.graph = graph
        self.bounds = bounds
        self.callee_types = tuple(callee_types)
        self.answers = answers or {}
        self.harvested = harvest_digits([*graph.call_parameters.values(), graph.phone_number])
        self.known: dict[tuple[Any, ...], str] = {}
        self.endings: dict[tuple[str, str, str], str] = {}
        self.problems: dict[tuple[str, str, str], str] = {}
        self.unexpanded = 0
        self.hangup_tried = False
        #: The call that found each state, still waiting there (in-process flows).
        self.live: dict[str, Replay] = {}
        self.plain_hangups: list[str] = []

    # -- nodes ----------------------------------------------------------------------------------

    def ending(self, kind: str, detail: str, step: str, run: Replay, path: tuple[Action, ...]) -> str:
        key = (kind, detail, "" if kind == "caller-hangup" else step)
        if key not in self.endings:
            index = len(self.graph.endings)
            transcript = "\n".join(e.line() for e in run.session.transcript) if run.session is not None else ""
            self.graph.endings.append(Ending(f"ending:{index}", kind, detail, key[2], path,
                                             run.heard_since_input(), transcript))
            self.endings[key] = f"ending:{index}"
        return self.endings[key]

    def problem(self, kind: str, step: str, message: str, path: tuple[Action, ...] | None, *,
                detail: str = "", run: Replay | None = None) -> str:
        key = (kind, step, message)
        if key not in self.problems:
            index = len(self.graph.problems)
            session = run.session if run is not None else None
            transcript = "\n".join(e.line() for e in session.transcript) if session is not None else ""
            heard = run.heard_since_input() if run is not None else ()
            self.graph.problems.append(Problem(f"problem:{index}", kind, step, message, path, detail, heard, transcript))
            self.problems[key] = f"problem:{index}"
        return self.problems[key]

    # -- what a run reached -----------------------------------------------------------------------

    def walked(self, run: Replay, path: tuple[Action, ...]) -> tuple[list[str], list[str], str]:
        """Record the steps and transitions of ``run``; those of its last action, and its step."""
        session = run.session
        if session is None:
            return [], [], ""
        declaration = self.graph.declaration
        steps: list[str] = []
        transitions: list[str] = []
        if declaration is not None:
            every = walk(session.transcript, declaration, callee=run.callee, sms_statuses=run.sms_statuses,
                         failed_step=run.failure_step or None)
            for walked in every:
                self.graph.steps_reached.add(walked.step)
                self.graph.step_paths.setdefault(walked.step, path)
                tid = walked.transition.id if walked.transition is not None else None
                if tid is not None:
                    self.graph.transitions_walked.add(tid)
                    self.graph.transition_paths.setdefault(tid, path)
                if walked.entry >= run.mark:
                    steps.append(walked.step)
                    if tid is not None:
                        transitions.append(tid)
            return steps, transitions, every[-1].step if every else ""
        previous = ""
        for index, entry in enumerate(session.transcript):
            if entry.kind != "fetched":
                continue
            url = str(entry.data.get("url", ""))
            if not any(d.url == url and "<vxml" in d.text[:400] for d in session.documents):
                continue
            step = urlsplit(url).path or url
            self.graph.steps_reached.add(step)
            self.graph.step_paths.setdefault(step, path)
            tid = f"{previous} --observed--> {step}" if previous else None
            if tid is not None:
                self.graph.transitions_walked.add(tid)
                self.graph.transition_paths.setdefault(tid, path)
            if index >= run.mark:
                steps.append(step)
                if tid:
                    transitions.append(tid)
            previous = step
        return steps, transitions, previous

    def classify(self, run: Replay, path: tuple[Action, ...], step: str) -> str:
        """The node ``run`` got to: a problem, an ending, or a state (queued when new)."""
        session = run.session
        if run.failure_kind is not None:
            message = (run.failure or "").strip().splitlines()[-1] if run.failure else run.failure_kind
            where = run.failure_step or step
            return self.problem(run.failure_kind, where, message, path, detail=run.failure or "", run=run)
        assert session is not None
        ended = ending_of(session)
        if ended is not None:
            kind, detail = ended
            if kind == "error":
                return self.problem("call-error", step, detail, path, run=run)
            if kind in ("hangup", "exit") and not session.heard_since_input():
                return self.problem("dead-end", step, "the call ends without a word to the caller", path, run=run)
            return self.ending(kind, detail, step, run, path)
        waiting = session.waiting
        assert waiting is not None
        if _failures(run.within) >= WAITS_FOREVER:
            return self.problem("dead-end", step, f"the call still waits after {WAITS_FOREVER} silences or nomatches"
                                " in one document", path, run=run)
        wait = waiting.kind + (f" {waiting.name}" if waiting.name and waiting.kind != "menu" else "")
        decided_callee = any(a.kind == "callee" for a in path)
        key = (run.callee if decided_callee else "", step, fingerprint(run.document()), wait, run.within,
               state_json(run.state))
        known = self.known.get(key)
        if known is not None:
            return known
        state_id = f"s{len(self.graph.states)}"
        self.known[key] = state_id
        documents = {d.url: d.text for d in session.documents}
        options = tuple(options_at(waiting, documents=documents, harvested=self.harvested, extra=self.answers))
        if run.within:
            # Up the escalation ladder only prompts change: go on climbing it, and after the
            # first silence or nomatch answer once, to show the call recovers (every answer was
            # tried on the way in).
            answers = [o for o in options if o.kind not in ("silence", "nomatch", "hang_up")][:1]
            climb = [o for o in options if o.kind in ("silence", "nomatch")]
            options = tuple((answers if len(run.within) == 1 else []) + climb)
        state = State(state_id, step, wait, run.within, path, run.heard_since_input(), options)
        self.graph.states[state_id] = state
        if run.call is not None and len(self.live) < _LIVE_CALLS:
            self.live[state_id] = run
        if caller_inputs(path) >= self.bounds.max_depth:
            self.unexpanded += 1
            return state_id
        for option in options:
            if option.kind == "hang_up" and self.hangup_tried and not _handles_hangup(run.document()):
                # Nothing in the document acts on a hang-up: the call ends as the first one tried did.
                self.plain_hangups.append(state_id)
                continue
            self.hangup_tried = self.hangup_tried or option.kind == "hang_up"
            self.queue.append(_Pending((*path, option), state_id, option))
        return state_id

    # -- the search ----------------------------------------------------------------------------

    def run(self) -> None:
        self.queue: deque[_Pending] = deque([_Pending((), DIAL, None)])
        while self.queue:
            if self.graph.paths >= self.bounds.max_paths:
                self.graph.cut.append(f"stopped at --max-paths {self.bounds.max_paths}: "
                                      f"{len(self.queue)} queued paths were not followed")
                break
            pending = self.queue.popleft()
            live = self.live.pop(pending.source, None) if not pending.fresh else None
            if live is not None and live.path == pending.path[:-1]:
                # The call that found this state still waits there: go on with it once.
                run = self.calls.resume(live, pending.path)
            else:
                run = self.calls.replay(pending.path)
            self.graph.paths += 1
            path, fresh = pending.path, list(pending.fresh)
            for kind, during in run.undecided:
                options = self.callee_types if kind == "callee" else ("sent", "failed")
                for alternative in options[1:]:
                    decision = Action(kind, alternative)
                    self.queue.append(_Pending(with_decision(path, decision, during), pending.source, pending.action,
                                               (*fresh, decision)))
                decision = Action(kind, options[0])
                path = with_decision(path, decision, during)
                fresh.append(decision)
            steps, transitions, step = self.walked(run, path)
            target = self.classify(run, path, step)
            self.graph.edges.append(Edge(pending.source, pending.action, tuple(fresh), target, tuple(steps),
                                         tuple(transitions)))
        self.live.clear()
        hangup = self.endings.get(("caller-hangup", "", ""))
        if hangup is not None:
            for state_id in self.plain_hangups:
                self.graph.edges.append(Edge(state_id, Action("hang_up"), (), hangup))
        if self.unexpanded:
            self.graph.cut.append(f"stopped at --max-depth {self.bounds.max_depth}: "
                                  f"{self.unexpanded} states deeper than that were not explored")

    # -- what the whole graph shows ------------------------------------------------------------

    def loops(self) -> None:
        """States from which no input ever ends the call (other than the caller hanging up)."""
        graph = self.graph
        incoming: dict[str, set[str]] = {}
        for edge in graph.edges:
            incoming.setdefault(edge.target, set()).add(edge.source)
        exits = [e.id for e in graph.endings if e.kind != "caller-hangup"] + [p.id for p in graph.problems]
        can_end: set[str] = set()
        pending = list(exits)
        while pending:
            node = pending.pop()
            for source in incoming.get(node, ()):
                if source not in can_end:
                    can_end.add(source)
                    pending.append(source)
        trapped: dict[str, State] = {}
        for state in graph.states.values():
            if state.id not in can_end:
                best = trapped.get(state.step)
                if best is None or caller_inputs(state.path) < caller_inputs(best.path):
                    trapped[state.step] = state
        for step, state in trapped.items():
            self.problem("endless-loop", step, f"from {step} no input ever ends the call: every answer, silence"
                         " and nomatch comes back", state.path)

    def results(self) -> None:
        """The flow's ``on_result`` hook with every result Plum reports, failed calls included."""
        for action, failure in getattr(self.calls, "results", lambda: [])():
            message = failure.strip().splitlines()[-1]
            self.problem("result-hook-raised", "on_result", f"{message} (result {action.value})", (action,),
                         detail=failure)

    def unreachable(self) -> None:
        declaration = self.graph.declaration
        if declaration is None:
            return
        bounded = "" if self.graph.complete else " within the bounds"
        for step in declaration.steps:
            if step not in self.graph.steps_reached:
                self.problem("unreachable-step", step, f"no path reaches step {step}{bounded}", None)


def explore(calls: Any, *, flow: str, declaration: FlowDeclaration | None, call_parameters: dict[str, str],
            phone_number: str, bounds: Bounds = Bounds(), callee_types: Sequence[str] = DEFAULT_CALLEE_TYPES,
            answers: dict[str, list[str]] | None = None) -> ExploredGraph:
    """Explore every distinct path ``calls`` (a :class:`~.replay.FlowCalls` or
    :class:`~.replay.UrlCalls`) can take, breadth-first, within ``bounds``."""
    graph = ExploredGraph(flow=flow, declaration=declaration, call_parameters=dict(call_parameters),
                          phone_number=phone_number)
    began, began_cpu = time.perf_counter(), time.process_time()
    search = _Search(calls, graph, bounds, callee_types, answers)
    with calls.isolated():
        search.run()
        search.results()
    if graph.complete:
        search.loops()
    search.unreachable()
    graph.seconds = time.perf_counter() - began
    graph.cpu_seconds = time.process_time() - began_cpu
    return graph
