"""Whether this host can serve calls, for a load balancer: the store answers, or it does not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .answers import RETRY_AFTER, UNAVAILABLE_STATUS, Answer, text
from .outages import store_failure

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["health"]


def health(kit: VxmlKit) -> Answer:
    """200 ``ok`` when the store answers (``store.ping()``), 503 otherwise. Touches no call and
    needs no token; a probe every few seconds neither begins nor ends an outage in the log."""
    if store_failure(kit.store) is None:
        return text("ok\n", headers=(("Cache-Control", "no-store"),))
    return text("database unavailable\n", UNAVAILABLE_STATUS, (("Cache-Control", "no-store"), ("Retry-After", RETRY_AFTER)))
