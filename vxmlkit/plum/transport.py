"""A small HTTP transport on the standard library, shared by the Plum clients.

Redirects are not followed: a form carrying credentials must never be re-sent to another
address behind the caller's back, so a 3xx answer comes back as an answer like any other.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import Message

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes sent so far, total bytes) while a request body is uploaded."""

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpAnswer:
    """One HTTP answer: status code, decoded body, headers."""

    status: int
    body: str
    headers: Mapping[str, str]


class TransportError(Exception):
    """The request got no HTTP answer (timeout, refused connection, DNS failure ...)."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _chunks(body: bytes, on_progress: ProgressCallback | None) -> Iterator[bytes]:
    total = len(body)
    for start in range(0, total, _CHUNK):
        chunk = body[start : start + _CHUNK]
        yield chunk
        if on_progress is not None:
            on_progress(start + len(chunk), total)


def _decode(data: bytes, headers: Message) -> str:
    charset = headers.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def send(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    on_progress: ProgressCallback | None = None,
) -> HttpAnswer:
    """Send one request and return the answer, whatever its status code.

    Raises :class:`TransportError` when no answer arrives within ``timeout`` seconds or the
    connection fails. The error message names the URL but never the body.
    """
    all_headers = dict(headers or {})
    data: bytes | Iterator[bytes] | None = body
    if body is not None:
        all_headers["Content-Length"] = str(len(body))
        data = _chunks(body, on_progress)
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpAnswer(response.status, _decode(response.read(), response.headers), dict(response.headers))
    except urllib.error.HTTPError as error:
        payload = error.read() if error.fp is not None else b""
        return HttpAnswer(error.code, _decode(payload, error.headers), dict(error.headers or {}))
    except TimeoutError as error:
        raise TransportError(f"{method} {url} got no answer within {timeout} s", timed_out=True) from error
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            raise TransportError(f"{method} {url} got no answer within {timeout} s", timed_out=True) from error
        raise TransportError(f"{method} {url} failed: {reason}", timed_out=False) from error
    except OSError as error:
        raise TransportError(f"{method} {url} failed: {error}", timed_out=False) from error


@dataclass(frozen=True)
class FilePart:
    """A file field of a multipart/form-data body."""

    filename: str
    content: bytes
    content_type: str = "text/csv"


def encode_multipart(fields: Mapping[str, str | FilePart]) -> tuple[bytes, str]:
    """Encode form fields and files as multipart/form-data; return (body, content type)."""
    boundary = f"vxmlkit-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        quoted_name = name.replace('"', "%22")
        if isinstance(value, FilePart):
            filename = value.filename.replace('"', "%22").replace("\r", "").replace("\n", "")
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted_name}"; filename="{filename}"\r\n'
                f"Content-Type: {value.content_type}\r\n\r\n"
            )
            parts.append(head.encode("utf-8") + value.content + b"\r\n")
        else:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted_name}"\r\n\r\n'
            parts.append(head.encode("utf-8") + value.encode("utf-8") + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
