"""Which requests the platform's routes accept: from where, for which call, and how often.

- **From where.** ``VXMLKIT_TRUSTED_NETWORKS`` limits the start, step, SMS, result and report
  routes to the platform's addresses (:func:`address_trusted`; the address is the one the WSGI
  server reports, so a proxy must be declared with werkzeug's ``ProxyFix``).
- **For which call.** A start POST must match a call vxmlkit queued (:func:`admit_start`,
  :mod:`vxmlkit.queued_calls`), unless its flow is listed in ``VXMLKIT_ALLOW_UNQUEUED_CALLS``.
- **How often.** Every link in a document names the document it was written into. The first
  request for any link of document *n* runs its step and its answer is kept
  (:func:`answer_once`); any later request for a link of document *n* (the platform's refetch,
  a replay, the other branch of the same document) gets that same answer and runs nothing.
  A link of a document the call has moved past, or of a call that has ended, runs nothing.

These functions take the kit and plain values; the routes parse the request and call them.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .calls.answers import Answer, voicexml
from .queued_calls import QueuedCallRecord, StartRefused
from .sms import continuations
from .store import CallSession

if TYPE_CHECKING:
    from .extension import VxmlKit

__all__ = [
    "ANSWER_KEY",
    "REPEAT_WAIT",
    "Admission",
    "StillRunning",
    "Untrusted",
    "address_trusted",
    "admit_start",
    "answer_link",
    "answer_once",
    "bind_start",
    "end_call",
    "kept_answer",
    "link_is_current",
]

REPEAT_WAIT = 20.0
"""Seconds a repeated request waits for the first one's answer: less than gunicorn's default
30 s worker timeout, so the repeated request always answers (VoiceXML) before it is killed."""

ANSWER_KEY = "*document"
"""The step name under which the answer to a document's links is kept (no step can be named
so: step names are Python identifiers)."""


class Untrusted(Exception):
    """A request the trust model refuses (the message says which rule)."""


class StillRunning(Exception):
    """The first request for a document's links is still at work: answer "try again"."""


def address_trusted(networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network], remote_addr: str | None) -> bool:
    """True when no network is configured, or ``remote_addr`` is inside one of ``networks``."""
    networks = tuple(networks)
    if not networks:
        return True
    try:
        address = ipaddress.ip_address((remote_addr or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in networks)


@dataclass(frozen=True)
class Admission:
    """A start POST that may start (or continue) a call."""

    values: Mapping[str, str]
    """The session's fields: what vxmlkit queued where it queued the call, else what was posted."""
    record: QueuedCallRecord | None = None
    """The queued call being started (None for a flow open to unqueued calls)."""
    session_id: str | None = None
    """The session this call already started (the platform fetches the start URL again)."""


def admit_start(kit: VxmlKit, flow: str, subject: str | None, posted: Mapping[str, str]) -> Admission:
    """Decide whether a start POST for ``flow`` may start a call.

    ``subject`` is what the start URL's token names (``-``, ``q-<id>``, ``c-<id>``; None when
    no token is required and none was given). Raises :class:`Untrusted` naming the rule.
    """
    if subject in (None, "-"):
        if not kit.accepts_unqueued_calls(flow):
            raise Untrusted(
                f"flow {flow!r} starts only calls vxmlkit queued (vxmlkit call, vxmlkit campaign, vxmlkit.queueing), "
                "and this start URL names none; VXMLKIT_ALLOW_UNQUEUED_CALLS opens a flow to other calls"
            )
        return Admission(values=dict(posted))
    try:
        record = kit.queued_calls.find(
            subject, flow=flow, phone_number=posted.get("phone_number", ""), message_reference=posted.get("message_reference", "")
        )
    except StartRefused as exc:
        raise Untrusted(f"start POST for flow {flow!r} refused: {exc}") from None
    values = {
        "phone_number": posted.get("phone_number", ""),
        "message_reference": record.message_reference or posted.get("message_reference", ""),
        "call_parameters": record.call_parameters,
        "call_id": posted.get("call_id", ""),
    }
    if record.status == "started":
        if record.session_id and record.call_id == values["call_id"]:
            return Admission(values=values, record=record, session_id=record.session_id)
        raise Untrusted(f"start POST for flow {flow!r} refused: the queued call has already started")
    return Admission(values=values, record=record)


def bind_start(kit: VxmlKit, admission: Admission, session: CallSession) -> Admission:
    """Bind the queued call to the new ``session``; when another request bound it first with
    the same ``call_id`` (a refetch racing the first fetch), the admission of that session."""
    if admission.record is None or kit.queued_calls.start(admission.record, call_id=session.call_id, session_id=session.id):
        return admission
    record = kit.queued_calls.get(admission.record.id)
    if record is not None and record.session_id and record.call_id == session.call_id:
        return Admission(values=admission.values, record=record, session_id=record.session_id)
    raise Untrusted("start POST refused: the queued call has already started")


def link_is_current(session: CallSession, document: int) -> bool:
    """Whether a link written into ``document`` may still run its step: it is the call's latest
    document and the call has not ended."""
    return session.status == "active" and document == int(session.internal.get("document", 0))


def kept_answer(kit: VxmlKit, session_id: str, document: int) -> str | None:
    """The answer already given to a link of ``document``, if any (without waiting)."""
    return continuations.wait_for_document(kit.store, session_id, ANSWER_KEY, document, timeout=0)


def answer_once(kit: VxmlKit, session_id: str, document: int, run: Callable[[], Answer], *,
                wait: float = REPEAT_WAIT, stale_after: float = REPEAT_WAIT) -> Answer:
    """Run ``run`` for the first request for a link of ``document`` and keep its answer; a
    request arriving meanwhile (in any process) waits up to ``wait`` seconds for that answer.

    When the first request fails, its claim is given up and the next request runs ``run``.
    When it has not answered after ``wait``: if it claimed more than ``stale_after`` seconds ago
    it is taken for dead (its worker was killed) and this request runs ``run`` itself, else it
    is still at work (an SMS provider slow to answer) and :class:`StillRunning` is raised. What
    ``run`` does must be safe to repeat after a death: a step's changes are stored with its
    answer, and an SMS is recorded once per session, step and attempt and never sent twice.
    """
    if not continuations.claim(kit.store, session_id, ANSWER_KEY, document):
        # Wait for the first request's answer until its claim goes stale, ``wait`` at most.
        claimed = continuations.claimed_at(kit.store, session_id, ANSWER_KEY, document) or time.time()
        until_stale = max(0.0, claimed + stale_after - time.time())
        kept = continuations.wait_for_document(kit.store, session_id, ANSWER_KEY, document, timeout=min(wait, until_stale))
        if kept is not None:
            return voicexml(kept)
        if time.time() - claimed < stale_after:
            raise StillRunning(f"the first request for document {document} of session {session_id} is still running")
    try:
        answer = run()
    except BaseException:
        continuations.release(kit.store, session_id, ANSWER_KEY, document)
        raise
    continuations.finish(kit.store, session_id, ANSWER_KEY, document, answer.body)
    return answer


def answer_link(kit: VxmlKit, session: CallSession, document: int, run: Callable[[], Answer], *,
                stale_after: float = REPEAT_WAIT) -> Answer:
    """The answer to a link written into ``document`` of ``session``: the step runs for the
    first request while the link is current (:func:`answer_once`); after that, and for a link
    of a document the call has moved past, the answer already given; else :class:`Untrusted`."""
    if link_is_current(session, document):
        return answer_once(kit, session.id, document, run, stale_after=stale_after)
    kept = kept_answer(kit, session.id, document)
    if kept is None and continuations.claimed_at(kit.store, session.id, ANSWER_KEY, document) is not None:
        # The first request has stored the call's next state but not yet its answer: wait for it.
        kept = continuations.wait_for_document(kit.store, session.id, ANSWER_KEY, document, timeout=REPEAT_WAIT)
    if kept is None:
        raise Untrusted(f"link of document {document} of session {session.id}: the call has moved past it or ended")
    return voicexml(kept)


def end_call(kit: VxmlKit, flow: str, subject: str, fields: Mapping[str, str]) -> None:
    """The call's result arrived: its queued call is completed (it starts no more) and its
    session has ended (its links run nothing more)."""
    if subject not in ("", "-"):
        try:
            record = kit.queued_calls.find(subject, flow=flow, phone_number=fields.get("phone_number", ""),
                                           message_reference=fields.get("message_reference", ""))
        except StartRefused:
            record = None  # completed already, expired, or purged: the result is stored all the same
        if record is not None:
            kit.queued_calls.complete(record)
    call_id = fields.get("call_id", "")
    session = kit.sessions.find(flow=flow, call_id=call_id) if call_id else None
    if session is not None and session.status == "active":
        session.status = "completed"
        kit.sessions.save(session)
