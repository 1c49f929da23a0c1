"""How many SMS parts a text costs, and the text checks every send goes through.

A text that fits the GSM 03.38 default alphabet is sent as GSM-7: 160 septets in one message,
153 per part when split (the rest of each part holds the concatenation header). Characters of
the extension table take two septets (an escape and the character), and an escape pair is never
split across parts. Any other character makes the whole text UCS-2: 70 UTF-16 code units in one
message, 67 per part; a character outside the Basic Multilingual Plane (most emoji) takes two
code units, and a surrogate pair is never split either.
"""

from __future__ import annotations

from typing import Literal

from vxmlkit.sms.models import InvalidMessageError

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "encoding_of", "count_segments", "check_text", "DEFAULT_MAX_LENGTH"]

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 default alphabet, in code order (0x1B, the escape, is not a character).
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus its own.
GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")

DEFAULT_MAX_LENGTH = 1600

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_PART = {"GSM-7": 153, "UCS-2": 67}


def encoding_of(text: str) -> Encoding:
    """``"GSM-7"`` when every character is in the GSM default alphabet or its extension,
    else ``"UCS-2"``."""
    return "GSM-7" if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text) else "UCS-2"


def _units(text: str, encoding: Encoding) -> list[int]:
    """The cost of each character in the encoding's units (septets or UTF-16 code units)."""
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text: str) -> int:
    """The number of SMS parts ``text`` is sent as (0 for an empty text)."""
    if not text:
        return 0
    encoding = encoding_of(text)
    units = _units(text, encoding)
    if sum(units) <= _SINGLE[encoding]:
        return 1
    size = _PART[encoding]
    parts, used = 1, 0
    for cost in units:
        # A two-unit character that does not fit moves whole to the next part.
        if used + cost > size:
            parts += 1
            used = 0
        used += cost
    return parts


def check_text(text: str, max_length: int = DEFAULT_MAX_LENGTH) -> str:
    """Return ``text`` if it can be sent: not empty (nor only spaces) and at most
    ``max_length`` characters; otherwise raise :class:`InvalidMessageError` (a ValueError)."""
    if not isinstance(text, str):
        raise InvalidMessageError("invalid message", detail=f"the SMS text must be a string, not {type(text).__name__}")
    if not text.strip():
        raise InvalidMessageError("empty message", detail="the SMS text is empty")
    if len(text) > max_length:
        raise InvalidMessageError(
            "message too long",
            detail=f"the SMS text has {len(text)} characters, more than the maximum of {max_length} "
            "(VXMLKIT_SMS_MAX_LENGTH)",
        )
    return text
