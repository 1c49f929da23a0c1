"""The console's routes: the page, its static files and a small JSON API over console calls.

Every route but the static files needs the console token (``?t=`` on the page, the
``X-Vxmlkit-Console`` header on the API), signed with the app's vxmlkit secret: the console
dials flows and shows their documents, so it is behind the same secret as everything else.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from ..extension import VxmlKit
from ..tokens import InvalidToken, StepToken, TokenSigner
from .calls import ConsoleError, calls_for, snapshot
from .testcode import function_name, write_test

__all__ = ["make_console_blueprint", "console_signer", "console_token", "TOKEN_HEADER"]

TOKEN_HEADER = "X-Vxmlkit-Console"

_STATIC = {"console.js": "text/javascript", "console.css": "text/css"}


def console_signer(kit: VxmlKit) -> TokenSigner:
    return kit.console_signer


def console_token(kit: VxmlKit) -> str:
    """A fresh token for the console page (``vxmlkit serve`` prints the page's URL with it)."""
    return console_signer(kit).sign(StepToken("console", "-", "console"))


def _static(name: str) -> bytes:
    return resources.files("vxmlkit.console").joinpath("static", name).read_bytes()


def make_console_blueprint(kit: VxmlKit) -> Blueprint:
    bp = Blueprint("vxmlkit_console", __name__)
    signer = console_signer(kit)

    def forbidden(message: str) -> Response:
        response = jsonify(error=message)
        response.status_code = 403
        return response

    @bp.before_request
    def check_token() -> Response | None:
        if request.endpoint == "vxmlkit_console.static_file":
            return None
        text = request.headers.get(TOKEN_HEADER) or request.args.get("t", "")
        try:
            token = signer.verify(text)
        except InvalidToken:
            return forbidden("the console needs its signed link: use the URL vxmlkit serve printed")
        if token.flow != "console":
            return forbidden("this token is not a console token")
        return None

    @bp.errorhandler(ConsoleError)
    def refused(exc: ConsoleError) -> Response:
        response = jsonify(error=str(exc))
        response.status_code = 400
        return response

    @bp.get("/")
    def page() -> Response:
        response = Response(_static("console.html"), content_type="text/html; charset=utf-8")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'"
        )
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @bp.get("/static/<name>")
    def static_file(name: str) -> Response:
        if name not in _STATIC:
            return Response("not found\n", status=404, content_type="text/plain")
        return Response(_static(name), content_type=f"{_STATIC[name]}; charset=utf-8")

    @bp.get("/api/flows")
    def flows() -> Response:
        from ..diagram import diagram_available

        listed = []
        for name in sorted(kit.flows):
            flow = kit.flows[name]
            doc = (flow.__doc__ or "").strip().splitlines()
            fields = list(getattr(flow.Params, "__annotations__", {}))
            listed.append({"name": name, "summary": doc[0] if doc else "", "params": fields,
                           "steps": list(flow.steps)})
        return jsonify(flows=listed, diagrams=diagram_available())

    @bp.post("/api/calls")
    def dial() -> Response:
        data = _json()
        entry = calls_for(current_app).dial(
            str(data.get("flow", "")),
            phone_number=str(data.get("phone_number") or "+15555550100")[:64],
            call_parameters=str(data.get("call_parameters") or "")[:4096],
            callee_type=str(data.get("callee_type") or "voice"),
        )
        return jsonify(snapshot(entry))

    @bp.get("/api/calls/<call_id>")
    def show(call_id: str) -> Response:
        return jsonify(snapshot(calls_for(current_app).get(call_id)))

    @bp.post("/api/calls/<call_id>/<action>")
    def act(call_id: str, action: str) -> Response:
        value = str(_json().get("value", ""))[:1024]
        return jsonify(snapshot(calls_for(current_app).act(call_id, action, value)))

    @bp.delete("/api/calls/<call_id>")
    def close(call_id: str) -> Response:
        calls_for(current_app).close(call_id)
        return jsonify(closed=call_id)

    @bp.get("/api/calls/<call_id>/test")
    def as_test(call_id: str) -> Response:
        entry = calls_for(current_app).get(call_id)
        name = function_name(entry)
        golden = f"tests/golden/{name.removeprefix('test_')}.txt"
        return jsonify(name=name, test=write_test(entry, golden_path=golden), golden_path=golden,
                       golden=str(entry.call.transcript))

    diagrams: dict[str, bytes] = {}
    drawing = threading.Lock()

    @bp.get("/api/diagram/<flow>.svg")
    def diagram(flow: str) -> Response:
        from ..diagram import DiagramError, flow_diagram

        if kit.flow(flow) is None:
            return Response("no such flow\n", status=404, content_type="text/plain")
        # A flow's picture does not change while the app serves: explore it once, one at a time.
        with drawing:
            if flow not in diagrams:
                try:
                    diagrams[flow] = flow_diagram(current_app, flow, fmt="svg")
                except DiagramError as exc:
                    return Response(f"{exc}\n", status=501, content_type="text/plain")
        return Response(diagrams[flow], content_type="image/svg+xml")

    return bp


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ConsoleError("send a JSON object")
    return data
