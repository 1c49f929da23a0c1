"""The signed links written into documents: each step's continuation, the SMS order, the report URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..components import Template
from ..definition import require_template
from ..documents import ComponentError
from ..flow import Call, Flow
from ..sms.step import Sms
from ..store import CallSession
from ..tokens import StepToken

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["Links"]


@dataclass(frozen=True)
class Links:
    """Where the platform reaches vxmlkit's routes for one request.

    ``root`` is the path of the routes as the platform sees it (the app's script root, which
    honours a proxy's ``X-Forwarded-Prefix`` through ``ProxyFix``, plus ``VXMLKIT_URL_PREFIX``),
    without a trailing slash: documents link to their next step by path, so the voice browser
    resolves it against the URL it fetched. ``public_url`` is the absolute URL of the same routes
    given to third parties (an SMS gateway's delivery reports), or None when unknown.
    """

    root: str
    public_url: str | None = None

    def step_url(self, kit: VxmlKit, flow: type[Flow], session: CallSession) -> Callable[[str], str]:
        """A function giving the signed continuation URL of a step of ``session``."""
        base = f"{self.root}/{flow.name}/step/"

        def step_url(step: str) -> str:
            if step not in flow.steps:
                raise ComponentError(f"flow {flow.name!r} has no step {step!r}")
            # Tokens hold only URL-safe characters, flow and step names are checked words; each
            # names the document it is written into, so it is good for one step of the call.
            token = StepToken(flow.name, session.id, step, int(session.internal["document"]))
            return f"{base}{step}?t={kit.signer.sign(token)}"

        return step_url

    def sms_order(self, kit: VxmlKit, flow: type[Flow], session: CallSession, call: Call) -> Callable[[Sms], tuple[str, str]]:
        """A function giving, for an :func:`~vxmlkit.sms` component, the signed URL the document
        posts to and the sealed order it posts (recipient, text, next steps: nothing the caller
        can change). Each SMS of a step counts as a new attempt, sent once.
        """

        def sms_link(component: Sms) -> tuple[str, str]:
            step = call.step
            counters = session.internal.setdefault("sms_attempts", {})
            counters[step] = attempt = int(counters.get(step, 0)) + 1
            if isinstance(component.text, Template):
                require_template(kit.renderer, component.text.name, f"step {flow.name}.{step}")
                text = kit.renderer.render_text(component.text.name, {"call": call, **component.text.context})
            else:
                text = component.text
            sealed = kit.sms_sealer.seal({
                "session": session.id, "step": step, "attempt": attempt, "to": component.to, "text": text,
                "sender": component.sender, "then": component.then, "on_error": component.on_error,
                "private": component.private, "timeout": component.timeout,
            })
            token = kit.sms_signer.sign(StepToken(flow.name, session.id, step, int(session.internal["document"])))
            return f"{self.root}/{flow.name}/sms/{step}?t={token}", sealed

        return sms_link

    def report_url(self, kit: VxmlKit) -> str | None:
        """The signed URL the SMS gateway posts delivery reports to (None without a public URL)."""
        if self.public_url is None:
            return None
        gateway = kit.sms_gateway.name
        token = kit.report_signer.sign(StepToken("sms", "-", gateway))
        return f"{self.public_url}/sms/report/{gateway}?t={token}"
