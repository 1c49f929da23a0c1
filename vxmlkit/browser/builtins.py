"""The builtin grammar types of VoiceXML 2.0 Appendix P, for DTMF keys and for speech given as text.

Each type reads the whole input and returns the interpretation the Recommendation specifies:

=========  ====================================  ==========================================
type       DTMF                                  speech (English words or numerals)
=========  ====================================  ==========================================
boolean    ``y`` key (1) -> true, ``n`` (2) ->   yes/yeah/yep/sure/correct/true ... -> true,
           false                                 no/nope/false/incorrect ... -> false
date       yyyymmdd -> "20260303"                "march third twenty twenty six" ->
                                                 "20260303"; without a year "????0303"
digits     "0042" -> "0042"                      "oh oh four two" -> "0042"
currency   ``*`` is the decimal point:           "twelve dollars and fifty cents" ->
           "12*5" -> "12.50"                     "USD12.50"; no currency word -> "12.50"
number     ``*`` is the decimal point:           "one hundred twenty three" -> 123,
           "12*5" -> 12.5                        "minus five point two" -> -5.2
phone      ``*`` is the extension mark:          "eight hundred five five five one two one
           "5551212*12" -> "5551212x12"          two extension four" -> "8005551212x4"
time       hhmm: "1530" -> "1530h",              "three thirty p m" -> "0330p", "fifteen
           "0330" -> "0330?"                     hundred" -> "1500h", "three thirty" -> "0330?"
=========  ====================================  ==========================================

Where vxmlkit fills in or departs from the Recommendation: ``number`` is returned as a JSON
number (an int, or a float when a decimal point was given), where Appendix P describes a numeric
string (``==`` and arithmetic treat both alike; ``===`` and ``+`` with a string do not);
currency amounts always carry two decimals; a spoken "dollar" is taken as USD (en-US), "euro"
EUR, "pound" GBP, "yen" JPY. Parameters follow Appendix P: ``digits`` takes ``minlength``, ``maxlength`` and ``length``;
``boolean`` takes ``y`` and ``n`` (the DTMF keys for yes and no); the other types take none.
Anything else raises :class:`GrammarError`; an unknown type raises its subclass
:class:`UnsupportedBuiltinError` (error.unsupported.builtin).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from vxmlkit.browser.grammar_base import (
    Grammar,
    GrammarError,
    Match,
    UnsupportedBuiltinError,
    dtmf_tokens,
    voice_tokens,
)
from vxmlkit.browser.spoken import read_cardinal, read_digit_string, read_ordinal, read_year

if TYPE_CHECKING:
    from vxmlkit.browser.sisr import TagEvaluator

__all__ = ["BUILTIN_TYPES", "BuiltinGrammar", "builtin_grammar"]

BUILTIN_TYPES = ("boolean", "date", "digits", "currency", "number", "phone", "time")

Params = dict[str, str]
Reader = Callable[[Sequence[str]], object]
"""Reads a whole tokenised input; returns the interpretation or None for no match."""

_DTMF_DIGITS = frozenset("0123456789")
_YES = frozenset(
    {
        ("yes",),
        ("yeah",),
        ("yep",),
        ("yup",),
        ("sure",),
        ("correct",),
        ("right",),
        ("true",),
        ("affirmative",),
        ("ok",),
        ("okay",),
        ("yes", "please"),
        ("that's", "right"),
        ("that", "is", "right"),
        ("that's", "correct"),
        ("that", "is", "correct"),
    }
)
_NO = frozenset(
    {
        ("no",),
        ("nope",),
        ("nah",),
        ("false",),
        ("negative",),
        ("incorrect",),
        ("wrong",),
        ("no", "thanks"),
        ("no", "thank", "you"),
        ("that's", "wrong"),
        ("that", "is", "wrong"),
    }
)
_MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name}
_CURRENCIES = {
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "yen": "JPY",
}
_MINOR_UNITS = frozenset({"cent", "cents", "penny", "pennies", "pence"})
_EXTENSION_WORDS = frozenset({"extension", "ext", "x"})
_MORNING = (("a", "m"), ("am",), ("in", "the", "morning"))
_EVENING = (("p", "m"), ("pm",), ("in", "the", "afternoon"), ("in", "the", "evening"), ("at", "night"))
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3})")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_TIME_COLON = re.compile(r"(?<=\d):(?=\d\d)")


class BuiltinGrammar(Grammar):
    """One builtin type in one mode, its parameters checked; immutable and shared."""

    def __init__(self, type_name: str, mode: str, reader: Reader, grows: Callable[[str], bool]) -> None:
        self.type_name = type_name
        self.mode = mode
        self._reader = reader
        self._grows = grows

    def __repr__(self) -> str:
        return f"<BuiltinGrammar {self.mode}/{self.type_name}>"

    def match(self, text: str, *, tag_context: TagEvaluator | None = None) -> Match | None:
        """Match the whole input; the interpretation follows VoiceXML 2.0 Appendix P."""
        if self.mode == "dtmf":
            keys = dtmf_tokens(text)
            if not keys:
                return None
            value = self._reader(keys)
            return None if value is None else Match("".join(keys), value)
        words = _spoken_words(text)
        if not words:
            return None
        value = self._reader(words)
        return None if value is None else Match(" ".join(words), value)

    def is_prefix(self, text: str) -> bool:
        """For DTMF: whether more keys could still make (a longer) match."""
        if self.mode != "dtmf":
            return False
        keys = dtmf_tokens(text)
        return keys is not None and self._grows("".join(keys))


def _spoken_words(text: str) -> tuple[str, ...]:
    """Words of a spoken answer, keeping "5.3" as "5 point 3", "1,200" as "1200" and "3:30" as "3 30"."""
    text = _THOUSANDS_SEPARATOR.sub("", text)
    text = _DECIMAL_POINT.sub(" point ", text)
    return voice_tokens(_TIME_COLON.sub(" ", text))


# -- parameters -------------------------------------------------------------------------------


def _parse_uri(uri: str, mode: str | None) -> tuple[str, str, Params]:
    """Split a builtin reference into (type, mode, parameters)."""
    reference = uri.strip()
    explicit_mode: str | None = None
    if reference.startswith("builtin:"):
        path = reference[len("builtin:") :]
        kind, slash, reference = path.partition("/")
        if not slash:
            raise GrammarError(
                f"builtin grammar {uri!r}: expected builtin:dtmf/TYPE, builtin:voice/TYPE or builtin:grammar/TYPE"
            )
        if kind in ("dtmf", "voice"):
            explicit_mode = kind
        elif kind != "grammar":
            raise GrammarError(f"builtin grammar {uri!r}: unknown kind {kind!r} (dtmf, voice or grammar)")
    type_name, _, query = reference.partition("?")
    type_name = type_name.strip()
    if type_name not in BUILTIN_TYPES:
        raise UnsupportedBuiltinError(
            f"builtin grammar {uri!r}: unknown type {type_name!r} (one of {', '.join(BUILTIN_TYPES)})"
        )
    if mode not in (None, "dtmf", "voice"):
        raise GrammarError(f"builtin grammar {uri!r}: unknown mode {mode!r} (dtmf or voice)")
    params: Params = {}
    for part in re.split(r"[;&]", query):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        name = name.strip()
        if not equals or not name:
            raise GrammarError(f"builtin grammar {uri!r}: parameter {part!r} is not name=value")
        if name in params:
            raise GrammarError(f"builtin grammar {uri!r}: parameter {name!r} given twice")
        params[name] = value.strip()
    return type_name, explicit_mode or mode or "voice", params


def _length_param(uri: str, params: Params, name: str) -> int | None:
    if name not in params:
        return None
    value = params[name]
    if not value.isdigit() or not value.isascii():
        raise GrammarError(f"builtin grammar {uri!r}: {name}={value!r} is not a non-negative integer")
    return int(value)


def _check_known(uri: str, params: Params, allowed: Sequence[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        accepted = ", ".join(allowed) if allowed else "none"
        raise GrammarError(f"builtin grammar {uri!r}: unknown parameter {unknown[0]!r} (accepted: {accepted})")


# -- the types --------------------------------------------------------------------------------


def _digits(uri: str, mode: str, params: Params) -> BuiltinGrammar:
    _check_known(uri, params, ("minlength", "maxlength", "length"))
    length = _length_param(uri, params, "length")
    low = _length_param(uri, params, "minlength")
    high = _length_param(uri, params, "maxlength")
    if length is not None:
        if low is not None or high is not None:
            raise GrammarError(f"builtin grammar {uri!r}: length cannot be combined with minlength or maxlength")
        low = high = length
    if low is not None and high is not None and low > high:
        raise GrammarError(f"builtin grammar {uri!r}: minlength {low} is greater than maxlength {high}")
    if high == 0:
        raise GrammarError(f"builtin grammar {uri!r}: a digits grammar must accept at least one digit")
    low = max(low or 1, 1)

    def fits(digits: str) -> bool:
        return low <= len(digits) and (high is None or len(digits) <= high)

    def read(tokens: Sequence[str]) -> str | None:
        if mode == "dtmf":
            digits = "".join(tokens)
            return digits if set(digits) <= _DTMF_DIGITS and fits(digits) else None
        digits_spoken = read_digit_string(tokens)
        return digits_spoken if digits_spoken is not None and fits(digits_spoken) else None

    def grows(keys: str) -> bool:
        return set(keys) <= _DTMF_DIGITS and (high is None or len(keys) < high)

    return BuiltinGrammar("digits", mode, read, grows)


def _boolean(uri: str, mode: str, params: Params) -> BuiltinGrammar:
    _check_known(uri, params, ("y", "n"))
    yes, no = params.get("y", "1"), params.get("n", "2")
    for name, key in (("y", yes), ("n", no)):
        if len(key) != 1 or key not in _DTMF_DIGITS | {"*", "#"}:
            raise GrammarError(f"builtin grammar {uri!r}: {name}={key!r} is not a single DTMF key")
    if yes == no:
        raise GrammarError(f"builtin grammar {uri!r}: y and n are the same key {yes!r}")

    def read(tokens: Sequence[str]) -> bool | None:
        if mode == "dtmf":
            keys = "".join(tokens)
            return True if keys == yes else False if keys == no else None
        phrase = tuple(tokens)
        return True if phrase in _YES else False if phrase in _NO else None

    return BuiltinGrammar("boolean", mode, read, lambda keys: keys == "")


def _split_decimal(keys: str) -> tuple[str, str] | None:
    """DTMF "12*5" -> ("12", "5"); None unless digits with at most one ``*``."""
    whole, star, fraction = keys.partition("*")
    if not (set(whole) | set(fraction)) <= _DTMF_DIGITS or "*" in fraction:
        return None
    if not whole and not fraction:
        return None
    if star and not fraction:
        return None
    return whole, fraction


def _decimal_prefix(keys: str, max_fraction: int | None) -> bool:
    whole, _, fraction = keys.partition("*")
    if not (set(whole) | set(fraction)) <= _DTMF_DIGITS or "*" in fraction:
        return False
    return max_fraction is None or len(fraction) < max_fraction or "*" not in keys


def _spoken_number(words: Sequence[str]) -> int | float | None:
    """ "minus five point two" -> -5.2; "one hundred and three" -> 103."""
    sign = 1
    if words and words[0] in ("minus", "negative"):
        sign, words = -1, words[1:]
    elif words and words[0] in ("plus", "positive"):
        words = words[1:]
    if "point" in words:
        at = list(words).index("point")
        whole = read_cardinal(words[:at]) if at else 0
        fraction = read_digit_string(words[at + 1 :])
        if whole is None or fraction is None:
            return None
        return sign * float(f"{whole}.{fraction}")
    whole = read_cardinal(words)
    return None if whole is None else sign * whole


def _number(uri: str, mode: str, params: Params) -> BuiltinGrammar:
    _check_known(uri, params, ())

    def read(tokens: Sequence[str]) -> int | float | None:
        if mode == "voice":
            return _spoken_number(tokens)
        parts = _split_decimal("".join(tokens))
        if parts is None:
            return None
        whole, fraction = parts
        return float(f"{whole or 0}.{fraction}") if fraction else int(whole)

    return BuiltinGrammar("number", mode, read, lambda keys: _decimal_prefix(keys, None))


def _money(whole: int, cents: int, code: str = "") -> str:
    return f"{code}{whole}.{cents:02d}"


def _spoken_currency(words: Sequence[str]) -> str | None:
    """ "twelve dollars and fifty cents" -> "USD12.50"; "fifty cents" -> "USD0.50"."""
    unit_at = next((i for i, word in enumerate(words) if word in _CURRENCIES), None)
    if unit_at is None:
        if words and words[-1] in _MINOR_UNITS:
            cents = read_cardinal(words[:-1])
            return None if cents is None or cents > 99 else _money(0, cents, "USD")
        amount = _spoken_number(words)
        if amount is None or amount < 0:
            return None
        cents_total = round(amount * 100)
        if abs(amount * 100 - cents_total) > 1e-6:
            return None
        return _money(cents_total // 100, cents_total % 100)
    code = _CURRENCIES[words[unit_at]]
    amount = 1 if tuple(words[:unit_at]) in (("a",), ("an",)) else _spoken_number(words[:unit_at])
    if amount is None or amount < 0:
        return None
    rest = list(words[unit_at + 1 :])
    if rest and rest[0] == "and":
        rest = rest[1:]
    if rest and rest[-1] in _MINOR_UNITS:
        rest = rest[:-1]
    cents = read_cardinal(rest) if rest else 0
    if cents is None or cents > 99 or (rest and isinstance(amount, float)):
        return None
    total = round(amount * 100) + cents
    return _money(total // 100, total % 100, code)


def _currency(uri: str, mode: str, params: Params) -> BuiltinGrammar:
    _check_known(uri, params, ())

    def read(tokens: Sequence[str]) -> str | None:
        if mode == "voice":
            return _spoken_currency(tokens)
        parts = _split_decimal("".join(tokens))
        if parts is None or len(parts[1]) > 2:
            return None
        whole, fraction = parts
        return _money(int(whole or 0), int(fraction.ljust(2, "0")))

    return BuiltinGrammar("currency", mode, read, lambda keys: _decimal_prefix(keys, 2))


def _valid_date(year: int | None, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    return day <= calendar.monthrange(2000 if year is None else year, month)[1]


def _format_date(year: int | None, month: int, day: int) -> str | None:
    if not _valid_date(year, month, day):
        return None
    return f"{'????' if year is None else f'{year:04d}'}{month:02d}{day:02d}"


def _read_day(words: Sequence[str]) -> int | None:
    if words and words[0] == "the":
        words = words[1:]
    if not words or len(words) > 2:
        return None
    day = read_ordinal(words)
    if day is None:
        day = read_cardinal(words)
    return day if day is not None and 1 <= day <= 31 else None


def _spoken_date(words: Sequence[str]) -> str | None:
    """ "march third twenty twenty six", "the third of march 2026", "3rd march" -> yyyymmdd (or ????mmdd)."""
    month_at = next((i for i, word in enumerate(words) if word in _MONTHS), None)
    if month_at is None:
        return None
    month = _MONTHS[words[month_at]]
    before, after = list(words[:month_at]), list(words[month_at + 1 :])
    if before:
        if before[-1] == "of":
            before = before[:-1]
        day = _read_day(before)
        if day is None:
            return None
        year = read_year(after) if after else None
        if after and year is None:
            return None
        return _format_date(year, month, day)
    for day_words in (1, 2, 3):
        day = _read_day(after[:day_words])
        if day is None:
            continue
        rest = after[day_words:]
        if rest and rest[0] == "of":
            rest = rest[1:]
        if not rest:
            return _format_date(None, month, day)
        year = read_year(rest)
        if year is not None:
            return _format_date(year, month, day)
    return None


def _date(uri: str, mode: str, params: Params) -> BuiltinGrammar:
    _check_known(uri, params, ())

    def read(tokens: Sequence[str]) -> str | None:
        if mode == "voice":
            return _spoken_date(tokens)
        keys = "".join(tokens)
        if len(keys) != 8 or not set(keys) <= _DTMF_DIGITS:
            return None
        return _format_date(int(keys[:4]), int(keys[4:6]), int(keys[6:]))

    return BuiltinGrammar("date", mode, read, lambda keys: set(keys) <= _DTMF_DIGITS and len(keys) < 8)


def _spoken_phone(words: Sequence[str]) -> str | None:
    """Digits one by one, "hundred"/"thousand" after a digit, "extension" -> "x"."""
    parts: list[str] = []
    extension_at: int | None = None
    pending: list[str] = []

    def flush() -> bool:
        if not pending:
            return True
        digits = read_digit_string(pending)
        pending.clear()
        if digits is None:
            return False
        parts.append(digits)
        return True

    for word in words:
        if word in _EXTENSION_WORDS:
            if extension_at is not None or not flush() or not parts:
                return None
            extension_at = len(parts)
            parts.append("x")
        elif word in ("hundred", "thousand"):
            if not pending or not flush():
                return None
            parts.append("00" if word == "hundred" else "000")
        else:
            pending.append(word)
    if not flush() or not parts or parts[-1] == "x":
        return None
    return "".join(parts)


def _phone(uri: str, mode: str, params: Params) -> BuiltinGrammar:
    _check_known(uri, params, ())

    def read(tokens: Sequence[str]) -> str | None:
        if mode == "voice":
            return _spoken_phone(tokens)
        keys = "".join(tokens)
        number, star, extension = keys.partition("*")
        if not number or (star and not extension):
            return None
        if not (set(number) | set(extension)) <= _DTMF_DIGITS:
            return None
        return f"{number}x{extension}" if star else number

    def grows(keys: str) -> bool:
        number, _, extension = keys.partition("*")
        return (set(number) | set(extension)) <= _DTMF_DIGITS and not (keys.startswith("*"))

    return BuiltinGrammar("phone", mode, read, grows)


def _format_time(hour: int, minute: int, suffix: str | None) -> str | None:
    """hhmm plus a (am), p (pm), h (24-hour clock) or ? (ambiguous)."""
    if not 0 <= minute <= 59:
        return None
    if suffix in ("a", "p"):
        if not 1 <= hour <= 12:
            return None
        return f"{hour:02d}{minute:02d}{suffix}"
    if not 0 <= hour <= 23:
        return None
    if suffix is None:
        suffix = "?" if 1 <= hour <= 12 else "h"
    return f"{hour:02d}{minute:02d}{suffix}"


def _spoken_time(words: Sequence[str]) -> str | None:
    """ "three thirty p m" -> "0330p"; "fifteen hundred" -> "1500h"; "half past two" -> "0230?"."""
    words = list(words)
    if words in (["noon"], ["midday"], ["twelve", "noon"]):
        return "1200p"
    if words in (["midnight"], ["twelve", "midnight"]):
        return "1200a"
    suffix: str | None = None
    for marker_set, letter in ((_MORNING, "a"), (_EVENING, "p")):
        for marker in marker_set:
            if len(words) > len(marker) and tuple(words[-len(marker) :]) == marker:
                words, suffix = words[: -len(marker)], letter
                break
        if suffix:
            break
    if len(words) >= 3 and words[1] in ("past", "after", "to", "before"):
        offsets = {"quarter": 15, "half": 30}
        minutes = offsets.get(words[0], read_cardinal(words[:1]))
        hour = read_cardinal(words[2:])
        if minutes is None or hour is None or minutes >= 60 or not 1 <= hour <= 12:
            return None
        if words[1] in ("to", "before"):
            hour, minutes = (hour - 2) % 12 + 1, 60 - minutes
        return _format_time(hour, minutes, suffix)
    if words and words[-1] == "o'clock":
        hour = read_cardinal(words[:-1])
        return None if hour is None else _format_time(hour, 0, suffix)
    if words and words[-1] == "hundred" and suffix is None:
        leading_oh = words[0] in ("oh", "zero")
        hour = read_cardinal(words[1:-1] if leading_oh else words[:-1])
        return None if hour is None or hour > 23 else _format_time(hour, 0, "h")
    for split in (1, 2):
        hour = read_cardinal(words[:split])
        if hour is None:
            continue
        rest = words[split:]
        if not rest:
            return _format_time(hour, 0, suffix) if split == len(words) else None
        if len(rest) == 2 and rest[0] in ("oh", "o", "zero"):
            minute = read_cardinal(rest[1:])
            if minute is not None and minute <= 9:
                return _format_time(hour, minute, suffix)
            continue
        if rest[0].isdigit() and len(rest) == 1:
            return _format_time(hour, int(rest[0]), suffix)
        minute = read_cardinal(rest)
        if minute is not None and 10 <= minute <= 59:
            return _format_time(hour, minute, suffix)
    return None


def _time(uri: str, mode: str, params: Params) -> BuiltinGrammar:
    _check_known(uri, params, ())

    def read(tokens: Sequence[str]) -> str | None:
        if mode == "voice":
            return _spoken_time(tokens)
        keys = "".join(tokens)
        if len(keys) != 4 or not set(keys) <= _DTMF_DIGITS:
            return None
        return _format_time(int(keys[:2]), int(keys[2:]), None)

    return BuiltinGrammar("time", mode, read, lambda keys: set(keys) <= _DTMF_DIGITS and len(keys) < 4)


_FACTORIES: dict[str, Callable[[str, str, Params], BuiltinGrammar]] = {
    "boolean": _boolean,
    "date": _date,
    "digits": _digits,
    "currency": _currency,
    "number": _number,
    "phone": _phone,
    "time": _time,
}


@lru_cache(maxsize=256)
def builtin_grammar(uri: str, *, mode: str | None = None) -> BuiltinGrammar:
    """Compile a builtin grammar reference.

    Accepts ``builtin:dtmf/TYPE``, ``builtin:voice/TYPE``, ``builtin:grammar/TYPE`` (mode from
    ``mode``, else voice) and the bare ``<field type>`` forms (``digits?length=4``). Parameters
    follow ``?`` separated by ``;``. Raises :class:`GrammarError` for an unknown type or a bad
    parameter. Compiled grammars are immutable and shared.
    """
    type_name, resolved_mode, params = _parse_uri(uri, mode)
    return _FACTORIES[type_name](uri, resolved_mode, params)
