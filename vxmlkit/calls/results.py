"""Take Plum's result_url POST: store the call's outcome once, then run the flow's ``on_result``.

The answer is 200 only once the result is stored: while the store is down it is 503, so that
Plum sends the result again rather than losing it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..results import CallResult, run_hook, run_pending_hooks
from .answers import STORE_UNAVAILABLE_TEXT, Answer, Refused, text
from .outages import STORE_FAILURES, outage
from ..trust import end_call
from .start import check_flow_token

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["take_result"]

log = logging.getLogger("vxmlkit")


def take_result(kit: VxmlKit, flow: str, token: str, fields: Mapping[str, str], *, preflight: bool = False) -> Answer:
    """Answer a result_url request carrying ``fields``; ``preflight`` is Plum's GET before it dials."""
    flow_cls = kit.flow(flow)
    if flow_cls is None:
        log.warning("vxmlkit result for unknown flow %r", flow[:80])
        return text("unknown flow\n", 404)
    if preflight:
        return text("ok\n")
    try:
        verified = check_flow_token(kit, kit.result_signer, flow, "result", token)
    except Refused as exc:
        log.warning("vxmlkit refused (%s): %s", exc.status, exc.message)
        return text("forbidden\n", 403)
    outcome = CallResult.from_form(flow, {name: value[: kit.max_input_length] for name, value in fields.items()})
    try:
        added = kit.results.add(outcome)
        end_call(kit, flow, verified.session_id if verified else "-", fields)
    except STORE_FAILURES as exc:
        outage(kit).failed(exc)
        return STORE_UNAVAILABLE_TEXT
    outage(kit).recovered()
    if not added:
        log.info("vxmlkit result for %r (%s, %s) already stored", flow, outcome.message_reference[:80], outcome.call_id[:80])
        _retry_unfinished_hooks(kit)
        return text("ok\n")
    kit.metrics.result(flow, outcome.result, outcome.callee_type)
    run_hook(kit.results, flow_cls, outcome)
    _retry_unfinished_hooks(kit)
    return text("ok\n")


def _retry_unfinished_hooks(kit: VxmlKit) -> None:
    """Run again, a few at a time, the ``on_result`` hooks a dead process left unfinished."""
    try:
        run_pending_hooks(kit.results, kit.flows, limit=5)
    except STORE_FAILURES as exc:
        outage(kit).failed(exc)
