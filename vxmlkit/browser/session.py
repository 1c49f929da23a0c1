"""The public face of the interpreter: a :class:`Browser` dials, a :class:`Session` is one call."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .document import Document, parse_document
from .events import InterpreterError, VxmlEvent
from .fetching import Fetcher, FetchError, FetchLimits, FetchRequest, FetchResponse, RoutingFetcher, is_local_url
from .platform import Input, InputRequest, TranscriptEntry
from .prompts import AudioClip, QueuedPrompt
from .scripting import ScriptEngine

__all__ = ["Browser", "FetchedDocument", "Session"]

_ALLOWED_INPUTS = {
    "field": ("dtmf", "speech", "noinput", "nomatch", "hangup"),
    "initial": ("dtmf", "speech", "noinput", "nomatch", "hangup"),
    "menu": ("dtmf", "speech", "noinput", "nomatch", "hangup"),
    "record": ("recording", "dtmf", "speech", "noinput", "nomatch", "hangup"),
    "transfer": ("transfer", "dtmf", "speech", "noinput", "hangup"),
}


@dataclass(frozen=True)
class FetchedDocument:
    """A resource fetched during the call."""

    url: str
    method: str
    status: int
    text: str


class Browser:
    """A headless VoiceXML browser: dials documents with a scripted caller.

    ``fetcher`` answers every fetch (default: files and plain paths, plus HTTP(S), bounded by
    ``fetch_limits``); ``max_steps`` bounds the interpreter steps of one call; ``eval_timeout``
    bounds each ECMAScript evaluation (seconds).

    Whatever the fetcher, a call that has run a document fetched over HTTP(S) or from a WSGI
    app reads no local file from then on (error.badfetch): a served document cannot read the
    disk of the machine that runs the browser.
    """

    def __init__(
        self, fetcher: Fetcher | None = None, *, max_steps: int = 10_000, eval_timeout: float = 1.0, fetch_limits: FetchLimits | None = None
    ) -> None:
        self.fetcher: Fetcher = fetcher if fetcher is not None else RoutingFetcher(limits=fetch_limits)
        self.max_steps = max_steps
        self.eval_timeout = eval_timeout
        self._documents: dict[tuple[str, bytes], Document] = {}
        self.grammar_cache: dict[Any, Any] = {}  # compiled inline grammars by content (see activation)

    def _parse(self, url: str, body: bytes) -> Document:
        key = (url, body)
        doc = self._documents.get(key)
        if doc is None:
            doc = parse_document(body, url)
            if len(self._documents) >= 256:
                self._documents.clear()
            self._documents[key] = doc
        return doc

    def dial(
        self,
        url: str,
        *,
        method: str = "GET",
        data: Mapping[str, str] | None = None,
        ani: str = "",
        dnis: str = "",
        callee_type: str = "voice",
        protocol: str = "sip",
    ) -> Session:
        """Start a call to ``url`` and run it until it first waits for input or ends."""
        session = Session(self, ani=ani, dnis=dnis, callee_type=callee_type, protocol=protocol)
        session._start(url, method, data)
        return session

    def run(self, url: str, inputs: Iterable[Input], **dial_kwargs: Any) -> Session:
        """Dial, give the inputs in order (each when the call waits), hang up when they run out.

        Inputs left when the call ended are kept in ``session.unused_inputs``."""
        session = self.dial(url, **dial_kwargs)
        remaining = list(inputs)
        while remaining and session.ended is None:
            session.send(remaining.pop(0))
        session.unused_inputs = remaining
        if session.ended is None:
            session.hang_up()
        return session


class Session:
    """One call: what was heard, what the call waits for, how it ended."""

    def __init__(self, browser: Browser, *, ani: str, dnis: str, callee_type: str, protocol: str) -> None:
        self.browser = browser
        self.ani = ani
        self.dnis = dnis
        self.callee_type = callee_type
        self.protocol = protocol
        self.js = ScriptEngine(time_limit=browser.eval_timeout)
        self.prompts: list[str] = []
        self.unheard: list[str] = []  # prompts played after the caller was gone (hang-up, disconnect, transfer)
        self.audio: list[AudioClip] = []  # the audio clips the caller's prompts played, in order
        self.transcript: list[TranscriptEntry] = []
        self.documents: list[FetchedDocument] = []
        self.waiting: InputRequest | None = None
        self.ended: str | None = None
        self.exit: dict[str, Any] | None = None
        self.error: str | None = None
        self.error_message: str | None = None
        self.transferred_to: str | None = None
        self.disconnect_namelist: dict[str, Any] | None = None
        self.unused_inputs: list[Input] = []  # what Browser.run had left to give when the call ended
        self._queue: list[QueuedPrompt] = []
        self._heard_mark = 0  # len(prompts) when the caller last gave input
        self._served_from: str | None = None  # the first document of the call that did not come from the disk
        self._generator: Generator[InputRequest, Input, Any] | None = None

    # -- driving -------------------------------------------------------------------------------

    def _start(self, url: str, method: str, data: Mapping[str, str] | None) -> None:
        from .interpreter import Interpreter

        if "://" not in url and not url.startswith(("file:", "/")) and os.path.exists(url.split("#", 1)[0]):
            url = os.path.abspath(url)
        self._interpreter = Interpreter(self)
        self._generator = self._interpreter.run(url, method.upper(), data)
        self._advance(None)

    def _advance(self, given: Input | None) -> None:
        assert self._generator is not None
        try:
            request = next(self._generator) if given is None else self._generator.send(given)
        except StopIteration:
            request = None
        self.waiting = request
        if request is None and self.ended is None:
            raise InterpreterError("the interpreter stopped without ending the call")

    def send(self, given: Input) -> None:
        """Give one input and run until the next wait or the end of the call."""
        if self.ended is not None:
            raise InterpreterError(f"the call has already ended ({self.ended})")
        if self.waiting is None:
            raise InterpreterError("the call is not waiting for input")
        allowed = _ALLOWED_INPUTS.get(self.waiting.kind, ())
        if given.kind not in allowed:
            raise ValueError(
                f"the call waits for a <{self.waiting.kind}> ({self.waiting.name}); "
                f"a {given.kind} input cannot answer it (expected {', '.join(allowed)})"
            )
        self._advance(given)

    def hang_up(self) -> None:
        """The caller hangs up: connection.disconnect.hangup is thrown into the document."""
        if self.ended is not None:
            return
        if self.waiting is None:
            raise InterpreterError("the call is not waiting: nothing to hang up on")
        self._advance(Input.hangup())

    # -- what the interpreter reports ------------------------------------------------------------------

    def fetch(self, request: FetchRequest, *, document: bool = False, quiet: bool = False) -> FetchResponse:
        """Fetch through the browser's fetcher, noting it (error.badfetch on failure).

        ``document``: the answer is a VoiceXML document the call will run; one that did not
        come from the disk closes the disk to the rest of the call. ``quiet`` (audio files): not
        noted as a fetched document, and a failure raises the :class:`FetchError` itself for
        the caller to report.
        """
        fetcher = self.browser.fetcher
        local = getattr(fetcher, "reads_local_file", is_local_url)(request.url)
        try:
            if local and self._served_from is not None:
                raise FetchError(
                    f"a document served over HTTP or by an app may not read local files: {request.url} "
                    f"refused (the call runs documents from {self._served_from})",
                    url=request.url,
                )
            response = fetcher.fetch(request)
        except FetchError as exc:
            if quiet:
                raise
            # the line names the request once: the reason without the URL the fetcher repeats
            reason = str(exc).replace(f" for {request.method} {request.url}", "").replace(f" {request.url}", "")
            self._note("fetched", f"{request.method} {request.url} failed: {reason}", {"url": request.url, "method": request.method, "status": exc.status})
            raise VxmlEvent(exc.event, str(exc), url=request.url) from None
        if document and not local and self._served_from is None:
            self._served_from = request.url.split("?", 1)[0].split("#", 1)[0]
        if quiet:
            return response
        self.documents.append(FetchedDocument(request.url, request.method, response.status, response.text))
        # "queued": prompts queued before this fetch, which the caller hears before what it brings.
        self._note("fetched", f"{request.method} {request.url}", {"url": request.url, "method": request.method, "status": response.status,
                                                                   "queued": sum(1 for prompt in self._queue if prompt.text)})
        return response

    def _note(self, kind: str, text: str, data: dict[str, Any] | None = None) -> None:
        self.transcript.append(TranscriptEntry(kind, text, data or {}))

    def _end(self, how: str, error: str | None = None, message: str | None = None) -> None:
        self.ended = how
        self.waiting = None
        self.error = error
        self.error_message = message
        # "error: error.badfetch" would say it twice: an error event's name says how the call ended
        text = how if error is None else error if error.startswith(f"{how}.") else f"{how}: {error}"
        if error is not None and message:
            # the message is the event described (its name first): each thing is said once
            detail = message.removeprefix(error).removeprefix(":").strip()
            if detail:
                text += f": {detail}"
        data: dict[str, Any] = {"how": how}
        if error:
            data["error"] = error
        if self.exit is not None:
            data["exit"] = self.exit
        if self.disconnect_namelist:
            data["namelist"] = self.disconnect_namelist
        self._note("ended", text, data)
        self.js.close()

    # -- reading the call -----------------------------------------------------------------------------

    def heard_since_input(self) -> list[str]:
        """The prompts heard since the caller's last input."""
        return self.prompts[self._heard_mark :]

    def to_json(self) -> dict[str, Any]:
        """``{"prompts", "transcript", "ended", "exit", "error"}`` ready for json.dumps."""
        return {
            "prompts": list(self.prompts),
            "transcript": [entry.to_json() for entry in self.transcript],
            "ended": self.ended,
            "exit": self.exit,
            "error": self.error,
        }

    def transcript_text(self) -> str:
        """The call as readable lines: heard, caller input, fetched, events, log, ended."""
        return "\n".join(entry.line() for entry in self.transcript)
