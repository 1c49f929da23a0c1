"""Fixtures for the example apps' tests: the example app on a fresh SQLite store, and a
simulator whose SMS gateway fails (for the flows' error branches). Every document the flows
serve is also checked against the W3C schema by the suite-wide fixture in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from vxmlkit.app import create_app
from vxmlkit.sms import GatewayTimeoutError, MemoryGateway
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
