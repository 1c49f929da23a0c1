"""Signed, expiring tokens carried by every URL vxmlkit writes into a document.

Plum does not sign its requests, so the token is the lock: it names the flow, the call session
and the step, and only this deployment's secret can make one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

__all__ = ["StepToken", "TokenSigner", "Sealer", "InvalidToken", "ExpiredToken"]


class InvalidToken(Exception):
    """The token was not made by this deployment, was altered, or names another URL."""


class ExpiredToken(InvalidToken):
    """The token is genuine but older than its maximum age."""


@dataclass(frozen=True)
class StepToken:
    """What a token vouches for."""

    flow: str
    session_id: str
    step: str


class _KeyCachingSigner(TimestampSigner):
    """itsdangerous' timestamp signer, deriving its key once instead of on every signature."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        cache: dict[bytes | str | None, bytes] = self.__dict__.setdefault("_derived", {})
        if secret_key not in cache:
            cache[secret_key] = super().derive_key(secret_key)
        return cache[secret_key]


class TokenSigner:
    """Makes and checks step tokens with one secret and a maximum age (seconds).

    ``fallbacks`` are earlier secrets, still accepted when checking a token but never used to
    sign one, so that a secret can be replaced without breaking the links already given out.
    """

    def __init__(self, secret: str | bytes, *, max_age: int, salt: str = "vxmlkit.step",
                 fallbacks: Sequence[str | bytes] = ()) -> None:
        if not secret:
            raise ValueError("a secret key is needed to sign vxmlkit URLs")
        if max_age <= 0:
            raise ValueError("the token max age must be positive")
        # A timestamp signer over "flow.session.step": none of the three can hold a dot (flow
        # names, URL-safe session ids and Python identifiers), and it costs a quarter of a
        # serializer's JSON round trip on the hot path.
        # itsdangerous signs with the last key of the list and accepts any of them.
        self._signer = _KeyCachingSigner([*fallbacks, secret], salt=salt)
        self.max_age = max_age

    def sign(self, token: StepToken) -> str:
        """The signed text for ``token``."""
        parts = (token.flow, token.session_id, token.step)
        if any("." in part or not part for part in parts):
            raise ValueError(f"cannot sign {token!r}: its parts must be non-empty and hold no '.'")
        return self._signer.sign(".".join(parts)).decode("ascii")

    def verify(self, text: str) -> StepToken:
        """The token ``text`` vouches for; raises :class:`InvalidToken` or :class:`ExpiredToken`."""
        try:
            payload = self._signer.unsign(text, max_age=self.max_age).decode("utf-8")
        except SignatureExpired as exc:
            raise ExpiredToken("the link has expired") from exc
        except (BadSignature, UnicodeDecodeError) as exc:
            raise InvalidToken("the link's signature is not valid") from exc
        parts = payload.split(".")
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
