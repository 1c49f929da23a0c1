"""Keeping secrets out of logs and the store.

Providers sometimes echo the request they refused, headers and body included. Before a
provider's text is logged or stored, :func:`redact` cuts out what vxmlkit sent that is not the
provider's to repeat: credentials (given values, Basic/Bearer authorisations, login/pin/password
fields however encoded), signed tokens, and the message text itself (private or not: keep the
provider's error, not our body).

vxmlkit's own log lines go through :class:`RedactingFilter` (installed on vxmlkit's loggers by
:func:`get_logger`), which cuts signed tokens (``?t=...``) out of any URL in them.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["RedactingFilter", "basic_credentials", "cut_tokens", "get_logger", "redact"]

HIDDEN = "***"
MESSAGE_TEXT = "<message text>"

_CREDENTIAL_NAMES = r"login|user(?:name)?|pin|pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?token|authorization"
_BODY_NAMES = r"body|text|messagedata|sms_text"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # an Authorization header echoed whole
    (re.compile(r"(?im)^(\s*(?:proxy-)?authorization\s*:\s*).*$"), r"\1" + HIDDEN),
    # Basic / Bearer / Digest credentials wherever they appear
    (re.compile(r"(?i)\b(basic|bearer|digest)(\s+|%20|\+)[A-Za-z0-9+/=._~%-]{4,}"), r"\1\2" + HIDDEN),
    # form or query fields: login=..., pin=..., password=...
    (re.compile(rf"(?i)(?<![A-Za-z0-9_])((?:{_CREDENTIAL_NAMES})=)[^&\s\"'<>]+"), r"\1" + HIDDEN),
    # JSON members: "password": "..."
    (re.compile(rf'(?i)("(?:{_CREDENTIAL_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*"'), r'\1"' + HIDDEN + '"'),
    # XML elements: <pin>...</pin>
    (re.compile(rf"(?is)(<({_CREDENTIAL_NAMES})\b[^>]*>).*?(</\2\s*>)"), r"\1" + HIDDEN + r"\3"),
    # our message text as a form field or a JSON member, whatever it holds
    (re.compile(rf"(?i)(?<![A-Za-z0-9_])((?:{_BODY_NAMES}|message)=)[^&\s\"'<>]*"), r"\1" + MESSAGE_TEXT),
    (re.compile(rf'(?i)("(?:{_BODY_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*"'), r'\1"' + MESSAGE_TEXT + '"'),
)
_TOKEN = re.compile(r"(?i)([?&;](?:amp;)?t=|(?:%3F|%26)t%3D)[^&%\s\"'<>#;]+")


def _spellings(value: str) -> set[str]:
    """The ways a provider may echo ``value``: as sent, URL-encoded, JSON- and HTML-escaped."""
    forms = {value, quote(value), quote_plus(value), quote(value, safe=""), html.escape(value),
             json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], " ".join(value.split())}
    return {form for form in forms if form}


def basic_credentials(login: str, password: str) -> str:
    """The base64 of ``login:password`` as a Basic Authorization header carries it (to redact)."""
    return base64.b64encode(f"{login}:{password}".encode()).decode("ascii")


def cut_tokens(text: str) -> str:
    """``text`` with the value of every signed-token parameter (``?t=...``) replaced by ***."""
    return _TOKEN.sub(r"\1" + HIDDEN, text)


def redact(text: str, *, secrets: Iterable[str | None] = (), message_texts: Iterable[str | None] = ()) -> str:
    """A provider's ``text`` without ``secrets``, ``message_texts`` (in any spelling a provider
    may echo), credential fields and signed tokens.

    Values shorter than 3 characters (secrets) or 4 (message texts) are not searched for, since
    they would cut ordinary words; the field rules still hide them in their usual places.
    """
    pairs = [(form, HIDDEN) for secret in secrets if secret and len(secret) >= 3 for form in _spellings(secret)]
    pairs += [(form, MESSAGE_TEXT) for body in message_texts if body and len(body) >= 4 for form in _spellings(body)]
    for value, replacement in sorted(pairs, key=lambda pair: len(pair[0]), reverse=True):
        if len(value) >= 3:
            text = text.replace(value, replacement)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return cut_tokens(text)


class RedactingFilter(logging.Filter):
    """Cuts signed tokens out of a record's message and traceback before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cut = cut_tokens(message)
        if cut != message:
            record.msg, record.args = cut, None
        if record.exc_info and not record.exc_text:
            record.exc_text = cut_tokens(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with :class:`RedactingFilter` on it (once)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
