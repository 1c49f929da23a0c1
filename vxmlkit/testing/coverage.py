"""Call-flow coverage of a test suite: which steps, transitions, events and endings its
simulated calls walked, out of all that ``vxmlkit explore`` finds in each flow.

With ``pytest --vxml-coverage`` every call the :class:`~vxmlkit.testing.Simulator` dials is
noted; after each test its transcript is read (:func:`vxmlkit.explore.trace.walk`) for

* **steps** reached, and **transitions** walked (``greet --choice 1/pay--> pay``), in the words
  of :mod:`vxmlkit.explore`;
* **events**: each escalation reached in a step's document (``greet: silence``,
  ``greet: nomatch, silence``) -- the noinput/nomatch counts its handlers tell apart;
* **endings** (``the app hangs up (after goodbye)``, ``transfer tel:+1617... (after front_desk)``).

At the end of the run each flow the suite dialled is explored with the parameters the tests
used, and the report lists what is missing with the input path explore used to get there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["KINDS", "CoverageRecorder", "FlowCoverage", "recorder", "note_call", "universe_of"]

#: What coverage counts, in report order.
KINDS = ("steps", "transitions", "events", "endings")

#: The recorder of the running pytest session (None: coverage is off).
recorder: CoverageRecorder | None = None


def note_call(simulator: Any, call: Any, call_parameters: str, phone_number: str) -> None:
    """Called by :meth:`Simulator.dial` for every call: noted when coverage is on."""
    if recorder is not None:
        recorder.pending.append((simulator, call, call_parameters, phone_number))


@dataclass
class FlowCoverage:
    """One flow: what the suite covered, and everything there is with explore's path to it."""

    flow: str
    covered: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    universe: dict[str, dict[str, str]] = field(default_factory=dict)
    note: str = ""

    def counts(self, kind: str) -> tuple[int, int]:
        everything = self.universe.get(kind, {})
        return len(self.covered[kind] & set(everything)), len(everything)

    def missing(self, kind: str) -> list[tuple[str, str]]:
        """(item, the input path explore used) of each item of ``kind`` no test walked."""
        return [(item, path) for item, path in self.universe.get(kind, {}).items() if item not in self.covered[kind]]

    def total(self) -> tuple[int, int]:
        pairs = [self.counts(kind) for kind in KINDS]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def _parameters(raw: str) -> dict[str, str]:
    from ..flow import ParameterError, parse_call_parameters

    try:
        return {k: str(v) for k, v in parse_call_parameters(raw).items()}
    except ParameterError:
        return dict(parse_qsl(raw))


def universe_of(graph: Any) -> dict[str, dict[str, str]]:
    """Everything explore found in ``graph``, by kind, each with the shortest path to it."""
    from ..explore.graph import event_label, path_label

    events: dict[str, str] = {}
    for state in graph.states.values():
        within = tuple(label for label in state.within if label in ("silence", "nomatch"))
        if within:
            events.setdefault(event_label(state.step, within), path_label(state.path))
    return {
        "steps": {s: path_label(graph.step_paths[s]) if s in graph.step_paths else "(not reachable)"
                  for s in graph.all_steps},
        "transitions": {t: path_label(graph.transition_paths[t]) if t in graph.transition_paths else "(not reachable)"
                        for t in graph.all_transitions},
        "events": events,
        "endings": {e.label: path_label(e.path) for e in graph.endings},
    }


class CoverageRecorder:
    """Collects what the calls of a test run walked, flow by flow."""

    def __init__(self) -> None:
        self.pending: list[tuple[Any, Any, str, str]] = []
        self.flows: dict[str, FlowCoverage] = {}
        #: flow -> (app, call parameters, phone number) of the first call, to explore with.
        self.sources: dict[str, tuple[Any, dict[str, str], str]] = {}
        self._declarations: dict[Any, Any] = {}

    def collect(self) -> None:
        """Read the calls noted since the last collection (while their store is still open)."""
        from ..explore.declared import declaration_of
        from ..explore.graph import ending_label, ending_of, event_label
        from ..explore.trace import walk

        pending, self.pending = self.pending, []
        for simulator, call, parameters, phone in pending:
            flow_cls = simulator.kit.flow(call.flow)
            if flow_cls is None:
                continue
            declaration = self._declarations.get(flow_cls)
            if declaration is None:
                declaration = self._declarations[flow_cls] = declaration_of(flow_cls)
            covered = self.flows.setdefault(call.flow, FlowCoverage(call.flow)).covered
            self.sources.setdefault(call.flow, (simulator.app, _parameters(parameters), phone))
            session = call.session
            try:
                statuses = [message.status for message in call.sms]
            except Exception:  # noqa: BLE001 - the test closed its store: count the SMS as sent
                statuses = []
            walked = walk(session.transcript, declaration, callee=session.callee_type, sms_statuses=statuses)
            for item in walked:
                covered["steps"].add(item.step)
                if item.transition is not None:
                    covered["transitions"].add(item.transition.id)
            # Escalations: the noinput/nomatch events in each step's document, counted up.
            marks = [(w.entry, w.step) for w in walked]
            within: list[str] = []
            step = ""
            for index, entry in enumerate(session.transcript):
                while marks and marks[0][0] <= index:
                    step, within = marks.pop(0)[1], []
                if entry.kind == "event" and entry.text in ("noinput", "nomatch"):
                    within.append("silence" if entry.text == "noinput" else "nomatch")
                    covered["events"].add(event_label(step, tuple(within)))
            ended = ending_of(session)
            if ended is not None:
                kind, detail = ended
                last = walked[-1].step if walked else ""
                covered["endings"].add(ending_label(kind, detail, last))

    def finish(self) -> None:
        """Explore each flow the tests dialled, for everything there is to cover."""
        from ..explore import explore_flow

        for name, coverage in self.flows.items():
            app, parameters, phone = self.sources[name]
            try:
                graph = explore_flow(app, name, call_parameters=parameters, phone_number=phone)
            except Exception as exc:  # noqa: BLE001 - a report with a reason beats a crashed run
                coverage.note = f"could not explore {name}: {exc}"
                continue
            coverage.universe = universe_of(graph)
            if not graph.complete:
                coverage.note = "explore stopped at a bound: " + "; ".join(graph.cut)

    def total(self) -> tuple[int, int]:
        pairs = [coverage.total() for coverage in self.flows.values()]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    def percent(self) -> float:
        done, everything = self.total()
        return 100.0 if everything == 0 else 100.0 * done / everything

    def report(self) -> str:
        """The terminal report, like coverage.py's: one line per flow, then what is missing."""
        from ..explore.report import percent

        lines = ["vxmlkit call-flow coverage: steps, transitions, events and endings walked by the tests"]
        width = max([len(name) for name in self.flows] + [5])
        lines.append(f"{'flow':<{width}}  {'steps':>7}  {'transitions':>11}  {'events':>7}  {'endings':>7}  {'cover':>6}")
        for name in sorted(self.flows):
            coverage = self.flows[name]
            cells = [f"{a}/{b}" for a, b in (coverage.counts(kind) for kind in KINDS)]
            done, everything = coverage.total()
            lines.append(f"{name:<{width}}  {cells[0]:>7}  {cells[1]:>11}  {cells[2]:>7}  {cells[3]:>7}  "
                         f"{percent(done, everything):>6}")
        done, everything = self.total()
        lines.append(f"{'TOTAL':<{width}}  {'':>7}  {'':>11}  {'':>7}  {'':>7}  {percent(done, everything):>6}")
        for name in sorted(self.flows):
            coverage = self.flows[name]
            if coverage.note:
                lines.append(f"{name}: {coverage.note}")
            for kind in KINDS:
                for item, path in coverage.missing(kind):
                    lines.append(f"{name}: missing {kind[:-1]} {item}  <- explore: {path}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The report as data (``--vxml-coverage-report=FILE.json``)."""
        flows: dict[str, Any] = {}
        for name in sorted(self.flows):
            coverage = self.flows[name]
            entry: dict[str, Any] = {}
            for kind in KINDS:
                done, everything = coverage.counts(kind)
                entry[kind] = {
                    "covered": sorted(coverage.covered[kind] & set(coverage.universe.get(kind, {}))),
                    "missing": [{"name": item, "path": path} for item, path in coverage.missing(kind)],
                    "count": done,
                    "total": everything,
                }
            done, everything = coverage.total()
            entry["percent"] = round(100.0 * done / everything, 2) if everything else 100.0
            if coverage.note:
                entry["note"] = coverage.note
            flows[name] = entry
        done, everything = self.total()
        return {"flows": flows, "covered": done, "total": everything, "percent": round(self.percent(), 2)}
