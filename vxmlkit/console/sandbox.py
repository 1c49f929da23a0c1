"""The console's calls run in a sandbox: a copy of the served app with a store of its own.

A console call must never write test sessions into the app's real store or send a real text
message, so each one gets a private Flask app serving the same flow classes and templates, a
temporary SQLite file and an in-memory SMS gateway. That app is what :class:`Simulator` dials,
so the console shows exactly what a test would see.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from flask import Flask

from ..extension import VxmlKit

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

    def __init__(self, served: Flask, kit: VxmlKit) -> None:
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

    def close(self) -> None:
        from ..extension import get_kit

        try:
            get_kit(self.app).store.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
