"""The emulator's HTTP face: a Flask app with thin views over the platform's services.

| path | service |
|---|---|
| ``POST /webservice/queuecall.php``, ``POST /webservice/queuecalls.php`` | outbound calls |
| ``/api/schedules``, ``/api/profiles``, ``/api/campaigns[/start|stop|add-calls|<id>]`` | scheduler |
| ``POST /ws/sms/queue.json``, ``POST /ws/sms/queue.xml`` | SMS |
| ``GET /`` (``?format=json``, ``?batch=<id>``) | what the platform is doing |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Response, jsonify, request

from vxmlkit.emulator import outbound, scheduler, sms
from vxmlkit.emulator.page import render_page, snapshot

if TYPE_CHECKING:
    from vxmlkit.emulator.server import Emulator

__all__ = ["create_app"]

MAX_BODY = 32 * 1024 * 1024


def _xml(text: str) -> Response:
    return Response(text, content_type="text/xml; charset=utf-8")


def _files() -> dict[str, bytes]:
    return {name: storage.read() for name, storage in request.files.items()}


def create_app(emulator: Emulator) -> Flask:
    """The WSGI app serving ``emulator``'s platform."""
    app = Flask("vxmlkit.emulator")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    platform = emulator.platform

    @app.post("/webservice/queuecall.php")
    def queuecall() -> Response:
        return _xml(outbound.queuecall(platform, request.form.to_dict()))

    @app.post("/webservice/queuecalls.php")
    def queuecalls() -> Response:
        return _xml(outbound.queuecalls(platform, request.form.to_dict(), _files()))

    @app.route("/api/<path:path>", methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
    def scheduler_api(path: str) -> Response:
        values = {**request.args.to_dict(), **request.form.to_dict()}
        status, body = scheduler.handle(emulator.scheduler, request.method, path,
                                        request.headers.get("Authorization", ""), values, _files())
        response = jsonify(body)
        response.status_code = status
        return response

    @app.post("/ws/sms/queue.<kind>")
    def sms_queue(kind: str) -> Response:
        if kind not in ("json", "xml"):
            return Response("not found\n", status=404, content_type="text/plain")
        status, envelope = sms.queue_sms(platform, request.headers.get("Authorization", ""), request.form.to_dict())
        if kind == "xml":
            response = _xml(sms.envelope_xml(envelope))
        else:
            response = jsonify(envelope)
        response.status_code = status
        return response

    @app.get("/")
    def overview() -> Response:
        batch = request.args.get("batch", "")
        data = snapshot(platform, int(batch) if batch.isdigit() else None)
        if request.args.get("format") == "json":
            return jsonify(data)
        return Response(render_page(data), content_type="text/html; charset=utf-8")

    return app
