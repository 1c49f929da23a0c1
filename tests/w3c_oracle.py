"""The W3C VoiceXML schemas as a test oracle for vxmlkit's own schemas.

The W3C files are third-party reference material read from ``<repo>/../shared/reference``;
they are never part of vxmlkit. Tests that use this module skip when the folder is absent::

    from tests.w3c_oracle import agrees_with_w3c, skip_without_reference

    @skip_without_reference
    def test_document_agrees(rendered: bytes) -> None:
        w3c_valid, ours_valid = agrees_with_w3c(rendered)
        assert ours_valid and w3c_valid
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from lxml import etree

from vxmlkit.validation import STRICTER_THAN_W3C, VERSIONS, Problem, explain

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference"
W3C_SCHEMAS = REFERENCE / "w3c-schema"
W3C_IR = REFERENCE / "w3c-ir"

skip_without_reference = pytest.mark.skipif(
    not (W3C_SCHEMAS / "vxml-2.0" / "vxml.xsd").is_file(),
    reason=f"the W3C reference material is not present at {REFERENCE}",
)

_lock = threading.Lock()
_schemas: dict[str, etree.XMLSchema] = {}


def w3c_schema(version: str) -> etree.XMLSchema:
    """The W3C XML Schema for VoiceXML ``version``, compiled once (FileNotFoundError if absent)."""
    if version not in VERSIONS:
        raise ValueError(f"no W3C schema for VoiceXML {version!r}")
    with _lock:
        if version not in _schemas:
            path = W3C_SCHEMAS / f"vxml-{version}" / "vxml.xsd"
            if not path.is_file():
                raise FileNotFoundError(path)
            # Parsed from its own folder so its relative includes resolve locally.
            _schemas[version] = etree.XMLSchema(etree.parse(str(path.resolve())))
        return _schemas[version]


def _root(doc: bytes | str | etree._Element) -> etree._Element:
    if isinstance(doc, etree._Element):
        return doc
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    data = doc.encode("utf-8") if isinstance(doc, str) else doc
    return etree.fromstring(data, parser)


def document_version(doc: bytes | str | etree._Element) -> str:
    """The version a document declares, or "2.1" when it declares none that exists."""
    declared = _root(doc).get("version")
    return declared if declared in VERSIONS else VERSIONS[-1]


def w3c_verdict(doc: bytes | str | etree._Element, version: str | None = None) -> bool:
    """Whether the W3C schema for ``version`` (default: the document's) accepts ``doc``."""
    root = _root(doc)
    return bool(w3c_schema(version or document_version(root)).validate(root))


def our_problems(
    doc: bytes | str | etree._Element, version: str | None = None
) -> list[Problem]:
    """vxmlkit's problems with ``doc`` under the standard (W3C language) profile."""
    root = _root(doc)
    return explain(root, version=version or document_version(root), profile="standard")


def agrees_with_w3c(
    doc: bytes | str | etree._Element, version: str | None = None
) -> tuple[bool, bool]:
    """``(w3c_valid, ours_valid)`` for ``doc`` under the same VoiceXML version."""
    root = _root(doc)
    chosen = version or document_version(root)
    return w3c_verdict(root, chosen), not our_problems(root, chosen)


def unlisted_problems(problems: list[Problem]) -> list[Problem]:
    """The problems not explained by a rule where vxmlkit is deliberately stricter than W3C."""
    return [problem for problem in problems if problem.rule not in STRICTER_THAN_W3C]
