"""Prompt text: SSML flattened to what a caller would hear, as plain text."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSML_CONTAINERS", "SSML_SKIPPED", "SSML_WORD_BREAKS", "QueuedPrompt", "normalise"]

# SSML elements whose content is spoken as is
SSML_CONTAINERS = frozenset(("speak", "p", "s", "paragraph", "sentence", "voice", "prosody", "emphasis", "say-as", "phoneme", "lang"))
# SSML containers that are units of their own (paragraphs, sentences): their edges separate words
SSML_WORD_BREAKS = frozenset(("speak", "p", "s", "paragraph", "sentence"))
# SSML elements that say nothing
SSML_SKIPPED = frozenset(("lexicon", "meta", "metadata", "desc"))


@dataclass
class QueuedPrompt:
    """A prompt waiting to be played: its text and whether the caller may barge in."""

    text: str
    bargein: bool
    source: str = "prompt"
    timeout: float | None = None  # a <prompt timeout> for the next wait


def normalise(text: str) -> str:
    """Collapse whitespace runs into single spaces and trim."""
    return " ".join(text.split())
