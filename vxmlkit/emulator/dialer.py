"""The dialer: places due calls the way Plum does and settles them.

For each due call: the batch's URLs are checked once with a GET (start_url and result_url must
answer 200), the callee rules say who answers, and an answered call is played by
:mod:`vxmlkit.browser` over HTTP: the start POST carries ``phone_number``,
``message_reference``, ``call_parameters`` (and ``campaign_parameters`` for a campaign) and
``call_id``; the callee follows its input script. A call that is not answered is retried after
``retry_interval`` up to ``max_retries`` times; a settled call owes its result_url a POST.
One log line per attempt.

A call lasts as long as its prompts take to say (150 words a minute) plus two seconds per
answer of the callee; that is the ``duration`` reported, and the line stays busy for that long
on the platform's clock.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from vxmlkit.browser import Browser, HttpFetcher, TranscriptEntry
from vxmlkit.browser.session import Session
from vxmlkit.emulator.callbacks import deliver
from vxmlkit.emulator.callees import Behaviour, number_digits
from vxmlkit.emulator.state import Attempt, Batch, Call, Platform, without_queries
from vxmlkit.plum.transport import TransportError, send

__all__ = ["Dialer", "spoken_seconds"]

log = logging.getLogger("vxmlkit.emulator")

WORDS_PER_SECOND = 2.5
SECONDS_PER_ANSWER = 2.0
_IDLE_WAIT = 0.25  # real seconds between looks at the queue when nothing is due


def spoken_seconds(session: Session) -> float:
    """How long the call has lasted so far: its prompts at 150 words a minute, plus the
    callee's answers."""
    words = sum(len(str(prompt).split()) for prompt in session.prompts)
    answers = sum(1 for entry in session.transcript if entry.kind == "input")
    return words / WORDS_PER_SECOND + answers * SECONDS_PER_ANSWER


def _caller_id(phone_number: str) -> str:
    for part in phone_number.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "ani":
            return value.strip()
    return ""


def _shown(entry: TranscriptEntry) -> str:
    """A transcript line for the status page: URLs without their query, which carries the
    app's signed tokens."""
    return without_queries(entry.line().strip())


class Dialer:
    """A background thread that hands due calls to ``lines`` worker threads and callbacks to
    a small pool of posters."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lines = ThreadPoolExecutor(max_workers=platform.settings.lines, thread_name_prefix="emulator-line")
        self._posters = ThreadPoolExecutor(max_workers=4, thread_name_prefix="emulator-callback")

    # -- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start dialing in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="emulator-dialer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop taking work and wait for the calls in progress."""
        self._stopping.set()
        with self.platform.lock:
            self.platform.wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._lines.shutdown(wait=True, cancel_futures=True)
        self._posters.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        platform = self.platform
        while not self._stopping.is_set():
            with platform.lock:
                now = platform.clock.now()
                free = platform.settings.lines - platform.busy_lines
                calls, expired, callbacks = platform.take_due(now, max(0, free))
                if not (calls or expired or callbacks):
                    due = platform.next_due()
                    wait = _IDLE_WAIT
                    if free > 0 and due is not None and due > now:
                        wait = min(_IDLE_WAIT, platform.clock.real_seconds(due - now))
                    platform.wake.wait(max(wait, 0.001))
                    continue
            for call in expired:
                log.info("emulator: call %s to %s expired after %d attempt(s)", call.call_id, call.phone_number,
                         len(call.attempts))
                self._owe_result(call)
            for call in calls:
                self._lines.submit(self._place_safely, call)
            for callback in callbacks:
                self._posters.submit(deliver, platform, callback)

    # -- one attempt --------------------------------------------------------------------------

    def _place_safely(self, call: Call) -> None:
        try:
            self.place(call)
        except Exception:  # noqa: BLE001 - a bug must not lose the line or the call
            log.exception("emulator: placing call %s failed", call.call_id)
            attempt = Attempt(len(call.attempts) + 1, self.platform.clock.now(), "unknown", error="emulator error")
            if self.platform.finish_attempt(call, attempt):
                self._owe_result(call)

    def place(self, call: Call) -> None:
        """Dial ``call`` once, record the attempt, and settle or reschedule it."""
        platform = self.platform
        clock = platform.clock
        number = len(call.attempts) + 1
        started = clock.now()
        behaviour = platform.callees.behaviour(call.phone_number, number)
        problem = self.preflight(call.batch)
        if problem is not None:
            attempt = Attempt(number, started, "unknown", transcript=[f"pre-flight failed: {problem}"], error=problem)
        elif not behaviour.answers:
            attempt = Attempt(number, started, behaviour.callee_type, transcript=[f"not answered: {behaviour.callee_type}"])
        else:
            attempt = self.play(call, behaviour, number, started)
            # The line is busy while the call lasts, on the platform's clock.
            self._stopping.wait(clock.real_seconds(attempt.duration - (clock.now() - started)))
        settled = platform.finish_attempt(call, attempt)
        outcome = call.state if settled else f"retry at {clock.eastern(call.due):%Y-%m-%d %H:%M:%S %Z}"
        log.info("emulator: call %s to %s attempt %d/%d: %s, %s, %d s (%s %s)%s", call.call_id, call.phone_number,
                 number, call.max_retries + 1, attempt.callee_type, outcome, attempt.duration, call.batch.kind,
                 call.batch.name, f": {attempt.error}" if attempt.error else "")
        if settled:
            self._owe_result(call)

    def preflight(self, batch: Batch) -> str | None:
        """Check the batch's start_url and result_url answer a GET with 200, once per batch;
        None when they do, else what went wrong (checked again next time)."""
        with batch.preflight_lock:
            if batch.preflight == "ok":
                return None
            for url in (batch.start_url, batch.result_url):
                if not url:
                    continue
                try:
                    answer = send("GET", url, headers={"User-Agent": "vxmlkit-emulator"},
                                  timeout=self.platform.settings.fetch_timeout)
                except TransportError as exc:
                    return without_queries(str(exc))
                if answer.status != 200:
                    return f"GET {without_queries(url)} answered HTTP {answer.status}"
            batch.preflight = "ok"
            return None

    def play(self, call: Call, behaviour: Behaviour, number: int, started: float) -> Attempt:
        """Play an answered call through the interpreter with the callee's script."""
        batch = call.batch
        data = {
            "phone_number": call.phone_number,
            "message_reference": call.message_reference,
            "call_parameters": call.call_parameters,
            "call_id": call.call_id,
        }
        if batch.campaign_parameters:
            data["campaign_parameters"] = batch.campaign_parameters
        browser = Browser(HttpFetcher(default_timeout=self.platform.settings.fetch_timeout,
                                      user_agent="vxmlkit-emulator"))
        session: Session | None = None
        error = None
        hung_up_early = False
        try:
            session = browser.dial(batch.start_url, method="POST", data=data, ani=_caller_id(call.phone_number),
                                   dnis=number_digits(call.phone_number), callee_type=behaviour.callee_type)
            inputs = list(behaviour.inputs)
            while session.ended is None:
                limit = behaviour.hangup_after
                if limit is not None and spoken_seconds(session) >= limit:
                    hung_up_early = True
                    session.hang_up()
                elif behaviour.callee_type != "voice" or not inputs:
                    session.hang_up()
                else:
                    session.send(inputs.pop(0))
        except ValueError as exc:  # an input the waiting item cannot take
            error = without_queries(f"the callee's script does not fit the call: {exc}")
            if session is not None and session.ended is None and session.waiting is not None:
                session.hang_up()
        except Exception as exc:  # noqa: BLE001 - the interpreter's failure is the call's record
            error = without_queries(f"{type(exc).__name__}: {exc}")
        transcript = [_shown(entry) for entry in session.transcript] if session is not None else []
        if session is not None and session.error and error is None:
            error = without_queries(session.error + (f" ({session.error_message})" if session.error_message else ""))
        seconds = spoken_seconds(session) if session is not None else 0.0
        if hung_up_early and behaviour.hangup_after is not None:
            seconds = min(seconds, behaviour.hangup_after)
        return Attempt(number, started, behaviour.callee_type, duration=max(1, round(seconds)),
                       transcript=transcript, error=error)

    # -- results ------------------------------------------------------------------------------

    def _owe_result(self, call: Call) -> None:
        url = call.batch.result_url
        if not url:
            call.result_post = "no result_url"
            return
        call.result_post = "pending"

        def delivered() -> None:
            call.result_post = "delivered"

        def abandoned(reason: str) -> None:
            call.result_post = reason

        self.platform.add_callback(url, call.result_fields(), on_delivered=delivered, on_abandoned=abandoned)
