"""VoiceXML events and the control-flow signals of the interpreter.

Events (``error.badfetch``, ``nomatch``, user events ...) are :class:`VxmlEvent` exceptions:
the Form Interpretation Algorithm catches them and selects a ``<catch>`` handler. Transitions
(``<goto>``, ``<submit>``, ``<exit>`` ...) are :class:`Transition` exceptions that unwind to the
level of the interpreter that carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fetching import FetchRequest

__all__ = [
    "CallEnded",
    "DialogTransition",
    "ExitCall",
    "GotoItem",
    "InterpreterError",
    "ReturnFromSubdialog",
    "Transition",
    "VxmlEvent",
    "matched_event_name",
]


class InterpreterError(Exception):
    """The interpreter cannot go on: a bug, or a misuse of the API (not a VoiceXML event)."""


class VxmlEvent(Exception):
    """A VoiceXML event such as ``error.semantic`` or ``nomatch``.

    ``line`` is the document line of the element that threw it, when known.
    """

    def __init__(self, name: str, message: str | None = None, *, line: int | None = None, url: str | None = None) -> None:
        super().__init__(name if message is None else f"{name}: {message}")
        self.name = name
        self.message = message
        self.line = line
        self.url = url

    def describe(self) -> str:
        """``name: message (url line N)``, for error reports."""
        where = ""
        # the URL is left out when the message already names it (a failed fetch does)
        url = self.url if self.url and self.url not in (self.message or "") else None
        if url or self.line:
            where = f" ({url or 'document'}{f' line {self.line}' if self.line else ''})"
        return f"{self.name}{': ' + self.message if self.message else ''}{where}"


def matched_event_name(catch_events: str, thrown: str) -> str | None:
    """The name in a ``<catch event="...">`` list that matches the thrown event, or None.

    An empty list (or ``.``) catches everything and answers the thrown name itself; otherwise
    the longest listed name that is a prefix of the thrown name on whole dot-separated tokens.
    """
    names = catch_events.split()
    if not names:
        return thrown
    best: str | None = None
    for name in names:
        name = name.rstrip(".") if name != "." else name
        if name in (".", ""):
            return thrown
        if (thrown == name or thrown.startswith(name + ".")) and (best is None or len(name) > len(best)):
            best = name
    return best


class Transition(Exception):
    """Base of the control-flow signals raised by executable content."""


class GotoItem(Transition):
    """``<goto nextitem>``: the next form item to visit in the current form."""

    def __init__(self, item: str) -> None:
        super().__init__(item)
        self.item = item


@dataclass
class DialogTransition(Transition):
    """Go to another dialog, in this document (url None) or another one (fetched with ``request``)."""

    url: str | None
    dialog: str | None
    request: FetchRequest | None = None
    fetchaudio: str | None = None
    recognition: Any = None
    submitted: bool = False

    def __post_init__(self) -> None:
        Exception.__init__(self, self.url, self.dialog)


@dataclass
class ExitCall(Transition):
    """``<exit>`` (or the end of the FIA): the call ends."""

    expr: Any = None
    namelist: dict[str, Any] = field(default_factory=dict)
    how: str = "exit"
    explicit: bool = False

    def __post_init__(self) -> None:
        Exception.__init__(self, self.how)


@dataclass
class ReturnFromSubdialog(Transition):
    """``<return>``: back to the calling ``<subdialog>`` with values or an event."""

    namelist: dict[str, Any] = field(default_factory=dict)
    event: str | None = None
    message: str | None = None

    def __post_init__(self) -> None:
        Exception.__init__(self, self.event or "return")


@dataclass
class CallEnded(Exception):
    """The call is over (internal: unwinds the interpreter's generators)."""

    how: str
    error: str | None = None
    message: str | None = None

    def __post_init__(self) -> None:
        Exception.__init__(self, self.how)
