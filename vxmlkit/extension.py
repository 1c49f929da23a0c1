"""The Flask extension: ``VxmlKit(app, flows=[...])`` or ``kit.init_app(app)``.

Every ``VXMLKIT_*`` setting is read by :class:`vxmlkit.settings.Settings` (the Flask config
first, then the environment) and checked when the extension starts: a value that cannot be read
stops the app, naming the setting. The table of settings, with their defaults, is
:data:`vxmlkit.settings.SETTINGS`; README.md lists them.

Security settings (``VXMLKIT_REQUIRE_START_TOKEN``, ``VXMLKIT_ALLOW_UNQUEUED_CALLS``,
``VXMLKIT_TRUSTED_NETWORKS``, the token lifetimes) keep their secure default in debug mode; only
a testing app (``app.testing``) gets the relaxed testing defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from flask import Flask

from .flow import Flow
from .metrics import Metrics, metrics_from_config
from .queued_calls import QueuedCalls
from .redaction import get_logger
from .results import ResultStore
from .settings import Network, Settings, names, networks
from .store import SchemaOutdated, SessionStore, Store, StoreUnavailable, open_store, store_options
from .templating import Renderer
from .tokens import Sealer, TokenSigner

__all__ = ["VxmlKit", "get_kit", "DEFER_STORE"]

log = get_logger("vxmlkit")

#: True while a command that only reads an app loads it (see :mod:`vxmlkit.discovery`): its
#: store is then opened on first use, if at all, so that loading creates no database.
DEFER_STORE: ContextVar[bool] = ContextVar("vxmlkit_defer_store", default=False)

class VxmlKit:
    """Serves flow classes as VoiceXML from a Flask app."""

    def __init__(self, app: Flask | None = None, *, flows: Iterable[type[Flow]] = ()) -> None:
        self.flows: dict[str, type[Flow]] = {}
        self._parsed: dict[str, tuple[Any, Any]] = {}
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
        settings = Settings(app.config, testing=app.testing)
        from .sms.gateways import sms_settings

        # SMS settings first: their errors are SmsConfigurationError, as the SMS code raises them.
        self.sms_settings = sms_settings(settings)
        # Every setting is read now, so a bad value stops the app at start-up, not during a call;
        # the config then holds what is in force.
        app.config.update(settings.check())
        config = app.config
        if config["VXMLKIT_DATABASE_URL"] is None:
            config["VXMLKIT_DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "vxmlkit.sqlite3")
        secret = config["VXMLKIT_SECRET_KEY"] or app.config.get("SECRET_KEY")
        if not secret:
            raise RuntimeError(
                "vxmlkit needs a secret key to sign the URLs it writes into documents: "
                "set VXMLKIT_SECRET_KEY (or the app's SECRET_KEY)"
            )
        # An invalid document raises in debug and testing; in production the caller hears an
        # apology. (Debug changes nothing else: security settings keep their secure defaults.)
        if config["VXMLKIT_STRICT_DOCUMENTS"] is None:
            config["VXMLKIT_STRICT_DOCUMENTS"] = bool(app.debug or app.testing)
        old = [key for key in config["VXMLKIT_SECRET_KEY_FALLBACKS"] or [] if key != secret]
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
        from .sms.gateways import gateway_from_config

        # Made now so that a missing gateway setting fails at start-up, not during a call; the
        # outbox gets the store when it opens.
        self._sms_gateway = gateway_from_config(settings, None)  # type: ignore[arg-type]
        if not DEFER_STORE.get():
            self.store  # noqa: B018 - opened (and its schema checked) now: a server says at start-up what is wrong
        if self.sms_settings.gateway == "outbox" and not (app.debug or app.testing):
            log.warning(
                "VXMLKIT_SMS_GATEWAY is 'outbox': text messages are kept in the local outbox and no "
                "message leaves this machine (set VXMLKIT_SMS_GATEWAY=plum or ozeki to send them)"
            )
        folders = [Path(folder) for folder in config["VXMLKIT_TEMPLATE_FOLDERS"] or []]
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
        self._queued_calls = QueuedCalls(store)
        outbox = getattr(self, "_sms_gateway", None)
        if outbox is not None and getattr(outbox, "records_messages", False):
            outbox.store = store

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
    def queued_calls(self) -> QueuedCalls:
        """The calls queued through vxmlkit, in :attr:`store`."""
        self.store  # noqa: B018 - opens the store
        return self._queued_calls

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
    def strict(self) -> bool:
        """Whether an invalid document raises (debug/testing) instead of apologising to the caller."""
        assert self.app is not None
        return bool(self.app.config["VXMLKIT_STRICT_DOCUMENTS"])

    @property
    def require_start_token(self) -> bool:
        """Whether start and result POSTs must carry the signed token of :func:`vxmlkit.urls.flow_urls`."""
        assert self.app is not None
        return bool(self.app.config["VXMLKIT_REQUIRE_START_TOKEN"])

    def accepts_unqueued_calls(self, flow: str) -> bool:
        """Whether ``flow`` starts calls vxmlkit did not queue (``VXMLKIT_ALLOW_UNQUEUED_CALLS``)."""
        allowed = self._setting("VXMLKIT_ALLOW_UNQUEUED_CALLS", names)
        return "*" in allowed or flow in allowed

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        """The networks allowed on the platform's routes (``VXMLKIT_TRUSTED_NETWORKS``; empty: any)."""
        return self._setting("VXMLKIT_TRUSTED_NETWORKS", networks)  # type: ignore[no-any-return]

    def _setting(self, name: str, parse: Callable[[Any], Any]) -> Any:
        """The app's setting ``name`` read by ``parse``: parsed again only when the config holds
        another value (one can be set after start-up), not on every request."""
        assert self.app is not None
        raw = self.app.config[name]
        cached = self._parsed.get(name)
        if cached is None or cached[0] is not raw:
            cached = self._parsed[name] = (raw, parse(raw or ()))
        return cached[1]

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
