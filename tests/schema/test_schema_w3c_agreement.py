"""vxmlkit's schemas give the W3C schemas' verdict on the W3C Implementation Report tests.

Every ``.txml`` test of ../shared/reference/w3c-ir (VoiceXML 2.0 and 2.1) is turned into
plain VoiceXML with the XSLT that lies beside it, then checked against both the W3C
schema and vxmlkit's for VoiceXML 2.0 and for 2.1. The verdicts must match, except where
vxmlkit is deliberately stricter (``STRICTER_THAN_W3C``): then vxmlkit must reject the
document because of one of those rules, and never accept what the W3C schema rejects.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from tests.w3c_oracle import (
    W3C_IR,
    skip_without_reference,
    unlisted_problems,
    w3c_schema,
)
from vxmlkit.validation import STRICTER_THAN_W3C, VERSIONS, explain, schema_for

pytestmark = skip_without_reference

# Where vxmlkit rejects what the W3C schema accepts, and why. A disagreement on an IR
# document passes only when every problem vxmlkit reports comes from one of these.
STRICTER_RULES: dict[str, str] = {
    "version": "vxml/@version must be 2.0 (2.0 schema) or 2.0/2.1 (2.1 schema); W3C takes any string",
    "document-root": "the root must be <vxml>; W3C declares every element global, so fragments pass",
    "goto-target": "goto: exactly one of next, expr, nextitem, expritem (VoiceXML 2.0, 5.3.7)",
    "submit-target": "submit: exactly one of next, expr (5.3.8)",
    "link-target": "link: exactly one of next, expr, event, eventexpr (2.5)",
    "choice-target": "choice: exactly one of next, expr, event, eventexpr (2.2.2)",
    "throw-event": "throw: exactly one of event, eventexpr (5.2.1)",
    "throw-message": "throw: at most one of message, messageexpr (5.2.1)",
    "link-message": "link: at most one of message, messageexpr (2.5)",
    "choice-message": "choice: at most one of message, messageexpr (2.2.2)",
    "return-result": "return: at most one of event, eventexpr, namelist (5.3.10)",
    "return-message": "return: at most one of message, messageexpr (5.3.10)",
    "exit-result": "exit: at most one of expr, namelist (5.3.9)",
    "audio-source": "audio: exactly one of src, expr (4.1.3)",
    "subdialog-source": "subdialog: exactly one of src, srcexpr (2.3.4)",
    "script-source": "script: exactly one of src, (2.1: srcexpr,) inline content (5.3.12)",
    "grammar-source": "grammar: exactly one of src, (2.1: srcexpr,) inline content (3.1.1)",
    "grammar-root": "grammar/@root names a rule of that grammar (SRGS 1.0, 4.7)",
    "transfer-destination": "transfer: at most one of dest, destexpr (2.3.7)",
    "transfer-aai": "transfer: at most one of aai, aaiexpr (2.3.7)",
    "transfer-kind": "transfer: at most one of bridge, type (VoiceXML 2.1)",
    "param-value": "param: exactly one of expr, value (6.4)",
    "meta-kind": "meta: exactly one of name, http-equiv (6.2.1)",
    "mark-name": "mark: a name (SSML 1.0); 2.1: exactly one of name, nameexpr",
    "data-source": "data: exactly one of src, srcexpr (VoiceXML 2.1)",
    "plum-data-raw-body": "Plum profile only: data/@rawexpr needs method=raw and a JSON or XML enctype",
    "plum-data-headers": "Plum profile only: data/@headers is a JSON object",
}


def test_stricter_rules_are_the_packages() -> None:
    """Every rule vxmlkit enforces beyond the W3C schema is listed (with its reason) above."""
    assert set(STRICTER_RULES) == set(STRICTER_THAN_W3C)


def _ir_documents() -> list[Path]:
    if not W3C_IR.is_dir():
        return []
    return sorted(W3C_IR.glob("vxml-2.*/**/*.txml"))


_IR_DOCUMENTS = _ir_documents()
_transforms: dict[Path, etree.XSLT] = {}


def _plain_voicexml(test_file: Path) -> etree._ElementTree:
    """The IR test as plain VoiceXML: its suite's irtest.xslt applied (conf: elements replaced)."""
    suite = next(
        parent for parent in test_file.parents if parent.name.startswith("vxml-2.")
    )
    if suite not in _transforms:
        _transforms[suite] = etree.XSLT(
            etree.parse(str(suite / "xslt" / "irtest.xslt"))
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return _transforms[suite](etree.parse(str(test_file), parser))


def _with_version(root: etree._Element, version: str) -> etree._Element:
    fixed = copy.deepcopy(root)
    fixed.set("version", version)
    return fixed


def _ir_id(path: Path) -> str:
    return str(path.relative_to(W3C_IR))


def test_ir_corpus_is_present() -> None:
    """Guards against a silently empty parametrisation below."""
    suites = {path.relative_to(W3C_IR).parts[0] for path in _IR_DOCUMENTS}
    assert suites == {"vxml-2.0", "vxml-2.1"}
    for suite in suites:
        # Every test the suite's index lists is found (the index names .txml files only).
        index = (
            (W3C_IR / suite / "_index.tsv").read_text(encoding="utf-8").splitlines()[1:]
        )
        listed = {
            W3C_IR / suite / line.split("\t", 1)[0] for line in index if line.strip()
        }
        assert listed == {
            path for path in _IR_DOCUMENTS if path.is_relative_to(W3C_IR / suite)
        }


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("test_file", _IR_DOCUMENTS, ids=_ir_id)
def test_ir_document_verdict_matches_w3c(test_file: Path, version: str) -> None:
    root = _plain_voicexml(test_file).getroot()
    w3c_valid = bool(w3c_schema(version).validate(root))
    problems = explain(root, version=version, profile="standard")
    ours_valid = not problems
    if w3c_valid == ours_valid:
        return
    assert not ours_valid, (
        f"vxmlkit accepts what the W3C schema rejects: {w3c_schema(version).error_log}"
    )
    unexplained = [p for p in problems if p.rule not in STRICTER_RULES]
    assert not unexplained, (
        f"disagreement not explained by a listed stricter rule: {unexplained}"
    )
    if any(p.rule == "version" for p in problems):
        # With the version this schema expects, the schema itself must accept the document.
        assert schema_for(version, "standard").validate(_with_version(root, version))


@pytest.mark.parametrize("test_file", _IR_DOCUMENTS, ids=_ir_id)
def test_ir_document_plum_profile_matches_standard(test_file: Path) -> None:
    """The Plum profile only adds <data> attributes; on W3C documents it judges alike."""
    root = _plain_voicexml(test_file).getroot()
    standard = schema_for("2.1", "standard").validate(root)
    assert schema_for("2.1", "plum").validate(root) == standard


def test_ir_agreement_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the agreement figures; fails if any disagreement is not a listed stricter rule."""
    total = agree = stricter = disagree = 0
    for test_file in _IR_DOCUMENTS:
        root = _plain_voicexml(test_file).getroot()
        for version in VERSIONS:
            total += 1
            w3c_valid = bool(w3c_schema(version).validate(root))
            problems = explain(root, version=version, profile="standard")
            if w3c_valid == (not problems):
                agree += 1
            elif not w3c_valid or unlisted_problems(problems):
                disagree += 1
            else:
                stricter += 1
    with capsys.disabled():
        print(
            f"\nW3C IR agreement: {total} checks ({len(_IR_DOCUMENTS)} documents x 2 versions), "
            f"{agree} agree, {stricter} stricter by a listed rule, {disagree} disagree"
        )
    assert disagree == 0
    assert agree + stricter == total
