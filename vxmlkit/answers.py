"""What a step receives for each answer: the value a grammar gives, as a Python type.

A voice browser posts every answer as text in VoiceXML 2.0 Appendix P's formats (``"true"``,
``"20261203"``, ``"????1203"``, ``"0330?"``, ``"USD12.50"``). The step gets them typed:

=============  =================================================================================
grammar        the step receives
=============  =================================================================================
``boolean``    ``bool``
``date``       ``datetime.date``; a date said without its year, month or day: :class:`PartialDate`
``time``       :class:`SpokenTime`, a ``datetime.time`` that says whether it was said with am,
               pm, on the 24-hour clock, or ambiguously (``"three thirty"``)
``number``     ``decimal.Decimal``
``currency``   :class:`~vxmlkit.Money` (``Decimal`` amount; ``currency`` None when no currency
               was said)
``digits``     ``str`` (leading zeros kept)
``phone``      ``str`` (``"8005551212x4"``: ``x`` marks an extension)
``record()``   :class:`~vxmlkit.Recording`
``srgs(...)``  the semantic interpretation: a ``str``, or a ``dict`` of them for an object
               (posted as ``name.key`` fields and put back together)
=============  =================================================================================

A step parameter annotated ``str`` gets the posted text unchanged (``when: str`` is
``"????1203"``); annotated ``bool``, ``int``, ``float``, ``Decimal`` or ``date``, it gets that type.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["PartialDate", "SpokenTime", "AnswerError", "answer_kinds", "read_answer", "rebuild_objects"]


class AnswerError(ValueError):
    """A posted answer does not have the form its grammar gives."""

    def __init__(self, name: str, kind: str, text: str) -> None:
        super().__init__(f"answer {name!r}: {text[:40]!r} is not a {kind} answer")
        self.name, self.kind = name, kind


@dataclass(frozen=True)
class PartialDate:
    """A date said without its year, its month or its day (``"the third of December"``).

    It is not a ``datetime.date`` and never compares equal to one: :meth:`complete` makes one
    once the missing parts are known (``answer.complete(year=today.year)``).
    """

    year: int | None
    month: int | None
    day: int | None

    @property
    def missing(self) -> tuple[str, ...]:
        """The names of the parts the caller did not say, such as ``("year",)``."""
        return tuple(part for part in ("year", "month", "day") if getattr(self, part) is None)

    def complete(self, *, year: int | None = None, month: int | None = None, day: int | None = None) -> _dt.date:
        """The whole date, with the missing parts given (raises ValueError if one is still missing)."""
        parts = {"year": self.year if self.year is not None else year,
                 "month": self.month if self.month is not None else month,
                 "day": self.day if self.day is not None else day}
        absent = [name for name, value in parts.items() if value is None]
        if absent:
            raise ValueError(f"the date still lacks its {' and '.join(absent)}")
        return _dt.date(parts["year"], parts["month"], parts["day"])  # type: ignore[arg-type]

    def say_as(self) -> tuple[str, str]:
        """(text, say-as format) for reading the parts that are there, such as ("12-03", "md")."""
        present = [(letter, value, width) for letter, value, width in
                   (("y", self.year, 4), ("m", self.month, 2), ("d", self.day, 2)) if value is not None]
        return "-".join(f"{value:0{width}d}" for _, value, width in present), "".join(l for l, _, _ in present)

    def __str__(self) -> str:
        year = "????" if self.year is None else f"{self.year:04d}"
        month = "??" if self.month is None else f"{self.month:02d}"
        day = "??" if self.day is None else f"{self.day:02d}"
        return f"{year}-{month}-{day}"


class SpokenTime(_dt.time):
    """A time of day as the caller said it: a ``datetime.time`` that keeps Appendix P's clock mark.

    ``clock`` is ``"am"``, ``"pm"``, ``"24h"``, or None when the caller did not say which half
    of the day (``"three thirty"``): then :attr:`ambiguous` is True, the time is the morning
    reading and :attr:`alternatives` holds both.
    """

    clock: str | None

    def __new__(cls, hour: int, minute: int, clock: str | None) -> SpokenTime:
        if clock not in ("am", "pm", "24h", None):
            raise ValueError(f"clock must be 'am', 'pm', '24h' or None, not {clock!r}")
        value = super().__new__(cls, hour, minute)
        value.clock = clock
        return value

    @property
    def ambiguous(self) -> bool:
        """True when the caller did not say am, pm or a 24-hour time."""
        return self.clock is None

    @property
    def alternatives(self) -> tuple[_dt.time, ...]:
        """The times the caller may have meant: one, or the morning and the afternoon reading."""
        if not self.ambiguous or self.hour >= 12:
            return (_dt.time(self.hour, self.minute),)
        return (_dt.time(self.hour, self.minute), _dt.time(self.hour + 12, self.minute))

    def __reduce__(self) -> Any:
        return (SpokenTime, (self.hour, self.minute, self.clock))

    def __repr__(self) -> str:
        return f"SpokenTime({self.hour}, {self.minute}, clock={self.clock!r})"


# --- reading the posted text ----------------------------------------------------------------

_DATE = re.compile(r"^(\d{4}|\?{4})(\d{2}|\?{2})(\d{2}|\?{2})$")
_TIME = re.compile(r"^(\d{2})(\d{2})([aph?])$")
_CURRENCY = re.compile(r"^([A-Z]{3})?([+-]?\d+(?:\.\d+)?)$")


def _date(text: str) -> _dt.date | PartialDate:
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (None if "?" in part else int(part) for part in match.groups())
    if year is not None and month is not None and day is not None:
        return _dt.date(year, month, day)
    PartialDate(year, month, day).complete(year=year or 2000, month=month or 1, day=day or 1)  # a real day of a real month
    return PartialDate(year, month, day)


def _time(text: str) -> SpokenTime:
    match = _TIME.match(text)
    if not match:
        raise ValueError(text)
    hour, minute, mark = int(match.group(1)), int(match.group(2)), match.group(3)
    if mark in "ap":
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if mark == "p" else 0)
    return SpokenTime(hour, minute, {"a": "am", "p": "pm", "h": "24h", "?": None}[mark])


def _boolean(text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(text)


def _number(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(text)
    return value


def _currency(text: str) -> Any:
    from .components import Money

    match = _CURRENCY.match(text)
    if not match:
        raise ValueError(text)
    return Money(Decimal(match.group(2)), match.group(1))


_READERS = {"boolean": _boolean, "date": _date, "time": _time, "number": _number, "currency": _currency,
            "digits": str, "phone": str}


def read_answer(name: str, kind: str | None, value: Any) -> Any:
    """The value of one posted answer of grammar ``kind`` (None: unknown, the text as posted)."""
    reader = _READERS.get(kind or "")
    if reader is None or not isinstance(value, str):
        return value
    try:
        return reader(value.strip())
    except (ValueError, InvalidOperation):
        raise AnswerError(name, kind or "", value) from None


def rebuild_objects(inputs: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """``inputs`` with the ``name.key`` fields of an object answer put back into one dict.

    A voice browser posts an ECMAScript object in a namelist as one field per property
    (``pizza.size=large&pizza.crust.kind=thin``); only objects of ``names`` are rebuilt.
    """
    wanted = set(names)
    out: dict[str, Any] = {}
    for key, value in inputs.items():
        head, dot, rest = key.partition(".")
        if not dot or head not in wanted:
            out[key] = value
            continue
        target = out.get(head)
        if not isinstance(target, dict):
            target = out[head] = {}
        *path, last = rest.split(".")
        for part in path:
            inner = target.get(part)
            if not isinstance(inner, dict):
                inner = target[part] = {}
            target = inner
        target[last] = value
    return out


def answer_kinds(components: Iterable[Any]) -> dict[str, str]:
    """The grammar each input of a document answers with: input name -> builtin type, ``srgs``
    or ``recording``. Kept with the call, it tells the next step how to read the answers."""
    from .components import Ask, Record

    kinds: dict[str, str] = {}
    for component in components:
        if isinstance(component, Ask):
            kinds[component.name] = component.grammar.builtin or "srgs"
        elif isinstance(component, Record):
            kinds[component.name] = "recording"
    return kinds
