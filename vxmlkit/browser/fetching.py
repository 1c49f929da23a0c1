"""Fetching documents, scripts, grammars and data for the interpreter.

A fetcher turns a :class:`FetchRequest` into a :class:`FetchResponse` or raises
:class:`FetchError` (which the interpreter throws as ``error.badfetch``). Three transports:
files (``file://`` URLs and plain paths), HTTP(S) through the standard library, and a WSGI
application called in-process (no socket, no port).

Every fetch is bounded by :class:`FetchLimits`: a largest body and a total time (a server that
drip-feeds its answer is cut off at the deadline, not only one that never answers). Which
origins a call may fetch from is the session's rule (:func:`is_local_url`): once a call has run
a document that came over HTTP(S) or WSGI, it reads no local file.
"""

from __future__ import annotations

import functools
import http.client
import io
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "DEFAULT_FETCH_MAX_BYTES",
    "DEFAULT_FETCH_TIME_LIMIT",
    "FetchError",
    "FetchLimits",
    "FetchRequest",
    "FetchResponse",
    "Fetcher",
    "FileFetcher",
    "HttpFetcher",
    "RoutingFetcher",
    "Upload",
    "WsgiFetcher",
    "default_fetcher",
    "encode_form",
    "is_local_url",
    "resolve_url",
]

DEFAULT_FETCH_MAX_BYTES = 16 * 1024 * 1024
"""The largest body a fetch accepts by default (16 MiB): documents, scripts and grammars are small."""
DEFAULT_FETCH_TIME_LIMIT = 30.0
"""The longest a fetch may take by default, in seconds, from connecting to the last byte."""


@dataclass(frozen=True)
class FetchLimits:
    """Bounds on one fetch: the body's size in bytes and the total time in seconds.

    A ``fetchtimeout`` shorter than ``time_limit`` is honoured; a longer one is cut to it.
    """

    max_bytes: int = DEFAULT_FETCH_MAX_BYTES
    time_limit: float = DEFAULT_FETCH_TIME_LIMIT

    def __post_init__(self) -> None:
        if self.max_bytes < 1:
            raise ValueError(f"the fetch size limit must be at least 1 byte, not {self.max_bytes}")
        if not self.time_limit > 0:
            raise ValueError(f"the fetch time limit must be more than 0 seconds, not {self.time_limit}")

    def too_large(self, url: str, size: int | None = None) -> FetchError:
        """The error for a body past :attr:`max_bytes`."""
        seen = f" ({size} bytes)" if size is not None else ""
        return FetchError(f"the answer for {url} is larger than the fetch size limit of {self.max_bytes} bytes{seen}", url=url)

    def too_slow(self, url: str, seconds: float) -> FetchError:
        """The error for a fetch that did not finish in time."""
        return FetchError(f"fetching {url} took longer than the fetch time limit of {seconds:g} s", url=url)


def is_local_url(url: str) -> bool:
    """True for a URL that names a local file: ``file:`` or a plain path (no scheme)."""
    if url.startswith("file:"):
        return True
    scheme = urllib.parse.urlsplit(url).scheme
    # "C:\\x" has a one-letter scheme on Windows; a URL scheme is longer
    return not scheme or len(scheme) == 1


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart/form-data body (a recording, for instance)."""

    filename: str
    content: bytes
    content_type: str = "audio/x-wav"


FormValue = str | Upload


@dataclass(frozen=True)
class FetchRequest:
    """One request for a document or resource."""

    url: str
    method: str = "GET"
    data: Mapping[str, FormValue] | None = None
    enctype: str = "application/x-www-form-urlencoded"
    timeout: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchResponse:
    """The answer to a :class:`FetchRequest`."""

    url: str
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (replacing undecodable bytes)."""
        return self.body.decode("utf-8", errors="replace")


class FetchError(Exception):
    """A fetch failed: the interpreter throws it as ``error.badfetch`` (or a sub-event)."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status

    @property
    def event(self) -> str:
        """The VoiceXML event name: ``error.badfetch.http.<status>`` when an HTTP status is known."""
        return f"error.badfetch.http.{self.status}" if self.status else "error.badfetch"


class Fetcher(Protocol):
    """Anything that can answer a :class:`FetchRequest`."""

    def fetch(self, request: FetchRequest) -> FetchResponse:  # pragma: no cover - protocol
        ...


@functools.lru_cache(maxsize=4096)
def resolve_url(base: str | None, ref: str) -> str:
    """Resolve ``ref`` against ``base`` (a URL or a plain path); remembered, as documents repeat."""
    if not base:
        return ref
    if "://" not in base and not base.startswith("file:"):
        if "://" in ref or ref.startswith(("file:", "builtin:")):
            return ref
        if ref.startswith("#"):
            return base.split("#", 1)[0] + ref
        base_path = base.split("#", 1)[0]
        path, _, fragment = ref.partition("#")
        joined = os.path.normpath(os.path.join(os.path.dirname(base_path), path)) if path else base_path
        return joined + ("#" + fragment if fragment else "")
    if ref.startswith("/") and not ref.startswith("//") and base.startswith(("http://", "https://")):
        # an absolute path (what a server's links mostly are): the base's origin and the path,
        # unless dot segments need the full algorithm
        path = ref.partition("?")[0].partition("#")[0]
        if "/." not in path:
            start = base.index("://") + 3
            end = min((i for i in (base.find("/", start), base.find("?", start), base.find("#", start)) if i != -1), default=len(base))
            return base[:end] + ref
    return urllib.parse.urljoin(base, ref)


def encode_form(data: Mapping[str, FormValue], enctype: str) -> tuple[bytes, str]:
    """Encode form fields as a request body; returns (body, content type)."""
    if enctype.lower().startswith("multipart/form-data"):
        boundary = "vxmlkit-" + uuid.uuid4().hex
        out = io.BytesIO()
        for name, value in data.items():
            out.write(f"--{boundary}\r\n".encode())
            if isinstance(value, Upload):
                out.write(
                    f'Content-Disposition: form-data; name="{_quote_header(name)}"; '
                    f'filename="{_quote_header(value.filename)}"\r\n'
                    f"Content-Type: {value.content_type}\r\n\r\n".encode()
                )
                out.write(value.content)
            else:
                out.write(f'Content-Disposition: form-data; name="{_quote_header(name)}"\r\n\r\n'.encode())
                out.write(str(value).encode("utf-8"))
            out.write(b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
        return out.getvalue(), f"multipart/form-data; boundary={boundary}"
    if enctype.lower() != "application/x-www-form-urlencoded":
        raise ValueError(f"unsupported enctype {enctype!r} (use application/x-www-form-urlencoded or multipart/form-data)")
    pairs = [(name, value.filename if isinstance(value, Upload) else str(value)) for name, value in data.items()]
    return urllib.parse.urlencode(pairs).encode("ascii"), "application/x-www-form-urlencoded"


def _quote_header(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")


def _with_query(url: str, data: Mapping[str, FormValue] | None) -> str:
    if not data:
        return url
    query = urllib.parse.urlencode(
        [(name, value.filename if isinstance(value, Upload) else str(value)) for name, value in data.items()]
    )
    base, _, fragment = url.partition("#")
    return base + ("&" if "?" in base else "?") + query + ("#" + fragment if fragment else "")


def _guess_content_type(path: str) -> str:
    lower = path.lower()
    if lower.endswith((".vxml", ".txml")):
        return "application/voicexml+xml"
    if lower.endswith(".grxml"):
        return "application/srgs+xml"
    if lower.endswith(".js"):
        return "application/javascript"
    if lower.endswith(".json"):
        return "application/json"
    if lower.endswith(".xml"):
        return "application/xml"
    if lower.endswith(".wav"):
        return "audio/x-wav"
    return "application/octet-stream"


class FileFetcher:
    """Reads ``file://`` URLs and plain paths; a query string or form data is ignored."""

    def __init__(self, *, limits: FetchLimits | None = None) -> None:
        self.limits = limits or FetchLimits()

    def fetch(self, request: FetchRequest) -> FetchResponse:
        url = request.url.split("#", 1)[0]
        if url.startswith("file:"):
            parsed = urllib.parse.urlsplit(url)
            path = urllib.request.url2pathname(parsed.path)
        else:
            path = url.split("?", 1)[0]
        try:
            with Path(path).open("rb") as source:
                body = source.read(self.limits.max_bytes + 1)
        except FileNotFoundError as exc:
            raise FetchError(f"cannot read {path}: no such file", url=request.url, status=404) from exc
        except OSError as exc:
            raise FetchError(f"cannot read {path}: {exc.strerror or exc}", url=request.url) from exc
        if len(body) > self.limits.max_bytes:
            raise self.limits.too_large(request.url)
        return FetchResponse(url=request.url, status=200, content_type=_guess_content_type(path), body=body)


class _Watch:
    """Closes the sockets of one fetch when its total time runs out (a drip-fed answer stops)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watch:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def attach(self, sock: socket.socket | None) -> None:
        """Watch ``sock``: it is shut down if the fetch outlives its time."""
        if sock is None:
            return
        with self._lock:
            if self.expired:
                sock.close()
            self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _watched(base: type[http.client.HTTPConnection], watch: _Watch) -> Callable[..., http.client.HTTPConnection]:
    """A connection class of ``base`` whose socket ``watch`` may shut down."""

    class Watched(base):  # type: ignore[valid-type, misc]
        def connect(self) -> None:
            super().connect()
            watch.attach(self.sock)

    return Watched


class _WatchedHttp(urllib.request.HTTPHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_watched(http.client.HTTPConnection, self.watch), req)


class _WatchedHttps(urllib.request.HTTPSHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_watched(http.client.HTTPSConnection, self.watch), req)


class HttpFetcher:
    """HTTP(S) through urllib: fetchtimeout honoured; status >= 400, refused connections,
    timeouts and answers past the :class:`FetchLimits` become :class:`FetchError`."""

    def __init__(self, *, default_timeout: float = 30.0, user_agent: str = "vxmlkit-browser", limits: FetchLimits | None = None) -> None:
        self.default_timeout = default_timeout
        self.user_agent = user_agent
        self.limits = limits or FetchLimits()

    def fetch(self, request: FetchRequest) -> FetchResponse:
        method = request.method.upper()
        url = request.url.split("#", 1)[0]
        body: bytes | None = None
        headers = {"User-Agent": self.user_agent, **dict(request.headers)}
        if method == "POST":
            body, content_type = encode_form(request.data or {}, request.enctype)
            headers["Content-Type"] = content_type
        else:
            url = _with_query(url, request.data)
        http_request = urllib.request.Request(url, data=body, headers=headers, method=method)
        timeout = min(request.timeout if request.timeout is not None else self.default_timeout, self.limits.time_limit)
        with _Watch(timeout) as watch:
            opener = urllib.request.build_opener(_WatchedHttp(watch), _WatchedHttps(watch))
            try:
                with opener.open(http_request, timeout=timeout) as answer:
                    return FetchResponse(
                        url=answer.geturl(),
                        status=answer.status,
                        content_type=answer.headers.get("Content-Type", ""),
                        body=self._read(answer, url, watch),
                    )
            except FetchError:
                raise
            except urllib.error.HTTPError as exc:
                raise FetchError(f"HTTP {exc.code} {exc.reason} for {method} {url}", url=url, status=exc.code) from exc
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if watch.expired or isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
                    raise self.limits.too_slow(url, timeout) from exc
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                raise FetchError(f"cannot fetch {url}: {reason}", url=url) from exc

    def _read(self, answer: http.client.HTTPResponse, url: str, watch: _Watch) -> bytes:
        """The body, chunk by chunk, stopped past the size limit or the deadline."""
        declared = answer.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise self.limits.too_large(url, int(declared))
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = answer.read1(65536)
            if watch.expired:
                raise self.limits.too_slow(url, watch.seconds)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise self.limits.too_large(url)
            chunks.append(chunk)


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WsgiFetcher:
    """Calls a WSGI application in-process (a Flask app, or any WSGI callable).

    URLs under ``base_url`` are sent to the app; relative paths are taken as paths in the app.
    """

    def __init__(self, app: WsgiApp, base_url: str = "http://localhost", *, limits: FetchLimits | None = None) -> None:
        self.app = app
        self.limits = limits or FetchLimits()
        self.base_url = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.base_url)
        self._scheme = parts.scheme or "http"
        self._host = parts.hostname or "localhost"
        self._port = str(parts.port or (443 if self._scheme == "https" else 80))
        self._script_name = parts.path.rstrip("/")

    def reads_local_file(self, url: str) -> bool:
        """Never: the app answers every URL this fetcher takes."""
        return False

    def handles(self, url: str) -> bool:
        """True when ``url`` belongs to the app."""
        return url == self.base_url or url.startswith((self.base_url + "/", self.base_url + "?"))

    def fetch(self, request: FetchRequest) -> FetchResponse:
        url = request.url.split("#", 1)[0]
        if url.startswith("file:"):
            raise FetchError(f"{url} is not a URL of the app at {self.base_url}", url=url)
        if url.startswith("/"):
            url = self.base_url + url[len(self._script_name):] if self._script_name and url.startswith(self._script_name) else self.base_url + url
        parts = urllib.parse.urlsplit(url)
        method = request.method.upper()
        body = b""
        content_type = ""
        query = parts.query
        if method == "POST":
            body, content_type = encode_form(request.data or {}, request.enctype)
        elif request.data:
            extra = urllib.parse.urlencode(
                [(k, v.filename if isinstance(v, Upload) else str(v)) for k, v in request.data.items()]
            )
            query = query + "&" + extra if query else extra
        path = parts.path or "/"
        if self._script_name and path.startswith(self._script_name):
            path = path[len(self._script_name):] or "/"
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": self._script_name,
            "PATH_INFO": urllib.parse.unquote(path, encoding="latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": self._host,
            "SERVER_PORT": self._port,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": parts.netloc or self._host,
            "HTTP_USER_AGENT": "vxmlkit-browser",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme or self._scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if method == "POST":
            environ["CONTENT_TYPE"] = content_type
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in request.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key[5:]] = value
            else:
                environ[key] = value
        status_line: list[str] = []
        response_headers: list[tuple[str, str]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            status_line[:] = [status]
            response_headers[:] = headers
            return keep

        chunks: list[bytes] = []
        size = 0

        def keep(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise self.limits.too_large(url)
            chunks.append(chunk)

        result = self.app(environ, start_response)
        try:
            for chunk in result:
                keep(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status = int(status_line[0].split(" ", 1)[0]) if status_line else 500
        answer_type = next((v for k, v in response_headers if k.lower() == "content-type"), "")
        if status >= 400:
            raise FetchError(f"HTTP {status_line[0] if status_line else status} for {method} {url}", url=url, status=status)
        if status in (301, 302, 303, 307, 308):
            location = next((v for k, v in response_headers if k.lower() == "location"), None)
            if location:
                keep = status in (307, 308)
                return self.fetch(
                    FetchRequest(
                        url=urllib.parse.urljoin(url, location),
                        method=method if keep else "GET",
                        data=request.data if keep else None,
                        enctype=request.enctype,
                        timeout=request.timeout,
                        headers=request.headers,
                    )
                )
        return FetchResponse(url=url, status=status, content_type=answer_type, body=b"".join(chunks))


class RoutingFetcher:
    """Sends URLs under a WSGI app's base URL to the app, file paths to the file reader,
    and everything else over HTTP."""

    def __init__(
        self, wsgi: WsgiFetcher | None = None, *, files: Fetcher | None = None, http: Fetcher | None = None, limits: FetchLimits | None = None
    ) -> None:
        self.wsgi = wsgi
        self.files = files or FileFetcher(limits=limits)
        self.http = http or HttpFetcher(limits=limits)

    def _to_app(self, url: str) -> bool:
        assert self.wsgi is not None
        return self.wsgi.handles(url) or url.startswith("/") and "://" not in url and not os.path.exists(url.split("?", 1)[0])

    def reads_local_file(self, url: str) -> bool:
        """True when ``url`` would be read from the local disk."""
        if self.wsgi is not None and self._to_app(url):
            return False
        return is_local_url(url)

    def fetch(self, request: FetchRequest) -> FetchResponse:
        url = request.url
        if self.wsgi is not None and self._to_app(url):
            return self.wsgi.fetch(request)
        if url.startswith(("http://", "https://")):
            return self.http.fetch(request)
        return self.files.fetch(request)


def default_fetcher(app: WsgiApp | None = None, base_url: str = "http://localhost", *, limits: FetchLimits | None = None) -> RoutingFetcher:
    """Files and HTTP; plus a WSGI app under ``base_url`` when one is given; all bounded by ``limits``."""
    return RoutingFetcher(WsgiFetcher(app, base_url, limits=limits) if app is not None else None, limits=limits)
