"""Play one path on a fresh call and say where it got: waiting (in which state), ended, or failed.

Explore branches by replaying: every path is dialled from the start with its actions given in
order, which keeps each call deterministic and independent (a call costs milliseconds).
:class:`FlowCalls` dials a flow served in-process through the simulator (it sees the call's
state and a step's traceback); :class:`UrlCalls` dials any VoiceXML application over HTTP.

Platform decisions are taken lazily: a path that has not decided the callee type runs as
``voice`` until a document reads ``callee_type``; an SMS send that the path has not decided
succeeds. The replay reports such defaults, and the explorer branches on them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import traceback
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..browser import Browser, Input, InputRequest, Session
from ..sms import GatewayRejectedError, MemoryGateway, SmsMessage, SmsResult
from .graph import Action

__all__ = ["Replay", "FlowCalls", "UrlCalls", "DecidingGateway", "fingerprint", "input_of", "with_decision"]

#: Consecutive silences or nomatches in one document after which a call "waits forever".
WAITS_FOREVER = 10

_TOKEN_QUERY = re.compile(r"\?[^\"'<>\s]*")
_OPAQUE = re.compile(r"(['\"])[A-Za-z0-9_\-=.+/:]{24,}\1")


_TEXT = re.compile(r">[^<]+<")


def fingerprint(text: str) -> str:
    """A document's structure: its elements and attributes, without the words spoken (which
    carry the call's data), query strings (signed tokens) and long opaque values (sealed SMS
    orders); two calls at the same place of a flow have the same fingerprint."""
    return _OPAQUE.sub(r"\1~\1", _TOKEN_QUERY.sub("?", _TEXT.sub("><", text)))


def input_of(action: Action) -> Input:
    """The browser input of a caller action."""
    if action.kind == "press":
        return Input.dtmf(action.value)
    if action.kind == "say":
        return Input.speech(action.value)
    if action.kind == "silence":
        return Input.noinput()
    if action.kind == "nomatch":
        return Input.nomatch()
    if action.kind == "record":
        return Input.recording(float(action.value or 2))
    if action.kind == "transfer":
        return Input.transfer(action.value)
    if action.kind == "hang_up":
        return Input.hangup()
    raise ValueError(f"{action.label!r} is not something a caller does")


class DecidingGateway(MemoryGateway):
    """The SMS gateway of an exploration: each send succeeds or fails as the path says.

    :attr:`plan` holds the outcome of each send in order (``sent``/``failed``); a send past the
    plan succeeds and counts in :attr:`undecided`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.plan: list[str] = []
        self.sends = 0
        self.undecided: list[int] = []

    def start(self, plan: list[str]) -> None:
        self.plan, self.sends, self.undecided = list(plan), 0, []
        self.clear()

    def send(self, message: SmsMessage) -> SmsResult:
        index = self.sends
        self.sends += 1
        if index >= len(self.plan):
            self.undecided.append(index)
        failed = index < len(self.plan) and self.plan[index] == "failed"
        self.fail_with = GatewayRejectedError(detail="explore: the gateway refused this message") if failed else None
        try:
            return super().send(message)
        finally:
            self.fail_with = None


@dataclass
class Replay:
    """Where a path got to."""

    session: Session | None
    #: The caller actions given, with the platform decisions where they were taken.
    path: tuple[Action, ...]
    #: Transcript index where the last action began (what it caused comes after).
    mark: int = 0
    within: tuple[str, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)
    #: The flow's failure: a step's traceback or the refused parameter; its kind.
    failure: str | None = None
    failure_kind: str | None = None
    failure_step: str = ""
    #: Decisions taken by default during the last action: (kind, position in path).
    undecided: list[tuple[str, int]] = field(default_factory=list)
    callee: str = "voice"
    sms_statuses: list[str] = field(default_factory=list)
    #: The simulator's call (in-process flows), to go on with or read the stored session of.
    call: Any = None

    @property
    def waiting(self) -> InputRequest | None:
        return self.session.waiting if self.session is not None else None

    def document(self) -> str:
        """The text of the document the call is in (the last VoiceXML document fetched)."""
        if self.session is None:
            return ""
        for fetched in reversed(self.session.documents):
            if "<vxml" in fetched.text[:400]:
                return fetched.text
        return ""

    def heard_since_input(self) -> tuple[str, ...]:
        return tuple(self.session.heard_since_input()) if self.session is not None else ()


def _reads_callee_type(session: Session) -> bool:
    return any("callee_type" in fetched.text for fetched in session.documents)


def _drive(session: Session, actions: list[Action], replay: Replay, on_action: Any = None,
           within: Sequence[str] = ()) -> None:
    """Give the caller actions in order; note what each did (``within``: what the caller
    already did in the current document)."""
    done: list[str] = list(within)
    for number, action in enumerate(actions):
        if session.ended is not None:
            break
        before = len(session.documents)
        if number == len(actions) - 1:
            replay.mark = len(session.transcript)
        if on_action is not None:
            on_action(number)
        if action.kind == "hang_up":
            session.hang_up()
        else:
            session.send(input_of(action))
        done = [] if len(session.documents) > before else [*done, action.label]
    replay.within = tuple(sorted(done))


class _KeepingBrowser(Browser):
    """A browser that remembers the last session it dialled."""

    last: Session | None = None

    def dial(self, url: str, *, method: str = "GET", data: Mapping[str, str] | None = None, ani: str = "",
             dnis: str = "", callee_type: str = "voice", protocol: str = "sip") -> Session:
        self.last = Session(self, ani=ani, dnis=dnis, callee_type=callee_type, protocol=protocol)
        self.last._start(url, method, data)
        return self.last


class FlowCalls:
    """Dials one flow of an app in-process, with a fresh SMS plan per call."""

    def __init__(self, app: Any, flow: str, *, call_parameters: Mapping[str, str], phone_number: str) -> None:
        from ..testing.simulator import Simulator

        self.gateway = DecidingGateway()
        self.simulator = Simulator(app, sms_gateway=self.gateway)
        # Keep hold of each call's session, also when dialling it raised (a document refused).
        self.browser = _KeepingBrowser(self.simulator.browser.fetcher, max_steps=self.simulator.browser.max_steps)
        self.simulator.browser = self.browser
        self.kit = self.simulator.kit
        self.flow = flow
        self.call_parameters = urlencode(dict(call_parameters))
        self.phone_number = phone_number

    def replay(self, path: tuple[Action, ...]) -> Replay:
        """Dial a fresh call and give it ``path``'s caller actions."""
        callee = next((a.value for a in path if a.kind == "callee"), None)
        self.gateway.start([a.value for a in path if a.kind == "sms"])
        replay = Replay(session=None, path=path, callee=callee or "voice")
        sends_before: list[int] = []

        def play() -> Any:
            call = self.simulator.dial(self.flow, phone_number=self.phone_number, message_reference="explore",
                                       call_parameters=self.call_parameters, call_id=uuid.uuid4().hex,
                                       callee_type=callee or "voice")
            replay.session, replay.call = call.session, call
            _drive(call.session, [a for a in path if not a.is_decision], replay,
                   lambda number: sends_before.append(self.gateway.sends))

        return self._finish(replay, play, callee, sends_before, [])

    def resume(self, previous: Replay, path: tuple[Action, ...]) -> Replay:
        """Go on with the live call of ``previous`` (waiting where it stopped) with the last
        action of ``path``: the same as :meth:`replay`, without dialling again."""
        callee = next((a.value for a in path if a.kind == "callee"), None)
        self.gateway.start([a.value for a in path if a.kind == "sms"])
        self.gateway.sends = len(previous.sms_statuses)  # what this call already sent
        replay = Replay(session=previous.session, path=path, callee=previous.callee, call=previous.call)
        index = sum(1 for a in path if not a.is_decision) - 1
        sends_before = {index: self.gateway.sends}

        def play() -> Any:
            assert replay.session is not None
            _drive(replay.session, [path[-1]], replay, within=previous.within)

        return self._finish(replay, play, callee, sends_before, list(previous.sms_statuses))

    def _finish(self, replay: Replay, play: Any, callee: str | None, sends_before: Any,
                statuses: list[str]) -> Replay:
        """Play, then read what the call got to: the flow's failure, state and SMS outcomes."""
        from ..templating import DocumentError

        try:
            play()
        except DocumentError as exc:
            replay.session = replay.session or self.browser.last
            replay.failure_kind, replay.failure_step = "schema", exc.step or ""
            replay.failure = "; ".join(str(p) for p in exc.problems) or str(exc)
        except Exception:  # noqa: BLE001 - a call that cannot go on is a finding, not a crash of explore
            replay.session = replay.session or self.browser.last
            replay.failure_kind, replay.failure = "call-error", traceback.format_exc()
        if replay.call is not None:
            stored = replay.call._stored_session()
            if stored is not None:
                replay.state = dict(stored.state)
                if stored.status in ("error", "refused") and replay.failure is None:
                    replay.failure = stored.error or ""
                    replay.failure_kind = "step-raised" if stored.status == "error" else "refused-parameter"
            replay.sms_statuses = statuses + [m.status for m in self.gateway.sent]
        # Each send taken by default belongs after the caller action it happened in (-1: the dial).
        items = sorted(sends_before.items()) if isinstance(sends_before, dict) else list(enumerate(sends_before))
        for send in self.gateway.undecided:
            during = max((i for i, before in items if before <= send), default=-1)
            replay.undecided.append(("sms", during))
        if callee is None and replay.session is not None and _reads_callee_type(replay.session):
            replay.undecided.insert(0, ("callee", -1))
        return replay

    def results(self) -> list[tuple[Action, str]]:
        """The flow's ``on_result`` run with each result Plum can report (completed: voice,
        answeringmachine; failed: fax, busy, noanswer, operator, informationtone, unknown):
        (the result, the traceback) of each that raised. Nothing when the flow has no hook."""
        from ..flow import Flow
        from ..results import CallResult

        flow_cls = self.kit.flow(self.flow)
        if flow_cls is None or flow_cls.on_result is Flow.on_result:
            return []
        raised = []
        kinds = [("completed", "voice"), ("completed", "answeringmachine")] + [
            ("failed", kind) for kind in ("fax", "busy", "noanswer", "operator", "informationtone", "unknown")]
        for result, callee in kinds:
            form = {"phone_number": self.phone_number, "message_reference": "explore", "call_id": uuid.uuid4().hex,
                    "result": result, "callee_type": callee, "attempts": "1",
                    "duration": "30" if result == "completed" else "0"}
            try:
                flow_cls().on_result(CallResult.from_form(self.flow, form))
            except Exception:  # noqa: BLE001 - what the hook raises is the finding
                raised.append((Action("result", f"{result} {callee}"), traceback.format_exc()))
        return raised

    def isolated(self) -> contextlib.AbstractContextManager[None]:
        """Run the exploration on a store of its own, strict, with the app's log quiet."""
        return _isolated(self.kit)


def with_decision(path: tuple[Action, ...], decision: Action, caller_index: int) -> tuple[Action, ...]:
    """``path`` with ``decision`` placed after its ``caller_index``-th caller action (-1: at the
    dial), past the decisions already there."""
    if decision.kind == "callee":
        return (decision, *path)
    seen = -1
    for index, action in enumerate(path):
        if not action.is_decision:
            seen += 1
            if seen > caller_index:
                return (*path[:index], decision, *path[index:])
    return (*path, decision)


@contextlib.contextmanager
def _isolated(kit: Any) -> Iterator[None]:
    from ..store import open_store

    app = kit.app
    saved = {key: app.config.get(key) for key in ("VXMLKIT_STRICT_DOCUMENTS", "PROPAGATE_EXCEPTIONS")}
    logger = logging.getLogger("vxmlkit")
    level = logger.level
    store = open_store("sqlite://")
    app.config["VXMLKIT_STRICT_DOCUMENTS"] = True
    app.config["PROPAGATE_EXCEPTIONS"] = True
    logger.setLevel(logging.CRITICAL)
    try:
        with kit.borrowed_store(store):
            yield
    finally:
        logger.setLevel(level)
        app.config.update(saved)
        store.close()


class UrlCalls:
    """Dials a VoiceXML application over HTTP, posting Plum's start fields."""

    def __init__(self, url: str, *, call_parameters: Mapping[str, str], phone_number: str,
                 browser: Browser | None = None) -> None:
        self.url = url
        self.browser = browser or Browser()
        self.data = {"phone_number": phone_number, "message_reference": "explore",
                     "call_parameters": urlencode(dict(call_parameters))}
        self.flow = urlsplit(url).path or url

    def replay(self, path: tuple[Action, ...]) -> Replay:
        callee = next((a.value for a in path if a.kind == "callee"), None)
        replay = Replay(session=None, path=path, callee=callee or "voice")
        session = self.browser.dial(self.url, method="POST", data={**self.data, "call_id": uuid.uuid4().hex},
                                    dnis=self.data["phone_number"], callee_type=callee or "voice")
        replay.session = session
        try:
            _drive(session, [a for a in path if not a.is_decision], replay)
        except Exception:  # noqa: BLE001 - a call that cannot go on is a finding, not a crash of explore
            replay.failure_kind, replay.failure = "call-error", traceback.format_exc()
        if callee is None and _reads_callee_type(session):
            replay.undecided.insert(0, ("callee", -1))
        return replay

    def isolated(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


def state_json(state: Mapping[str, Any]) -> str:
    """The call's state as canonical text (part of a state's identity)."""
    return json.dumps(state, sort_keys=True, default=str)
