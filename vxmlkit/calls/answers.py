"""What the request path answers: an :class:`Answer` value, refusals and the goodbye document.

Whatever happens, a voice browser gets VoiceXML: an unknown flow, a tampered or expired link,
oversized input, a step that raises or a database that does not answer each end in a short
goodbye document (and the cause in the log), never an HTML error page.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Concatenate, ParamSpec

from ..templating import DocumentError
from .outages import STORE_FAILURES, outage

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = [
    "Answer",
    "Refused",
    "VOICEXML_MIMETYPE",
    "TEXT_MIMETYPE",
    "voicexml",
    "text",
    "error_document",
    "voice_answer",
    "UNAVAILABLE_STATUS",
    "STORE_UNAVAILABLE_TEXT",
]

log = logging.getLogger("vxmlkit")

VOICEXML_MIMETYPE = "application/voicexml+xml; charset=utf-8"
TEXT_MIMETYPE = "text/plain; charset=utf-8"

#: The status of a request the store could not serve: the sender may try again later.
UNAVAILABLE_STATUS = 503
#: Seconds a sender is asked to wait before trying again while the store is down.
RETRY_AFTER = "5"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer in plain values: the routes wrap it in a Flask response."""

    status: int
    body: str
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def is_voicexml(self) -> bool:
        """True when the body is a VoiceXML document."""
        return self.content_type == VOICEXML_MIMETYPE


class Refused(Exception):
    """The request cannot be served: answer ``status`` with the goodbye document for ``reason``."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def voicexml(document: str, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    """A VoiceXML answer; never cached, since every document carries fresh signed links."""
    return Answer(status, document, VOICEXML_MIMETYPE, (("Cache-Control", "no-store"), *headers))


def text(body: str, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    """A plain-text answer, for the routes a voice browser never fetches (results, reports)."""
    return Answer(status, body, TEXT_MIMETYPE, headers)


#: The answer to a result or delivery report the store could not take: the sender sends it again.
STORE_UNAVAILABLE_TEXT = text("unavailable, try again later\n", UNAVAILABLE_STATUS, (("Retry-After", RETRY_AFTER),))


def error_document(kit: VxmlKit, status: int, reason: str) -> Answer:
    """The goodbye document (``templates/vxml/error.vxml``) with ``status``.

    ``reason`` is one of ``error``, ``forbidden``, ``not_found``, ``bad_request``.
    """
    rendered = kit.renderer.render("vxml/error.vxml", {"reason": reason}, version="2.0")
    headers = (("Retry-After", RETRY_AFTER),) if status == UNAVAILABLE_STATUS else ()
    return voicexml(rendered.text, status, headers)


P = ParamSpec("P")


def voice_answer(handler: Callable[Concatenate[VxmlKit, P], Answer]) -> Callable[Concatenate[VxmlKit, P], Answer]:
    """Turn whatever ``handler`` raises into a VoiceXML answer.

    A refusal answers its status; a database that does not answer, 503 (see
    :mod:`vxmlkit.calls.outages`); anything else the apology with 200, except an invalid
    document while ``VXMLKIT_STRICT_DOCUMENTS`` is on, which is raised for the developer.
    """

    @functools.wraps(handler)
    def answer(kit: VxmlKit, /, *args: P.args, **kwargs: P.kwargs) -> Answer:
        try:
            served = handler(kit, *args, **kwargs)
        except Refused as exc:
            log.warning("vxmlkit refused (%s): %s", exc.status, exc.message)
            return error_document(kit, exc.status, exc.reason)
        except STORE_FAILURES as exc:
            outage(kit).failed(exc)
            return error_document(kit, UNAVAILABLE_STATUS, "error")
        except DocumentError:
            if kit.strict:
                raise
            log.exception("vxmlkit %s failed", handler.__name__)
            return error_document(kit, 200, "error")
        except Exception:
            log.exception("vxmlkit %s failed", handler.__name__)
            return error_document(kit, 200, "error")
        return served

    return answer
