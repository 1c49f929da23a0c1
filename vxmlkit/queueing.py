"""Queuing calls through vxmlkit: each call is recorded before Plum hears of it.

These functions wrap the Plum clients (:class:`~vxmlkit.plum.OutboundClient`,
:class:`~vxmlkit.plum.SchedulerClient`): they record the calls in the app's store
(:mod:`vxmlkit.queued_calls`), then queue them with a start URL bound to that call (or that
campaign), so the app accepts the start POSTs of exactly these calls. ``vxmlkit call`` and
``vxmlkit campaign`` use them; so should an application that queues calls from Python.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .extension import get_kit
from .queued_calls import CALL_PREFIX, CAMPAIGN_PREFIX
from .urls import FlowUrls, flow_urls

if TYPE_CHECKING:
    from flask import Flask

    from .plum.models import CallSpec, QueuedCall, QueuedCampaign
    from .plum.outbound import CallLike, OutboundClient
    from .plum.scheduler import SchedulerCall, SchedulerClient

__all__ = ["add_scheduler_calls", "expiry", "queue_call", "queue_campaign", "record_call", "record_campaign"]


def expiry(app: Flask, expires: Any = None) -> float:
    """When a queued call stops being startable: Plum's expiry when it is a time vxmlkit can
    read (a UNIX time or an aware datetime), else the start URL's lifetime from now."""
    if isinstance(expires, dt.datetime) and expires.tzinfo is not None:
        return expires.timestamp()
    if isinstance(expires, int) and not isinstance(expires, bool):
        return float(expires)
    if isinstance(expires, str) and expires.strip().isdigit():
        return float(expires.strip())
    return time.time() + int(app.config["VXMLKIT_START_TOKEN_MAX_AGE"])


def _parameters(value: str | Mapping[str, object] | None) -> str:
    from .plum import rules

    return rules.encode_parameters("call_parameters", value) or ""


def record_call(
    app: Flask,
    flow: str,
    phone_number: str,
    *,
    message_reference: str | None = None,
    call_parameters: str | Mapping[str, object] | None = None,
    expires: Any = None,
) -> FlowUrls:
    """Record one call of ``flow`` and return its bound start and result URLs."""
    kit = get_kit(app)
    if kit.flow(flow) is None:
        raise LookupError(f"no flow {flow!r}; known: {', '.join(sorted(kit.flows)) or 'none'}")
    queued_id = kit.queued_calls.record(
        flow, phone_number, message_reference=message_reference or "", call_parameters=_parameters(call_parameters),
        expires_at=expiry(app, expires),
    )
    return flow_urls(app, flow, subject=CALL_PREFIX + queued_id)


def record_campaign(app: Flask, flow: str, calls: Iterable[CallLike], *, expires: Any = None, campaign: str | None = None) -> tuple[FlowUrls, str]:
    """Record the calls of a campaign of ``flow``; its bound URLs and its campaign key.

    Pass ``campaign`` (a key returned earlier) to add calls to a campaign already recorded.
    """
    from .plum.outbound import coerce_call

    kit = get_kit(app)
    if kit.flow(flow) is None:
        raise LookupError(f"no flow {flow!r}; known: {', '.join(sorted(kit.flows)) or 'none'}")
    key = campaign or kit.queued_calls.new_campaign()
    until = expiry(app, expires)
    for index, item in enumerate(calls):
        spec: CallSpec = coerce_call(item, index)
        kit.queued_calls.record(
            flow, str(spec.phone_number), message_reference=spec.message_reference or "",
            call_parameters=_parameters(spec.call_parameters), expires_at=until, campaign=key,
        )
    return flow_urls(app, flow, subject=CAMPAIGN_PREFIX + key), key


def queue_call(
    app: Flask,
    client: OutboundClient,
    flow: str,
    phone_number: str,
    *,
    message_reference: str | None = None,
    call_parameters: str | Mapping[str, object] | None = None,
    expires: Any = None,
    **plum_options: Any,
) -> QueuedCall:
    """Record the call, then queue it at Plum with its bound URLs (``plum_options``: the other
    arguments of :meth:`OutboundClient.queue_call`). A call Plum refuses can never start."""
    urls = record_call(app, flow, phone_number, message_reference=message_reference,
                       call_parameters=call_parameters, expires=expires)
    queued_id = urls.subject[len(CALL_PREFIX):]
    try:
        return client.queue_call(phone_number, urls.start_url, urls.result_url, message_reference=message_reference,
                                 call_parameters=call_parameters, expires=expires, **plum_options)
    except BaseException:
        get_kit(app).queued_calls.cancel([queued_id])
        raise


def queue_campaign(
    app: Flask, client: OutboundClient, flow: str, name: str, calls: Iterable[CallLike], *, expires: Any = None, **plum_options: Any
) -> QueuedCampaign:
    """Record the campaign's calls, then queue them at Plum with the campaign's bound URLs."""
    calls = list(calls)
    urls, key = record_campaign(app, flow, calls, expires=expires)
    try:
        return client.queue_campaign(name, calls, urls.start_url, urls.result_url, expires=expires, **plum_options)
    except BaseException:
        get_kit(app).queued_calls.cancel_campaign(key)
        raise


def add_scheduler_calls(
    app: Flask, client: SchedulerClient, campaign_id: int, flow: str, calls: Iterable[SchedulerCall], *, campaign: str, as_file: bool = False
) -> int:
    """Record calls for a scheduler campaign created with the URLs of ``record_campaign(...)``
    (``campaign`` is its key), then add them to it."""
    calls = list(calls)
    record_campaign(app, flow, calls, campaign=campaign)
    return client.add_calls(campaign_id, calls, as_file=as_file)
