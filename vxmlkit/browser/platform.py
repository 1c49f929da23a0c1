"""The simulated caller and platform: scripted inputs, what the call waits for, the transcript."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CALLEE_TYPES", "TRANSFER_OUTCOMES", "Input", "InputRequest", "TranscriptEntry", "fake_recording"]

#: What ``session.connection.callee_type`` may be: who answered an outbound call.
CALLEE_TYPES = ("voice", "answeringmachine", "fax", "unknown")

TRANSFER_OUTCOMES = (
    "busy",
    "noanswer",
    "network_busy",
    "near_end_disconnect",
    "far_end_disconnect",
    "network_disconnect",
    "maxtime_disconnect",
    "unknown",
)

_KINDS = ("dtmf", "speech", "noinput", "nomatch", "hangup", "transfer", "recording")


@dataclass(frozen=True)
class Input:
    """One thing the scripted caller does when the call waits.

    Build with the class methods: ``Input.dtmf("123#")``, ``Input.speech("yes")``,
    ``Input.noinput()``, ``Input.nomatch()``, ``Input.hangup()``, ``Input.transfer("busy")``,
    ``Input.recording(2.0)``, or ``Input.parse("dtmf:123#")``. ``barge_in`` means the caller
    spoke or pressed while the prompts were still playing: bargeable prompts are cut off.
    """

    kind: str
    value: str = ""
    seconds: float = 0.0
    termchar: str | None = None
    barge_in: bool = False

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown input kind {self.kind!r}; expected one of {', '.join(_KINDS)}")

    @classmethod
    def dtmf(cls, keys: str, *, barge_in: bool = False) -> Input:
        """Key presses: digits, ``*``, ``#`` and A-D."""
        bad = sorted({key for key in keys if key not in "0123456789*#ABCDabcd"})
        if bad:
            raise ValueError(f"DTMF keys must be 0-9, *, # or A-D; got {''.join(bad)!r} in {keys!r}")
        return cls("dtmf", keys.upper(), barge_in=barge_in)

    @classmethod
    def speech(cls, text: str, *, barge_in: bool = False) -> Input:
        """Words the caller says, as text."""
        if not text.strip():
            raise ValueError("speech input needs some words (use Input.noinput() for silence)")
        return cls("speech", text, barge_in=barge_in)

    @classmethod
    def noinput(cls) -> Input:
        """Silence until the timeout."""
        return cls("noinput")

    @classmethod
    def nomatch(cls) -> Input:
        """Something no active grammar matches."""
        return cls("nomatch")

    @classmethod
    def hangup(cls) -> Input:
        """The caller hangs up."""
        return cls("hangup")

    @classmethod
    def transfer(cls, outcome: str = "far_end_disconnect") -> Input:
        """How a ``<transfer>`` ends: busy, noanswer, network_busy, near_end_disconnect,
        far_end_disconnect, network_disconnect, maxtime_disconnect, unknown."""
        if outcome not in TRANSFER_OUTCOMES:
            raise ValueError(f"unknown transfer outcome {outcome!r}; expected one of {', '.join(TRANSFER_OUTCOMES)}")
        return cls("transfer", outcome)

    @classmethod
    def recording(cls, seconds: float = 2.0, termchar: str | None = None) -> Input:
        """A recording of ``seconds`` for ``<record>``, ended by ``termchar`` when given."""
        if seconds < 0:
            raise ValueError(f"a recording cannot last {seconds} seconds")
        if termchar is not None and (len(termchar) != 1 or termchar not in "0123456789*#"):
            raise ValueError(f"termchar must be one DTMF key, got {termchar!r}")
        return cls("recording", seconds=float(seconds), termchar=termchar)

    @classmethod
    def parse(cls, text: str) -> Input:
        """Parse the command-line form: ``dtmf:1234``, ``say:yes please``, ``noinput``,
        ``nomatch``, ``hangup``, ``transfer:busy``, ``record:3`` (seconds, optional ``#`` suffix
        for the key that ended it)."""
        kind, sep, value = text.partition(":")
        kind = kind.strip().lower()
        if kind in ("noinput", "nomatch", "hangup") and not value.strip():
            return {"noinput": cls.noinput, "nomatch": cls.nomatch, "hangup": cls.hangup}[kind]()
        if kind == "dtmf" and sep:
            return cls.dtmf(value.strip())
        if kind in ("say", "speech") and sep:
            return cls.speech(value.strip())
        if kind == "transfer":
            return cls.transfer(value.strip() or "far_end_disconnect")
        if kind in ("record", "recording"):
            spec = value.strip() or "2"
            termchar = None
            if spec[-1:] in ("#", "*"):
                spec, termchar = spec[:-1], spec[-1]
            try:
                seconds = float(spec)
            except ValueError:
                raise ValueError(f"bad input {text!r}: record takes seconds, as in record:3 or record:2.5#") from None
            return cls.recording(seconds, termchar)
        raise ValueError(
            f"bad input {text!r}: expected dtmf:KEYS, say:WORDS, noinput, nomatch, hangup, "
            "transfer:OUTCOME or record:SECONDS"
        )

    def command_line(self) -> str:
        """The input in the form :meth:`parse` reads (``dtmf:12#``, ``say:yes``, ``record:3#`` ...)."""
        if self.kind in ("dtmf", "transfer"):
            return f"{self.kind}:{self.value}"
        if self.kind == "speech":
            return f"say:{self.value}"
        if self.kind == "recording":
            return f"record:{self.seconds:g}{self.termchar or ''}"
        return self.kind

    def describe(self, *, private: bool = False) -> str:
        """Readable form for transcripts (``private``: the keys or words are not shown)."""
        if private and self.kind in ("dtmf", "speech"):
            return f"{'pressed' if self.kind == 'dtmf' else 'said'} (private input, {len(self.value)} characters)"
        if self.kind == "dtmf":
            return f"pressed {self.value}"
        if self.kind == "speech":
            return f"said {self.value!r}"
        if self.kind == "transfer":
            return f"transfer ended: {self.value}"
        if self.kind == "recording":
            return f"recorded {self.seconds:g} s" + (f" ended by {self.termchar}" if self.termchar else "")
        return self.kind


@dataclass(frozen=True)
class InputRequest:
    """What the call waits for: the kind of form item, its name, the input modes and timeout."""

    kind: str
    name: str | None
    modes: tuple[str, ...] = ("dtmf", "voice")
    timeout: float = 5.0
    url: str | None = None
    line: int | None = None
    private: bool = False  # the logging property is false: the transcript does not keep the input
    #: The active grammars (``ActiveGrammar``, in precedence order) of a field or menu: read-only,
    #: for tools that look at what the caller could say here (``vxmlkit explore``).
    grammars: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass
class TranscriptEntry:
    """One event of the call: heard, audio, input, fetched, fetchaudio, log, transfer, record, ended ..."""

    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"kind": self.kind, "text": self.text, "data": self.data}

    def line(self) -> str:
        """One readable line."""
        labels = {
            "heard": "heard",
            "audio": "audio",
            "input": "caller",
            "fetched": "fetched",
            "fetchaudio": "fetchaudio",
            "log": "log",
            "transfer": "transfer",
            "record": "record",
            "ended": "ended",
        }
        label = labels.get(self.kind, self.kind)
        suffix = " [cut off]" if self.data.get("cut_off") else ""
        return f"{label:>10}: {self.text}{suffix}"


def fake_recording(seconds: float) -> bytes:
    """A WAV file of silence (8 kHz, 8-bit mu-law) lasting ``seconds``."""
    frames = round(seconds * 8000)
    data = b"\xff" * frames
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 7, 1, 8000, 8000, 1, 8)
    return header + fmt + b"data" + struct.pack("<I", len(data)) + data
