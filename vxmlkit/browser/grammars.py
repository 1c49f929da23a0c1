"""Grammars for the VoiceXML interpreter: builtin types, SRGS XML, and option/choice lists.

Every grammar compiles once into a :class:`Grammar` with a ``mode`` ("dtmf" or "voice") and
``match(text)``, which returns a :class:`Match` (utterance, JSON-compatible interpretation,
confidence) or None. DTMF input is the key string without the termchar; speech is the words
as text, matched without regard to case, punctuation or spacing.

* :func:`builtin_grammar` - the seven builtin types of VoiceXML 2.0 Appendix P
  (``builtin:dtmf/digits?minlength=3;maxlength=5``, ``boolean?y=7;n=9`` ...).
* :func:`srgs_grammar` - SRGS 1.0 XML grammars with SISR semantic tags.
* :func:`choices_grammar` - the grammar ``<option>``, ``<choice>`` and ``<menu>`` generate.

A grammar that cannot be used raises :class:`GrammarError` when it is compiled (an unknown
builtin type its subclass :class:`UnsupportedBuiltinError`, a format other than SRGS
:class:`UnsupportedFormatError`); a semantic tag that fails while a
match is interpreted raises :class:`TagError` (also a GrammarError).
"""

from __future__ import annotations

from collections.abc import Sequence

from vxmlkit.browser.builtins import BuiltinGrammar, builtin_grammar
from vxmlkit.browser.grammar_base import (
    Grammar,
    GrammarError,
    Match,
    TagError,
    UnsupportedBuiltinError,
    UnsupportedFormatError,
    dtmf_tokens,
    voice_tokens,
)
from vxmlkit.browser.sisr import TagEvaluator
from vxmlkit.browser.srgs import SrgsGrammar, check_grammar_type, srgs_grammar

__all__ = [
    "BuiltinGrammar",
    "ChoicesGrammar",
    "Grammar",
    "GrammarError",
    "Match",
    "SrgsGrammar",
    "TagError",
    "TagEvaluator",
    "UnsupportedBuiltinError",
    "UnsupportedFormatError",
    "builtin_grammar",
    "check_grammar_type",
    "choices_grammar",
    "srgs_grammar",
]

_ACCEPT_MODES = ("exact", "approximate")


class ChoicesGrammar(Grammar):
    """A list of (interpretation, phrases); the first choice with a matching phrase wins.

    DTMF phrases are key strings. Speech phrases match word for word (``accept="exact"``) or,
    with ``accept="approximate"``, by any non-empty run of their words kept in order
    ("astrophysics news" and "stargazer news" both match "Stargazer astrophysics news").
    """

    def __init__(self, choices: list[tuple[object, list[tuple[str, ...]]]], mode: str, accept: str) -> None:
        self.mode = mode
        self.accept = accept
        self._choices = choices

    @property
    def choices(self) -> list[tuple[object, list[tuple[str, ...]]]]:
        """(interpretation, phrases as token tuples) of each choice, in order: a read-only copy."""
        return [(value, list(phrases)) for value, phrases in self._choices]

    def match(self, text: str, *, tag_context: TagEvaluator | None = None) -> Match | None:
        """Match the whole input against each choice's phrases, in order."""
        tokens = dtmf_tokens(text) if self.mode == "dtmf" else voice_tokens(text)
        if not tokens:
            return None
        approximate = self.accept == "approximate" and self.mode == "voice"
        for value, phrases in self._choices:
            for phrase in phrases:
                if tokens == phrase or (approximate and _in_order(tokens, phrase)):
                    return Match(("" if self.mode == "dtmf" else " ").join(tokens), value)
        return None

    def is_prefix(self, text: str) -> bool:
        """For DTMF: whether a longer key string could still match a choice."""
        if self.mode != "dtmf":
            return False
        keys = dtmf_tokens(text)
        if keys is None:
            return False
        return any(
            len(phrase) > len(keys) and phrase[: len(keys)] == keys
            for _, phrases in self._choices
            for phrase in phrases
        )


def _in_order(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether ``words`` is a subsequence of ``phrase`` (each word found after the previous one)."""
    remaining = iter(phrase)
    return all(word in remaining for word in words)


def choices_grammar(choices: Sequence[tuple[object, list[str]]], *, mode: str, accept: str = "exact") -> ChoicesGrammar:
    """Compile the grammar of ``<option>`` / ``<choice>`` elements: (interpretation, phrases) pairs.

    DTMF phrases are key strings ("1", "*9"); speech phrases are text. Raises
    :class:`GrammarError` for an unknown mode or accept value, or a DTMF phrase with a non-key.
    """
    if mode not in ("dtmf", "voice"):
        raise GrammarError(f"choices grammar: mode {mode!r} is not dtmf or voice")
    if accept not in _ACCEPT_MODES:
        raise GrammarError(f"choices grammar: accept {accept!r} is not exact or approximate")
    compiled: list[tuple[object, list[tuple[str, ...]]]] = []
    for value, phrases in choices:
        tokenised: list[tuple[str, ...]] = []
        for phrase in phrases:
            tokens = dtmf_tokens(phrase) if mode == "dtmf" else voice_tokens(phrase)
            if tokens is None:
                raise GrammarError(f"choices grammar: {phrase!r} is not a DTMF key sequence")
            if tokens:
                tokenised.append(tokens)
        compiled.append((value, tokenised))
    return ChoicesGrammar(compiled, mode, accept)
