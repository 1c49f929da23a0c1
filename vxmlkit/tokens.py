"""Signed, expiring tokens carried by every URL vxmlkit writes into a document.

Plum does not sign its requests, so the token is the lock: it names the flow, the call session
and the step, and only this deployment's secret can make one.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = ["StepToken", "TokenSigner", "InvalidToken", "ExpiredToken"]


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


class TokenSigner:
    """Makes and checks step tokens with one secret and a maximum age (seconds)."""

    def __init__(self, secret: str | bytes, *, max_age: int, salt: str = "vxmlkit.step") -> None:
        if not secret:
            raise ValueError("a secret key is needed to sign vxmlkit URLs")
        if max_age <= 0:
            raise ValueError("the token max age must be positive")
        self._serializer = URLSafeTimedSerializer(secret, salt=salt)
        self.max_age = max_age

    def sign(self, token: StepToken) -> str:
        """The signed text for ``token``."""
        return str(self._serializer.dumps([token.flow, token.session_id, token.step]))

    def verify(self, text: str) -> StepToken:
        """The token ``text`` vouches for; raises :class:`InvalidToken` or :class:`ExpiredToken`."""
        try:
            data = self._serializer.loads(text, max_age=self.max_age)
        except SignatureExpired as exc:
            raise ExpiredToken("the link has expired") from exc
        except BadSignature as exc:
            raise InvalidToken("the link's signature is not valid") from exc
        if not (isinstance(data, list) and len(data) == 3 and all(isinstance(x, str) for x in data)):
            raise InvalidToken("the link's token has an unexpected shape")
        return StepToken(*data)
