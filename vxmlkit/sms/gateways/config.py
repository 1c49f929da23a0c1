"""Choosing and configuring the gateway from settings (a Flask config, then the environment:
see :mod:`vxmlkit.settings`).

| setting | meaning | default |
|---|---|---|
| ``VXMLKIT_SMS_GATEWAY`` | ``outbox``, ``plum`` or ``ozeki`` | ``outbox`` |
| ``VXMLKIT_SMS_SENDER`` | default sender number | none (required by ``plum``) |
| ``VXMLKIT_SMS_TIMEOUT`` | seconds to wait for the provider | 30 |
| ``VXMLKIT_SMS_DEFAULT_REGION`` | country of numbers written without ``+`` | ``US`` |
| ``VXMLKIT_SMS_MAX_LENGTH`` | longest text accepted, in characters | 1600 |
| ``VXMLKIT_PLUM_SMS_URL``, ``VXMLKIT_PLUM_LOGIN``, ``VXMLKIT_PLUM_PASSWORD`` | Plum DEV | required for ``plum`` |
| ``VXMLKIT_PLUM_SMS_RESULT_URL`` | default delivery-status URL | none |
| ``VXMLKIT_OZEKI_URL``, ``VXMLKIT_OZEKI_USERNAME``, ``VXMLKIT_OZEKI_PASSWORD`` | Ozeki | required for ``ozeki`` |
| ``VXMLKIT_OZEKI_API_EXTENSION`` | Ozeki API extension | none |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from vxmlkit.sms.gateways.base import SmsGateway
from vxmlkit.sms.gateways.outbox import OutboxGateway
from vxmlkit.sms.gateways.ozeki import OzekiGateway
from vxmlkit.sms.gateways.plum import PlumSmsGateway
from vxmlkit.sms.models import SmsConfigurationError
from vxmlkit.settings import SettingError, Settings
from vxmlkit.sms.segments import DEFAULT_MAX_LENGTH
from vxmlkit.store import Store

__all__ = ["GATEWAYS", "SmsSettings", "sms_settings", "gateway_from_config"]

GATEWAYS = ("outbox", "plum", "ozeki")


@dataclass(frozen=True)
class SmsSettings:
    """The gateway-independent SMS settings."""

    gateway: str = "outbox"
    sender: str | None = None
    timeout: float = 30.0
    default_region: str = "US"
    max_length: int = DEFAULT_MAX_LENGTH


def _read(settings: Settings, name: str) -> Any:
    try:
        return settings[name]
    except SettingError as exc:
        raise SmsConfigurationError(str(exc)) from None


def _required(settings: Settings, name: str, gateway: str) -> str:
    value = _read(settings, name)
    if value is None:
        raise SmsConfigurationError(f"{name} is required when VXMLKIT_SMS_GATEWAY is {gateway!r}")
    return str(value)


def sms_settings(config: Mapping[str, object] | Settings) -> SmsSettings:
    """Read and check the gateway-independent settings (``config`` first, then the environment)."""
    settings = Settings.of(config)
    region = str(_read(settings, "VXMLKIT_SMS_DEFAULT_REGION")).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise SmsConfigurationError(
            f"VXMLKIT_SMS_DEFAULT_REGION must be an ISO 3166 country code such as US, not {region!r}"
        )
    return SmsSettings(
        gateway=_read(settings, "VXMLKIT_SMS_GATEWAY"),
        sender=_read(settings, "VXMLKIT_SMS_SENDER"),
        timeout=float(_read(settings, "VXMLKIT_SMS_TIMEOUT")),
        default_region=region,
        max_length=int(_read(settings, "VXMLKIT_SMS_MAX_LENGTH")),
    )


def gateway_from_config(config: Mapping[str, object] | Settings, store: Store) -> SmsGateway:
    """The gateway ``VXMLKIT_SMS_GATEWAY`` names, configured from ``config`` (then the environment).

    A missing required setting raises :class:`SmsConfigurationError` naming it.
    """
    config = Settings.of(config)
    settings = sms_settings(config)
    if settings.gateway == "plum":
        return PlumSmsGateway(
            _required(config, "VXMLKIT_PLUM_LOGIN", "plum"),
            _required(config, "VXMLKIT_PLUM_PASSWORD", "plum"),
            _required(config, "VXMLKIT_PLUM_SMS_URL", "plum"),
            timeout=settings.timeout,
            result_url=_read(config, "VXMLKIT_PLUM_SMS_RESULT_URL"),
            sender=_required(config, "VXMLKIT_SMS_SENDER", "plum"),
            default_region=settings.default_region,
        )
    if settings.gateway == "ozeki":
        return OzekiGateway(
            _required(config, "VXMLKIT_OZEKI_URL", "ozeki"),
            _required(config, "VXMLKIT_OZEKI_USERNAME", "ozeki"),
            _required(config, "VXMLKIT_OZEKI_PASSWORD", "ozeki"),
            timeout=settings.timeout,
            sender=settings.sender,
            api_extension=_read(config, "VXMLKIT_OZEKI_API_EXTENSION"),
            default_region=settings.default_region,
        )
    return OutboxGateway(store)
