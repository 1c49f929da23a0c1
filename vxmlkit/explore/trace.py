"""What one call walked: the flow steps it reached and the declared transitions it took.

Read from the call's transcript alone (the documents fetched and the caller's input between
them), so explore and the pytest plugin's coverage name the same things: each fetch of a
step's URL reaches that step, and the input that caused it (a key, a silence too many, an SMS
that failed, the callee type ...) tells which declared transition it walked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .graph import FlowDeclaration, Transition

__all__ = ["Walked", "walk", "route_of"]

_ROUTE = re.compile(r"/(?P<flow>[a-z0-9][a-z0-9-]*)/(?P<route>start|step|sms)(?:/(?P<step>[A-Za-z_][A-Za-z0-9_]*))?$")


def route_of(url: str) -> tuple[str, str, str | None] | None:
    """(flow, ``start``/``step``/``sms``, step) of a vxmlkit URL, or None for any other URL."""
    match = _ROUTE.search(urlsplit(url).path)
    if match is None:
        return None
    return match.group("flow"), match.group("route"), match.group("step")


@dataclass(frozen=True)
class Walked:
    """One step reached: its name, the transition that led there (None for the start), and the
    index of the transcript entry that reached it."""

    step: str
    transition: Transition | None
    entry: int


def _prefer(trigger: dict[str, Any] | None, callee: str) -> list[str]:
    if trigger is None:
        return ["machine" if callee == "answeringmachine" else "voice", "goto", "sms on_error", "sms then", "then"]
    kind = trigger.get("kind")
    if kind in ("noinput", "nomatch"):
        return ["on_failure"]
    if kind == "transfer":
        outcome = trigger.get("value", "")
        special = {"busy": "on_busy", "noanswer": "on_noanswer", "network_busy": "on_network_failure",
                   "unknown": "on_network_failure"}.get(outcome)
        return ([special] if special else []) + ["transfer then"]
    return ["choice", "then"]


def _choose(candidates: list[Transition], trigger: dict[str, Any] | None, callee: str) -> Transition:
    prefer = _prefer(trigger, callee)
    value = str((trigger or {}).get("value", "")).split("#", 1)[0].strip().casefold()
    if value:
        for candidate in candidates:
            if candidate.kind == "choice" and value in [part.strip().casefold() for part in candidate.label.split("/")]:
                return candidate
    for kind in prefer:
        for candidate in candidates:
            if candidate.kind == kind:
                return candidate
    return candidates[0]


def walk(transcript: Sequence[Any], declaration: FlowDeclaration, *, callee: str = "voice",
         sms_statuses: Sequence[str] = (), failed_step: str | None = None) -> list[Walked]:
    """The steps a call of ``declaration``'s flow reached, in order, with the transitions taken.

    ``transcript`` is the browser session's transcript; ``sms_statuses`` the status of each
    text message the call sent, in order (``failed`` takes ``sms on_error``); ``failed_step``
    a step whose document could not be served at all, reached last.
    """
    walked: list[Walked] = []
    current: str | None = None
    trigger: dict[str, Any] | None = None
    messages = iter(sms_statuses)
    for index, entry in enumerate(transcript):
        if entry.kind == "input":
            trigger = dict(entry.data)
            continue
        if entry.kind != "fetched":
            continue
        route = route_of(str(entry.data.get("url", "")))
        if route is None or route[0] != declaration.flow:
            continue
        _, kind, step = route
        transition: Transition | None = None
        if kind == "start":
            target = declaration.start
        elif kind == "sms":
            if current is None:
                continue
            failed = next(messages, "queued") in ("failed", "undelivered")
            sms = {t.kind: t for t in declaration.transitions if t.source == current and t.kind.startswith("sms ")}
            transition = (sms.get("sms on_error") if failed else None) or sms.get("sms then")
            if transition is None:
                continue
            target = transition.target
        else:
            if step is None:
                continue
            target = step
            if current is not None:
                candidates = declaration.between(current, target)
                transition = (_choose(candidates, trigger, callee) if candidates
                              else Transition(current, "observed", target))
        walked.append(Walked(target, transition, index))
        current, trigger = target, None
    if failed_step and (not walked or walked[-1].step != failed_step):
        if current is None:
            walked.append(Walked(failed_step, None, len(transcript)))
        else:
            candidates = declaration.between(current, failed_step)
            transition = (_choose(candidates, trigger, callee) if candidates
                          else Transition(current, "observed", failed_step))
            walked.append(Walked(failed_step, transition, len(transcript)))
    return walked
