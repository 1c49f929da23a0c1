"""Prompt text: SSML flattened to what a caller would hear, as plain text, and the audio
clips a prompt plays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SSML_CONTAINERS", "SSML_SKIPPED", "SSML_WORD_BREAKS", "AudioClip", "QueuedPrompt", "normalise"]

# SSML elements whose content is spoken as is
SSML_CONTAINERS = frozenset(("speak", "p", "s", "paragraph", "sentence", "voice", "prosody", "emphasis", "say-as", "phoneme", "lang"))
# SSML containers that are units of their own (paragraphs, sentences): their edges separate words
SSML_WORD_BREAKS = frozenset(("speak", "p", "s", "paragraph", "sentence"))
# SSML elements that say nothing
SSML_SKIPPED = frozenset(("lexicon", "meta", "metadata", "desc"))


@dataclass(frozen=True)
class AudioClip:
    """One ``<audio>`` of a prompt: the file's URI, whether fetching it answered, and the
    fallback content (spoken instead when the file does not answer)."""

    uri: str
    answered: bool
    status: int | None = None
    error: str | None = None
    fallback: str = ""

    def describe(self) -> str:
        """One readable line: the URI, what happened, the fallback marked as such."""
        if self.answered:
            outcome = "played"
            if self.fallback:
                outcome += f"; fallback, not spoken: {self.fallback!r}"
        else:
            outcome = f"did not answer ({self.error or self.status})"
            outcome += f"; fallback spoken: {self.fallback!r}" if self.fallback else "; no fallback: silence"
        return f"{self.uri} [{outcome}]"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"uri": self.uri, "answered": self.answered, "status": self.status, "error": self.error, "fallback": self.fallback}


@dataclass
class QueuedPrompt:
    """A prompt waiting to be played: its text, its audio clips and whether the caller may
    barge in. The text holds the words a test listens for: speech and the fallback content of
    each clip (it describes the recording), never a clip's URI."""

    text: str
    bargein: bool
    source: str = "prompt"
    timeout: float | None = None  # a <prompt timeout> for the next wait
    audio: list[AudioClip] = field(default_factory=list)


def normalise(text: str) -> str:
    """Collapse whitespace runs into single spaces and trim."""
    return " ".join(text.split())
