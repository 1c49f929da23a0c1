"""Dial a flow in-process and play the caller: hear, press, say, stay silent, hang up.

:class:`Simulator` POSTs the start_url exactly as Plum does (``phone_number``,
``message_reference``, ``call_parameters``, ``call_id``) through the app's blueprint, and runs
:mod:`vxmlkit.browser` against the app with the in-process WSGI fetcher: no socket, no port.
Each action on the returned :class:`Call` runs the interpreter until the call next waits for
input or ends. Assertions fail with what the caller actually heard, and with the traceback
when a step raised.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask

from ..browser import Browser, FetchedDocument, Input, Session, WsgiFetcher
from ..browser.platform import CALLEE_TYPES
from ..browser.prompts import AudioClip
from ..extension import VxmlKit, get_kit
from ..sms import MemoryGateway
from ..queueing import record_call
from . import coverage

__all__ = ["Simulator", "Call", "SentMessage", "Transcript", "CALLEE_TYPES"]


_BASE_URL = "http://vxmlkit.test"


@dataclass(frozen=True)
class SentMessage:
    """A text message a simulated call sent (the whole message, also in private mode)."""

    to: str
    sender: str | None
    text: str
    status: str
    error: str | None = None
    private: bool = False


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _matches(expected: str | re.Pattern[str], heard: list[str]) -> bool:
    """Whether ``expected`` is in one of the prompts ``heard`` or in them joined (case- and
    whitespace-insensitively for text)."""
    joined = " ".join(heard)
    if isinstance(expected, re.Pattern):
        return any(expected.search(p) for p in heard) or expected.search(joined) is not None
    wanted = _normalise(expected)
    return any(wanted in _normalise(p) for p in heard) or wanted in _normalise(joined)


def _local_url(url: str) -> str:
    """A fetched URL without host and token, as a transcript shows it (stable between runs)."""
    parts = urlsplit(url)
    return parts.path


class Transcript:
    """What happened on a call, in order, as readable text (see :func:`assert_transcript`).

    Lines are ``heard:``, ``audio:``, ``pressed:``, ``said:``, ``silence``, ``fetched:``, ``sms:``
    and ``ended:``; URLs are shown without host and signed token so that the text is the same on
    every run.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __str__(self) -> str:
        return "\n".join(self.lines) + "\n"

    def __repr__(self) -> str:
        return f"Transcript({len(self.lines)} lines)"

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and any(text in line for line in self.lines)


class Call:
    """One simulated call. Created by :meth:`Simulator.dial`."""

    def __init__(self, simulator: Simulator, flow: str, call_id: str, session: Session) -> None:
        self._simulator = simulator
        self.flow = flow
        self.call_id = call_id
        self.session = session

    # -- the caller's actions ------------------------------------------------------------------

    def _give(self, given: Input, action: str) -> Call:
        __tracebackhide__ = True
        if self.session.ended is not None:
            raise AssertionError(f"cannot {action}: the call has ended ({self._how_it_ended()})\n{self._context()}")
        if self.session.waiting is None:
            raise AssertionError(f"cannot {action}: the call is not waiting for input\n{self._context()}")
        try:
            self.session.send(given)
        except ValueError as exc:
            raise AssertionError(f"cannot {action}: {exc}\n{self._context()}") from None
        return self

    def press(self, keys: str) -> Call:
        """Press keys (``"1"``, ``"4111111111111111#"``) and run to the next wait or the end."""
        __tracebackhide__ = True
        return self._give(Input.dtmf(keys), f"press {keys!r}")

    def say(self, text: str) -> Call:
        """Speak ``text`` and run to the next wait or the end."""
        __tracebackhide__ = True
        return self._give(Input.speech(text), f"say {text!r}")

    def silence(self) -> Call:
        """Say nothing until the timeout (noinput)."""
        __tracebackhide__ = True
        return self._give(Input.noinput(), "stay silent")

    def nomatch(self) -> Call:
        """Answer with something no grammar matches (nomatch)."""
        __tracebackhide__ = True
        return self._give(Input.nomatch(), "answer out of grammar")

    def record(self, seconds: float = 2.0) -> Call:
        """Speak into a recording of ``seconds`` (when the call is recording)."""
        __tracebackhide__ = True
        return self._give(Input.recording(seconds), "record")

    def transfer_ends(self, outcome: str = "far_end_disconnect") -> Call:
        """End the transfer the call is making: busy, noanswer, far_end_disconnect ..."""
        __tracebackhide__ = True
        return self._give(Input.transfer(outcome), f"end the transfer with {outcome!r}")

    def hang_up(self) -> Call:
        """The caller hangs up."""
        if self.session.ended is None:
            self.session.hang_up()
        return self

    # -- what happened ------------------------------------------------------------------------

    @property
    def heard(self) -> list[str]:
        """Everything heard since the caller's last input."""
        return self.session.heard_since_input()

    @property
    def prompts(self) -> list[str]:
        """Everything heard on the call, in order."""
        return list(self.session.prompts)

    def hears(self, expected: str | re.Pattern[str]) -> Call:
        """Assert the caller heard ``expected`` since the last input.

        A string matches case- and whitespace-insensitively anywhere in one prompt or in the
        prompts joined; a compiled regex is searched the same way.
        """
        __tracebackhide__ = True
        heard = self.heard
        shown = f"/{expected.pattern}/" if isinstance(expected, re.Pattern) else repr(expected)
        if not _matches(expected, heard):
            earlier = self._heard_earlier(expected)
            raise AssertionError(f"the caller did not hear {shown} since the last input{earlier}\n{self._context()}")
        return self

    def _heard_earlier(self, expected: str | re.Pattern[str]) -> str:
        """Where ``expected`` was heard before the last input, as a clause of a message ('' if never)."""
        heard: list[str] = []
        after = "the start of the call"
        last_match = ""
        for entry in self.session.transcript:
            if entry.kind == "heard":
                heard.append(entry.text)
            elif entry.kind == "input":
                if heard and _matches(expected, heard):
                    last_match = f"; it was heard earlier, after {after}, before {_input_line(entry.text, entry.data)}"
                heard = []
                after = _input_line(entry.text, entry.data)
        return last_match

    @property
    def audio(self) -> list[AudioClip]:
        """Every ``<audio>`` clip the caller's prompts played, in order: URI, whether it answered, fallback."""
        return list(self.session.audio)

    def plays(self, src: str) -> Call:
        """Assert a recording whose URL is ``src`` (or ends with that path) played on the call and
        answered (the fallback text, if any, is what :meth:`hears` matches)."""
        matching = [clip for clip in self.session.audio if clip.uri == src or urlsplit(clip.uri).path.endswith("/" + src.lstrip("/"))]
        if not any(clip.answered for clip in matching):
            played = [clip.describe() for clip in self.session.audio] or ["(no audio)"]
            what = "did not answer" if matching else "was not played"
            raise AssertionError(f"the recording {src!r} {what}; audio on the call:\n  " + "\n  ".join(played) + f"\n{self._context()}")
        return self

    def does_not_hear(self, unexpected: str) -> Call:
        """Assert the caller did not hear ``unexpected`` since the last input."""
        __tracebackhide__ = True
        if _normalise(unexpected) in _normalise(" ".join(self.heard)):
            raise AssertionError(f"the caller heard {unexpected!r}\n{self._context()}")
        return self

    @property
    def ended(self) -> str | None:
        """How the call ended (``disconnect``, ``exit``, ``hangup``, ``transfer``, ``error``), or None."""
        return self.session.ended

    def hangs_up(self) -> Call:
        """Assert the app ended the call (a disconnect or an exit), not an error or the caller."""
        __tracebackhide__ = True
        failure = self.failure
        if failure:
            raise AssertionError(f"the call ended because a {failure}\n{self._context(failure=False)}")
        if self.session.ended not in ("disconnect", "exit"):
            raise AssertionError(f"expected the app to end the call, but {self._how_it_ended()}\n{self._context()}")
        return self

    def transferred_to(self, number: str) -> Call:
        """Assert the call was transferred to ``number`` (``+1617...`` or a tel:/sip: URI)."""
        __tracebackhide__ = True
        actual = self.session.transferred_to
        wanted = number if ":" in number else f"tel:{number}"
        if actual is None or actual.removeprefix("tel:") != wanted.removeprefix("tel:"):
            raise AssertionError(f"expected a transfer to {number}, but {self._how_it_ended()}\n{self._context()}")
        return self

    @property
    def exit_value(self) -> dict[str, Any] | None:
        """``{"expr": ..., "namelist": {...}}`` of an ``<exit>``, or None."""
        return self.session.exit

    @property
    def state(self) -> dict[str, Any]:
        """The flow's ``call.state`` as stored now."""
        stored = self._stored_session()
        return dict(stored.state) if stored else {}

    @property
    def failure(self) -> str | None:
        """Why the call could not go on: a step's traceback, or the refused call parameter."""
        stored = self._stored_session()
        return stored.error if stored is not None and stored.status in ("error", "refused") else None

    @property
    def documents(self) -> list[FetchedDocument]:
        """Every document fetched, with URL, method, status and text."""
        return list(self.session.documents)

    @property
    def sms(self) -> list[SentMessage]:
        """The text messages this call sent or tried to send, oldest first: a message refused
        before it reached the gateway (an invalid recipient) or failed there (a gateway
        error) is here too, with ``status`` ``failed`` and the ``error``."""
        from ..sms.records import list_messages

        session = self._stored_session()
        if session is None:
            return []
        handed = {(s.message.step, s.message.attempt): s for s in self._simulator.outbox.sent
                  if s.message.call_session == session.id}
        out: list[SentMessage] = []
        for row in reversed(list_messages(self._simulator.kit.store, call_session=session.id, limit=10_000)):
            sent = handed.get((row.step, row.attempt))
            if sent is not None:  # the gateway has the whole message, also a private one
                out.append(SentMessage(to=sent.message.to, sender=sent.message.sender, text=sent.message.text,
                                       status=row.status, error=row.error or sent.error, private=sent.message.private))
            else:
                out.append(SentMessage(to=row.recipient, sender=row.sender, text=row.body or "", status=row.status,
                                       error=row.error, private=row.private))
        return out

    @property
    def transcript(self) -> Transcript:
        """The call as readable, stable text (heard / pressed / said / fetched / sms / transfer /
        ended), in the order the caller lives it: prompts queued before a fetch or a transfer
        come before it."""
        lines: list[str] = []
        messages = iter(self.sms)
        for entry in _caller_order(self.session.transcript):
            kind, data = entry.kind, entry.data
            if kind == "heard":
                lines.append(f"heard: {entry.text}")
            elif kind == "input":
                lines.append(_input_line(entry.text, data))
            elif kind == "fetched":
                url = data.get("url", "")
                lines.append(f"fetched: {data.get('method', 'GET')} {_local_url(url)}")
                if "/sms/" in _local_url(url):
                    message = next(messages, None)
                    if message is not None:
                        lines.append(_sms_line(message))
            elif kind == "audio":
                outcome = "played" if data.get("answered") else "did not answer"
                fallback = f" (fallback: {data['fallback']})" if data.get("fallback") else ""
                lines.append(f"audio: {_local_url(data.get('uri', ''))} {outcome}{fallback}")
            elif kind == "ended":
                lines.append(f"ended: {entry.text}")
            elif kind in ("transfer", "record", "fetchaudio"):
                lines.append(f"{kind}: {entry.text}")
        return Transcript(lines)

    # -- helpers --------------------------------------------------------------------------------

    def _stored_session(self):  # type: ignore[no-untyped-def]
        return self._simulator.kit.sessions.find(flow=self.flow, call_id=self.call_id)

    def _how_it_ended(self) -> str:
        s = self.session
        if s.ended is None:
            waiting = s.waiting
            return f"the call is still waiting for input ({waiting.kind} {waiting.name!r})" if waiting else "the call goes on"
        how = f"the call ended with {s.ended}"
        if s.error:
            how += f" ({s.error}{': ' + s.error_message if s.error_message else ''})"
        if s.transferred_to:
            how += f" to {s.transferred_to}"
        return how

    def _context(self, *, failure: bool = True) -> str:
        heard = self.heard
        lines = ["heard since the last input:"]
        lines += [f"  {p!r}" for p in heard] or ["  (nothing)"]
        lines.append(self._how_it_ended())
        failure = failure and self.failure
        if failure:
            lines.append("the flow failed:")
            lines.append(failure.rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<vxmlkit.testing.Call {self.flow} {self._how_it_ended()}>"


def _sms_line(message: SentMessage) -> str:
    # A private message stays out of transcripts (and golden files); call.sms has it.
    text = f"(private message, {len(message.text)} characters)" if message.private else message.text
    outcome = f"{message.status}: {message.error}" if message.error else message.status
    return f"sms: to {message.to}: {text} ({outcome})"


def _caller_order(entries: Sequence[Any]) -> list[Any]:
    """The interpreter's notes in the order the caller lives them.

    The interpreter notes a prompt as heard when it plays the prompt queue, at the next wait;
    prompts queued before a fetch (its ``queued`` count) or a transfer were heard before it,
    so they are moved in front of it.
    """
    out: list[Any] = []
    moved: set[int] = set()
    for index, entry in enumerate(entries):
        if entry.kind == "heard":
            if index not in moved:
                out.append(entry)
            continue
        wanted = entry.data.get("queued", 0) if entry.kind == "fetched" else -1 if entry.kind == "transfer" else 0
        later = index + 1
        while wanted and later < len(entries):
            after = entries[later]
            if after.kind == "input" or (wanted < 0 and after.kind != "heard"):
                break
            if after.kind == "heard":
                if later not in moved:
                    out.append(after)
                    moved.add(later)
                wanted -= 1 if wanted > 0 else 0
            later += 1
        out.append(entry)
    return out


def _input_line(text: str, data: Mapping[str, Any]) -> str:
    if data.get("private"):
        # Input to a field with logging off: the interpreter kept only its length.
        for verb in ("pressed", "said"):
            if text.startswith(verb + " "):
                return f"{verb}: {text[len(verb) + 1:]}"
        return f"caller: {text}"
    kind = data.get("kind") or data.get("input") or ""
    value = data.get("value", data.get("keys", data.get("text", "")))
    if kind == "dtmf":
        return f"pressed: {value}"
    if kind in ("speech", "voice"):
        return f"said: {value}"
    if kind == "noinput":
        return "silence"
    if kind:
        return f"{kind}: {value}" if value else kind
    return f"caller: {text}"


class Simulator:
    """Dials flows of ``app`` in-process.

    Messages the flows send go to :attr:`outbox` (a :class:`~vxmlkit.sms.MemoryGateway`
    installed on the app; pass ``sms_gateway=MemoryGateway(fail_with=...)`` to test an error
    branch); nothing leaves the machine.
    """

    def __init__(self, app: Flask, *, sms_gateway: MemoryGateway | None = None, max_steps: int = 10_000) -> None:
        self.app = app
        self.kit: VxmlKit = get_kit(app)
        self.outbox = sms_gateway if sms_gateway is not None else MemoryGateway()
        self.kit.sms_gateway = self.outbox
        self.browser = Browser(WsgiFetcher(app, base_url=_BASE_URL), max_steps=max_steps)

    def dial(
        self,
        flow: str,
        *,
        phone_number: str = "+15555550100",
        message_reference: str = "",
        call_parameters: str | Mapping[str, Any] = "",
        call_id: str | None = None,
        callee_type: str = "voice",
        ani: str = "",
    ) -> Call:
        """Start a call of ``flow`` as Plum would and run it to its first wait (or its end).

        ``call_parameters`` is the raw text Plum sends, or a mapping encoded as ``k=v&k2=v2``.
        ``callee_type`` sets ``session.connection.callee_type`` (``answeringmachine`` tests the
        machine branch).
        """
        if self.kit.flow(flow) is None:
            raise LookupError(f"no flow {flow!r}; known: {', '.join(sorted(self.kit.flows)) or 'none'}")
        if callee_type not in CALLEE_TYPES:
            raise ValueError(f"callee_type must be one of {', '.join(CALLEE_TYPES)}, not {callee_type!r}")
        if not isinstance(call_parameters, str):
            call_parameters = urlencode({k: str(v) for k, v in call_parameters.items()})
        call_id = call_id or uuid.uuid4().hex
        # The call is recorded as vxmlkit records the calls it queues, so the app starts it as
        # it would in production (a start URL bound to this call).
        with self.app.test_request_context(base_url=_BASE_URL):
            queued = record_call(self.app, flow, phone_number, message_reference=message_reference,
                                 call_parameters=call_parameters)
        token = queued.start_url.rsplit("t=", 1)[1]
        url = f"{_BASE_URL}{self.kit.start_path(flow)}?{urlencode({'t': token})}"
        session = self.browser.dial(
            url, method="POST",
            data={"phone_number": phone_number, "message_reference": message_reference,
                  "call_parameters": call_parameters, "call_id": call_id},
            ani=ani, dnis=phone_number, callee_type=callee_type,
        )
        call = Call(self, flow, call_id, session)
        coverage.note_call(self, call, call_parameters, phone_number)
        return call
