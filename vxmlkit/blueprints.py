"""The routes Plum talks to: a flow's start_url and the continuation of each step.

Whatever happens, a voice browser gets VoiceXML: an unknown flow, a tampered or expired link,
oversized input or a step that raises each answer with a short goodbye document (and the
cause in the log), never an HTML error page.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from .answers import answer_kinds
from .definition import require_template
from .documents import ComponentError, as_components, plan_document
from .flow import Call, Flow, ParameterError, parse_call_parameters, step_failure
from .store import CallSession
from .templating import DocumentError
from .components import Template
from .results import CallResult
from .sms import (
    SmsError,
    SmsMessage,
    check_text,
    normalise_recipient,
    record_refused,
    redact,
    send_and_record,
    update_status,
)
from .sms import continuations
from .sms.step import Sms
from .urls import public_base_url
from .tokens import ExpiredToken, InvalidToken, StepToken, TokenSigner

if TYPE_CHECKING:
    from .extension import VxmlKit

__all__ = ["make_blueprint", "Recording", "VOICEXML_MIMETYPE"]

log = logging.getLogger("vxmlkit")

VOICEXML_MIMETYPE = "application/voicexml+xml; charset=utf-8"

#: The fields of Plum's start_url request.
START_FIELDS = ("phone_number", "message_reference", "call_parameters", "call_id")


@dataclass(frozen=True)
class Recording:
    """A recording posted by ``<record>``: what a step receives for a :func:`~vxmlkit.record` input."""

    filename: str
    content_type: str
    data: bytes

    def __len__(self) -> int:
        return len(self.data)


def _scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every occurrence of each secret (of 2 characters or more) masked."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 2:
            text = text.replace(secret, "*" * len(secret))
    return text


class _Refused(Exception):
    """The request cannot be served: answer ``status`` with the goodbye document."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def voicexml(text: str, status: int = 200) -> Response:
    response = Response(text, status=status, content_type=VOICEXML_MIMETYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def make_blueprint(kit: VxmlKit) -> Blueprint:
    """The blueprint serving ``kit``'s flows."""
    bp = Blueprint("vxmlkit", __name__)

    @bp.before_request
    def bound_the_body() -> None:
        # A recording plus its form fields at most: a larger body is refused (413) unread.
        request.max_content_length = kit.max_recording_bytes + 64 * 1024

    def error_document(status: int, reason: str) -> Response:
        rendered = kit.renderer.render("vxml/error.vxml", {"reason": reason}, version="2.0")
        return voicexml(rendered.text, status)

    def refuse(exc: _Refused) -> Response:
        log.warning("vxmlkit refused %s %s: %s", request.method, request.path, exc.message)
        return error_document(exc.status, exc.reason)

    def field(name: str) -> str:
        value = request.form.get(name) or request.args.get(name, "")
        if len(value) > kit.max_input_length:
            raise _Refused(413, "bad_request", f"field {name!r} is {len(value)} characters long (limit {kit.max_input_length})")
        return value

    def step_url_for(flow: type[Flow], session: CallSession) -> Callable[[str], str]:
        base = f"{request.script_root}{bp_prefix().rstrip('/')}/{flow.name}/step/"

        def step_url(step: str) -> str:
            if step not in flow.steps:
                raise ComponentError(f"flow {flow.name!r} has no step {step!r}")
            # Tokens hold only URL-safe characters, flow and step names are checked words.
            return f"{base}{step}?t={kit.signer.sign(StepToken(flow.name, session.id, step))}"

        return step_url

    def run(flow_cls: type[Flow], session: CallSession, step: str, inputs: Mapping[str, Any]) -> str:
        """Run one step and render its document; the session records the outcome."""
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
        result = flow.run_step(call, step, inputs, session.internal.get("answer_kinds"))
        components = as_components(result, where)
        step_url = step_url_for(flow_cls, session)
        plan = plan_document(components, step_url, where=where, sms_link=sms_link_for(flow_cls, session, call))
        # Remember which answers of this document are private, to keep them out of logs later.
        session.internal["private_inputs"] = [
            item["name"] for item in plan.items if item.get("private")
        ]
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

    def serve(flow_cls: type[Flow], session: CallSession, step: str, inputs: Mapping[str, Any], *, new: bool) -> Response:
        private = list(session.internal.get("private_inputs", ()))
        outside = sys.exc_info()[1]  # an in-process caller (the simulator) may be handling its own
        text: str | None = None
        failed_as = "error"
        try:
            text = run(flow_cls, session, step, inputs)
        except _Refused:
            raise
        except ParameterError:
            # The callee has picked up: a polite goodbye is better than a platform error.
            failed_as = "bad_request"
        except DocumentError as exc:
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
        persist = kit.sessions.insert if new else kit.sessions.save
        try:
            persist(session)
        except TypeError as exc:  # call.state holds something JSON cannot carry
            log.error("vxmlkit flow %r step %r: call.state is not JSON-serialisable: %s", flow_cls.name, step, exc)
            session.state, session.status, session.error = {}, "error", f"call.state is not JSON-serialisable: {exc}"
            persist(session)
            text = None
        return voicexml(text) if text is not None else error_document(200, failed_as)

    def sms_link_for(flow: type[Flow], session: CallSession, call: Call) -> Callable[[Sms], tuple[str, str]]:
        def sms_link(component: Sms) -> tuple[str, str]:
            step = call.step
            counters = session.internal.setdefault("sms_attempts", {})
            counters[step] = attempt = int(counters.get(step, 0)) + 1
            if isinstance(component.text, Template):
                require_template(kit.renderer, component.text.name, f"step {flow.name}.{step}")
                text = kit.renderer.render_text(component.text.name, {"call": call, **component.text.context})
            else:
                text = component.text
            sealed = kit.sms_sealer.seal({
                "session": session.id, "step": step, "attempt": attempt, "to": component.to, "text": text,
                "sender": component.sender, "then": component.then, "on_error": component.on_error,
                "private": component.private, "timeout": component.timeout,
            })
            token = kit.sms_signer.sign(StepToken(flow.name, session.id, step))
            return f"{request.script_root}{bp_prefix().rstrip('/')}/{flow.name}/sms/{step}?t={token}", sealed

        return sms_link

    def send_sms(flow: type[Flow], session: CallSession, order: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
        """Send the sealed order once; (status, error reason, message id)."""
        settings = kit.sms_settings
        private = bool(order["private"])
        try:
            to = normalise_recipient(str(order["to"]), settings.default_region)
            text = check_text(str(order["text"]), settings.max_length)
        except SmsError as exc:
            shown = redact(str(order["to"])) if private else str(order["to"])[:40]
            log.warning("vxmlkit sms from %s.%s to %r not sent: %s", flow.name, order["step"], shown, exc.reason)
            refused = SmsMessage(to=str(order["to"])[:64], text=str(order["text"]), sender=order["sender"],
                                 flow=flow.name, call_session=session.id, private=private, step=str(order["step"]),
                                 attempt=int(order["attempt"]))
            return "failed", exc.reason, record_refused(kit.store, refused, exc, gateway=kit.sms_gateway.name).id
        timeout = float(order["timeout"])
        message = SmsMessage(
            to=to, text=text, sender=order["sender"] or settings.sender, flow=flow.name, call_session=session.id,
            private=private, delivery_report_url=report_url(), step=str(order["step"]),
            attempt=int(order["attempt"]),
            # Answer before the voice browser's fetchtimeout gives up on us.
            timeout=max(0.5, timeout - min(2.0, timeout * 0.25)),
        )
        stored = send_and_record(kit.store, kit.sms_gateway, message)
        if stored.status in ("failed", "undelivered"):
            return "failed", stored.error, stored.id
        return stored.status, None, stored.id

    def report_url() -> str | None:
        try:
            base = public_base_url(kit.app)  # type: ignore[arg-type]
        except ValueError:
            return None
        token = kit.report_signer.sign(StepToken("sms", "-", kit.sms_gateway.name))
        return f"{base}{bp_prefix().rstrip('/')}/sms/report/{kit.sms_gateway.name}?t={token}"

    @bp.route("/<flow>/sms/<step>", methods=["POST"])
    def send_sms_route(flow: str, step: str) -> Response:
        try:
            token = kit.sms_signer.verify(request.args.get("t", ""))
        except InvalidToken as exc:
            raise _Refused(403, "forbidden", f"invalid sms link to {flow[:80]!r}/{step[:80]!r}: {exc}") from exc
        flow_cls = kit.flow(flow)
        if token.flow != flow or token.step != step or flow_cls is None:
            raise _Refused(403, "forbidden", f"sms token names {token.flow}/{token.step}, not {flow[:80]}/{step[:80]}")
        session = kit.sessions.get(token.session_id)
        if session is None:
            raise _Refused(403, "forbidden", f"no call session {token.session_id!r}")
        try:
            order = kit.sms_sealer.unseal(request.form.get("vxmlkit_sms", "")[:65536], max_age=kit.signer.max_age)
        except InvalidToken as exc:
            raise _Refused(403, "forbidden", f"sms order for {flow}/{step}: {exc}") from exc
        if order.get("session") != session.id or order.get("step") != step:
            raise _Refused(403, "forbidden", f"sms order belongs to another call or step than {flow}/{step}")
        attempt = int(order["attempt"])  # type: ignore[call-overload]
        if not continuations.claim(kit.store, session.id, step, attempt):
            # Another request (a refetch) sends this message: answer what it answers.
            document = continuations.wait_for_document(kit.store, session.id, step, attempt,
                                                       timeout=float(order["timeout"]))  # type: ignore[arg-type]
            if document is not None:
                return voicexml(document)
            log.warning("vxmlkit sms %s.%s attempt %s: no answer from the first request; continuing", flow, step, attempt)
            return serve(flow_cls, session, str(order["then"]), {"sms_status": "unknown", "sms_error": ""}, new=False)
        status, error, sms_id = send_sms(flow_cls, session, order)
        next_step = str(order["then"] if error is None else (order["on_error"] or order["then"]))
        response = serve(flow_cls, session, next_step,
                         {"sms_status": status, "sms_error": error or "", "sms_id": sms_id or ""}, new=False)
        continuations.finish(kit.store, session.id, step, attempt, response.get_data(as_text=True))
        return response

    @bp.route("/sms/report/<gateway>", methods=["GET", "POST"])
    def delivery_report(gateway: str) -> Response:
        ok = Response("ok\n", content_type="text/plain; charset=utf-8")
        if request.method == "GET":
            return ok
        try:
            token = kit.report_signer.verify(request.args.get("t", ""))
        except InvalidToken:
            log.warning("vxmlkit delivery report for %r without a valid token", gateway[:40])
            return Response("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
        if token.step != gateway or gateway != kit.sms_gateway.name:
            log.warning("vxmlkit delivery report for gateway %r, but %r is configured", gateway[:40], kit.sms_gateway.name)
            return ok
        form: dict[str, str] = {k: v[:4096] for k, v in request.form.items()}
        if not form and request.is_json:
            data = request.get_json(silent=True)
            form = {str(k): str(v)[:4096] for k, v in data.items()} if isinstance(data, dict) else {}
        try:
            report = kit.sms_gateway.parse_delivery_report(form)
        except (SmsError, ValueError) as exc:
            log.warning("vxmlkit delivery report from %s not understood: %s", gateway, getattr(exc, "reason", exc))
            return ok
        if not update_status(kit.store, report.id, report.status):
            log.warning("vxmlkit delivery report from %s for unknown message %r (%s)", gateway, report.id[:80], report.status)
        return ok

    @bp.route("/<flow>/start", methods=["GET", "POST"])
    def start(flow: str) -> Response:
        flow_cls = kit.flow(flow)
        if flow_cls is None:
            raise _Refused(404, "not_found", f"no flow named {flow[:80]!r}")
        if request.method == "GET" and not any(name in request.values for name in START_FIELDS):
            # Plum checks the URL answers before it dials.
            return voicexml(kit.renderer.render("vxml/ready.vxml", {}, version="2.0").text)
        check_flow_token(kit.start_signer, flow_cls.name, "start")
        values = {name: field(name) for name in START_FIELDS}
        session = kit.sessions.new(flow=flow_cls.name, **values)
        return serve(flow_cls, session, flow_cls.start_step, {}, new=True)

    def check_flow_token(signer: TokenSigner, flow: str, purpose: str) -> None:
        if not kit.require_start_token:
            return
        try:
            token = signer.verify(request.args.get("t", ""))
        except InvalidToken as exc:
            raise _Refused(403, "forbidden", f"{purpose} request for {flow!r} without a valid token: {exc}") from exc
        if token.flow != flow:
            raise _Refused(403, "forbidden", f"{purpose} token names flow {token.flow!r}, not {flow!r}")

    @bp.route("/<flow>/result", methods=["GET", "POST"])
    def result(flow: str) -> Response:
        flow_cls = kit.flow(flow)
        if flow_cls is None:
            log.warning("vxmlkit result for unknown flow %r", flow[:80])
            return Response("unknown flow\n", status=404, content_type="text/plain; charset=utf-8")
        if request.method == "GET":  # Plum's pre-flight
            return Response("ok\n", content_type="text/plain; charset=utf-8")
        try:
            check_flow_token(kit.result_signer, flow, "result")
        except _Refused as exc:
            log.warning("vxmlkit refused %s %s: %s", request.method, request.path, exc.message)
            return Response("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
        form = {name: request.form.get(name, "")[: kit.max_input_length] for name in request.form}
        outcome = CallResult.from_form(flow, form)
        if not kit.results.add(outcome):
            log.info("vxmlkit result for %r (%s, %s) already stored", flow, outcome.message_reference[:80], outcome.call_id[:80])
            return Response("ok\n", content_type="text/plain; charset=utf-8")
        try:
            flow_cls().on_result(outcome)
        except Exception:
            log.exception("vxmlkit flow %r on_result failed for %s/%s; the result is kept",
                          flow, outcome.message_reference[:80], outcome.call_id[:80])
            kit.results.mark_hook(outcome, "error", traceback.format_exc(limit=5))
        else:
            kit.results.mark_hook(outcome, "done")
        return Response("ok\n", content_type="text/plain; charset=utf-8")

    @bp.route("/<flow>/step/<step>", methods=["GET", "POST"])
    def continue_call(flow: str, step: str) -> Response:
        try:
            token = kit.signer.verify(request.args.get("t", ""))
        except ExpiredToken as exc:
            raise _Refused(403, "forbidden", f"expired link to {flow[:80]!r}/{step[:80]!r}") from exc
        except InvalidToken as exc:
            raise _Refused(403, "forbidden", f"invalid link to {flow[:80]!r}/{step[:80]!r}: {exc}") from exc
        if token.flow != flow or token.step != step:
            raise _Refused(403, "forbidden", f"link token names {token.flow}/{token.step}, not {flow[:80]}/{step[:80]}")
        flow_cls = kit.flow(flow)
        if flow_cls is None or step not in flow_cls.steps:
            raise _Refused(404, "not_found", f"flow {flow!r} has no step {step!r}")
        session = kit.sessions.get(token.session_id)
        if session is None:
            raise _Refused(403, "forbidden", f"no call session {token.session_id!r}")
        inputs: dict[str, Any] = {}
        for name in request.form:
            if name != "t":
                inputs[name] = field(name)
        for name, upload in request.files.items():
            data = upload.read(kit.max_recording_bytes + 1)
            if len(data) > kit.max_recording_bytes:
                raise _Refused(413, "bad_request", f"recording {name!r} is larger than {kit.max_recording_bytes} bytes")
            inputs[name] = Recording(upload.filename or name, upload.mimetype or "application/octet-stream", data)
        return serve(flow_cls, session, step, inputs, new=False)

    @bp.route("/<path:anything>", methods=["GET", "POST"])
    def unknown(anything: str) -> Response:
        raise _Refused(404, "not_found", f"no vxmlkit route {anything[:80]!r}")

    @bp.errorhandler(_Refused)
    def handle_refused(exc: _Refused) -> Response:
        return refuse(exc)

    @bp.errorhandler(HTTPException)
    def handle_http(exc: HTTPException) -> Response:
        status = exc.code or 500
        log.warning("vxmlkit %s %s: HTTP %s", request.method, request.path, status)
        return error_document(status, "bad_request" if status < 500 else "error")

    @bp.app_errorhandler(405)
    def handle_routing(exc: HTTPException) -> Response | HTTPException:
        # Routing fails before the blueprint is chosen: answer VoiceXML under our prefix only.
        prefix = (bp_prefix() or "/").rstrip("/") + "/"
        if not request.path.startswith(prefix):
            return exc
        return handle_http(exc)

    def bp_prefix() -> str:
        assert kit.app is not None
        return str(kit.app.config["VXMLKIT_URL_PREFIX"])

    @bp.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        if isinstance(exc, DocumentError) and kit.strict:
            raise exc
        log.exception("vxmlkit %s %s failed", request.method, request.path)
        return error_document(200, "error")

    return bp
