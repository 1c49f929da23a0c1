"""The SRGS grammars of the W3C VoiceXML implementation report tests, read from ../shared/reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from vxmlkit.browser.grammars import GrammarError, srgs_grammar

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "w3c-ir"
GRAMMAR_FILES = sorted(REFERENCE.rglob("*.grxml")) if REFERENCE.is_dir() else []


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _first_item_text(root_rule: etree._Element) -> str:
    for element in root_rule.iter():
        if isinstance(element.tag, str) and _local(element) == "item":
            return " ".join((element.text or "").split())
    return " ".join("".join(root_rule.itertext()).split())


def _load_file(url: str) -> bytes:
    return Path(url.removeprefix("file://")).read_bytes()


@pytest.mark.skipif(not GRAMMAR_FILES, reason="the W3C reference tests are not in ../shared/reference/w3c-ir")
@pytest.mark.parametrize("path", GRAMMAR_FILES, ids=lambda path: str(path.relative_to(REFERENCE)))
def test_w3c_grammar_compiles_and_matches_its_first_item(path: Path) -> None:
    source = path.read_bytes()
    document = etree.fromstring(source)
    url = path.resolve().as_uri()
    root = document.get("root")
    if root is None:
        with pytest.raises(GrammarError, match="no root attribute"):
            srgs_grammar(source, base_url=url, load=_load_file)
        return
    grammar = srgs_grammar(source, base_url=url, load=_load_file)
    assert grammar.mode == document.get("mode", "voice")
    rule = next(
        element
        for element in document.iter()
        if isinstance(element.tag, str) and _local(element) == "rule" and element.get("id") == root
    )
    said = _first_item_text(rule)
    found = grammar.match(said)
    assert found is not None
    assert found.interpretation == found.utterance
    assert grammar.match(said + (" 9" if grammar.mode == "dtmf" else " extra")) is None
