"""Fixtures for the interpreter tests: documents written to a temporary folder and dialled."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from vxmlkit.browser import Browser, Input, Session

VXML_OPEN = '<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">'


def wrap_vxml(body: str) -> str:
    """A full document from its content (left alone when it already is one)."""
    stripped = body.lstrip()
    if stripped.startswith(("<?xml", "<vxml")):
        return stripped
    return f'<?xml version="1.0"?>\n{VXML_OPEN}\n{body}\n</vxml>\n'


@pytest.fixture
def vxml_call(tmp_path: Path) -> Callable[..., Session]:
    """``vxml_call({"start.vxml": "...", ...}, inputs=[...], **dial)``: write the documents, dial
    the first one, give the inputs; without ``inputs`` the session is returned as dialled."""

    def call(
        docs: Mapping[str, str] | str,
        inputs: Iterable[Input | str] | None = None,
        *,
        browser: Browser | None = None,
        **dial: Any,
    ) -> Session:
        if isinstance(docs, str):
            docs = {"start.vxml": docs}
        first = None
        for name, body in docs.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wrap_vxml(body), encoding="utf-8")
            first = first or path
        assert first is not None
        browser = browser or Browser()
        if inputs is None:
            return browser.dial(str(first), **dial)
        given = [Input.parse(item) if isinstance(item, str) else item for item in inputs]
        return browser.run(str(first), given, **dial)

    return call
