"""The conf: transformation: each conformance element becomes the VoiceXML it stands for."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree

from vxmlkit.browser.conformance import CONF_NS, ConformanceError, transform

VXML = "http://www.w3.org/2001/vxml"
NS = {"v": VXML}
REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference"


def txml(body: str) -> str:
    """A test document around ``body``, with both namespaces declared as the suite does."""
    return (
        '<?xml version="1.0"?>\n'
        f'<vxml version="2.0" xmlns="{VXML}" xmlns:conf="{CONF_NS}">\n{body}\n</vxml>\n'
    )


def run(body: str) -> etree._Element:
    return etree.fromstring(transform(txml(body)))


def children(element: etree._Element) -> list[tuple[str, str]]:
    """(local name, whitespace-normalised text content) of each child element."""
    return [
        (etree.QName(child).localname, " ".join("".join(child.itertext()).split()))
        for child in element
        if isinstance(child.tag, str)
    ]


def test_pass_becomes_a_pass_prompt_and_an_exit() -> None:
    block = run("<form><block><conf:pass/></block></form>").find("v:form/v:block", NS)
    assert children(block) == [("prompt", "pass"), ("exit", "")]


def test_fail_with_a_reason_says_and_logs_it_then_exits() -> None:
    block = run('<form><block><conf:fail reason="no luck"/></block></form>').find("v:form/v:block", NS)
    assert children(block) == [
        ("prompt", "fail"),
        ("log", "failure reason: no luck"),
        ("prompt", "no luck"),
        ("exit", ""),
    ]


def test_fail_with_an_expression_says_and_logs_its_value() -> None:
    block = run("""<form><block><conf:fail expr="'got ' + x"/></block></form>""").find("v:form/v:block", NS)
    assert [etree.QName(child).localname for child in block] == ["prompt", "log", "prompt", "exit"]
    log, said = block[1], block[2]
    assert log.text == "failure expression: "
    assert log.find("v:value", NS).get("expr") == "'got ' + x"
    assert said.find("v:value", NS).get("expr") == "'got ' + x"


def test_fail_with_reason_and_expression_reports_both() -> None:
    block = run("""<form><block><conf:fail reason="r" expr="e"/></block></form>""").find("v:form/v:block", NS)
    assert [etree.QName(child).localname for child in block] == ["prompt", "log", "prompt", "log", "prompt", "exit"]


def test_fail_text_counts_as_its_reason() -> None:
    block = run("<form><block><conf:fail>  Not\n supposed  </conf:fail></block></form>").find("v:form/v:block", NS)
    assert ("prompt", "Not supposed") in children(block)


def test_bare_fail_is_a_fail_prompt_and_an_exit() -> None:
    block = run("<form><block><conf:fail/></block></form>").find("v:form/v:block", NS)
    assert children(block) == [("prompt", "fail"), ("exit", "")]


def test_comment_becomes_a_log_keeping_its_markup() -> None:
    block = run('<form><block><conf:comment>x is <value expr="x"/>!</conf:comment></block></form>').find(
        "v:form/v:block", NS
    )
    log = block.find("v:log", NS)
    assert log.text == "x is "
    assert log.find("v:value", NS).get("expr") == "x"
    assert log.find("v:value", NS).tail == "!"


def test_speech_in_a_field_is_a_tapered_instruction() -> None:
    field = run('<form><field name="f"><conf:speech value="alpha"/></field></form>').find("v:form/v:field", NS)
    prompts = field.findall("v:prompt", NS)
    assert [(p.get("count"), p.text) for p in prompts] == [
        ("1", "Say 'Chicago'."),
        ("2", "Say 'Chicago' again."),
        ("3", "Say 'Chicago' one more time."),
    ]


@pytest.mark.parametrize("handler", ["block", "nomatch", "noinput"])
def test_speech_in_a_block_or_handler_is_said_once(handler: str) -> None:
    wrapper = f"<{handler}><conf:speech value=\"charlie\"/></{handler}>"
    body = f"<form>{wrapper}</form>" if handler == "block" else f'<form><field name="f">{wrapper}</field></form>'
    element = run(body).find(f".//v:{handler}", NS)
    assert [(p.get("count"), p.text) for p in element.findall("v:prompt", NS)] == [(None, "Say 'New York'.")]


def test_dtmf_is_a_press_instruction() -> None:
    root = run('<form><field name="f"><conf:dtmf value="5"/><noinput><conf:dtmf value="5"/></noinput></field></form>')
    assert [p.text for p in root.findall("v:form/v:field/v:prompt", NS)] == [
        "Press '5'.",
        "Press '5' again.",
        "Press '5' one more time.",
    ]
    assert [p.text for p in root.findall("v:form/v:field/v:noinput/v:prompt", NS)] == ["Press '5'."]


def test_noinput_and_nomatch_instructions_with_duration() -> None:
    root = run('<form><field name="f"><conf:noinput duration="3"/></field><field name="g"><conf:nomatch/></field></form>')
    fields = root.findall("v:form/v:field", NS)
    assert [p.text for p in fields[0].findall("v:prompt", NS)] == [
        "No input expected. Say nothing for 3 seconds.",
        "No input expected. Say nothing again for 3 seconds.",
        "No input expected. Say nothing one more time for 3 seconds.",
    ]
    assert [p.get("count") for p in fields[1].findall("v:prompt", NS)] == ["1", "2", "3"]
    assert fields[1].find("v:prompt", NS).text == "Say something unrecognizable."


def test_hangup_and_recording_instructions() -> None:
    root = run(
        '<form><block><conf:hangup/></block><record name="r"><conf:recording value="delta"/></record>'
        '<record name="s"><conf:recording value="nonspeech"/></record></form>'
    )
    assert root.find("v:form/v:block/v:prompt", NS).text == "Hang up now."
    records = root.findall("v:form/v:record", NS)
    assert records[0].find("v:prompt", NS).text == "Recite a sentence containing the word 'London'."
    assert records[1].find("v:prompt", NS).text == "Recite your favorite nursery rhyme."


def test_grammar_recognises_the_city_of_the_token() -> None:
    grammar = run('<form><field name="f"><conf:grammar utterance="bravo"/></field></form>').find(
        "v:form/v:field/v:grammar", NS
    )
    assert grammar.get("type") == "application/srgs+xml"
    assert grammar.get("version") == "1.0"
    rule = grammar.find("v:rule", NS)
    assert rule.get("id") == grammar.get("root")
    assert rule.get("scope") == "public"
    item = rule.find("v:one-of/v:item", NS)
    assert item.text == "san francisco"
    assert item.find("v:tag", NS) is None


def test_grammar_interp_is_the_interpretation() -> None:
    item = run('<form><field name="f"><conf:grammar utterance="alpha" interp="it\'s"/></field></form>').find(
        ".//v:item", NS
    )
    assert item.find("v:tag", NS).text == "out = 'it\\'s';"


def test_grammar_keys_build_the_interpretation_object() -> None:
    body = (
        '<form><field name="f"><conf:grammar utterance="alpha">'
        '<conf:key name="a" value="valA"/><conf:key name="b"><conf:key name="c" value="x"/></conf:key>'
        "</conf:grammar></field></form>"
    )
    tag = run(body).find(".//v:item/v:tag", NS)
    assert tag.text == "out = new Object(); out.a = 'valA'; out.b = new Object(); out.b.c = 'x'; "


def test_each_grammar_gets_its_own_rule_name() -> None:
    root = run(
        '<form><field name="f"><conf:grammar utterance="alpha"/></field>'
        '<field name="g"><conf:grammar utterance="echo"/></field></form>'
    )
    roots = [grammar.get("root") for grammar in root.iter(f"{{{VXML}}}grammar")]
    assert len(set(roots)) == 2


def test_phrase_is_the_city_name_in_running_text() -> None:
    root = run('<menu><choice next="#a">  <conf:phrase utterance="alpha"/>  </choice></menu><form id="a"/>')
    choice = root.find("v:menu/v:choice", NS)
    assert len(choice) == 0
    assert choice.text.strip() == "Chicago"


def test_comments_go_text_around_them_stays() -> None:
    root = run("<form><block>before<!-- a remark -->after</block></form>")
    block = root.find("v:form/v:block", NS)
    assert block.text == "beforeafter"
    assert not list(block.iter(etree.Comment))


def test_output_has_no_conformance_namespace_left() -> None:
    output = transform(txml("<form><block><conf:pass/></block></form>"))
    assert CONF_NS.encode() not in output
    assert output.startswith(b"<?xml")


def test_other_markup_is_copied_unchanged() -> None:
    root = run('<var name="x" expr="1"/><form id="f"><block><if cond="x &lt; 2"><goto next="#f"/></if></block></form>')
    assert root.find("v:var", NS).attrib == {"name": "x", "expr": "1"}
    assert root.find("v:form/v:block/v:if", NS).get("cond") == "x < 2"


def test_unknown_conformance_element_is_an_error_naming_the_line() -> None:
    with pytest.raises(ConformanceError, match=r"line 4: unknown conformance element conf:frobnicate"):
        transform(txml("<form>\n<block><conf:frobnicate/></block></form>"), name="t.txml")


def test_unknown_token_is_an_error() -> None:
    with pytest.raises(ConformanceError, match="unknown utterance token 'zulu'"):
        transform(txml('<form><field name="f"><conf:speech value="zulu"/></field></form>'))


def test_key_outside_a_grammar_is_an_error() -> None:
    with pytest.raises(ConformanceError, match="only allowed inside conf:grammar"):
        transform(txml('<form><block><conf:key name="a" value="b"/></block></form>'))


def test_missing_required_attribute_is_an_error() -> None:
    with pytest.raises(ConformanceError, match="conf:grammar needs the 'utterance' attribute"):
        transform(txml('<form><field name="f"><conf:grammar/></field></form>'))


def _index_rows() -> list[tuple[Path, dict[str, str]]]:
    rows: list[tuple[Path, dict[str, str]]] = []
    for version in ("vxml-2.0", "vxml-2.1"):
        base = REFERENCE / "w3c-ir" / version
        index = base / "_index.tsv"
        if index.is_file():
            with index.open(newline="", encoding="utf-8") as handle:
                rows += [(base / row["file"], row) for row in csv.DictReader(handle, delimiter="\t")]
    return rows


def test_the_w3c_tests_validate_after_transformation_as_their_index_says() -> None:
    """Every .txml of the suite transforms, and the result is schema-valid exactly when the
    suite's own index says the reference transformation's result is."""
    rows = _index_rows()
    if not rows:
        pytest.skip(f"the W3C conformance tests are not in {REFERENCE / 'w3c-ir'}")
    schemas = {}
    for version in ("2.0", "2.1"):
        xsd = REFERENCE / "w3c-schema" / f"vxml-{version}" / "vxml.xsd"
        if not xsd.is_file():
            pytest.skip(f"the W3C VoiceXML {version} schema is not at {xsd}")
        schemas[version] = etree.XMLSchema(etree.parse(str(xsd)))
    disagreements = []
    for path, row in rows:
        document = etree.fromstring(transform(path.read_bytes(), name=str(path)))
        for version, schema in schemas.items():
            expected = row[f"valid{version.replace('.', '')}_after_xslt"] == "True"
            if schema.validate(document) != expected:
                disagreements.append(f"{row['file']} (VoiceXML {version}): {schema.error_log.last_error}")
    assert len(rows) >= 200
    assert disagreements == []
