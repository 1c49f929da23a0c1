"""Fixtures for the core tests: an app on a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from vxmlkit.app import create_app


@pytest.fixture
def make_app(tmp_path: Path):
    """Build a testing app serving the given flows on a fresh SQLite file."""

    def make(flows, **config):
        settings = {
            "TESTING": True,
            "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'vxmlkit.sqlite3'}",
            "VXMLKIT_SECRET_KEY": "test-secret",
            **config,
        }
        return create_app(settings, flows=flows)

    return make
