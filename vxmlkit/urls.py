"""The absolute URLs Plum needs for a flow: its start_url and its result_url, both signed.

The base is ``VXMLKIT_PUBLIC_URL`` (where Plum reaches this deployment, such as
``https://ivr.example.com``); inside a request without it, the request's own scheme, host and
script root (honouring ``X-Forwarded-Proto``, ``-Host`` and ``-Prefix`` when the app wraps itself
in werkzeug's ``ProxyFix``: see docs/production.md). Each URL carries
a token signed with the app's secret that the blueprint checks when
``VXMLKIT_REQUIRE_START_TOKEN`` is on (the default outside debug and testing).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, has_request_context, request

from .extension import get_kit
from .tokens import StepToken

__all__ = ["FlowUrls", "flow_urls", "public_base_url"]


@dataclass(frozen=True)
class FlowUrls:
    """The signed, absolute URLs of one flow."""

    start_url: str
    result_url: str
    subject: str = "-"
    """What the URLs' tokens name: ``-`` (any call of the flow), ``q-<id>`` (one queued call)
    or ``c-<id>`` (a queued campaign)."""


def public_base_url(app: Flask) -> str:
    """Where Plum reaches this deployment, without a trailing slash."""
    configured = app.config.get("VXMLKIT_PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        # url_root holds the script root too: a proxy's X-Forwarded-Prefix through ProxyFix.
        return request.url_root.rstrip("/")
    raise ValueError(
        "set VXMLKIT_PUBLIC_URL to the base URL at which Plum reaches this deployment "
        "(such as https://ivr.example.com) to build absolute start and result URLs"
    )


def flow_urls(app: Flask, flow_name: str, *, message_reference: str | None = None, subject: str = "-") -> FlowUrls:
    """The signed start_url and result_url of the flow ``flow_name`` on ``app``.

    ``subject`` binds them to one queued call or campaign (see :mod:`vxmlkit.queueing`, which
    records the call and passes it); the default ``-`` names no call: such a start URL is
    accepted only by a flow listed in ``VXMLKIT_ALLOW_UNQUEUED_CALLS``. ``message_reference``
    is accepted for symmetry with Plum's queue call; it travels in Plum's own POST fields.
    """
    kit = get_kit(app)
    if kit.flow(flow_name) is None:
        raise LookupError(f"no flow {flow_name!r}; known: {', '.join(sorted(kit.flows)) or 'none'}")
    base = public_base_url(app) + str(app.config["VXMLKIT_URL_PREFIX"]).rstrip("/") + f"/{flow_name}"
    start = kit.start_signer.sign(StepToken(flow_name, subject, "start"))
    result = kit.result_signer.sign(StepToken(flow_name, subject, "result"))
    return FlowUrls(start_url=f"{base}/start?t={start}", result_url=f"{base}/result?t={result}", subject=subject)
