"""Send an SMS from a call once, answer the next document, and take the gateway's delivery reports.

The document of an :func:`~vxmlkit.sms` step posts a sealed order to a signed URL. The first
request for a (call session, step, attempt) claims it, sends the message and keeps the next
document; a repeated request (the voice browser timed out and fetched again, in any process)
waits for that document instead of sending again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..flow import Flow
from ..sms import (SmsError, SmsMessage, check_text, normalise_recipient, record_refused, redact, send_and_record,
                   update_status)
from ..sms import continuations
from ..store import CallSession
from ..tokens import InvalidToken
from ..sms.records import resolve_unknown
from ..trust import StillRunning, Untrusted, answer_link
from .answers import (
    STORE_UNAVAILABLE_TEXT,
    UNAVAILABLE_STATUS,
    Answer,
    Refused,
    error_document,
    text,
    voice_answer,
    voicexml,
)
from .links import Links
from .outages import STORE_FAILURES, outage
from .steps import serve_step

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["send_sms", "take_delivery_report"]

log = logging.getLogger("vxmlkit")

#: The longest sealed order read from a request.
MAX_ORDER_LENGTH = 65536
#: Seconds past an SMS order's own timeout after which the request sending it is taken for dead.
STALE_MARGIN = 5.0


def _send(kit: VxmlKit, links: Links, flow: type[Flow], session: CallSession,
          order: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """Send the sealed order once; (status, error reason, message id)."""
    settings = kit.sms_settings
    private = bool(order["private"])
    try:
        to = normalise_recipient(str(order["to"]), settings.default_region)
        body = check_text(str(order["text"]), settings.max_length)
    except SmsError as exc:
        shown = redact(str(order["to"])) if private else str(order["to"])[:40]
        log.warning("vxmlkit sms from %s.%s to %r not sent: %s", flow.name, order["step"], shown, exc.reason)
        kit.metrics.sms(kit.sms_gateway.name, "failed")
        refused = SmsMessage(to=str(order["to"])[:64], text=str(order["text"]), sender=order["sender"],
                             flow=flow.name, call_session=session.id, private=private, step=str(order["step"]),
                             attempt=int(order["attempt"]))
        return "failed", exc.reason, record_refused(kit.store, refused, exc, gateway=kit.sms_gateway.name).id
    timeout = float(order["timeout"])
    message = SmsMessage(
        to=to, text=body, sender=order["sender"] or settings.sender, flow=flow.name, call_session=session.id,
        private=private, delivery_report_url=links.report_url(kit), step=str(order["step"]),
        attempt=int(order["attempt"]),
        # Answer before the voice browser's fetchtimeout gives up on us.
        timeout=max(0.5, timeout - min(2.0, timeout * 0.25)),
    )
    stored = send_and_record(kit.store, kit.sms_gateway, message)
    if stored.status in ("failed", "undelivered"):
        kit.metrics.sms(kit.sms_gateway.name, "failed")
        return "failed", stored.error, stored.id
    kit.metrics.sms(kit.sms_gateway.name, "sent")
    return stored.status, None, stored.id


@voice_answer
def send_sms(kit: VxmlKit, links: Links, flow: str, step: str, token: str, order_text: str) -> Answer:
    """Serve an SMS order: ``token`` is the URL's ``t`` parameter, ``order_text`` the posted
    ``vxmlkit_sms`` field. The message is sent once; the answer is the next step's document."""
    try:
        verified = kit.sms_signer.verify(token)
    except InvalidToken as exc:
        raise Refused(403, "forbidden", f"invalid sms link to {flow[:80]!r}/{step[:80]!r}: {exc}") from exc
    flow_cls = kit.flow(flow)
    if verified.flow != flow or verified.step != step or flow_cls is None:
        raise Refused(403, "forbidden", f"sms token names {verified.flow}/{verified.step}, not {flow[:80]}/{step[:80]}")
    try:
        order = kit.sms_sealer.unseal(order_text[:MAX_ORDER_LENGTH], max_age=kit.signer.max_age)
    except InvalidToken as exc:
        raise Refused(403, "forbidden", f"sms order for {flow}/{step}: {exc}") from exc
    session = kit.sessions.get(verified.session_id)
    if session is None:
        raise Refused(403, "forbidden", f"no call session {verified.session_id!r}")
    if order.get("session") != session.id or order.get("step") != step:
        raise Refused(403, "forbidden", f"sms order belongs to another call or step than {flow}/{step}")
    attempt = int(order["attempt"])  # type: ignore[call-overload]
    try:
        # The SMS link is one of its document's links: only the first request for them runs.
        # The first may be at the provider for as long as the order's timeout: it is taken for
        # dead only past that.
        return answer_link(kit, session, verified.document, lambda: _send_and_continue(kit, links, flow_cls, session, order),
                           stale_after=float(order["timeout"]) + STALE_MARGIN)  # type: ignore[arg-type]
    except Untrusted as exc:
        raise Refused(403, "forbidden", str(exc)) from None
    except StillRunning as exc:
        # 503: the document's error.badfetch handler follows its failure link, which waits
        # again for the first request's answer (see templates/vxml/sms.vxml).
        log.warning("vxmlkit sms %s.%s: %s; answered 503", flow, step, exc)
        return error_document(kit, UNAVAILABLE_STATUS, "error")


def _send_and_continue(kit: VxmlKit, links: Links, flow_cls: type[Flow], session: CallSession,
                       order: Mapping[str, Any]) -> Answer:
    """Send the order's message once and answer the step that follows it."""
    step, attempt = str(order["step"]), int(order["attempt"])
    if not continuations.claim(kit.store, session.id, step, attempt):
        # The request that claimed this message never answered (its worker died while sending):
        # the message is not sent again, and the call goes on not knowing whether it left.
        document = continuations.wait_for_document(kit.store, session.id, step, attempt, timeout=0)
        if document is not None:
            return voicexml(document)
        resolve_unknown(kit.store, call_session=session.id, step=step, attempt=attempt)
        log.warning("vxmlkit sms %s.%s attempt %s: no answer from the first request; continuing",
                    flow_cls.name, step, attempt)
        return serve_step(kit, links, flow_cls, session, str(order["then"]),
                          {"sms_status": "unknown", "sms_error": ""}, new=False)
    status, error, sms_id = _send(kit, links, flow_cls, session, order)
    next_step = str(order["then"] if error is None else (order["on_error"] or order["then"]))
    answer = serve_step(kit, links, flow_cls, session, next_step,
                        {"sms_status": status, "sms_error": error or "", "sms_id": sms_id or ""}, new=False)
    continuations.finish(kit.store, session.id, step, attempt, answer.body)
    return answer


def take_delivery_report(kit: VxmlKit, gateway: str, token: str, fields: Mapping[str, str]) -> Answer:
    """Record a gateway's delivery report. Anything but a store failure answers 200: a report
    that cannot be understood is logged, since sending it again would not help; while the
    store is down, 503 asks the gateway to send it again later."""
    try:
        verified = kit.report_signer.verify(token)
    except InvalidToken:
        log.warning("vxmlkit delivery report for %r without a valid token", gateway[:40])
        return text("forbidden\n", 403)
    if verified.step != gateway or gateway != kit.sms_gateway.name:
        log.warning("vxmlkit delivery report for gateway %r, but %r is configured", gateway[:40], kit.sms_gateway.name)
        return text("ok\n")
    try:
        report = kit.sms_gateway.parse_delivery_report(dict(fields))
    except (SmsError, ValueError) as exc:
        log.warning("vxmlkit delivery report from %s not understood: %s", gateway, getattr(exc, "reason", exc))
        return text("ok\n")
    try:
        known = update_status(kit.store, report.id, report.status)
    except STORE_FAILURES as exc:
        outage(kit).failed(exc)
        return STORE_UNAVAILABLE_TEXT
    outage(kit).recovered()
    if not known:
        log.warning("vxmlkit delivery report from %s for unknown message %r (%s)", gateway, report.id[:80], report.status)
    return text("ok\n")
