"""The app ``vxmlkit serve`` runs, and how the CLI finds a user's app.

``create_app()`` serves the example flows with zero set-up: the store and a generated secret
key live in ``./instance`` (or ``VXMLKIT_INSTANCE_PATH``). Production runs the same factory, or
the user's own, under gunicorn::

    gunicorn 'vxmlkit.app:create_app()'
"""

from __future__ import annotations

import importlib
import os
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .extension import VxmlKit
from .flow import Flow
from .settings import Settings

__all__ = ["create_app", "example_flows", "instance_folder", "load_app"]


def example_flows() -> list[type[Flow]]:
    """The example flows: ``apps/`` in a source checkout, ``vxmlkit.examples`` when installed."""
    try:
        module = importlib.import_module("vxmlkit.examples")
    except ImportError:
        module = importlib.import_module("apps")
    return list(module.FLOWS)


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder, made on first use (shared by every worker).

    Workers starting together on an empty folder race to make it: each writes its own candidate
    to a private temporary file and links it into place, which succeeds for exactly one of them;
    every worker then reads the winner's secret.
    """
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd, candidate = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32))
            try:
                os.link(candidate, path)  # atomic, and never replaces a secret already made
            except FileExistsError:
                pass
        finally:
            os.unlink(candidate)
    secret = path.read_text().strip()
    if not secret:
        raise RuntimeError(f"the secret file {path} is empty: delete it to have a new one made")
    return secret


def instance_folder(config: Mapping[str, Any] | None = None) -> Path:
    """Where the example app keeps its store and secret key: ``VXMLKIT_INSTANCE_PATH`` or ``./instance``."""
    return Path(Settings(config)["VXMLKIT_INSTANCE_PATH"]).resolve()


def create_app(config: Mapping[str, Any] | None = None, *, flows: Iterable[type[Flow]] | None = None) -> Flask:
    """A Flask app serving ``flows`` (default: the example flows) with vxmlkit's defaults.

    ``config`` overrides settings (any ``VXMLKIT_*`` key, ``SECRET_KEY``, ``TESTING`` ...);
    unset ``VXMLKIT_*`` keys also come from the environment.
    """
    settings = Settings(config)
    instance = instance_folder(config)
    app = Flask("vxmlkit", instance_path=str(instance), instance_relative_config=True)
    if config:
        app.config.update(config)
    if not (settings["VXMLKIT_SECRET_KEY"] or app.config.get("SECRET_KEY")):
        app.config["VXMLKIT_SECRET_KEY"] = _instance_secret(instance)
    VxmlKit(app, flows=example_flows() if flows is None else flows)
    return app


def load_app(spec: str | None = None) -> Flask:
    """The app named by ``spec`` (see :mod:`vxmlkit.discovery`); None: :func:`create_app`."""
    from .discovery import import_app

    return import_app(spec) if spec else create_app()
