"""One emulator: the platform's state, its clock and callee rules, the dialer, the scheduler
API, and the WSGI app that serves them (on werkzeug's threaded server for ``vxmlkit emulate``,
or on any server a test chooses)."""

from __future__ import annotations

import threading
import time
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from vxmlkit.emulator.app import create_app
from vxmlkit.emulator.callees import CalleeRules
from vxmlkit.emulator.clock import Clock
from vxmlkit.emulator.dialer import Dialer
from vxmlkit.emulator.scheduler import SchedulerApi
from vxmlkit.emulator.state import Platform, Settings

__all__ = ["Emulator", "client_settings"]


def client_settings(base_url: str, settings: Settings) -> dict[str, str]:
    """The vxmlkit settings (environment variables) that point ``vxmlkit call``,
    ``vxmlkit campaign``, the scheduler client and the ``plum`` SMS gateway at an emulator
    listening at ``base_url`` with the account ``settings``."""
    sms_login, sms_password = settings.sms_credentials
    return {
        "VXMLKIT_PLUM_OUTBOUND_URL": base_url,
        "VXMLKIT_PLUM_LOGIN": settings.login,
        "VXMLKIT_PLUM_PIN": settings.pin,
        "VXMLKIT_PLUM_SCHEDULER_URL": base_url + "/api",
        "VXMLKIT_PLUM_SCHEDULER_TOKEN": settings.token,
        "VXMLKIT_SMS_GATEWAY": "plum",
        "VXMLKIT_PLUM_SMS_URL": base_url,
        "VXMLKIT_PLUM_PASSWORD": sms_password,
    }


class Emulator:
    """A local stand-in for Plum's outbound, scheduler and SMS services.

    ``dial=False`` serves the APIs without ever placing a call (the queue only fills), which
    is what a client's own tests need.
    """

    def __init__(self, settings: Settings | None = None, *, clock: Clock | None = None,
                 callees: CalleeRules | None = None, dial: bool = True) -> None:
        self.settings = settings or Settings()
        self.clock = clock or Clock()
        self.platform = Platform(self.settings, self.clock, callees or CalleeRules())
        self.scheduler = SchedulerApi(self.platform)
        self.platform.scheduler = self.scheduler
        self.dialer = Dialer(self.platform) if dial else None
        self.app = create_app(self)
        self._server: BaseWSGIServer | None = None
        self._server_thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0: a free port) in a background thread and start dialing;
        return the base URL."""
        self._server = make_server(host, port, self.app, threaded=True)
        self._server_thread = threading.Thread(target=self._server.serve_forever, name="emulator-http", daemon=True)
        self._server_thread.start()
        if self.dialer is not None:
            self.dialer.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        """Where the emulator listens."""
        assert self._server is not None, "the emulator is not serving"
        return f"http://{self._server.host}:{self._server.port}"

    def serve_forever(self, host: str, port: int) -> None:
        """Serve in this thread until interrupted (``vxmlkit emulate``)."""
        self._server = make_server(host, port, self.app, threaded=True)
        if self.dialer is not None:
            self.dialer.start()
        try:
            self._server.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop dialing and serving."""
        if self.dialer is not None:
            self.dialer.stop()
        if self._server is not None and self._server_thread is not None:
            self._server.shutdown()
            self._server_thread.join(timeout=10)
        if self._server is not None:
            self._server.server_close()
            self._server = None

    def wait_idle(self, timeout: float, *, poll: float = 0.05) -> bool:
        """Wait until nothing is queued, dialing or owed (real seconds); True when idle."""
        deadline = time.monotonic() + timeout
        event = threading.Event()
        while time.monotonic() < deadline:
            if self.platform.idle():
                return True
            event.wait(poll)
        return self.platform.idle()
