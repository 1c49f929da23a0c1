"""A development console in the browser: dial a flow, play the caller, see inside the call.

Mounted at ``<prefix>/_console/`` when the app is in debug mode or ``VXMLKIT_CONSOLE`` is on
(never by default in production), behind a token signed with the app's vxmlkit secret:
``vxmlkit serve --console`` prints the page's URL. Each browser tab's call runs in the same
simulator the tests use, on a store of its own (:mod:`vxmlkit.console.sandbox`), so what the
page shows is what a test would see. The page is plain HTML, CSS and a little JavaScript
shipped in the package: no build step, nothing fetched from elsewhere.
"""

from __future__ import annotations

from flask import Flask

from ..extension import VxmlKit
from .views import console_token, make_console_blueprint

__all__ = ["init_console", "console_url", "console_enabled"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def console_enabled(app: Flask) -> bool:
    """Whether ``app`` mounts the console: ``VXMLKIT_CONSOLE`` when set, else debug mode."""
    value = app.config.get("VXMLKIT_CONSOLE")
    if value is None or value == "":
        return bool(app.debug)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError(f"VXMLKIT_CONSOLE must be 1 or 0 (true/false, on/off), not {value!r}")
    return bool(value)


def init_console(app: Flask, kit: VxmlKit) -> None:
    """Mount the console on ``app`` under ``<prefix>/_console``."""
    prefix = str(app.config["VXMLKIT_URL_PREFIX"]).rstrip("/")
    app.register_blueprint(make_console_blueprint(kit), url_prefix=f"{prefix}/_console")


def console_url(app: Flask, kit: VxmlKit, base: str) -> str:
    """The console page's URL under ``base`` (such as ``http://127.0.0.1:8000``), with its token."""
    prefix = str(app.config["VXMLKIT_URL_PREFIX"]).rstrip("/")
    return f"{base.rstrip('/')}{prefix}/_console/?t={console_token(kit)}"
