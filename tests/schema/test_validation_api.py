"""The public API of vxmlkit.validation: schema_for, check_document, explain, validate_file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from lxml import etree

from vxmlkit.validation import (
    ATTRIBUTE_RULES,
    SCHEMA_DIR,
    STRICTER_THAN_W3C,
    VXML_NAMESPACE,
    FileVerdict,
    Problem,
    VoiceXMLValidationError,
    check_document,
    explain,
    schema_for,
    validate_file,
)

TYPICAL = f"""<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.1" xmlns="{VXML_NAMESPACE}" xml:lang="en-US">
  <property name="timeout" value="5s"/>
  <form id="greet">
    <field name="choice">
      <grammar mode="dtmf" version="1.0" root="keys">
        <rule id="keys" scope="public"><one-of><item>1</item><item>2</item></one-of></rule>
      </grammar>
      <prompt>Your balance of <say-as interpret-as="currency">USD42.10</say-as> is due.
        Press 1 to pay now, or 2 to hear this again.</prompt>
      <noinput count="1"><prompt>Sorry, I did not hear you.</prompt><reprompt/></noinput>
      <nomatch count="3"><goto next="https://example.com/vxml/payment-reminder/goodbye?t=abc"/></nomatch>
      <filled>
        <submit next="https://example.com/vxml/payment-reminder/pay?t=abc" method="post" namelist="choice"/>
      </filled>
    </field>
  </form>
</vxml>
"""


def _document(body: str, version: str | None = "2.1") -> bytes:
    version_attribute = f' version="{version}"' if version is not None else ""
    return (
        f'<vxml{version_attribute} xmlns="{VXML_NAMESPACE}">\n{body}\n</vxml>'.encode()
    )


def test_schema_dir_holds_the_schemas() -> None:
    for name in (
        "vxml-2.0.xsd",
        "vxml-2.1.xsd",
        "vxml-2.1-plum.xsd",
        "xml-attributes.xsd",
    ):
        assert (SCHEMA_DIR / name).is_file(), name


def test_schema_for_compiles_once() -> None:
    assert schema_for("2.1") is schema_for("2.1", "plum")
    assert schema_for("2.1", "standard") is not schema_for("2.1", "plum")
    # VoiceXML 2.0 has no <data>, so the Plum profile adds nothing to it.
    assert schema_for("2.0", "plum") is schema_for("2.0", "standard")


@pytest.mark.parametrize(
    ("version", "profile"), [("3.0", "plum"), ("2.1", "voxeo"), ("", "standard")]
)
def test_schema_for_rejects_unknown_versions_and_profiles(
    version: str, profile: str
) -> None:
    with pytest.raises(ValueError, match="unknown"):
        schema_for(version, profile)


@pytest.mark.parametrize("form", ["bytes", "str", "element", "tree"])
def test_check_document_accepts_every_input_form(form: str) -> None:
    inputs = {
        "bytes": TYPICAL.encode(),
        "str": TYPICAL,  # carries an encoding declaration, which lxml refuses on str
        "element": etree.fromstring(TYPICAL.encode()),
        "tree": etree.ElementTree(etree.fromstring(TYPICAL.encode())),
    }
    check_document(inputs[form])
    assert explain(inputs[form]) == []


def test_check_document_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="int"):
        check_document(42)  # type: ignore[arg-type]


def test_invalid_document_raises_with_line_path_and_reason() -> None:
    doc = _document(
        '<form>\n<block>\n<goto/>\n<transfer dest="tel:1"/>\n</block>\n</form>'
    )
    with pytest.raises(VoiceXMLValidationError) as caught:
        check_document(doc)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.version == "2.1"
    by_line = {problem.line: problem for problem in error.problems}
    assert (
        by_line[4].reason
        == "<goto> needs exactly one of next, expr, nextitem or expritem; it has none"
    )
    assert by_line[4].path == "/vxml/form[1]/block[1]/goto[1]"
    assert by_line[4].rule == "goto-target"
    assert by_line[5].reason == "<transfer> is not allowed here inside <block>"
    assert by_line[5].rule is None
    assert "not valid VoiceXML 2.1" in str(error) and "(and 1 more problem)" in str(
        error
    )


def test_problem_str_is_line_reason_path() -> None:
    assert str(Problem(3, "/vxml/form", "bad")) == "3: bad (at /vxml/form)"
    assert str(Problem(None, None, "bad")) == "?: bad"


def test_missing_version_is_a_problem() -> None:
    problems = explain(_document("<form/>", version=None))
    assert [problem.reason for problem in problems] == [
        "<vxml>: missing required attribute 'version'"
    ]


@pytest.mark.parametrize(
    ("declared", "checked_as", "valid"),
    [
        ("2.0", None, True),
        ("2.1", None, True),
        ("2.0", "2.1", True),
        ("2.1", "2.0", False),
        ("2.2", None, False),
    ],
)
def test_version_attribute_and_override(
    declared: str, checked_as: str | None, valid: bool
) -> None:
    problems = explain(_document("<form><block/></form>", declared), version=checked_as)
    assert (problems == []) is valid
    if not valid:
        assert problems[0].rule == "version"
        assert f"version={declared!r}" in problems[0].reason


def test_data_needs_version_2_1() -> None:
    problems = explain(
        _document('<form><block><data src="a.xml"/></block></form>', "2.0")
    )
    assert problems[0].reason.startswith("<data> is not allowed here inside <block>")
    assert 'declare version="2.1"' in problems[0].reason


def test_not_well_formed_gives_the_parse_error_and_line() -> None:
    doc = _document("<form>\n<block>\n</form>")
    with pytest.raises(VoiceXMLValidationError) as caught:
        check_document(doc)
    (problem,) = caught.value.problems
    assert problem.reason.startswith("not well-formed XML:")
    assert problem.line == 4
    assert explain(doc) == [problem]


def test_root_outside_the_voicexml_namespace() -> None:
    (problem,) = explain(b'<vxml version="2.0"><form/></vxml>')
    assert problem.rule == "document-root"
    assert 'add xmlns="http://www.w3.org/2001/vxml"' in problem.reason


def test_root_other_than_vxml() -> None:
    (problem,) = explain(
        f'<form xmlns="{VXML_NAMESPACE}"><block/></form>'.encode(), version="2.0"
    )
    assert problem.rule == "document-root"
    assert "must be <vxml>" in problem.reason


def test_pattern_problems_are_described_in_words() -> None:
    (problem,) = explain(
        _document('<form><field name="f"><option dtmf="A">a</option></field></form>')
    )
    assert (
        problem.reason
        == "<option>: attribute dtmf='A' is not a DTMF sequence of 0-9, * and # keys"
    )
    assert problem.line == 2


PLUM_RAW = '<data name="r" src="https://example.com/api" method="raw" enctype="application/json" rawexpr="JSON.stringify(o)" accept="application/json" headers=\'{"X-Token": "abc"}\'/>'


def test_plum_profile_accepts_plums_data_extensions() -> None:
    doc = _document(f"<form><block>{PLUM_RAW}</block></form>")
    check_document(doc)  # the default profile is plum
    standard = explain(doc, profile="standard")
    assert standard and all(problem.rule is None for problem in standard)


@pytest.mark.parametrize(
    ("attributes", "rule"),
    [
        ('method="post" enctype="application/json" rawexpr="x"', "plum-data-raw-body"),
        (
            'method="raw" enctype="multipart/form-data" rawexpr="x"',
            "plum-data-raw-body",
        ),
        ("headers='not json'", "plum-data-headers"),
        ("headers='[\"a\"]'", "plum-data-headers"),
        ("headers='{\"a\": 1}'", "plum-data-headers"),
    ],
)
def test_plum_data_rules(attributes: str, rule: str) -> None:
    problems = explain(
        _document(
            f'<form><block><data src="https://example.com/api" {attributes}/></block></form>'
        )
    )
    assert [problem.rule for problem in problems] == [rule]


def test_every_rule_has_a_reason_and_is_listed_as_stricter() -> None:
    for rule in ATTRIBUTE_RULES:
        assert rule.reason and rule.name in STRICTER_THAN_W3C
        assert rule.versions <= {"2.0", "2.1"}


def test_inline_content_counts_cdata_but_not_comments() -> None:
    cdata = _document("<script><![CDATA[var a = 1 < 2;]]></script><form/>")
    comment_only = _document("<script><!-- nothing --></script><form/>")
    assert explain(cdata) == []
    assert [problem.rule for problem in explain(comment_only)] == ["script-source"]


def test_external_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE vxml [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>\n'
        f'<vxml version="2.1" xmlns="{VXML_NAMESPACE}"><form><block><log>&leak;</log></block></form></vxml>'
    ).encode()
    (problem,) = explain(doc)
    assert problem.reason == "not well-formed XML: Entity 'leak' not defined"
    assert problem.line == 3


def test_internal_entities_are_expanded() -> None:
    doc = (
        '<?xml version="1.0"?>\n<!DOCTYPE vxml [<!ENTITY greeting "Hello">]>\n'
        f'<vxml version="2.1" xmlns="{VXML_NAMESPACE}"><form><block>&greeting;</block></form></vxml>'
    ).encode()
    assert explain(doc) == []


def test_validate_file(tmp_path: Path) -> None:
    good = tmp_path / "good.vxml"
    good.write_text(TYPICAL)
    bad = tmp_path / "bad.vxml"
    bad.write_bytes(_document("<form><block><goto/></block></form>"))
    missing = tmp_path / "missing.vxml"
    assert validate_file(good) == FileVerdict(good, True)
    verdict = validate_file(str(bad))
    assert verdict.path == bad and not verdict.valid and verdict.error is None
    assert verdict.problems[0].rule == "goto-target"
    unreadable = validate_file(missing)
    assert not unreadable.valid and unreadable.problems == []
    assert unreadable.error is not None and "cannot read" in unreadable.error


def test_concurrent_checks_give_consistent_verdicts() -> None:
    good = TYPICAL.encode()
    bad = _document('<form><block><audio src="a.wav" expr="b"/></block></form>')
    errors: list[str] = []

    def work() -> None:
        for _ in range(200):
            check_document(good)
            try:
                check_document(bad)
            except VoiceXMLValidationError as error:
                if [problem.rule for problem in error.problems] != ["audio-source"]:
                    errors.append(str(error))
            else:
                errors.append("invalid document accepted")

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_language_and_missing_child_problems_read_like_voicexml() -> None:
    doc = _document(
        '<form><block><prompt xml:lang="en_US">x</prompt></block>\n'
        '<field name="f"><grammar><rule id="r"><one-of/></rule></grammar></field></form>'
    )
    reasons = [problem.reason for problem in explain(doc)]
    assert reasons == [
        "<prompt>: attribute xml:lang='en_US' is not a language tag such as en-US",
        "<one-of>: The content of element 'one-of' is not complete. Tag <item> expected",
    ]
