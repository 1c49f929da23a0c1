"""Fixtures for the example apps' tests: the example app on a fresh SQLite store, a simulator
whose SMS gateway fails (for the flows' error branches), and a check that every document the
flows served is also valid under the W3C schema (when ../shared/reference is present)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from lxml import etree

from tests.w3c_oracle import W3C_SCHEMAS, w3c_schema
from vxmlkit.app import create_app
from vxmlkit.sms import GatewayTimeoutError, MemoryGateway
from vxmlkit.templating import Renderer
from vxmlkit.testing import Simulator


@pytest.fixture
def vxml_app(tmp_path: Path) -> Flask:
    """The example flows served by ``vxmlkit serve``, with a store of their own."""
    return create_app({
        "TESTING": True,
        "VXMLKIT_SECRET_KEY": "test",
        "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    })


@pytest.fixture
def failing_sms(vxml_app: Flask) -> Simulator:
    """A simulator on which every text message fails with a gateway timeout."""
    failure = GatewayTimeoutError(detail="the provider did not answer within 30 seconds")
    return Simulator(vxml_app, sms_gateway=MemoryGateway(fail_with=failure))


@pytest.fixture(autouse=True)
def documents_pass_the_w3c_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every VoiceXML document rendered during the test must satisfy the W3C schema too."""
    rendered: list[str] = []
    original = Renderer.render

    def keep(self: Renderer, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        rendered.append(result.text)
        return result

    monkeypatch.setattr(Renderer, "render", keep)
    yield
    if not W3C_SCHEMAS.is_dir():
        return
    for text in rendered:
        root = etree.fromstring(text.encode())
        schema = w3c_schema(root.get("version", "2.0"))
        assert schema.validate(root), f"the W3C schema rejects a served document: {schema.error_log}\n{text}"
