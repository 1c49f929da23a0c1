"""Fixtures for the core tests: an app on a temporary SQLite file, and a check that every
document a test renders is valid under the project's schema (always) and under the W3C
schema (when ../shared/reference is present)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.w3c_oracle import W3C_SCHEMAS, w3c_schema
from vxmlkit.app import create_app
from vxmlkit.templating import Renderer


@pytest.fixture(autouse=True)
def rendered_documents(monkeypatch: pytest.MonkeyPatch):
    """Every document rendered during the test; each must also satisfy the W3C schema."""
    documents: list[str] = []
    original = Renderer.render

    def recording_render(self, *args, **kwargs):
        rendered = original(self, *args, **kwargs)
        documents.append(rendered.text)
        return rendered

    monkeypatch.setattr(Renderer, "render", recording_render)
    yield documents
    for text in documents:
        root = etree.fromstring(text.encode())
        if not W3C_SCHEMAS.is_dir():
            continue
        schema = w3c_schema(root.get("version", "2.0"))
        assert schema.validate(root), f"W3C schema rejects a rendered document: {schema.error_log}\n{text}"


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
