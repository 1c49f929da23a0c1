"""A sandbox: a private copy of an app, serving the same flows on a store of its own.

Whatever dials a served app's flows for a look (the development console, a diagram drawn while
serving) must never write sessions into the app's real store or send a real text message. A
sandbox is a Flask app with the same flow classes, templates and document settings, a
temporary SQLite file and the local outbox; :class:`~vxmlkit.testing.Simulator` dials it, so
what it shows is exactly what a test would see. :meth:`Sandbox.close` removes it.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from flask import Flask

from ..extension import VxmlKit, get_kit

__all__ = ["Sandbox"]

#: Settings copied from the served app: they change what a document says or how it is built.
_COPIED = (
    "VXMLKIT_URL_PREFIX",
    "VXMLKIT_VOICEXML_VERSION",
    "VXMLKIT_LANG",
    "VXMLKIT_TEMPLATE_FOLDERS",
    "VXMLKIT_MAX_INPUT_LENGTH",
    "VXMLKIT_MAX_RECORDING_BYTES",
    "VXMLKIT_SMS_DEFAULT_REGION",
    "VXMLKIT_SMS_SENDER",
    "VXMLKIT_SMS_MAX_LENGTH",
)


class Sandbox:
    """A private app serving ``kit``'s flows on a temporary store (removed by :meth:`close`)."""

    def __init__(self, served: Flask, kit: VxmlKit | None = None) -> None:
        kit = kit if kit is not None else get_kit(served)
        self.folder = Path(tempfile.mkdtemp(prefix="vxmlkit-console-"))
        app = Flask(
            served.import_name,
            root_path=served.root_path,
            template_folder=served.template_folder,
            instance_path=str(self.folder / "instance"),
        )
        app.config.update({key: served.config[key] for key in _COPIED if served.config.get(key) is not None})
        app.config.update(
            TESTING=True,
            VXMLKIT_SECRET_KEY=secrets.token_urlsafe(32),
            VXMLKIT_DATABASE_URL=f"sqlite:///{self.folder / 'console.sqlite3'}",
            VXMLKIT_SMS_GATEWAY="outbox",
            VXMLKIT_STRICT_DOCUMENTS=True,
            VXMLKIT_CONSOLE=False,
        )
        VxmlKit(app, flows=kit.flows.values())
        self.app = app

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            get_kit(self.app).store.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
