"""Continue a call: verify a step link, run the step, render its document and save the session.

A link runs its step once (:func:`vxmlkit.trust.answer_link`): the first request for any link
of a document runs it; any later one gets the same answer.

A step's document is served only once the session it changed is stored. A request that dies
before that (a worker killed, the database gone) has committed nothing, so the same step URL,
fetched again by the platform, runs the step again from the state the call had before.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..answers import answer_kinds
from ..definition import require_template
from ..documents import as_components, plan_document
from ..flow import Call, Flow, ParameterError, parse_call_parameters, step_failure
from ..store import CallSession
from ..templating import DocumentError
from ..tokens import ExpiredToken, InvalidToken
from ..trust import Untrusted, answer_link, keep_answer
from .answers import Answer, Refused, error_document, voice_answer, voicexml
from .inputs import checked_fields
from .links import Links
from .outages import outage

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["continue_call", "run_step", "serve_step"]

log = logging.getLogger("vxmlkit")


def _scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every occurrence of each secret (of 2 characters or more) masked."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 2:
            text = text.replace(secret, "*" * len(secret))
    return text


def run_step(kit: VxmlKit, links: Links, flow_cls: type[Flow], session: CallSession, step: str,
             inputs: Mapping[str, Any]) -> str:
    """Run one step and render its document; the session records the outcome (not stored yet)."""
    flow = flow_cls()
    try:
        params = flow_cls.Params.parse(parse_call_parameters(session.call_parameters))
    except ParameterError as exc:
        session.status, session.error = "refused", str(exc)
        log.warning("vxmlkit flow %r session %s refused: %s", flow_cls.name, session.id, exc)
        raise
    call = Call(
        flow=flow_cls.name,
        session_id=session.id,
        phone_number=session.phone_number,
        message_reference=session.message_reference,
        call_id=session.call_id,
        call_parameters=session.call_parameters,
        params=params,
        state=session.state,
    )
    where = f"step {flow_cls.name}.{step}"
    # The document about to be written: its links name it (see vxmlkit.trust).
    session.internal["document"] = int(session.internal.get("document", 0)) + 1
    result = flow.run_step(call, step, inputs, session.internal.get("answer_kinds"))
    components = as_components(result, where)
    step_url = links.step_url(kit, flow_cls, session)
    plan = plan_document(components, step_url, where=where, sms_link=links.sms_order(kit, flow_cls, session, call))
    # Remember which answers of this document are private, to keep them out of logs later.
    session.internal["private_inputs"] = [item["name"] for item in plan.items if item.get("private")]
    # ... and which grammar each answer comes from, to hand the next step typed values.
    session.internal["answer_kinds"] = answer_kinds(components)
    if plan.template is not None:
        require_template(kit.renderer, plan.template.name, where)
        context = {"step_url": step_url, "call": call, **plan.template.context}
        template = plan.template.name
    else:
        context = plan.context()
        template = "vxml/document.vxml"
    rendered = kit.renderer.render(template, context, version=flow_cls.version, flow=flow_cls.name, step=step)
    session.last_step = step
    return rendered.text


def serve_step(kit: VxmlKit, links: Links, flow_cls: type[Flow], session: CallSession, step: str,
               inputs: Mapping[str, Any], *, new: bool, keep: int | None = None) -> Answer:
    """Run ``step``, store the session (``new``: insert it), then answer its document.

    A step that fails is kept in the session with its traceback and the caller hears the
    apology; a store that fails raises, so that nothing is answered that was not stored.
    ``keep``: the answer is also kept as the one for the links of document ``keep``
    (:func:`vxmlkit.trust.keep_answer`), in the same transaction as the session.
    """
    private = list(session.internal.get("private_inputs", ()))
    outside = sys.exc_info()[1]  # an in-process caller (the simulator) may be handling its own
    document: str | None = None
    failed_as = "error"
    try:
        document = run_step(kit, links, flow_cls, session, step, inputs)
    except Refused:
        raise
    except ParameterError:
        # The callee has picked up: a polite goodbye is better than a platform error.
        failed_as = "bad_request"
    except DocumentError as exc:
        kit.metrics.document_invalid(flow_cls.name)
        if kit.strict:
            raise
        session.status, session.error = "error", str(exc)
        log.error("vxmlkit %s", exc)
    except Exception as exc:
        # A traceback can quote input (int("4111...") fails loudly): private answers are
        # blanked out of the text that is logged and stored.
        failure = _scrub(step_failure(exc, f"step {flow_cls.name}.{step}", outside),
                         [str(inputs[name]) for name in private if name in inputs])
        session.status, session.error = "error", failure
        log.error("vxmlkit flow %r step %r failed (session %s)\n%s", flow_cls.name, step, session.id, failure)
    answer = error_document(kit, 200, failed_as) if document is None else voicexml(document)
    try:
        _persist(kit, session, answer, new=new, keep=keep)
    except TypeError as exc:  # call.state holds something JSON cannot carry
        log.error("vxmlkit flow %r step %r: call.state is not JSON-serialisable: %s", flow_cls.name, step, exc)
        session.state, session.status, session.error = {}, "error", f"call.state is not JSON-serialisable: {exc}"
        answer = error_document(kit, 200, failed_as)
        _persist(kit, session, answer, new=new, keep=keep)
        document = None
    outage(kit).recovered()
    if document is not None:
        kit.metrics.step_served(flow_cls.name, step)
    return answer


def _persist(kit: VxmlKit, session: CallSession, answer: Answer, *, new: bool, keep: int | None) -> None:
    """Store ``session`` (``new``: insert it) and, when ``keep`` is given, ``answer`` as the one
    kept for document ``keep``: one transaction, one commit."""
    write = kit.sessions.insert if new else kit.sessions.save
    if keep is None:
        write(session)
        return
    with kit.store.transaction() as tx:
        write(session, tx=tx)
        keep_answer(tx, session.id, keep, answer.body)


@voice_answer
def continue_call(kit: VxmlKit, links: Links, flow: str, step: str, token: str, fields: Mapping[str, Any]) -> Answer:
    """Serve a step URL: ``token`` is its ``t`` parameter, ``fields`` the caller's answers
    (strings, and :class:`~vxmlkit.Recording` values for recordings)."""
    try:
        verified = kit.signer.verify(token)
    except ExpiredToken as exc:
        raise Refused(403, "forbidden", f"expired link to {flow[:80]!r}/{step[:80]!r}") from exc
    except InvalidToken as exc:
        raise Refused(403, "forbidden", f"invalid link to {flow[:80]!r}/{step[:80]!r}: {exc}") from exc
    if verified.flow != flow or verified.step != step:
        raise Refused(403, "forbidden", f"link token names {verified.flow}/{verified.step}, not {flow[:80]}/{step[:80]}")
    flow_cls = kit.flow(flow)
    if flow_cls is None or step not in flow_cls.steps:
        raise Refused(404, "not_found", f"flow {flow!r} has no step {step!r}")
    inputs = checked_fields(kit, fields)
    session = kit.sessions.get(verified.session_id)
    if session is None:
        raise Refused(403, "forbidden", f"no call session {verified.session_id!r}")
    try:
        return answer_link(kit, session, verified.document,
                           lambda: serve_step(kit, links, flow_cls, session, step, inputs, new=False,
                                              keep=verified.document),
                           run_keeps=True)
    except Untrusted as exc:
        raise Refused(403, "forbidden", str(exc)) from None
