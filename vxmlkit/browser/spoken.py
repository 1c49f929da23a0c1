"""English spoken numbers, ordinals, digit strings and years, read from normalised words.

Used by the builtin speech grammars: "one hundred and five" -> 105, "twenty third" -> 23,
"oh eight hundred" -> "0800" (as digits), "twenty twenty six" -> 2026. Each reader takes the
whole word sequence and answers None when the words are not (only) that kind of phrase.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DIGIT_WORDS",
    "read_cardinal",
    "read_digit_string",
    "read_ordinal",
    "read_year",
]

DIGIT_WORDS: dict[str, str] = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}

_SMALL: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES: dict[str, int] = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}

_ORDINAL_SMALL: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
}
_ORDINAL_TENS: dict[str, int] = {
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "sixtieth": 60,
    "seventieth": 70,
    "eightieth": 80,
    "ninetieth": 90,
}
_ORDINAL_SUFFIXES = ("st", "nd", "rd", "th")
_MULTIPLIERS = {"double": 2, "triple": 3}


def _below_hundred(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """Read 0..99 spoken as words starting at ``i``: (value, next index)."""
    if i >= len(words):
        return None
    word = words[i]
    if word in _TENS:
        value = _TENS[word]
        if i + 1 < len(words) and 1 <= _SMALL.get(words[i + 1], 0) <= 9:
            return value + _SMALL[words[i + 1]], i + 2
        return value, i + 1
    if word in _SMALL:
        return _SMALL[word], i + 1
    return None


def _below_thousand(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """Read 0..999 (and the colloquial "twelve hundred") starting at ``i``."""
    if i + 1 < len(words) and words[i] == "a" and words[i + 1] == "hundred":
        value, i = 100, i + 2
    else:
        head = _below_hundred(words, i)
        if head is None:
            return None
        value, i = head
        if i >= len(words) or words[i] != "hundred" or value == 0:
            return value, i
        value, i = value * 100, i + 1
    j = i + 1 if i < len(words) and words[i] == "and" else i
    tail = _below_hundred(words, j)
    if tail is not None and tail[0] > 0:
        return value + tail[0], tail[1]
    return value, i


def read_cardinal(words: Sequence[str]) -> int | None:
    """A whole phrase as a non-negative integer ("two thousand and five"), or None.

    A single word of digits ("2026") counts as well; digit sequences spoken one by one
    ("one two three") are not a cardinal.
    """
    if not words:
        return None
    if len(words) == 1 and words[0].isdigit():
        return int(words[0])
    total, i, last_scale = 0, 0, None
    while i < len(words):
        group: tuple[int, int] | None
        if i + 1 < len(words) and words[i] == "a" and words[i + 1] in _SCALES:
            group = (1, i + 1)
        else:
            group = _below_thousand(words, i)
        if group is None:
            return None
        value, i = group
        if i < len(words) and words[i] in _SCALES:
            scale = _SCALES[words[i]]
            if (last_scale is not None and scale >= last_scale) or value == 0:
                return None
            total, last_scale, i = total + value * scale, scale, i + 1
            if i < len(words) and words[i] == "and":
                i += 1
            continue
        if i != len(words):
            return None
        return total + value
    return total if last_scale is not None else None


def read_ordinal(words: Sequence[str]) -> int | None:
    """An ordinal 1..99 ("third", "twenty first", "3rd"), or None."""
    if len(words) == 1:
        word = words[0]
        if word in _ORDINAL_SMALL:
            return _ORDINAL_SMALL[word]
        if word in _ORDINAL_TENS:
            return _ORDINAL_TENS[word]
        if word[-2:] in _ORDINAL_SUFFIXES and word[:-2].isdigit():
            return int(word[:-2])
        return None
    if len(words) == 2 and words[0] in _TENS and words[1] in _ORDINAL_SMALL and _ORDINAL_SMALL[words[1]] < 10:
        return _TENS[words[0]] + _ORDINAL_SMALL[words[1]]
    return None


def read_digit_string(words: Sequence[str]) -> str | None:
    """Digits spoken one by one ("one two oh", "double five", "12 34") as a string, or None."""
    digits: list[str] = []
    repeat = 1
    for word in words:
        if word in _MULTIPLIERS:
            if repeat != 1:
                return None
            repeat = _MULTIPLIERS[word]
            continue
        if word in DIGIT_WORDS:
            digits.append(DIGIT_WORDS[word] * repeat)
        elif word.isdigit() and word.isascii():
            digits.append(word[0] * repeat + word[1:])
        else:
            return None
        repeat = 1
    if repeat != 1 or not digits:
        return None
    return "".join(digits)


def read_year(words: Sequence[str]) -> int | None:
    """A year: "2026", "twenty twenty six", "nineteen oh five", "nineteen hundred", "two thousand five"."""
    if len(words) == 1 and words[0].isdigit() and len(words[0]) == 4:
        return int(words[0])
    century = _below_hundred(words, 0)
    if century is not None and 10 <= century[0] <= 99:
        value, i = century
        rest = words[i:]
        if list(rest) == ["hundred"]:
            return value * 100
        if len(rest) == 2 and rest[0] in ("oh", "o") and rest[1] in _SMALL and 1 <= _SMALL[rest[1]] <= 9:
            return value * 100 + _SMALL[rest[1]]
        year = _below_hundred(words, i)
        if year is not None and year[1] == len(words) and 10 <= year[0] <= 99:
            return value * 100 + year[0]
    cardinal = read_cardinal(words)
    if cardinal is not None and 1000 <= cardinal <= 9999:
        return cardinal
    return None
