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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .extension import VxmlKit
from .flow import Flow

__all__ = ["create_app", "example_flows", "instance_folder", "load_app"]


def example_flows() -> list[type[Flow]]:
    """The example flows: ``apps/`` in a source checkout, ``vxmlkit.examples`` when installed."""
    try:
        module = importlib.import_module("vxmlkit.examples")
    except ImportError:
        module = importlib.import_module("apps")
    return list(module.FLOWS)


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder, made on first use (shared by every worker)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600) if not path.exists() else None
        if fd is not None:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def instance_folder() -> Path:
    """Where the example app keeps its store and secret key: ``VXMLKIT_INSTANCE_PATH`` or ``./instance``."""
    return Path(os.environ.get("VXMLKIT_INSTANCE_PATH", "instance")).resolve()


def create_app(config: Mapping[str, Any] | None = None, *, flows: Iterable[type[Flow]] | None = None) -> Flask:
    """A Flask app serving ``flows`` (default: the example flows) with vxmlkit's defaults.

    ``config`` overrides settings (any ``VXMLKIT_*`` key, ``SECRET_KEY``, ``TESTING`` ...);
    unset ``VXMLKIT_*`` keys also come from the environment.
    """
    instance = instance_folder()
    app = Flask("vxmlkit", instance_path=str(instance), instance_relative_config=True)
    if config:
        app.config.update(config)
    if not (app.config.get("VXMLKIT_SECRET_KEY") or os.environ.get("VXMLKIT_SECRET_KEY") or app.config.get("SECRET_KEY")):
        app.config["VXMLKIT_SECRET_KEY"] = _instance_secret(instance)
    VxmlKit(app, flows=example_flows() if flows is None else flows)
    return app


def load_app(spec: str | None = None) -> Flask:
    """The app named by ``spec`` (see :mod:`vxmlkit.discovery`); None: :func:`create_app`."""
    from .discovery import import_app

    return import_app(spec) if spec else create_app()
