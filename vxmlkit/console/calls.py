"""Console calls: one simulated call per browser tab, driven one caller action at a time.

:class:`ConsoleCalls` keeps the live calls of one served app, each in its own
:class:`~vxmlkit.testing.sandbox.Sandbox`, and answers every action with a :func:`snapshot` of
the call: what the caller heard, the documents fetched, the call state, the text messages, the
steps walked. The actions are remembered in order so that the call can be saved as a test.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from lxml import etree

from ..extension import VxmlKit, get_kit
from ..testing.simulator import CALLEE_TYPES, Call, Simulator
from ..testing.sandbox import Sandbox

__all__ = ["Action", "ConsoleCall", "ConsoleCalls", "ConsoleError", "ACTIONS"]

#: The caller's actions the console offers, by name.
ACTIONS = ("press", "say", "silence", "nomatch", "hang_up")

#: How many calls one served app keeps at once; the least recently used one goes first.
MAX_CALLS = 32

#: Seconds a call may sit unused before it is closed.
IDLE_SECONDS = 3600.0

_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


class ConsoleError(ValueError):
    """An action the console refuses (unknown flow or call, a call that cannot take it)."""


@dataclass(frozen=True)
class Action:
    """One thing the caller did, with what they had heard just before it."""

    name: str
    value: str = ""
    heard_before: tuple[str, ...] = ()


@dataclass
class ConsoleCall:
    """A call dialled from the console, with its sandbox and history."""

    id: str
    flow: str
    dial: dict[str, str]
    sandbox: Sandbox
    call: Call
    start_step: str = ""
    actions: list[Action] = field(default_factory=list)
    used: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> list[str]:
        """The steps the call walked, in order: one per document fetched, then where it is now."""
        walked: list[str] = []
        for document in self.call.documents:
            parts = document.url.split("?", 1)[0].rstrip("/").split("/")
            if parts[-1] == "start":
                walked.append(self.start_step)
            elif len(parts) >= 2 and parts[-2] == "step":
                walked.append(parts[-1])
        stored = self.call._stored_session()
        if stored is not None and stored.last_step and (not walked or walked[-1] != stored.last_step):
            walked.append(stored.last_step)
        return walked


class ConsoleCalls:
    """The live console calls of one served app (thread-safe)."""

    def __init__(self, app: Flask, kit: VxmlKit) -> None:
        self.app, self.kit = app, kit
        self._calls: OrderedDict[str, ConsoleCall] = OrderedDict()
        self._lock = threading.Lock()

    def dial(self, flow: str, *, phone_number: str, call_parameters: str, callee_type: str,
             message_reference: str = "console") -> ConsoleCall:
        """Dial ``flow`` in a fresh sandbox and run it to its first wait."""
        if self.kit.flow(flow) is None:
            raise ConsoleError(f"no flow {flow!r}; known: {', '.join(sorted(self.kit.flows)) or 'none'}")
        if callee_type not in CALLEE_TYPES:
            raise ConsoleError(f"callee type must be one of {', '.join(CALLEE_TYPES)}, not {callee_type!r}")
        sandbox = Sandbox(self.app, self.kit)
        try:
            simulator = Simulator(sandbox.app)
            call = simulator.dial(flow, phone_number=phone_number, call_parameters=call_parameters,
                                  callee_type=callee_type, message_reference=message_reference)
        except Exception:
            sandbox.close()
            raise
        entry = ConsoleCall(
            id=secrets.token_urlsafe(12), flow=flow, sandbox=sandbox, call=call,
            start_step=self.kit.flows[flow].start_step,
            dial={"phone_number": phone_number, "message_reference": message_reference,
                  "call_parameters": call_parameters, "callee_type": callee_type},
        )
        with self._lock:
            self._calls[entry.id] = entry
            self._evict()
        return entry

    def get(self, call_id: str) -> ConsoleCall:
        with self._lock:
            entry = self._calls.get(call_id)
            if entry is None:
                raise ConsoleError("no such console call (it may have been closed); dial again")
            self._calls.move_to_end(call_id)
            entry.used = time.monotonic()
            return entry

    def act(self, call_id: str, action: str, value: str = "") -> ConsoleCall:
        """Do ``action`` (one of :data:`ACTIONS`) on the call and run it to its next wait."""
        entry = self.get(call_id)
        if action not in ACTIONS:
            raise ConsoleError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
        if action in ("press", "say") and not value.strip():
            raise ConsoleError(f"{action} needs a value")
        heard = tuple(entry.call.heard)
        call = entry.call
        try:
            if action == "press":
                call.press(value.strip())
            elif action == "say":
                call.say(value.strip())
            elif action == "silence":
                call.silence()
            elif action == "nomatch":
                call.nomatch()
            else:
                call.hang_up()
        except AssertionError as exc:
            # The simulator's own words: the call has ended, or is not waiting for input.
            raise ConsoleError(str(exc).splitlines()[0]) from None
        entry.actions.append(Action(action, value.strip(), heard))
        return entry

    def close(self, call_id: str) -> None:
        with self._lock:
            entry = self._calls.pop(call_id, None)
        if entry is not None:
            entry.sandbox.close()

    def close_all(self) -> None:
        with self._lock:
            entries = list(self._calls.values())
            self._calls.clear()
        for entry in entries:
            entry.sandbox.close()

    def _evict(self) -> None:
        now = time.monotonic()
        stale = [key for key, entry in self._calls.items() if now - entry.used > IDLE_SECONDS]
        while len(self._calls) - len(stale) > MAX_CALLS:
            oldest = next(key for key in self._calls if key not in stale)
            stale.append(oldest)
        for key in stale:
            self._calls.pop(key).sandbox.close()


def pretty(text: str) -> str:
    """A fetched document indented for reading (the text as it came when it is not XML)."""
    try:
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return text
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def snapshot(entry: ConsoleCall) -> dict[str, Any]:
    """What the page shows of a call, as JSON-ready data."""
    call = entry.call
    waiting = call.session.waiting
    path = entry.path
    return {
        "id": entry.id,
        "flow": entry.flow,
        "ended": call.ended,
        "how": call._how_it_ended(),
        "waiting": None if waiting is None else {"kind": waiting.kind, "name": waiting.name},
        "heard": list(call.heard),
        "transcript": list(call.transcript.lines),
        "documents": [
            {"url": doc.url.split("?", 1)[0], "method": doc.method, "status": doc.status, "text": pretty(doc.text)}
            for doc in call.documents
        ],
        "state": call.state,
        "sms": [
            {"to": m.to, "text": m.text, "status": m.status, "error": m.error, "private": m.private}
            for m in call.sms
        ],
        "transferred_to": call.session.transferred_to,
        "failure": call.failure,
        "step": path[-1] if path else None,
        "path": path,
    }


def calls_for(app: Flask) -> ConsoleCalls:
    """The console calls of ``app`` (made on first use)."""
    calls = app.extensions.get("vxmlkit.console")
    if calls is None:
        calls = app.extensions["vxmlkit.console"] = ConsoleCalls(app, get_kit(app))
    return calls
