from __future__ import annotations

import pytest

from tests.testing.flows import create_test_app


@pytest.fixture
def vxml_app(tmp_path):
    """Overrides the plugin's fixture: the Desk flow on a fresh store."""
    return create_test_app(VXMLKIT_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}")
