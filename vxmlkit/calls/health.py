"""Whether this host can serve calls, for a load balancer: the store answers, or it does not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .answers import RETRY_AFTER, UNAVAILABLE_STATUS, Answer, text
from .outages import outage, store_failure

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["health"]


def health(kit: VxmlKit) -> Answer:
    """200 ``ok`` when the store answers, 503 otherwise. Touches no call and needs no token."""
    failure = store_failure(kit.store)
    if failure is None:
        outage(kit).recovered()
        return text("ok\n", headers=(("Cache-Control", "no-store"),))
    outage(kit).failed(failure)
    return text("database unavailable\n", UNAVAILABLE_STATUS, (("Cache-Control", "no-store"), ("Retry-After", RETRY_AFTER)))
