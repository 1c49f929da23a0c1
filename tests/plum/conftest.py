"""Real HTTP servers on 127.0.0.1 that speak Plum's queuecall.php, queuecalls.php and the
Call Scheduling and Pacing API: a hand-made fake written from the seed documents, and
vxmlkit's own emulator (``vxmlkit emulate``, not dialing). The ``plum`` fixture runs every
client test against both, so the clients and the emulator keep each other honest. Tests read
back every request the server received and can make any path answer something else (an
error, a delay)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest

LOGIN = "acme-outbound"
PIN = "98765432"
TOKEN = "3cbde128-32b6-47aa-9e62-6353f8b06812"


@dataclass
class SeenRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)


@dataclass
class Override:
    status: int = 200
    body: str = ""
    content_type: str = "text/xml"
    delay: float = 0.0


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    form: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = (filename, payload, part.get_content_type())
            else:
                form[name] = payload.decode("utf-8")
    return form, files


class FakePlum:
    """State of the fake Plum services."""

    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self.overrides: dict[str, Override] = {}
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.next_call_id = 112850593
        self.schedules: dict[int, dict[str, Any]] = {}
        self.profiles: dict[int, dict[str, Any]] = {}
        self.campaigns: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.base_url = ""
        self.campaign_ids: list[str] = []

    def answer(self, path: str, status: int = 200, body: str = "", *, content_type: str = "text/xml",
               delay: float = 0.0) -> None:
        """Make ``path`` answer this from now on."""
        self.overrides[path] = Override(status, body, content_type, delay)

    # -- outbound ---------------------------------------------------------------------------

    def queuecall(self, seen: SeenRequest) -> tuple[int, str, str]:
        form = seen.form
        if form.get("login") != LOGIN or form.get("pin") != PIN:
            return 200, '<?xml version="1.0"?>\n<queuecall status="failed"><error>invalid login or pin</error></queuecall>', "text/xml"
        with self.lock:
            call_id = self.next_call_id
            self.next_call_id += 1
        echoed = "".join(f"\n    <{key}>{escape(value)}</{key}>" for key, value in form.items())
        return 200, f'<?xml version="1.0"?>\n<queuecall status="queued" call_id="{call_id}">{echoed}\n</queuecall>', "text/xml"

    def queuecalls(self, seen: SeenRequest) -> tuple[int, str, str]:
        form = seen.form
        if form.get("login") != LOGIN or form.get("pin") != PIN:
            return 200, '<queuecalls status="failed"><error>invalid login or pin</error></queuecalls>', "text/xml"
        if "phone_list" not in seen.files:
            return 200, '<queuecalls status="failed"><error>no phone_list</error></queuecalls>', "text/xml"
        name = quoteattr(form.get("campaign_name", ""))
        self.campaign_ids.append("77")
        return 200, f'<?xml version="1.0"?>\n<queuecalls status="queued" campaign_id="77" campaign_name={name}/>', "text/xml"

    # -- scheduler --------------------------------------------------------------------------

    def _new_id(self) -> int:
        with self.lock:
            value = self.next_id
            self.next_id += 1
        return value

    def _values(self, seen: SeenRequest) -> dict[str, str]:
        values = {key: items[-1] for key, items in seen.query.items()}
        values.update(seen.form)
        return values

    def _profile_id(self, nickname: str) -> int | None:
        return next((ident for ident, item in self.profiles.items() if item.get("nickname") == nickname), None)

    def scheduler(self, seen: SeenRequest) -> tuple[int, Any]:
        if seen.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Unauthenticated."}
        parts = seen.path.split("/")[2:]  # after /api
        resource = parts[0] if parts else ""
        values = self._values(seen)
        if resource in ("schedules", "profiles"):
            store = self.schedules if resource == "schedules" else self.profiles
            key = "schedule_id" if resource == "schedules" else "profile_id"
            if seen.method == "GET":
                return 200, [{key: ident, **{k: v for k, v in item.items()}} for ident, item in store.items()]
            if seen.method == "POST":
                nickname = values.get("nickname")
                if nickname and any(item.get("nickname") == nickname for item in store.values()):
                    return 422, {"nickname": ["The nickname has already been taken."]}
                ident = self._new_id()
                item = {"nickname": nickname}
                if resource == "schedules":
                    item["days"] = json.loads(values["days"])
                else:
                    for name in ("period", "amount_per_period", "time_between_periods"):
                        item[name] = int(values[name])
                store[ident] = item
                return 200, {"status": "success", "response": {"id": ident, "nickname": nickname}}
            ident = int(parts[1])
            if ident not in store:
                return 404, {"status": "error", "error": f"No query results for id {ident}"}
            if seen.method in ("PATCH", "PUT"):
                item = store[ident]
                if resource == "schedules":
                    if "days" in values:
                        item["days"] = json.loads(values["days"])
                    if "name" in values:
                        item["nickname"] = values["name"]
                    return 200, {"status": "success", "response": {"id": ident, "days": json.dumps(item["days"]),
                                                                   "nickname": item["nickname"]}}
                for name in ("period", "amount_per_period", "time_between_periods"):
                    if name in values:
                        item[name] = int(values[name])
                if "nickname" in values:
                    item["nickname"] = values["nickname"]
                return 200, {"status": "success", "response": {"id": ident, "nickname": item["nickname"]}}
            if seen.method == "DELETE":
                label = "Schedule" if resource == "schedules" else "Profile"
                users = [cid for cid, campaign in self.campaigns.items()
                         if (resource == "schedules" and campaign["schedule"] in (str(ident), store[ident]["nickname"]))
                         or (resource == "profiles" and any(p["profile"] == store[ident]["nickname"]
                                                            for p in campaign["profiles"]))]
                if users:
                    return 200, {"status": "error", "error":
                                 f"{label} {store[ident]['nickname']}(id {ident}) is being used with campaign id {max(users)}."}
                del store[ident]
                return 200, {"status": "success"}
        if resource == "campaigns":
            action = parts[1] if len(parts) > 1 else ""
            if action in ("start", "stop", "add-calls"):
                ident = int(values["campaign_id"])
                if ident not in self.campaigns:
                    return 200, {"status": "error", "error": f"Campaign id {ident} not found."}
                if action == "add-calls":
                    if "phone_numbers" in seen.files:
                        entries = seen.files["phone_numbers"][1].decode().splitlines()
                    else:
                        entries = json.loads(values["phone_numbers"])
                    self.campaigns[ident]["calls"].extend(entries)
                else:
                    self.campaigns[ident]["running"] = action == "start"
                return 200, {"status": "success"}
            if seen.method == "GET":
                return 200, [
                    {"campaign_id": ident, "start_date": c["start_date"] + " 00:00:00",
                     "end_date": c["end_date"] + " 00:00:00", "start_url": c["start_url"],
                     "result_url": c.get("result_url"), "schedule_nickname": c["schedule"],
                     "profiles": [{"profile_id": self._profile_id(p["profile"]), "nickname": p["profile"], "start_time": p["start_time"],
                                   "end_time": p["end_time"]} for p in c["profiles"]]}
                    for ident, c in self.campaigns.items()
                ]
            if seen.method == "POST":
                ident = self._new_id()
                calls = seen.files["phone_numbers"][1].decode().splitlines() if "phone_numbers" in seen.files else []
                self.campaigns[ident] = {
                    "start_date": values["start_date"], "end_date": values["end_date"],
                    "start_url": values["start_url"], "result_url": values.get("result_url"),
                    "schedule": values["schedule"], "profiles": json.loads(values["profiles"]),
                    "calls": calls, "running": False,
                }
                return 200, {"status": "success", "response": {"id": ident}}
            ident = int(action)
            if seen.method in ("PATCH", "PUT"):
                campaign = self.campaigns[ident]
                for name in ("start_date", "end_date", "start_url", "result_url", "schedule"):
                    if name in values:
                        campaign[name] = values[name]
                if "profiles" in values:
                    campaign["profiles"] = json.loads(values["profiles"])
                return 200, {"status": "success", "response": {"id": ident}}
            if seen.method == "DELETE":
                del self.campaigns[ident]
                return 200, {"status": "success"}
        return 404, {"message": "Not Found"}


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        plum: FakePlum = self.server.plum
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        form, files = _parse_body(self.headers.get("Content-Type", ""), body)
        seen = SeenRequest(self.command, url.path, parse_qs(url.query, keep_blank_values=True),
                           dict(self.headers.items()), body, form, files)
        with plum.lock:
            plum.requests.append(seen)
        override = plum.overrides.get(url.path)
        if override is not None:
            if override.delay:
                plum.release.wait(override.delay)
            status, text, content_type = override.status, override.body, override.content_type
        elif url.path.endswith("/webservice/queuecall.php") and self.command == "POST":
            status, text, content_type = plum.queuecall(seen)
        elif url.path.endswith("/webservice/queuecalls.php") and self.command == "POST":
            status, text, content_type = plum.queuecalls(seen)
        elif url.path.startswith("/api/"):
            status, data = plum.scheduler(seen)
            text, content_type = json.dumps(data), "application/json"
        else:
            status, text, content_type = 404, "not found", "text/plain"
        payload = text.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (a timeout test)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class EmulatedPlum:
    """vxmlkit's emulator (APIs only, no dialing) behind a recorder that keeps every request
    and applies the test's overrides, with the fake's interface."""

    def __init__(self) -> None:
        from vxmlkit.emulator import Emulator, Settings

        self.requests: list[SeenRequest] = []
        self.overrides: dict[str, Override] = {}
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.emulator = Emulator(Settings(login=LOGIN, pin=PIN, token=TOKEN, first_call_id=112850593,
                                          first_campaign_id=77), dial=False)
        self.base_url = ""

    def answer(self, path: str, status: int = 200, body: str = "", *, content_type: str = "text/xml",
               delay: float = 0.0) -> None:
        """Make ``path`` answer this from now on."""
        self.overrides[path] = Override(status, body, content_type, delay)

    @property
    def campaign_ids(self) -> list[str]:
        return [str(batch.id) for batch in self.emulator.platform.batches.values() if batch.kind == "campaign"]

    @property
    def campaigns(self) -> dict[int, dict[str, Any]]:
        """The scheduler campaigns as the fake keeps them: running, and the calls' entries."""
        return {
            ident: {"running": campaign.running,
                    "calls": [call.phone_number + (f", {call.message_reference}" if call.message_reference else "")
                              for call in campaign.batch.calls]}
            for ident, campaign in self.emulator.scheduler.campaigns.items()
        }

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = BytesIO(body)
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").title()] = environ[key]
        path = environ.get("PATH_INFO", "")
        form, files = _parse_body(environ.get("CONTENT_TYPE", ""), body)
        seen = SeenRequest(environ["REQUEST_METHOD"], path, parse_qs(environ.get("QUERY_STRING", ""),
                                                                      keep_blank_values=True), headers, body, form, files)
        with self.lock:
            self.requests.append(seen)
        override = self.overrides.get(path)
        if override is None:
            return self.emulator.app(environ, start_response)
        if override.delay:
            self.release.wait(override.delay)
        payload = override.body.encode("utf-8")
        start_response(f"{override.status} X", [("Content-Type", override.content_type),
                                                ("Content-Length", str(len(payload)))])
        return [payload]


def _serve_emulated() -> Iterator[EmulatedPlum]:
    from werkzeug.serving import make_server

    emulated = EmulatedPlum()
    server = make_server("127.0.0.1", 0, emulated, threaded=True)
    emulated.base_url = f"http://127.0.0.1:{server.port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield emulated
    finally:
        emulated.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(params=["fake", "emulator"])
def plum(request: pytest.FixtureRequest) -> Iterator[FakePlum | EmulatedPlum]:
    """Plum's services on 127.0.0.1 on a free port: the hand-made fake, then the emulator."""
    if request.param == "emulator":
        yield from _serve_emulated()
        return
    fake = FakePlum()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.plum = fake  # type: ignore[attr-defined]
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join()

