"""Step tokens: signed with one HMAC call, in the wire format earlier releases wrote."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from vxmlkit.tokens import ExpiredToken, InvalidToken, StepToken, TokenSigner

TOKEN = StepToken("payment-reminder", "s3ss10n", "greet")


def test_round_trip():
    signer = TokenSigner("secret", max_age=60)
    assert signer.verify(signer.sign(TOKEN)) == TOKEN


def test_links_made_by_itsdangerous_still_verify_and_the_reverse():
    # Links already handed to the platform survive an upgrade: same format, same key.
    ours = TokenSigner("secret", max_age=60, salt="vxmlkit.start")
    theirs = TimestampSigner("secret", salt="vxmlkit.start")
    old = theirs.sign("payment-reminder.s3ss10n.greet").decode()
    assert ours.verify(old) == TOKEN
    assert theirs.unsign(ours.sign(TOKEN), max_age=60) == b"payment-reminder.s3ss10n.greet"


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace("greet", "pay"),
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: t.rsplit(".", 1)[0],
    lambda t: "",
    lambda t: "no dots at all",
    lambda t: t + "é",
])
def test_altered_tokens_are_refused(tamper):
    signer = TokenSigner("secret", max_age=60)
    with pytest.raises(InvalidToken):
        signer.verify(tamper(signer.sign(TOKEN)))


def test_another_secret_or_salt_is_refused():
    token = TokenSigner("secret", max_age=60).sign(TOKEN)
    with pytest.raises(InvalidToken):
        TokenSigner("other", max_age=60).verify(token)
    with pytest.raises(InvalidToken):
        TokenSigner("secret", max_age=60, salt="vxmlkit.sms").verify(token)


def test_expiry_both_ways(monkeypatch):
    signer = TokenSigner("secret", max_age=60)
    token = signer.sign(TOKEN)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)
    with pytest.raises(ExpiredToken):
        signer.verify(token)
    monkeypatch.setattr(time, "time", lambda: real() - 5)  # signed "in the future": clock skew
    with pytest.raises(ExpiredToken):
        signer.verify(token)


def test_parts_with_dots_cannot_be_signed():
    with pytest.raises(ValueError, match="no '.'"):
        TokenSigner("secret", max_age=60).sign(StepToken("a.b", "s", "t"))
