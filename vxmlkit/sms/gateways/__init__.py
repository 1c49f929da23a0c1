"""SMS gateways behind one interface: the local outbox, Plum DEV, Ozeki, and an in-memory one
for tests."""

from vxmlkit.sms.gateways.base import SmsGateway
from vxmlkit.sms.gateways.config import GATEWAYS, SmsSettings, gateway_from_config, sms_settings
from vxmlkit.sms.gateways.memory import MemoryGateway, SentSms
from vxmlkit.sms.gateways.outbox import OutboxGateway
from vxmlkit.sms.gateways.ozeki import OzekiGateway
from vxmlkit.sms.gateways.plum import PlumSmsGateway

__all__ = [
    "SmsGateway",
    "OutboxGateway",
    "MemoryGateway",
    "SentSms",
    "PlumSmsGateway",
    "OzekiGateway",
    "GATEWAYS",
    "SmsSettings",
    "sms_settings",
    "gateway_from_config",
]
