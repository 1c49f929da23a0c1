"""Start a call: Plum's POST to a flow's start_url opens a session and answers the first document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..tokens import InvalidToken, TokenSigner
from .answers import Answer, Refused, voice_answer, voicexml
from .inputs import START_FIELDS, checked_fields
from .links import Links
from .steps import serve_step

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["start_call", "check_flow_token"]


def check_flow_token(kit: VxmlKit, signer: TokenSigner, flow: str, purpose: str, token: str) -> None:
    """Refuse (403) a start or result request without ``flow``'s signed token, when tokens are required."""
    if not kit.require_start_token:
        return
    try:
        verified = signer.verify(token)
    except InvalidToken as exc:
        raise Refused(403, "forbidden", f"{purpose} request for {flow!r} without a valid token: {exc}") from exc
    if verified.flow != flow:
        raise Refused(403, "forbidden", f"{purpose} token names flow {verified.flow!r}, not {flow!r}")


@voice_answer
def start_call(kit: VxmlKit, links: Links, flow: str, token: str, fields: Mapping[str, str], *,
               preflight: bool = False) -> Answer:
    """Answer a start_url request: ``fields`` holds those of :data:`START_FIELDS` it carried.

    ``preflight``: a GET without any start field, which Plum sends before it dials to check
    that the URL answers; it gets an empty document and touches no session.
    """
    flow_cls = kit.flow(flow)
    if flow_cls is None:
        raise Refused(404, "not_found", f"no flow named {flow[:80]!r}")
    if preflight:
        return voicexml(kit.renderer.render("vxml/ready.vxml", {}, version="2.0").text)
    check_flow_token(kit, kit.start_signer, flow_cls.name, "start", token)
    values = checked_fields(kit, {name: fields.get(name, "") for name in START_FIELDS})
    session = kit.sessions.new(flow=flow_cls.name, **values)
    return serve_step(kit, links, flow_cls, session, flow_cls.start_step, {}, new=True)
