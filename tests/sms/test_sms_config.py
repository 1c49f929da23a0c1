"""Choosing the gateway from settings."""

from __future__ import annotations

import pytest

from vxmlkit.sms.gateways import (
    OutboxGateway,
    OzekiGateway,
    PlumSmsGateway,
    SmsGateway,
    gateway_from_config,
    sms_settings,
)
from vxmlkit.sms.models import SmsConfigurationError

PLUM = {
    "VXMLKIT_SMS_GATEWAY": "plum",
    "VXMLKIT_PLUM_SMS_URL": "https://hosting.plumvoice.com/",
    "VXMLKIT_PLUM_LOGIN": "dev",
    "VXMLKIT_PLUM_PASSWORD": "secret",
    "VXMLKIT_SMS_SENDER": "+16175551234",
    "VXMLKIT_SMS_TIMEOUT": "12.5",
}
OZEKI = {
    "VXMLKIT_SMS_GATEWAY": "ozeki",
    "VXMLKIT_OZEKI_URL": "http://127.0.0.1:9509/api",
    "VXMLKIT_OZEKI_USERNAME": "http_user",
    "VXMLKIT_OZEKI_PASSWORD": "secret",
}


def test_outbox_is_the_default(store) -> None:
    gateway = gateway_from_config({}, store)
    assert isinstance(gateway, OutboxGateway)
    assert isinstance(gateway, SmsGateway)


def test_plum_from_settings(store) -> None:
    gateway = gateway_from_config(PLUM, store)
    assert isinstance(gateway, PlumSmsGateway)
    assert gateway.url == "https://hosting.plumvoice.com/ws/sms/queue.json"
    assert gateway.timeout == 12.5
    assert gateway.sender == "+16175551234"
    assert isinstance(gateway, SmsGateway)


def test_ozeki_from_settings(store) -> None:
    gateway = gateway_from_config({**OZEKI, "VXMLKIT_SMS_GATEWAY": "OZEKI"}, store)
    assert isinstance(gateway, OzekiGateway)
    assert gateway.timeout == 30.0
    assert isinstance(gateway, SmsGateway)


@pytest.mark.parametrize(
    "missing", ["VXMLKIT_PLUM_SMS_URL", "VXMLKIT_PLUM_LOGIN", "VXMLKIT_PLUM_PASSWORD", "VXMLKIT_SMS_SENDER"]
)
def test_missing_plum_setting_is_named(store, missing: str) -> None:
    settings = {key: value for key, value in PLUM.items() if key != missing}
    with pytest.raises(SmsConfigurationError, match=f"^{missing} is required when VXMLKIT_SMS_GATEWAY is 'plum'$"):
        gateway_from_config(settings, store)


@pytest.mark.parametrize("missing", ["VXMLKIT_OZEKI_URL", "VXMLKIT_OZEKI_USERNAME", "VXMLKIT_OZEKI_PASSWORD"])
def test_missing_ozeki_setting_is_named(store, missing: str) -> None:
    settings = {**OZEKI, missing: "  "}
    with pytest.raises(SmsConfigurationError, match=missing):
        gateway_from_config(settings, store)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"VXMLKIT_SMS_GATEWAY": "carrier-pigeon"}, "VXMLKIT_SMS_GATEWAY must be one of outbox, plum, ozeki"),
        ({"VXMLKIT_SMS_TIMEOUT": "soon"}, "VXMLKIT_SMS_TIMEOUT must be a number"),
        ({"VXMLKIT_SMS_TIMEOUT": "0"}, "VXMLKIT_SMS_TIMEOUT must be between"),
        ({"VXMLKIT_SMS_MAX_LENGTH": "-5"}, "VXMLKIT_SMS_MAX_LENGTH must be between"),
        ({"VXMLKIT_SMS_DEFAULT_REGION": "XX"}, "VXMLKIT_SMS_DEFAULT_REGION"),
    ],
)
def test_bad_values_are_named(store, settings: dict[str, str], message: str) -> None:
    with pytest.raises(SmsConfigurationError, match=message):
        gateway_from_config(settings, store)


def test_general_settings() -> None:
    settings = sms_settings({"VXMLKIT_SMS_DEFAULT_REGION": "gb", "VXMLKIT_SMS_MAX_LENGTH": "320"})
    assert (settings.gateway, settings.default_region) == ("outbox", "GB")
    assert (settings.max_length, settings.sender) == (320, None)
