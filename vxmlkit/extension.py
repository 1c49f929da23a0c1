"""The Flask extension: ``VxmlKit(app, flows=[...])`` or ``kit.init_app(app)``.

Configuration (Flask config keys, each may also come from the environment):

``VXMLKIT_URL_PREFIX``
    Where the routes live (default ``/vxml``): ``<prefix>/<flow>/start`` is a flow's start_url.
``VXMLKIT_DATABASE_URL``
    The store (default: a SQLite file ``vxmlkit.sqlite3`` in the app's instance folder), or
    ``postgresql://user:password@host/dbname`` (see docs/database.md). Opened when the app is
    set up; the ``vxmlkit`` commands that only read an app open it on first use, if at all.
``VXMLKIT_DATABASE_POOL_SIZE``
    PostgreSQL connections per process at most (default 4).
``VXMLKIT_DATABASE_TIMEOUT``
    Seconds to wait for a database lock or connection before answering "try again" (default 5).
``VXMLKIT_SQLITE_WAL_LIMIT``
    Bytes past which SQLite's write-ahead log is truncated (default 64 MiB).
``VXMLKIT_RETENTION_DAYS``
    Days that ``vxmlkit purge`` keeps sessions, results and SMS records (default 30).
``VXMLKIT_SECRET_KEY``
    Signs the URLs written into documents (default: the app's ``SECRET_KEY``; one is required).
``VXMLKIT_SECRET_KEY_FALLBACKS``
    Earlier secret keys, oldest first (a list, or keys joined with commas in the environment):
    links and SMS orders they signed are still accepted, new ones are signed with
    ``VXMLKIT_SECRET_KEY``. How to rotate the key: docs/production.md.
``VXMLKIT_TOKEN_MAX_AGE``
    Seconds a signed URL stays valid (default 7200).
``VXMLKIT_VOICEXML_VERSION``
    ``"2.0"`` or ``"2.1"`` to pin the version of every document (default: 2.0, or 2.1 when a
    document uses a 2.1 element).
``VXMLKIT_TEMPLATE_FOLDERS``
    Folders searched for templates before the app's own template folder and vxmlkit's
    (a list, or paths joined with ``os.pathsep`` in the environment).
``VXMLKIT_LANG``
    The documents' ``xml:lang`` (default ``en-US``).
``VXMLKIT_MAX_INPUT_LENGTH``
    The longest value accepted in a posted field (default 4096 characters).
``VXMLKIT_MAX_RECORDING_BYTES``
    The largest recording accepted (default 10 MiB).
``VXMLKIT_PUBLIC_URL``
    The base URL at which Plum reaches this deployment (``https://ivr.example.com``), used by
    :func:`vxmlkit.urls.flow_urls` and ``Flow.start_url()`` to write absolute URLs.
``VXMLKIT_REQUIRE_START_TOKEN``
    Refuse start and result POSTs that lack the signed token of ``flow_urls`` (default: on,
    except in debug and testing). Plum's pre-flight GET is answered either way.
``VXMLKIT_START_TOKEN_MAX_AGE``
    Seconds a start/result URL stays valid (default 40 days: queued calls may wait and retry).
``VXMLKIT_SMS_GATEWAY`` and the other SMS settings
    See :mod:`vxmlkit.sms`: ``outbox`` (default, nothing leaves the machine), ``plum`` or
    ``ozeki``; ``VXMLKIT_SMS_SENDER``, ``VXMLKIT_SMS_DEFAULT_REGION``, ``VXMLKIT_SMS_MAX_LENGTH`` ...
``VXMLKIT_CONSOLE``
    Mount the development console at ``<prefix>/_console/`` (default: on in debug mode only;
    ``1`` turns it on without debug, ``0`` off). See :mod:`vxmlkit.console`.
``VXMLKIT_METRICS_PATH``
    Where Prometheus metrics are served (such as ``/metrics``; default: not served). Needs
    ``pip install 'vxmlkit[metrics]'``; see docs/production.md for gunicorn's several workers.
``VXMLKIT_STRICT_DOCUMENTS``
    True: an invalid rendered document raises :class:`~vxmlkit.templating.DocumentError`;
    False: it is logged and the caller hears the error document. Default: True when the app
    is in debug or testing mode, else False.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from flask import Flask

from .flow import Flow
from .metrics import Metrics, metrics_from_config
from .results import ResultStore
from .store import SchemaOutdated, SessionStore, Store, StoreUnavailable, open_store, store_options
from .templating import Renderer
from .tokens import Sealer, TokenSigner

__all__ = ["VxmlKit", "get_kit", "DEFER_STORE"]

log = logging.getLogger("vxmlkit")

#: True while a command that only reads an app loads it (see :mod:`vxmlkit.discovery`): its
#: store is then opened on first use, if at all, so that loading creates no database.
DEFER_STORE: ContextVar[bool] = ContextVar("vxmlkit_defer_store", default=False)

_DEFAULTS: dict[str, Any] = {
    "VXMLKIT_URL_PREFIX": "/vxml",
    "VXMLKIT_DATABASE_URL": None,
    "VXMLKIT_DATABASE_POOL_SIZE": 4,
    "VXMLKIT_DATABASE_TIMEOUT": 5.0,
    "VXMLKIT_SQLITE_WAL_LIMIT": 64 * 1024 * 1024,
    "VXMLKIT_RETENTION_DAYS": 30,
    "VXMLKIT_SECRET_KEY": None,
    "VXMLKIT_SECRET_KEY_FALLBACKS": None,
    "VXMLKIT_TOKEN_MAX_AGE": 7200,
    "VXMLKIT_VOICEXML_VERSION": None,
    "VXMLKIT_LANG": "en-US",
    "VXMLKIT_TEMPLATE_FOLDERS": None,
    "VXMLKIT_MAX_INPUT_LENGTH": 4096,
    "VXMLKIT_MAX_RECORDING_BYTES": 10 * 1024 * 1024,
    "VXMLKIT_STRICT_DOCUMENTS": None,
    "VXMLKIT_PUBLIC_URL": None,
    "VXMLKIT_REQUIRE_START_TOKEN": None,
    "VXMLKIT_START_TOKEN_MAX_AGE": 40 * 24 * 3600,
    "VXMLKIT_CONSOLE": None,
    "VXMLKIT_METRICS_PATH": None,
}

_TRUE = {"1", "true", "yes", "on"}


def _flag(value: Any) -> bool:
    return value.strip().lower() in _TRUE if isinstance(value, str) else bool(value)


class VxmlKit:
    """Serves flow classes as VoiceXML from a Flask app."""

    def __init__(self, app: Flask | None = None, *, flows: Iterable[type[Flow]] = ()) -> None:
        self.flows: dict[str, type[Flow]] = {}
        self.metrics: Metrics = Metrics()
        for flow in flows:
            self.register(flow)
        self.app: Flask | None = None
        if app is not None:
            self.init_app(app)

    def register(self, flow: type[Flow]) -> type[Flow]:
        """Serve ``flow`` (usable as a class decorator)."""
        if not (isinstance(flow, type) and issubclass(flow, Flow)):
            raise TypeError(f"{flow!r} is not a Flow subclass")
        existing = self.flows.get(flow.name)
        if existing is not None and existing is not flow:
            raise ValueError(f"two flows are named {flow.name!r}: {existing.__qualname__} and {flow.__qualname__}")
        self.flows[flow.name] = flow
        if getattr(self, "renderer", None) is not None:  # served already: check it as init_app does
            from .definition import check_templates

            check_templates([flow], self.renderer)
        return flow

    def init_app(self, app: Flask) -> None:
        """Read the config, open the store and mount the routes on ``app``."""
        for key, default in _DEFAULTS.items():
            if key not in app.config:
                env = os.environ.get(key)
                app.config[key] = env if env is not None else default
        # The other VXMLKIT_* settings (the SMS gateway's ...) also come from the environment.
        app.config.update({k: v for k, v in os.environ.items() if k.startswith("VXMLKIT_") and k not in app.config})
        config = app.config
        if config["VXMLKIT_DATABASE_URL"] is None:
            config["VXMLKIT_DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "vxmlkit.sqlite3")
        secret = config["VXMLKIT_SECRET_KEY"] or app.config.get("SECRET_KEY")
        if not secret:
            raise RuntimeError(
                "vxmlkit needs a secret key to sign the URLs it writes into documents: "
                "set VXMLKIT_SECRET_KEY (or the app's SECRET_KEY)"
            )
        # Debug and testing: invalid documents raise, start URLs need no token. Production:
        # the caller hears an apology for an invalid document, and start URLs must be signed.
        relaxed = bool(app.debug or app.testing)
        strict, require = config["VXMLKIT_STRICT_DOCUMENTS"], config["VXMLKIT_REQUIRE_START_TOKEN"]
        config["VXMLKIT_STRICT_DOCUMENTS"] = relaxed if strict is None else _flag(strict)
        config["VXMLKIT_REQUIRE_START_TOKEN"] = (not relaxed) if require is None else _flag(require)
        old = config["VXMLKIT_SECRET_KEY_FALLBACKS"] or []
        if isinstance(old, str):
            old = [part.strip() for part in old.split(",") if part.strip()]
        old = [key for key in old if key != secret]
        step_age, start_age = int(config["VXMLKIT_TOKEN_MAX_AGE"]), int(config["VXMLKIT_START_TOKEN_MAX_AGE"])
        self.signer = TokenSigner(secret, max_age=step_age, fallbacks=old)
        self.start_signer = TokenSigner(secret, max_age=start_age, salt="vxmlkit.start", fallbacks=old)
        self.result_signer = TokenSigner(secret, max_age=start_age, salt="vxmlkit.result", fallbacks=old)
        self.sms_signer = TokenSigner(secret, max_age=step_age, salt="vxmlkit.sms", fallbacks=old)
        self.report_signer = TokenSigner(secret, max_age=start_age, salt="vxmlkit.sms-report", fallbacks=old)
        self.sms_sealer = Sealer(secret, purpose="sms", fallbacks=old)
        self.console_signer = TokenSigner(secret, max_age=12 * 3600, salt="vxmlkit.console")
        self.database_url = str(config["VXMLKIT_DATABASE_URL"])
        self._store_options = store_options(config)
        self._store: Store | None = None
        if not DEFER_STORE.get():
            self.store  # noqa: B018 - opened (and its schema checked) now: a server says at start-up what is wrong
        from .sms.gateways import gateway_from_config, sms_settings

        # Read now so that a missing gateway setting fails at start-up, not during a call.
        self.sms_settings = sms_settings(config)
        self._sms_gateway = gateway_from_config(config, None)  # type: ignore[arg-type]  # the outbox gets the store when it opens
        extra = config.get("VXMLKIT_TEMPLATE_FOLDERS") or []
        if isinstance(extra, str):
            extra = [part for part in extra.split(os.pathsep) if part]
        folders = [Path(folder) for folder in extra]
        if app.template_folder:
            folders.append(Path(app.root_path) / app.template_folder)
        self.renderer = Renderer(
            extra_template_folders=[f for f in folders if f.is_dir()],
            lang=str(config["VXMLKIT_LANG"]),
            version=config["VXMLKIT_VOICEXML_VERSION"] or None,
        )
        from .definition import check_templates

        check_templates(self.flows.values(), self.renderer)
        self.max_input_length = int(config["VXMLKIT_MAX_INPUT_LENGTH"])
        self.max_recording_bytes = int(config["VXMLKIT_MAX_RECORDING_BYTES"])
        self.metrics = metrics_from_config(config["VXMLKIT_METRICS_PATH"])
        from .blueprints import make_blueprint, serve_metrics

        app.register_blueprint(make_blueprint(self), url_prefix=config["VXMLKIT_URL_PREFIX"])
        if self.metrics.enabled:
            serve_metrics(app, str(config["VXMLKIT_METRICS_PATH"]))
        app.extensions["vxmlkit"] = self
        self.app = app
        from .console import console_enabled, init_console

        if console_enabled(app):
            init_console(app, self)

    def use_store(self, store: Store) -> None:
        """Keep sessions, results and messages in ``store`` from now on (a test's fresh file)."""
        self._store = store
        self._sessions = SessionStore(store)
        self._results = ResultStore(store)
        outbox = getattr(self, "_sms_gateway", None)
        if outbox is not None and getattr(outbox, "records_messages", False):
            outbox.store = store

    @contextmanager
    def borrowed_store(self, store: Store) -> Iterator[Store]:
        """Keep sessions, results and messages in ``store`` inside the ``with`` block, then go back
        to the store before it (a test's file, a command's temporary store). The app's own store
        is not opened for this: an app that never used it keeps it unopened."""
        previous = self._store
        self.use_store(store)
        try:
            yield store
        finally:
            if previous is not None:
                self.use_store(previous)
            else:
                self._store = None
                gateway = getattr(self, "_sms_gateway", None)
                if getattr(gateway, "records_messages", False) and getattr(gateway, "store", None) is store:
                    gateway.store = None

    def _check_schema(self) -> None:
        """Upgrade SQLite's schema now, or say at start-up that PostgreSQL's must be upgraded.

        The server still starts: until the schema is current (or the database answers) each
        request meets :class:`~vxmlkit.store.StoreUnavailable` and is answered accordingly.
        """
        try:
            self.store.ready()
        except SchemaOutdated as exc:
            log.error("vxmlkit refuses to serve: %s", exc)
        except StoreUnavailable as exc:
            log.warning("vxmlkit: the store does not answer at start-up (%s); it is tried again on use", exc)
        finally:
            # A worker forked from here opens its own connections.
            self.store.close()

    @property
    def store(self) -> Store:
        """The store of sessions, results and messages (``VXMLKIT_DATABASE_URL``)."""
        if self._store is None:
            self.use_store(open_store(self.database_url, **self._store_options))
            self._check_schema()
        assert self._store is not None
        return self._store

    @property
    def sessions(self) -> SessionStore:
        """The call sessions in :attr:`store`."""
        self.store  # noqa: B018 - opens the store
        return self._sessions

    @property
    def results(self) -> ResultStore:
        """The call results in :attr:`store`."""
        self.store  # noqa: B018 - opens the store
        return self._results

    @property
    def sms_gateway(self) -> Any:
        """The SMS gateway; the outbox gateway records into :attr:`store`."""
        gateway = self._sms_gateway
        if getattr(gateway, "records_messages", False) and getattr(gateway, "store", None) is None:
            gateway.store = self.store
        return gateway

    @sms_gateway.setter
    def sms_gateway(self, gateway: Any) -> None:
        self._sms_gateway = gateway

    @property
    def strict(self) -> bool:
        """Whether an invalid document raises (debug/testing) instead of apologising to the caller."""
        assert self.app is not None
        return bool(self.app.config["VXMLKIT_STRICT_DOCUMENTS"])

    @property
    def require_start_token(self) -> bool:
        """Whether start and result POSTs must carry the signed token of :func:`vxmlkit.urls.flow_urls`."""
        assert self.app is not None
        return bool(self.app.config["VXMLKIT_REQUIRE_START_TOKEN"])

    def flow(self, name: str) -> type[Flow] | None:
        """The flow class named ``name``, or None."""
        return self.flows.get(name)

    def start_path(self, flow: str) -> str:
        """The path of a flow's start_url, such as ``/vxml/payment-reminder/start``."""
        assert self.app is not None
        prefix = str(self.app.config["VXMLKIT_URL_PREFIX"]).rstrip("/")
        return f"{prefix}/{flow}/start"


def get_kit(app: Flask) -> VxmlKit:
    """The :class:`VxmlKit` mounted on ``app``."""
    kit = app.extensions.get("vxmlkit")
    if kit is None:
        raise RuntimeError("vxmlkit is not set up on this app: call VxmlKit(app, flows=[...])")
    return kit
