"""The types every grammar shares: the compiled grammar, a match, the errors, and input tokenising.

Speech arrives as text, so a spoken utterance is matched word by word after normalising case,
punctuation and whitespace; DTMF arrives as a key string ("123", "*9") and each key is one token.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vxmlkit.browser.sisr import TagEvaluator

__all__ = [
    "DTMF_KEYS",
    "Grammar",
    "GrammarError",
    "Match",
    "TagError",
    "UnsupportedBuiltinError",
    "UnsupportedFormatError",
    "dtmf_tokens",
    "voice_tokens",
]

DTMF_KEYS = frozenset("0123456789*#ABCD")
"""The sixteen DTMF keys; each is one token of a DTMF grammar."""

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


class GrammarError(Exception):
    """A grammar that cannot be used: bad markup, bad builtin parameters, an undefined rule.

    The message names the problem and, where known, the rule and the document line.
    The interpreter reports it as error.badfetch (or error.semantic for a failing tag script).
    """


class UnsupportedBuiltinError(GrammarError):
    """A builtin grammar type this platform does not have (error.unsupported.builtin)."""


class UnsupportedFormatError(GrammarError):
    """A grammar in a format this platform does not read (JSGF, GSL, vendor text): the
    interpreter throws error.unsupported.format (VoiceXML 2.0 section 5.2.6)."""


class TagError(GrammarError):
    """A semantic tag script that failed while a match was interpreted (error.semantic)."""


@dataclass(frozen=True, slots=True)
class Match:
    """One successful recognition.

    ``utterance`` is the text recognised (for speech the normalised words, lower case and
    single-spaced; for DTMF the key string); ``interpretation`` is JSON-compatible (str, int,
    float, bool, dict, list or None).
    """

    utterance: str
    interpretation: object
    confidence: float = 1.0


class Grammar(ABC):
    """A compiled grammar, ready to match input of its mode many times."""

    mode: str
    """``"dtmf"`` or ``"voice"``."""

    @abstractmethod
    def match(self, text: str, *, tag_context: TagEvaluator | None = None) -> Match | None:
        """Match a whole input: DTMF keys without the termchar, or the spoken text.

        ``tag_context`` (optional) runs semantic tags in the caller's QuickJS context instead
        of the grammar's own; grammars without script tags ignore it.
        """

    def is_prefix(self, text: str) -> bool:
        """True when more DTMF keys after ``text`` could still complete a match.

        Used for the interdigit timeout: a complete match that cannot grow ends input at once.
        Speech grammars answer False.
        """
        return False


def voice_tokens(text: str) -> tuple[str, ...]:
    """Split spoken text into lower-case words, dropping punctuation (apostrophes inside words stay)."""
    return tuple(_WORD.findall(text.casefold()))


def dtmf_tokens(text: str) -> tuple[str, ...] | None:
    """The keys of a DTMF string ("12#", "1 2 *"), or None when it holds something that is not a key."""
    keys = tuple(text.replace(" ", "").upper())
    return keys if DTMF_KEYS.issuperset(keys) else None
