"""Fixtures for the whole suite.

Every document vxmlkit renders during any test is valid under the project's schema (the
renderer checks it) and must also be valid under the W3C schema when ../shared/reference is
present: the project's schema is stricter, never looser.
"""

from __future__ import annotations

import pytest
from lxml import etree

from tests.w3c_oracle import W3C_SCHEMAS, w3c_schema
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


