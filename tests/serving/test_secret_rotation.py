"""Rotating VXMLKIT_SECRET_KEY: links signed with the earlier key keep working while it is
listed in VXMLKIT_SECRET_KEY_FALLBACKS, new links are signed with the new key only."""

from __future__ import annotations

import pytest
from lxml import etree

from vxmlkit.extension import get_kit
from vxmlkit.tokens import InvalidToken, Sealer, StepToken, TokenSigner

NS = {"v": "http://www.w3.org/2001/vxml"}
START = {"phone_number": "+16175551234", "message_reference": "ref-1", "call_id": "c-1", "call_parameters": ""}


def old_start_path() -> str:
    token = TokenSigner("old-secret", max_age=3600, salt="vxmlkit.start").sign(StepToken("counter", "-", "start"))
    return f"/vxml/counter/start?t={token}"


def test_links_of_the_earlier_key_work_during_the_rotation(make_app, monkeypatch):
    before = make_app(VXMLKIT_SECRET_KEY="old-secret")
    client = before.test_client()
    document = etree.fromstring(client.post(old_start_path(), data=START).data)
    held = next(value for element in document.iter() for value in element.attrib.values() if "/step/" in value)

    # Every host restarts with the new key and the old one as a fallback (from the environment).
    monkeypatch.setenv("VXMLKIT_SECRET_KEY_FALLBACKS", "older-secret, old-secret")
    during = make_app(VXMLKIT_SECRET_KEY="new-secret")
    client = during.test_client()
    assert client.post(held, data={"key": "1"}).status_code == 200  # a call in progress goes on
    answer = client.post(old_start_path(), data={**START, "call_id": "c-2"})  # a queued call starts
    assert answer.status_code == 200
    fresh = next(value for element in etree.fromstring(answer.data).iter()
                 for value in element.attrib.values() if "/step/" in value)
    token = fresh.split("?t=")[1]
    assert TokenSigner("new-secret", max_age=60).verify(token)
    with pytest.raises(InvalidToken):
        TokenSigner("old-secret", max_age=60).verify(token)

    # Once the old links have expired, the fallback goes: they are refused.
    monkeypatch.delenv("VXMLKIT_SECRET_KEY_FALLBACKS")
    after = make_app(VXMLKIT_SECRET_KEY="new-secret")
    assert after.test_client().post(old_start_path(), data=START).status_code == 403


def test_sealed_sms_orders_of_the_earlier_key_are_opened():
    sealed = Sealer("old-secret", purpose="sms").seal({"to": "+16175551234"})
    rotated = Sealer("new-secret", purpose="sms", fallbacks=["old-secret"])
    assert rotated.unseal(sealed, max_age=60) == {"to": "+16175551234"}
    fresh = rotated.seal({"to": "+1"})
    with pytest.raises(InvalidToken):
        Sealer("old-secret", purpose="sms").unseal(fresh, max_age=60)
    with pytest.raises(InvalidToken):
        Sealer("new-secret", purpose="sms").unseal(sealed, max_age=60)


def test_the_kit_signs_with_the_new_key(make_app):
    app = make_app(VXMLKIT_SECRET_KEY="new-secret", VXMLKIT_SECRET_KEY_FALLBACKS=["old-secret"])
    token = get_kit(app).signer.sign(StepToken("counter", "s", "welcome"))
    assert TokenSigner("new-secret", max_age=60).verify(token) == StepToken("counter", "s", "welcome")
