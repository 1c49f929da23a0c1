"""Fixtures for the core tests: an app on a temporary SQLite file, and a check that every
document a test renders is valid under the project's schema (always) and under the W3C
schema (when ../shared/reference is present)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from lxml import etree

from vxmlkit.app import create_app
from vxmlkit.templating import Renderer

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "w3c-schema"
_w3c_cache: dict[str, etree.XMLSchema] = {}


def w3c_schema(version: str) -> etree.XMLSchema | None:
    """The W3C schema for ``version`` (an oracle read from ../shared), or None when absent."""
    folder = REFERENCE / f"vxml-{version}"
    if not (folder / "vxml.xsd").is_file():
        return None
    if version not in _w3c_cache:
        _w3c_cache[version] = etree.XMLSchema(etree.parse(str(folder / "vxml.xsd")))
    return _w3c_cache[version]


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
        schema = w3c_schema(root.get("version", "2.0"))
        if schema is None:
            continue
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
