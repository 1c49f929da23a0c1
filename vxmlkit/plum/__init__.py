"""Plum DEV outbound: queue calls and campaigns, drive the Call Scheduling and Pacing API."""

from vxmlkit.plum.csvfile import BadRow, CampaignFile, parse_campaign_csv, read_campaign_csv
from vxmlkit.plum.errors import (
    CallListError,
    InUseError,
    NicknameTakenError,
    OutboundError,
    PlumError,
    RuleViolation,
    SchedulerError,
    SchedulerValidationError,
)
from vxmlkit.plum.models import (
    CallSpec,
    Campaign,
    CampaignProfile,
    Profile,
    QueuedCall,
    QueuedCampaign,
    Schedule,
)
from vxmlkit.plum.outbound import DEFAULT_OUTBOUND_URL, OutboundClient, PreparedCampaign, phone_list_csv
from vxmlkit.plum.scheduler import DEFAULT_SCHEDULER_URL, SchedulerClient

__all__ = [
    "DEFAULT_OUTBOUND_URL",
    "DEFAULT_SCHEDULER_URL",
    "BadRow",
    "CallListError",
    "CallSpec",
    "Campaign",
    "CampaignFile",
    "CampaignProfile",
    "InUseError",
    "NicknameTakenError",
    "OutboundClient",
    "OutboundError",
    "PlumError",
    "PreparedCampaign",
    "Profile",
    "QueuedCall",
    "QueuedCampaign",
    "RuleViolation",
    "Schedule",
    "SchedulerClient",
    "SchedulerError",
    "SchedulerValidationError",
    "parse_campaign_csv",
    "phone_list_csv",
    "read_campaign_csv",
]
