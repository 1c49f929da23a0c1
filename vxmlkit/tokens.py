"""Signed, expiring tokens carried by every URL vxmlkit writes into a document.

Plum does not sign its requests, so the token is the lock: it names the flow, the call session
and the step, and only this deployment's secret can make one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["StepToken", "TokenSigner", "Sealer", "InvalidToken", "ExpiredToken"]


class InvalidToken(Exception):
    """The token was not made by this deployment, was altered, or names another URL."""


class ExpiredToken(InvalidToken):
    """The token is genuine but older than its maximum age."""


@dataclass(frozen=True)
class StepToken:
    """What a token vouches for.

    ``document`` numbers the document of the call the link was written into (1 for the first
    document; 0 for the tokens of start, result and report URLs, which belong to no document):
    a link is good for the one step that follows that document.
    """

    flow: str
    session_id: str
    step: str
    document: int = 0


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64(text: bytes) -> bytes:
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


class TokenSigner:
    """Makes and checks step tokens with one secret and a maximum age (seconds).

    A token reads ``flow.session.step.TIMESTAMP.SIGNATURE``: the timestamp is the signing time
    (big-endian seconds, URL-safe base64), the signature an HMAC-SHA1 of everything before it
    under a key derived from the salt and the secret. This is the wire format of itsdangerous'
    ``TimestampSigner``, so links made by earlier releases stay valid across an upgrade; it is
    computed here with one ``hmac.digest`` call (OpenSSL's one-shot HMAC), the cheapest way
    Python has to sign, because a document signs several URLs on every request.

    ``fallbacks`` are earlier secrets, still accepted when checking a token but never used to
    sign one, so that a secret can be replaced without breaking the links already given out.
    """

    def __init__(self, secret: str | bytes, *, max_age: int, salt: str = "vxmlkit.step",
                 fallbacks: Sequence[str | bytes] = ()) -> None:
        if not secret:
            raise ValueError("a secret key is needed to sign vxmlkit URLs")
        if max_age <= 0:
            raise ValueError("the token max age must be positive")

        def derive(secret: str | bytes) -> bytes:
            raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
            return hashlib.sha1(salt.encode("utf-8") + b"signer" + raw).digest()

        self._key = derive(secret)
        self._old_keys = tuple(derive(old) for old in fallbacks if old and old != secret)
        self.max_age = max_age
        self._stamp = (-1, "")

    def _signature(self, signed_part: bytes, key: bytes | None = None) -> bytes:
        return _b64(hmac.digest(key or self._key, signed_part, "sha1"))

    def _genuine(self, signed_part: bytes, signature: bytes) -> bool:
        if hmac.compare_digest(signature, self._signature(signed_part)):
            return True
        return any(hmac.compare_digest(signature, self._signature(signed_part, key)) for key in self._old_keys)

    def sign(self, token: StepToken) -> str:
        """The signed text for ``token``."""
        flow, session, step = token.flow, token.session_id, token.step
        # None of the three can hold a dot (flow names, URL-safe session ids and Python
        # identifiers): the dot separates them, and the timestamp and signature after them.
        if not (flow and session and step) or "." in flow or "." in session or "." in step:
            raise ValueError(f"cannot sign {token!r}: its parts must be non-empty and hold no '.'")
        now = int(time.time())
        stamped_at, stamp = self._stamp  # one read: another thread may replace it meanwhile
        if now != stamped_at:  # a document signs several URLs within the same second
            stamp = _b64(now.to_bytes((now.bit_length() + 7) // 8 or 1, "big")).decode("ascii")
            self._stamp = (now, stamp)
        # the number of the document the link is written into, when it has one
        numbered = f".{token.document}" if token.document else ""
        signed_part = f"{flow}.{session}.{step}{numbered}.{stamp}".encode("utf-8")
        return f"{signed_part.decode('utf-8')}.{self._signature(signed_part).decode('ascii')}"

    def verify(self, text: str) -> StepToken:
        """The token ``text`` vouches for; raises :class:`InvalidToken` or :class:`ExpiredToken`."""
        try:
            raw = text.encode("ascii")
        except UnicodeEncodeError:
            raise InvalidToken("the link's signature is not valid") from None
        signed_part, dot, signature = raw.rpartition(b".")
        if not dot or not self._genuine(signed_part, signature):
            raise InvalidToken("the link's signature is not valid")
        payload, _, stamp = signed_part.rpartition(b".")
        try:
            signed_at = int.from_bytes(_unb64(stamp), "big")
        except (binascii.Error, ValueError):
            raise InvalidToken("the link's timestamp is not valid") from None
        age = int(time.time()) - signed_at
        if age > self.max_age or age < 0:
            raise ExpiredToken("the link has expired")
        parts = payload.decode("utf-8").split(".")
        if len(parts) == 4 and parts[3].isdigit():
            return StepToken(parts[0], parts[1], parts[2], int(parts[3]))
        if len(parts) != 3:
            raise InvalidToken("the link's token has an unexpected shape")
        return StepToken(*parts)


class Sealer:
    """Encrypts and signs small JSON payloads (Fernet) with a key derived from the secret.

    Used where a value must cross the voice browser without being readable or writable there,
    and without being kept in the store: the SMS a step sends travels this way. ``fallbacks``
    are earlier secrets whose sealed values are still opened (see :class:`TokenSigner`).
    """

    def __init__(self, secret: str | bytes, *, purpose: str, fallbacks: Sequence[str | bytes] = ()) -> None:
        import base64
        import hashlib

        from cryptography.fernet import Fernet, MultiFernet

        def fernet(secret: str | bytes) -> Fernet:
            raw = secret.encode() if isinstance(secret, str) else secret
            return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"vxmlkit." + purpose.encode() + b"\0" + raw).digest()))

        # MultiFernet encrypts with the first key and decrypts with any.
        self._fernet = MultiFernet([fernet(secret), *(fernet(old) for old in reversed(fallbacks))])

    def seal(self, payload: dict[str, object]) -> str:
        """The sealed text for ``payload`` (URL-safe base64)."""
        import json

        return self._fernet.encrypt(json.dumps(payload, separators=(",", ":")).encode()).decode("ascii")

    def unseal(self, text: str, *, max_age: int) -> dict[str, object]:
        """The payload of ``text``; raises :class:`InvalidToken` when altered, foreign or too old."""
        import json

        from cryptography.fernet import InvalidToken as FernetInvalid

        try:
            data = json.loads(self._fernet.decrypt(text.encode("ascii"), ttl=max_age))
        except (FernetInvalid, UnicodeError, ValueError) as exc:
            raise InvalidToken("the sealed value is not valid") from exc
        if not isinstance(data, dict):
            raise InvalidToken("the sealed value has an unexpected shape")
        return data
