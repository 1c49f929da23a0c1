"""How the ``vxmlkit`` commands find the app, the way ``flask --app`` and gunicorn do.

The app is named by ``--app``, else ``VXMLKIT_APP``, else ``FLASK_APP``; without any of them
the commands use the example flows (:func:`vxmlkit.app.create_app`) and say so. A name is

- ``module:factory`` or ``module:factory()``: a function returning the Flask app;
- ``module:app``: a Flask app object;
- ``module``: its ``app`` or ``application``, else its ``create_app`` or ``make_app`` factory;
- ``path/to/file.py`` (optionally ``:name``): the module in that file.

The current directory is on the import path, so ``vxmlkit flows --app myivr:create_app``
works from the project's folder without installing it.

Commands that only read an app (``flows``, ``render``, ``simulate``) ask for it with
``ephemeral=True``: the example flows then get no secret key file or database in ``./instance``,
and the caller keeps the app's configured store closed (:meth:`VxmlKit.use_store` a temporary
one before anything touches it).
"""

from __future__ import annotations

import importlib
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # Flask is imported when an app is loaded, not by every command (vxmlkit validate)
    from flask import Flask

__all__ = ["FoundApp", "find_app", "import_app", "app_option", "cli_app", "existing_store", "EXAMPLE_APP", "ENV_VARS"]

#: The app the commands use when none is named.
EXAMPLE_APP = "vxmlkit.app:create_app"
#: Where an app's name is looked for after ``--app``, in order.
ENV_VARS = ("VXMLKIT_APP", "FLASK_APP")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class FoundApp:
    """An app and how it was found."""

    app: Flask
    #: The name it was loaded by, such as ``myivr:create_app``.
    spec: str
    #: ``--app``, ``VXMLKIT_APP``, ``FLASK_APP`` or ``default``.
    source: str
    #: True when the example app signs with a key made for this run (it has none stored).
    throwaway_key: bool = False

    def describe(self) -> str:
        """One line saying which app is used and why."""
        if self.source == "default":
            return f"using the example flows ({EXAMPLE_APP}): no --app, VXMLKIT_APP or FLASK_APP given"
        return f"using app {self.spec} (from {self.source})"


def _import_target(spec: str) -> tuple[Any, str, bool]:
    """(module, attribute or '', whether the attribute was written as a call)."""
    module_part, _, attr = spec.partition(":")
    if module_part.endswith(".py") or os.sep in module_part or "/" in module_part:
        path = Path(module_part).resolve()
        if path.suffix != ".py" or not path.is_file():
            raise LookupError(f"--app {spec!r}: {module_part!r} is not a Python file")
        folder, module_name = str(path.parent), path.stem
    else:
        folder, module_name = os.getcwd(), module_part
    # As flask --app and gunicorn do: the project's folder is importable.
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if exc.name != module_name.split(".")[0] and exc.name != module_name:
            raise  # the app's own import failed: show that error, not "cannot find the app"
        raise LookupError(f"cannot import {module_name!r} for --app {spec!r} (from {folder}): {exc}") from None
    attr = attr.strip()
    return module, attr.removesuffix("()"), attr.endswith("()")


def import_app(spec: str) -> Flask:
    """The Flask app ``spec`` names (see the module docstring); LookupError when it names none."""
    from flask import Flask

    module, attr, _call = _import_target(spec)
    if attr:
        try:
            target = getattr(module, attr)
        except AttributeError:
            raise LookupError(f"{module.__name__!r} has no {attr!r} (--app {spec!r})") from None
        candidates = [target]
    else:
        candidates = [getattr(module, name) for name in ("app", "application", "create_app", "make_app")
                      if hasattr(module, name)]
        if not candidates:
            raise LookupError(f"--app {spec!r}: {module.__name__!r} has no app, application, create_app or make_app")
    target = candidates[0]
    if isinstance(target, Flask):
        return target
    if callable(target):
        app = target()
        if isinstance(app, Flask):
            return app
    raise LookupError(f"--app {spec!r} must name a Flask app or a factory returning one, not {type(target).__name__}")


def _example_app(ephemeral: bool) -> FoundApp:
    from .app import create_app, instance_folder

    config: dict[str, Any] = {}
    if ephemeral and not (os.environ.get("VXMLKIT_SECRET_KEY") or (instance_folder() / "secret_key").exists()):
        # Nothing to keep: a key of the moment signs this run's links.
        config["VXMLKIT_SECRET_KEY"] = secrets.token_urlsafe(32)
    return FoundApp(create_app(config), EXAMPLE_APP, "default", throwaway_key=bool(config))


def find_app(given: str | None = None, *, ephemeral: bool = False) -> FoundApp:
    """The app named by ``given`` (``--app``), ``VXMLKIT_APP`` or ``FLASK_APP``, else the example flows.

    The app's store is opened when first used, not while the app is set up: a command that
    never touches it (``flows``) or swaps in another (``simulate``) leaves no database behind.
    """
    from .extension import DEFER_STORE

    deferred = DEFER_STORE.set(True)
    try:
        if given:
            return FoundApp(import_app(given), given, "--app")
        for name in ENV_VARS:
            value = os.environ.get(name, "").strip()
            if value:
                return FoundApp(import_app(value), value, name)
        return _example_app(ephemeral)
    finally:
        DEFER_STORE.reset(deferred)


def app_option(func: F) -> F:
    """The ``--app`` option every command that reads an app or its store takes."""
    return click.option(
        "--app", "app_spec", metavar="MODULE:FACTORY", default=None,
        help="The Flask app, as module:factory, module:app or path/to/file.py "
             "(default: VXMLKIT_APP, then FLASK_APP, then the example flows).",
    )(func)


def cli_app(given: str | None, *, ephemeral: bool = False, quiet: bool = False) -> FoundApp:
    """:func:`find_app` for a command: a usage error when the app cannot be found, and a line on
    stderr saying which app is used unless ``--app`` named it."""
    try:
        found = find_app(given, ephemeral=ephemeral)
    except LookupError as exc:
        raise click.UsageError(str(exc)) from None
    if found.source != "--app" and not quiet:
        click.echo(f"vxmlkit: {found.describe()}", err=True)
    return found


def existing_store(found: FoundApp) -> Any:
    """The app's configured store, opened only if it exists: a command that reads it (outbox,
    results) must not create an empty one where the app never wrote. A ClickException says
    which database it looked for otherwise."""
    from .extension import get_kit
    from .store import StoreError
    from .store.sqlite import sqlite_path

    kit = get_kit(found.app)
    try:
        path = sqlite_path(kit.database_url)
    except StoreError:
        return kit.store  # another kind of database: it exists or its server says why not
    if path != ":memory:" and not Path(path).is_file():
        raise click.ClickException(
            f"no store at {Path(path).resolve()} (VXMLKIT_DATABASE_URL of {found.spec}): nothing was recorded there;"
            " run the command with the app that made the calls (--app, VXMLKIT_APP)"
        )
    return kit.store
