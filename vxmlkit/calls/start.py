"""Start a call: Plum's POST to a flow's start_url opens a session and answers the first document.

Only a call vxmlkit queued starts, with what vxmlkit queued (:func:`vxmlkit.trust.admit_start`),
unless its flow is open to unqueued calls; the platform's refetch of the start URL of a call
gets the first document again, and starts nothing.

While the store does not answer, the start request gets the goodbye document with 200, unlike
step requests (503): a failed fetch of the first document has no document to handle it, so
the caller would be left to the platform's default; a document that apologises and ends the
call is the only way to end it politely (see docs/production.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..tokens import InvalidToken, StepToken, TokenSigner
from ..trust import Untrusted, admit_start, answer_once, bind_start
from .answers import Answer, Refused, error_document, voice_answer, voicexml
from .inputs import START_FIELDS, checked_fields
from .links import Links
from .outages import STORE_FAILURES, outage
from .steps import serve_step

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["start_call", "check_flow_token", "STATUS_AT_START_WHILE_DOWN"]

#: The status of the goodbye document a start request gets while the store does not answer.
STATUS_AT_START_WHILE_DOWN = 200


def check_flow_token(kit: VxmlKit, signer: TokenSigner, flow: str, purpose: str, token: str) -> StepToken | None:
    """The verified token of a start or result request; refused (403) without ``flow``'s signed
    token, when tokens are required. None when no token is required and none was given."""
    if not kit.require_start_token and not token:
        return None
    try:
        verified = signer.verify(token)
    except InvalidToken as exc:
        raise Refused(403, "forbidden", f"{purpose} request for {flow!r} without a valid token: {exc}") from exc
    if verified.flow != flow:
        raise Refused(403, "forbidden", f"{purpose} token names flow {verified.flow!r}, not {flow!r}")
    return verified


@voice_answer
def start_call(kit: VxmlKit, links: Links, flow: str, token: str, fields: Mapping[str, str], *,
               preflight: bool = False) -> Answer:
    """Answer a start_url request: ``fields`` holds those of :data:`START_FIELDS` it carried.

    ``preflight``: a GET without any start field, which Plum sends before it dials to check
    that the URL answers; it gets an empty document and touches no session.
    """
    flow_cls = kit.flow(flow)
    if flow_cls is None:
        raise Refused(404, "not_found", f"no flow named {flow[:80]!r}")
    if preflight:
        return voicexml(kit.renderer.render("vxml/ready.vxml", {}, version="2.0").text)
    try:
        verified = check_flow_token(kit, kit.start_signer, flow_cls.name, "start", token)
        posted = checked_fields(kit, {name: fields.get(name, "") for name in START_FIELDS})
        try:
            admission = admit_start(kit, flow_cls.name, verified.session_id if verified else None, posted)
            if admission.session_id is not None:
                # The platform fetched the start URL of this call again: the same first document.
                return _first_document(kit, admission.session_id)
            session = kit.sessions.new(flow=flow_cls.name, **admission.values)
            session.internal["document"] = 0
            admission = bind_start(kit, admission, session)
        except Untrusted as exc:
            raise Refused(403, "forbidden", str(exc)) from None
        if admission.session_id is not None:
            return _first_document(kit, admission.session_id)
        answer = answer_once(kit, session.id, 0,
                             lambda: serve_step(kit, links, flow_cls, session, flow_cls.start_step, {}, new=True))
    except Refused as exc:
        kit.metrics.call_refused(flow_cls.name, exc.reason)
        raise
    except STORE_FAILURES as exc:
        outage(kit).failed(exc)
        kit.metrics.call_refused(flow_cls.name, "unavailable")
        return error_document(kit, STATUS_AT_START_WHILE_DOWN, "error")
    if session.status == "refused":  # its call parameters do not fit the flow
        kit.metrics.call_refused(flow_cls.name, "bad_request")
    else:
        kit.metrics.call_started(flow_cls.name)
    return answer


def _first_document(kit: VxmlKit, session_id: str) -> Answer:
    """The first document of a call already started (the first request's, once it answered)."""
    # Its first request runs the start step; if that request died, this one says goodbye.
    return answer_once(kit, session_id, 0, lambda: error_document(kit, 200, "error"))
