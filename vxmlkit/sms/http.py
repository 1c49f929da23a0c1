"""The one HTTP exchange an SMS gateway makes, with the retry rule that keeps a message from
being sent twice.

A request is retried only when it provably never reached the provider: the TCP connection was
refused, so not a byte of the request left. Once the connection is open and the request is on
its way, any failure (a timeout, a reset) is final: the provider may have queued the message,
and sending it again could text the caller twice.
"""

from __future__ import annotations

import http.client
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from vxmlkit.sms.models import (
    GatewayConnectionError,
    GatewayTimeoutError,
    GatewayUnreachableError,
    SmsConfigurationError,
)

__all__ = ["HttpAnswer", "http_request", "safe_url"]

_MAX_BODY = 1 << 20


@dataclass(frozen=True)
class HttpAnswer:
    """A provider's HTTP answer."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def redirect(self) -> str | None:
        """For a redirect, a note naming where to (gateways do not follow redirects: a POST
        that is replayed elsewhere could send twice); else None."""
        location = self.headers.get("location")
        if 300 <= self.status < 400 and location:
            return f"redirected to {safe_url(location)}: configure that URL instead"
        return None


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment: what may appear in logs and errors."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    connect_retries: int = 2,
    retry_delay: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpAnswer:
    """Make one HTTP request and return the answer, whatever its status.

    A refused connection is tried again up to ``connect_retries`` times, ``retry_delay``
    seconds apart (doubling), while time is left; then :class:`GatewayUnreachableError`. A host
    that cannot be resolved or reached is unreachable at once. ``timeout`` is the time allowed
    for the whole exchange (each wait gets what is left of it): a timeout after the connection
    opened raises :class:`GatewayTimeoutError`, other failures after that point
    :class:`GatewayConnectionError`; neither is retried.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SmsConfigurationError(f"the gateway URL {safe_url(url)!r} is not an http(s) URL")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    where = safe_url(url)
    if not timeout > 0:
        raise SmsConfigurationError(f"the gateway timeout must be positive, not {timeout!r}")
    deadline = time.monotonic() + timeout

    def time_left() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    conn: http.client.HTTPConnection | None = None
    delay = retry_delay
    attempt = 0
    while True:
        try:
            if parts.scheme == "https":
                conn = http.client.HTTPSConnection(
                    parts.hostname, parts.port, timeout=time_left(), context=ssl.create_default_context()
                )
            else:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=time_left())
            conn.connect()
            break
        except ConnectionRefusedError as exc:
            _close(conn)
            if attempt >= connect_retries or deadline - time.monotonic() <= delay:
                raise GatewayUnreachableError(
                    detail=f"connection to {where} refused ({attempt + 1} attempts)"
                ) from exc
            attempt += 1
            sleep(delay)
            delay *= 2
        except TimeoutError as exc:
            _close(conn)
            raise GatewayUnreachableError(detail=f"no connection to {where} within {timeout:g} s") from exc
        except OSError as exc:
            _close(conn)
            raise GatewayUnreachableError(detail=f"cannot connect to {where}: {exc.strerror or exc}") from exc

    # From here on the request may have reached the provider: nothing below retries.
    try:
        _limit(conn, time_left())
        conn.request(method, target, body=body, headers=dict(headers or {}))
        _limit(conn, time_left())
        response = conn.getresponse()
        _limit(conn, time_left())
        payload = response.read(_MAX_BODY)
        return HttpAnswer(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=payload,
        )
    except TimeoutError as exc:
        raise GatewayTimeoutError(detail=f"no answer from {where} within {timeout:g} s") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise GatewayConnectionError(detail=f"connection to {where} failed after sending: {exc}") from exc
    finally:
        conn.close()


def _close(conn: http.client.HTTPConnection | None) -> None:
    if conn is not None:
        conn.close()


def _limit(conn: http.client.HTTPConnection, seconds: float) -> None:
    """Let the next network wait on ``conn`` last at most ``seconds``."""
    if conn.sock is not None:
        conn.sock.settimeout(seconds)
