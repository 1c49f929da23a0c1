"""The retry rule: a refused connection is tried again, a request that left is never sent twice."""

from __future__ import annotations

import socket
import threading

import pytest

from vxmlkit.sms.http import http_request, safe_url
from vxmlkit.sms.models import GatewayTimeoutError, GatewayUnreachableError, SmsConfigurationError


def wait_until(condition, seconds: float = 5.0) -> None:
    event = threading.Event()
    for _ in range(int(seconds * 100)):
        if condition():
            return
        event.wait(0.01)


def test_refused_connection_is_retried_and_the_request_sent_once(new_provider, serve_on) -> None:
    state = new_provider()
    state.answer = lambda seen: state.reply(200, "ok", "text/plain")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    delays: list[float] = []

    def sleep(delay: float) -> None:
        # The provider comes up while the client waits to try again.
        delays.append(delay)
        if len(delays) == 1:
            serve_on(state, sock)

    answer = http_request("POST", f"http://127.0.0.1:{port}/ws", body=b"x=1", sleep=sleep, retry_delay=0.01)
    assert answer.status == 200
    assert answer.text() == "ok"
    assert delays == [0.01]
    assert state.count() == 1


def test_refused_connection_gives_up_after_the_retries(closed_port: int) -> None:
    delays: list[float] = []
    with pytest.raises(GatewayUnreachableError) as caught:
        http_request("GET", f"http://127.0.0.1:{closed_port}/", connect_retries=2, sleep=delays.append)
    assert delays == [0.1, 0.2]
    assert "refused (3 attempts)" in str(caught.value)
    assert caught.value.reason == "gateway unreachable"


def test_no_retry_without_retries(closed_port: int) -> None:
    delays: list[float] = []
    with pytest.raises(GatewayUnreachableError, match="1 attempts"):
        http_request("GET", f"http://127.0.0.1:{closed_port}/", connect_retries=0, sleep=delays.append)
    assert delays == []


def test_timeout_after_sending_is_not_retried(provider) -> None:
    provider.answer = lambda seen: provider.reply(200, "late", "text/plain", hold=True)
    delays: list[float] = []
    with pytest.raises(GatewayTimeoutError) as caught:
        http_request("POST", provider.base_url + "/send", body=b"a=1", timeout=0.3, sleep=delays.append)
    wait_until(lambda: provider.count() >= 1)
    assert provider.count() == 1
    assert delays == []
    assert caught.value.reason == "gateway timeout"


def test_non_http_urls_are_refused() -> None:
    with pytest.raises(SmsConfigurationError, match="not an http"):
        http_request("GET", "ftp://example.org/x")


def test_safe_url_drops_credentials_and_query() -> None:
    assert safe_url("http://user:pw@127.0.0.1:9509/api?Password=abc#x") == "http://127.0.0.1:9509/api"


def test_timeout_must_be_positive() -> None:
    with pytest.raises(SmsConfigurationError, match="positive"):
        http_request("GET", "http://127.0.0.1:9/", timeout=0)

