"""Every ``VXMLKIT_*`` setting, read one way: the Flask config first, then the environment.

:data:`SETTINGS` is the one table of settings (name, parser, default, whether it guards
security, one line of documentation). :class:`Settings` reads it identically for the app
(:mod:`vxmlkit.extension`), the SMS gateway, the CLI commands that run without an app, and
the pytest plugin.

Rules:

- A value in the Flask config wins over the environment; a value that is ``None`` in the config
  counts as unset.
- An empty value counts as unset, except for a **security setting**, where it is an error: a
  security setting takes an explicit value or its secure default.
- A value that cannot be read (``VXMLKIT_REQUIRE_START_TOKEN=ture``) raises
  :class:`SettingError` naming the setting and where the value came from; the app refuses to
  start.
- Debug mode never changes a security setting. Only a testing app (``app.testing``) gets the
  relaxed testing defaults of the table, and only for settings it does not set itself.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["SETTINGS", "Setting", "SettingError", "Settings", "setting"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingError(ValueError):
    """A setting has a value that cannot be used (the message names the setting)."""


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# -- parsers: take a raw value (text from the environment, or what the config holds) -----------
# Each raises ValueError with the reason; Settings adds the setting's name and source.


def text(value: Any) -> str:
    """Any text, stripped."""
    return str(value).strip()


def flag(value: Any) -> bool:
    """``true``/``false`` (also 1/0, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false (or 1/0, yes/no, on/off), not {value!r}")


def number(low: float, high: float, *, whole: bool = False) -> Callable[[Any], float]:
    """A number between ``low`` and ``high`` (an integer when ``whole``)."""

    def parse(value: Any) -> float:
        try:
            result = int(str(value).strip()) if whole else float(str(value).strip())
        except ValueError:
            raise ValueError(f"must be {'a whole number' if whole else 'a number'}, not {value!r}") from None
        if not low <= result <= high:
            raise ValueError(f"must be between {low:g} and {high:g}, not {value}")
        return result

    return parse


def choice(*options: str) -> Callable[[Any], str]:
    """One of ``options`` (case-insensitive)."""

    def parse(value: Any) -> str:
        lowered = str(value).strip().lower()
        if lowered not in options:
            raise ValueError(f"must be one of {', '.join(options)}, not {str(value).strip()!r}")
        return lowered

    return parse


def _items(value: Any, separators: str) -> list[str]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(item).strip() for item in value if str(item).strip()]
    parts = [str(value)]
    for separator in separators:
        parts = [piece for part in parts for piece in part.split(separator)]
    return [part.strip() for part in parts if part.strip()]


def paths(value: Any) -> list[str]:
    """Folders: a list, or paths joined with ``os.pathsep``."""
    return _items(value, os.pathsep)


def keys(value: Any) -> tuple[str, ...]:
    """Secrets separated by commas (or a list), in order."""
    return tuple(_items(value, ","))


def names(value: Any) -> frozenset[str]:
    """Names separated by commas or spaces (or a list); ``*`` stands for all."""
    return frozenset(_items(value, ", "))


def networks(value: Any) -> tuple[Network, ...]:
    """CIDR networks (``203.0.113.0/24``, ``2001:db8::/32``) separated by commas or spaces."""
    found = []
    for item in _items(value, ", "):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not a network (write 203.0.113.0/24 or 2001:db8::/32)") from None
    return tuple(found)


@dataclass(frozen=True)
class Setting:
    """One setting: how to read it, its default, and what it is for."""

    name: str
    parse: Callable[[Any], Any]
    default: Any
    doc: str
    security: bool = False
    testing_default: Any = UNSET
    example: str = ""
    """A readable value different from the default (for the documentation and the tests)."""


_DAY = 24 * 3600

SETTINGS: tuple[Setting, ...] = (
    # -- serving ---------------------------------------------------------------------------------
    Setting("VXMLKIT_URL_PREFIX", text, "/vxml", "Where the routes live: a flow's start URL is the prefix, the flow's name and /start.", example="/ivr"),
    Setting("VXMLKIT_DATABASE_URL", text, None, "The store: sqlite:///path or postgresql://user:password@host/db (default: the SQLite file vxmlkit.sqlite3 in the instance folder).",
            example="sqlite:///tmp/x.sqlite3"),
    Setting("VXMLKIT_DATABASE_POOL_SIZE", number(1, 1000, whole=True), 4, "PostgreSQL connections per process at most.", example="8"),
    Setting("VXMLKIT_DATABASE_TIMEOUT", number(0.01, 3600), 5.0,
            "Seconds to wait for a database lock or connection before answering \"try again\".", example="2.5"),
    Setting("VXMLKIT_SQLITE_WAL_LIMIT", number(1024, 2**40, whole=True), 64 * 1024 * 1024,
            "Bytes past which SQLite's write-ahead log is truncated.", example="1048576"),
    Setting("VXMLKIT_RETENTION_DAYS", number(1, 36500, whole=True), 30,
            "Days that vxmlkit purge keeps sessions, results and SMS records.", example="7"),
    Setting("VXMLKIT_METRICS_PATH", text, None, "Where Prometheus metrics are served, such as /metrics (default: not served).",
            example="/metrics"),
    Setting("VXMLKIT_INSTANCE_PATH", text, "instance", "The instance folder of `vxmlkit serve`'s app (its store and generated secret).",
            example="/var/lib/vxmlkit"),
    Setting("VXMLKIT_SECRET_KEY", text, None, "Signs the URLs written into documents (default: the app's SECRET_KEY).",
            example="s3cret-signing-key"),
    Setting("VXMLKIT_SECRET_KEY_FALLBACKS", keys, (), "Earlier secret keys, oldest first (joined with commas): what they signed is still accepted.",
            example="old-key-1, old-key-2"),
    Setting("VXMLKIT_PUBLIC_URL", text, None, "The base URL at which the platform reaches this deployment, for absolute URLs.",
            example="https://ivr.example.com"),
    Setting("VXMLKIT_VOICEXML_VERSION", choice("2.0", "2.1"), None, "Pins the VoiceXML version of every document (2.0 or 2.1).",
            example="2.1"),
    Setting("VXMLKIT_LANG", text, "en-US", "The documents' xml:lang.", example="fr-FR"),
    Setting("VXMLKIT_TEMPLATE_FOLDERS", paths, None, "Folders searched for templates first (paths joined with the OS path separator).",
            example="/srv/templates"),
    Setting("VXMLKIT_MAX_INPUT_LENGTH", number(1, 10_000_000, whole=True), 4096, "The longest value accepted in a posted field, in characters.",
            example="100"),
    Setting("VXMLKIT_MAX_RECORDING_BYTES", number(1, 2**40, whole=True), 10 * 1024 * 1024, "The largest recording accepted, in bytes.",
            example="1000"),
    Setting("VXMLKIT_STRICT_DOCUMENTS", flag, None,
            "true: an invalid document raises; false: logged, the caller hears an apology (default: true in debug and testing).",
            example="false"),
    Setting("VXMLKIT_CONSOLE", flag, None, "Mount the development console at the prefix's /_console/ (default: on in debug mode only).",
            example="true"),
    # -- trust -----------------------------------------------------------------------------------
    Setting("VXMLKIT_REQUIRE_START_TOKEN", flag, True, "Refuse start and result POSTs without the signed token of their URL.",
            security=True, testing_default=False, example="false"),
    Setting("VXMLKIT_TOKEN_MAX_AGE", number(1, 366 * _DAY, whole=True), 7200, "Seconds a signed step URL stays valid.",
            security=True, example="600"),
    Setting("VXMLKIT_START_TOKEN_MAX_AGE", number(1, 366 * _DAY, whole=True), 40 * _DAY,
            "Seconds a start or result URL stays valid (queued calls may wait and retry).", security=True, example="86400"),
    Setting("VXMLKIT_ALLOW_UNQUEUED_CALLS", names, frozenset(),
            "Flows (names, or *) that accept start POSTs for calls vxmlkit did not queue; anyone with the start URL can start them.",
            security=True, testing_default=frozenset({"*"}), example="survey, password-reset"),
    Setting("VXMLKIT_TRUSTED_NETWORKS", networks, (),
            "CIDR networks allowed on the start, step, result and report routes (empty: any address).",
            security=True, example="203.0.113.0/24, 2001:db8::/32"),
    # -- the interpreter (vxmlkit run) -------------------------------------------------------------
    Setting("VXMLKIT_FETCH_MAX_BYTES", number(1, 2**40, whole=True), 16 * 1024 * 1024,
            "The largest answer the interpreter accepts for one fetch, in bytes.", example="65536"),
    Setting("VXMLKIT_FETCH_TIME_LIMIT", number(0.001, 3600), 30.0, "The longest one fetch of the interpreter may take, in seconds.",
            example="2.5"),
    Setting("VXMLKIT_UPDATE_GOLDEN", flag, False, "true: golden-transcript assertions write the files instead of comparing.",
            example="true"),
    # -- SMS -------------------------------------------------------------------------------------
    Setting("VXMLKIT_SMS_GATEWAY", choice("outbox", "plum", "ozeki"), "outbox",
            "outbox (nothing leaves the machine), plum or ozeki.", example="plum"),
    Setting("VXMLKIT_SMS_SENDER", text, None, "The default sender number (required by plum).", example="+16175551234"),
    Setting("VXMLKIT_SMS_TIMEOUT", number(0.1, 300.0), 30.0, "Seconds to wait for the SMS provider.", example="12.5"),
    Setting("VXMLKIT_SMS_DEFAULT_REGION", text, "US", "The country of numbers written without +.", example="GB"),
    Setting("VXMLKIT_SMS_MAX_LENGTH", number(1, 100_000, whole=True), 1600, "The longest SMS text accepted, in characters.", example="320"),
    Setting("VXMLKIT_PLUM_SMS_URL", text, None, "Plum DEV's SMS API: the host, or its ws/sms/ folder (required by the plum gateway).", example="https://hosting.plumvoice.com/"),
    Setting("VXMLKIT_PLUM_LOGIN", text, None, "The Plum DEV login (SMS and outbound calls).", example="dev-login"),
    Setting("VXMLKIT_PLUM_PASSWORD", text, None, "The Plum DEV password for the SMS API.", example="dev-password"),
    Setting("VXMLKIT_PLUM_SMS_RESULT_URL", text, None, "The default delivery-status URL given to Plum.", example="https://ivr.example.com/r"),
    Setting("VXMLKIT_OZEKI_URL", text, None, "The Ozeki SMS gateway's URL (required by the ozeki gateway).", example="http://127.0.0.1:9509/api"),
    Setting("VXMLKIT_OZEKI_USERNAME", text, None, "The Ozeki user.", example="http_user"),
    Setting("VXMLKIT_OZEKI_PASSWORD", text, None, "The Ozeki password.", example="ozeki-password"),
    Setting("VXMLKIT_OZEKI_API_EXTENSION", text, None, "The Ozeki API extension.", example="SMS"),
    # -- Plum outbound calls -----------------------------------------------------------------------
    Setting("VXMLKIT_PLUM_PIN", text, None, "The Plum DEV PIN for queuing outbound calls.", example="1234"),
    Setting("VXMLKIT_PLUM_OUTBOUND_URL", text, "https://outbound.plumvoice.com", "The host of webservice/queuecall.php, or that webservice/ folder.",
            example="http://127.0.0.1:9/"),
    Setting("VXMLKIT_PLUM_RETRY_FIELD", choice("max_retries", "max_retry"), "max_retries", "The name of Plum's retry field.",
            example="max_retry"),
    Setting("VXMLKIT_PLUM_SCHEDULER_URL", text, "https://scheduler.plumvoice.com/api", "The Plum scheduler API: its host, or its api/ folder.", example="http://127.0.0.1:9/s"),
    Setting("VXMLKIT_PLUM_SCHEDULER_TOKEN", text, None, "The Plum scheduler API token.", example="scheduler-token"),
)

_BY_NAME = {entry.name: entry for entry in SETTINGS}


def setting(name: str) -> Setting:
    """The table entry for ``name`` (KeyError for an unknown setting)."""
    return _BY_NAME[name]


class Settings(Mapping[str, Any]):
    """The ``VXMLKIT_*`` settings read from ``config`` (a Flask config or any mapping) first,
    then ``environ`` (default: ``os.environ``).

    ``testing`` applies the table's testing defaults (only ``app.testing`` should set it).
    Values are read and checked on first access; :meth:`check` reads them all at once.
    """

    def __init__(self, config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None, *, testing: bool = False) -> None:
        self.config: Mapping[str, Any] = config if config is not None else {}
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.testing = testing
        self._values: dict[str, Any] = {}

    @classmethod
    def of(cls, config: Mapping[str, Any] | Settings | None) -> Settings:
        """``config`` itself when it is already a Settings, else the settings read through it."""
        return config if isinstance(config, Settings) else cls(config)

    def raw(self, name: str) -> tuple[Any, str]:
        """The value as given and where it came from: ``config``, ``environment`` or ``default``."""
        value = self.config.get(name)
        if value is not None:
            return value, "config"
        value = self.environ.get(name)
        if value is not None:
            return value, "environment"
        return None, "default"

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = self._read(setting(name))
        return self._values[name]

    def _read(self, entry: Setting) -> Any:
        value, source = self.raw(entry.name)
        where = "the app config" if source == "config" else "the environment"
        if isinstance(value, str) and not value.strip():
            if entry.security:
                raise SettingError(f"{entry.name} is empty in {where}: give it a value, or remove it to get the secure default")
            value = None
        if value is None:
            if self.testing and entry.testing_default is not UNSET:
                return entry.testing_default
            return entry.default
        try:
            return entry.parse(value)
        except ValueError as exc:
            raise SettingError(f"{entry.name} {exc} (from {where})") from None

    def source(self, name: str) -> str:
        """Where ``name`` comes from: ``config``, ``environment`` or ``default``."""
        value, source = self.raw(name)
        if isinstance(value, str) and not value.strip():
            return "default"
        return source

    def check(self) -> dict[str, Any]:
        """Read every setting now (a bad value raises :class:`SettingError` at start-up)."""
        return {entry.name: self[entry.name] for entry in SETTINGS}

    def __iter__(self) -> Iterator[str]:
        return iter(_BY_NAME)

    def __len__(self) -> int:
        return len(_BY_NAME)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """The setting's value; ``default`` for a name outside the table."""
        return self[name] if name in _BY_NAME else default
