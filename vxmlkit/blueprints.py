"""The routes Plum talks to, as thin Flask views over :mod:`vxmlkit.calls`.

Each view reads the request into plain values, calls the function that does the work and
wraps its :class:`~vxmlkit.calls.Answer` in a response. What Flask itself refuses (a body over
the limit, a method not allowed) is answered as VoiceXML too, never as an HTML page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .calls import (
    START_FIELDS,
    Answer,
    Links,
    Recording,
    continue_call,
    error_document,
    health,
    send_sms,
    start_call,
    take_delivery_report,
    take_result,
)
from .calls.answers import VOICEXML_MIMETYPE, text, voicexml
from .metrics import exposition
from .templating import DocumentError
from .trust import address_trusted
from .urls import public_base_url

if TYPE_CHECKING:
    from .extension import VxmlKit

__all__ = ["make_blueprint", "serve_metrics", "Recording", "VOICEXML_MIMETYPE"]

log = logging.getLogger("vxmlkit")


_URLENCODED = "application/x-www-form-urlencoded"
#: At most this many fields in a url-encoded body (a voice browser posts a handful).
MAX_FORM_FIELDS = 1000


def posted_form() -> Mapping[str, str]:
    """The posted fields of this request.

    A url-encoded body (Plum's start POST, a step's answers) is read directly: within the
    body limit, the first value of each name, as werkzeug's form would give it, for half its
    cost. Any other body (a multipart recording) goes through werkzeug's form parser.
    """
    if request.mimetype != _URLENCODED:
        return request.form
    body = request.get_data(cache=True)  # over the body limit: 413 before anything is read
    fields: dict[str, str] = {}
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise RequestEntityTooLarge(f"more than {MAX_FORM_FIELDS} fields") from None
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def respond(answer: Answer) -> Response:
    """The Flask response carrying ``answer``."""
    return Response(answer.body, status=answer.status, headers=list(answer.headers), content_type=answer.content_type)


def make_blueprint(kit: VxmlKit) -> Blueprint:
    """The blueprint serving ``kit``'s flows."""
    bp = Blueprint("vxmlkit", __name__)

    def prefix() -> str:
        assert kit.app is not None
        return str(kit.app.config["VXMLKIT_URL_PREFIX"]).rstrip("/")

    def links(*, public: bool = False) -> Links:
        """Where this request reached us; ``public``: also the absolute URL given to third parties."""
        public_url = None
        if public:
            try:
                public_url = public_base_url(kit.app) + prefix()  # type: ignore[arg-type]
            except ValueError:
                public_url = None
        return Links(root=request.script_root + prefix(), public_url=public_url)

    def field_values(names: Any) -> dict[str, str]:
        """Each of ``names`` that the request carries: the posted value, else the query's."""
        form, args = posted_form(), request.args
        return {name: form.get(name) or args.get(name, "") for name in names if name in form or name in args}

    @bp.before_request
    def bound_the_body() -> None:
        # A recording plus its form fields at most: a larger body is refused (413) unread.
        request.max_content_length = kit.max_recording_bytes + 64 * 1024

    @bp.before_request
    def only_from_trusted_networks() -> Response | None:
        # The platform's routes answer only its addresses (the health check answers anyone).
        if request.endpoint == "vxmlkit.health" or address_trusted(kit.trusted_networks, request.remote_addr):
            return None
        log.warning("vxmlkit refused (403): %s is not in VXMLKIT_TRUSTED_NETWORKS", request.remote_addr)
        return respond(error_document(kit, 403, "forbidden"))

    if kit.metrics.enabled:
        # Timed only when metrics are on: otherwise not even the hooks run.
        @bp.before_request
        def start_the_clock() -> None:
            request.environ["vxmlkit.started"] = time.perf_counter()

        @bp.after_request
        def stop_the_clock(response: Response) -> Response:
            started = request.environ.get("vxmlkit.started")
            if started is not None:
                route = (request.endpoint or "vxmlkit.unknown").rpartition(".")[2]
                kit.metrics.observe(route, time.perf_counter() - started)
            return response

    @bp.route("/_health", methods=["GET"], endpoint="health")
    def health_route() -> Response:
        return respond(health(kit))

    @bp.route("/<flow>/start", methods=["GET", "POST"], endpoint="start")
    def start(flow: str) -> Response:
        present = field_values(START_FIELDS)
        # HEAD answers as Plum's pre-flight GET, and never starts a call.
        preflight = request.method == "HEAD" or request.method == "GET" and not present
        return respond(start_call(kit, links(), flow, request.args.get("t", ""), present, preflight=preflight))

    @bp.route("/<flow>/step/<step>", methods=["GET", "POST"], endpoint="step")
    def continue_route(flow: str, step: str) -> Response:
        if request.method == "HEAD":
            return respond(voicexml(""))  # a HEAD never runs a step
        fields: dict[str, Any] = field_values([name for name in posted_form() if name != "t"])
        for name, upload in request.files.items():
            # One byte over the limit is enough to refuse it.
            data = upload.read(kit.max_recording_bytes + 1)
            fields[name] = Recording(upload.filename or name, upload.mimetype or "application/octet-stream", data)
        return respond(continue_call(kit, links(), flow, step, request.args.get("t", ""), fields))

    @bp.route("/<flow>/sms/<step>", methods=["POST"], endpoint="sms")
    def send_sms_route(flow: str, step: str) -> Response:
        order = posted_form().get("vxmlkit_sms", "")
        return respond(send_sms(kit, links(public=True), flow, step, request.args.get("t", ""), order))

    @bp.route("/sms/report/<gateway>", methods=["GET", "POST"], endpoint="report")
    def delivery_report(gateway: str) -> Response:
        if request.method == "GET":
            return respond(text("ok\n"))
        fields: dict[str, str] = {k: v[:4096] for k, v in posted_form().items()}
        if not fields and request.is_json:
            data = request.get_json(silent=True)
            fields = {str(k): str(v)[:4096] for k, v in data.items()} if isinstance(data, dict) else {}
        return respond(take_delivery_report(kit, gateway, request.args.get("t", ""), fields))

    @bp.route("/<flow>/result", methods=["GET", "POST"], endpoint="result")
    def result(flow: str) -> Response:
        fields = dict(posted_form())
        return respond(take_result(kit, flow, request.args.get("t", ""), fields, preflight=request.method == "GET"))

    @bp.route("/<path:anything>", methods=["GET", "POST"], endpoint="unknown")
    def unknown(anything: str) -> Response:
        log.warning("vxmlkit refused (404): no vxmlkit route %r", anything[:80])
        return respond(error_document(kit, 404, "not_found"))

    @bp.errorhandler(HTTPException)
    def handle_http(exc: HTTPException) -> Response:
        status = exc.code or 500
        log.warning("vxmlkit %s %s: HTTP %s", request.method, request.path, status)
        return respond(error_document(kit, status, "bad_request" if status < 500 else "error"))

    @bp.app_errorhandler(405)
    def handle_routing(exc: HTTPException) -> Response | HTTPException:
        # Routing fails before the blueprint is chosen: answer VoiceXML under our prefix only.
        if not request.path.startswith(prefix() + "/"):
            return exc
        return handle_http(exc)

    @bp.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        if isinstance(exc, DocumentError) and kit.strict:
            raise exc
        log.exception("vxmlkit %s %s failed", request.method, request.path)
        return respond(error_document(kit, 200, "error"))

    return bp


def serve_metrics(app: Flask, path: str) -> None:
    """Serve the Prometheus metrics at ``path`` on ``app`` (no token: keep it off the public network)."""

    def metrics_view() -> Response:
        body, content_type = exposition()
        return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})

    app.add_url_rule(path, "vxmlkit_metrics", metrics_view, methods=["GET"])
