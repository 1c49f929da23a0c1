"""Markup found in real applications: each test is a small document of the kind that once
crashed the interpreter or was handled against the specifications."""

from __future__ import annotations

import pytest

from vxmlkit.browser import Input


def _logs(session) -> list[str]:
    return [entry.text for entry in session.transcript if entry.kind == "log"]


# -- punctuation tokens in grammars ----------------------------------------------------------------


@pytest.mark.parametrize(
    "grammar",
    [
        '<grammar type="application/srgs">#ABNF 1.0; language en-US; mode voice; root $a; $a = hello - world;</grammar>',
        '<grammar root="r" version="1.0" xmlns="http://www.w3.org/2001/06/grammar">'
        '<rule id="r"><one-of><item>"#"</item><item>hello <token>?</token> world</item></one-of></rule></grammar>',
        '<grammar root="r" version="1.0" xmlns="http://www.w3.org/2001/06/grammar"><rule id="r">hello - world</rule></grammar>',
    ],
    ids=["abnf-dash", "token-question-mark", "xml-dash"],
)
def test_a_punctuation_token_is_accepted_where_it_stands(vxml_call, grammar):
    document = f'<form><field name="f">{grammar}<filled><log>got <value expr="f"/></log></filled></field></form>'
    session = vxml_call(document, [Input.speech("hello world")])
    assert (session.ended, _logs(session)) == ("exit", ["got hello world"])


def test_a_rule_of_punctuation_only_never_matches_and_never_crashes(vxml_call):
    document = """<form><field name="f">
        <grammar root="r" version="1.0" xmlns="http://www.w3.org/2001/06/grammar"><rule id="r">"#"</rule></grammar>
        <nomatch><log>nomatch</log><exit/></nomatch></field></form>"""
    session = vxml_call(document, [Input.speech("hash")])
    assert (session.ended, _logs(session)) == ("exit", ["nomatch"])


def test_a_punctuation_token_in_a_dtmf_grammar_is_a_bad_grammar(vxml_call):
    document = """<form><field name="f">
        <grammar mode="dtmf" root="r" version="1.0" xmlns="http://www.w3.org/2001/06/grammar"><rule id="r">1 ? 2</rule></grammar>
        </field></form>"""
    session = vxml_call(document, [Input.dtmf("12")])
    assert (session.ended, session.error) == ("error", "error.badfetch")


# -- application.lastresult$ after a nomatch ---------------------------------------------------------


def test_lastresult_is_set_by_a_nomatch(vxml_call):
    document = """<form><field name="f" type="boolean">
        <nomatch><log><value expr="application.lastresult$.utterance"/>|<value expr="application.lastresult$.inputmode"/>|<value
          expr="application.lastresult$.confidence"/>|<value expr="typeof application.lastresult$.interpretation"/>|<value
          expr="application.lastresult$[0].utterance"/></log><exit/></nomatch></field></form>"""
    session = vxml_call(document, [Input.speech("purple elephants")])
    assert _logs(session) == ["purple elephants|voice|0|undefined|purple elephants"]


def test_lastresult_is_set_by_a_nomatch_input_and_by_keys(vxml_call):
    document = """<form><field name="f" type="boolean">
        <nomatch count="1"><log>[<value expr="application.lastresult$.utterance"/>]</log></nomatch>
        <nomatch count="2"><log><value expr="application.lastresult$.utterance"/> <value
          expr="application.lastresult$.inputmode"/></log><exit/></nomatch></field></form>"""
    session = vxml_call(document, [Input.nomatch(), Input.dtmf("5")])
    assert _logs(session) == ["[]", "5 dtmf"]


# -- SISR: one scope for the tags of a rule -------------------------------------------------------------


@pytest.mark.parametrize("tag_format", ['tag-format="semantics/1.0"', ""], ids=["semantics-1.0", "no-tag-format"])
def test_a_var_of_one_tag_is_seen_by_later_tags_of_the_rule(vxml_call, tag_format):
    document = f"""<form><field name="pizza">
        <grammar root="order" version="1.0" {tag_format} xmlns="http://www.w3.org/2001/06/grammar">
          <rule id="order"><tag>var count = 1; var size = 'medium';</tag>
            <item repeat="0-1">large<tag>size = 'large';</tag></item> pizza
            <tag>out = size + ' x' + count;</tag></rule>
          <rule id="other"><tag>var count = 99;</tag> nothing</rule>
        </grammar>
        <filled><log><value expr="pizza"/></log></filled></field></form>"""
    session = vxml_call(document, [Input.speech("large pizza")])
    assert (session.ended, _logs(session)) == ("exit", ["large x1"])


def test_rule_instances_do_not_share_their_tag_variables(vxml_call):
    document = """<form><field name="pair">
        <grammar root="pair" version="1.0" tag-format="semantics/1.0" xmlns="http://www.w3.org/2001/06/grammar">
          <rule id="pair"><ruleref uri="#digit"/><ruleref uri="#digit"/><tag>out = rules.digit + '/' + rules.latest();</tag></rule>
          <rule id="digit"><tag>var seen = (typeof seen === 'undefined') ? 'fresh' : 'stale';</tag>
            <one-of><item>one</item><item>two</item></one-of><tag>out = seen;</tag></rule>
        </grammar>
        <filled><log><value expr="pair"/></log></filled></field></form>"""
    session = vxml_call(document, [Input.speech("one two")])
    assert _logs(session) == ["fresh/fresh"]


# -- the <data> DOM of VoiceXML 2.1 Appendix D ---------------------------------------------------------

QUOTE = """<?xml version="1.0" encoding="UTF-8"?>
<quote xmlns="http://www.example.org" xmlns:x="http://www.example.org/extra" xml:lang="en">
  <ticker id="t1">F</ticker>
  <name x:kind="company">Ford Motor Company</name>
  <change>1.00</change>
  <last>30.00</last>
</quote>"""


def test_the_data_dom_works_as_the_specification_example_uses_it(vxml_call, tmp_path):
    (tmp_path / "quote.xml").write_text(QUOTE, encoding="utf-8")
    document = """<script><![CDATA[
        function GetData(d, t, nf) {
          try { return d.getElementsByTagNameNS('http://www.example.org', t).item(nf).firstChild.data; }
          catch (e) { throw 'error.baddata'; }
        }]]></script>
      <data name="quote" src="quote.xml"/>
      <var name="ticker" expr="GetData(quote, 'ticker', 0)"/>
      <var name="last" expr="GetData(quote, 'last', 0)"/>
      <form><block><log><value expr="ticker"/> <value expr="last"/></log></block></form>"""
    session = vxml_call({"start.vxml": document})
    assert (session.ended, _logs(session)) == ("exit", ["F 30.00"])


def test_the_data_dom_has_the_namespace_aware_and_lookup_members(vxml_call, tmp_path):
    (tmp_path / "quote.xml").write_text(QUOTE, encoding="utf-8")
    checks = [
        "quote.documentElement.namespaceURI",
        "quote.documentElement.localName",
        "quote.documentElement.prefix === null",
        "quote.getElementById('t1').firstChild.data",
        "quote.getElementById('nope') === null",
        "quote.getElementsByTagNameNS('*', 'name').length",
        "quote.getElementsByTagNameNS('http://other', 'name').length",
        "quote.documentElement.getAttributeNS('http://www.w3.org/XML/1998/namespace', 'lang')",
        "quote.getElementsByTagName('name').item(0).getAttributeNS('http://www.example.org/extra', 'kind')",
        "quote.getElementsByTagName('name').item(0).hasAttributeNS('http://www.example.org/extra', 'kind')",
        "quote.getElementsByTagName('name').item(0).getAttributeNodeNS('http://www.example.org/extra', 'kind').ownerElement.localName",
        "quote.getElementsByTagName('name').item(0).attributes.getNamedItem('x:kind').prefix",
        "quote.getElementsByTagName('ticker').item(0).attributes.length",
        "quote.getElementsByTagName('last').item(0).firstChild.substringData(0, 2)",
        "quote.getElementsByTagName('last').item(0).firstChild.length",
        "quote.documentElement.hasAttributes()",
    ]
    logs = "".join(f'<log><value expr="{check}"/></log>' for check in checks)
    session = vxml_call({"start.vxml": f'<data name="quote" src="quote.xml"/><form><block>{logs}</block></form>'})
    assert session.ended == "exit", session.transcript_text()
    assert _logs(session) == [
        "http://www.example.org", "quote", "true", "F", "true", "1", "0", "en", "company", "true", "name",
        "x", "1", "30", "5", "true",
    ]


# -- grammars in formats other than SRGS -----------------------------------------------------------------


@pytest.mark.parametrize(
    "grammar",
    [
        '<grammar type="application/x-jsgf">#JSGF V1.0; grammar yn; public &lt;yn&gt; = yes | no;</grammar>',
        '<grammar type="application/x-gsl" mode="voice">[yes no]</grammar>',
        "<grammar>[(yes) (no)]</grammar>",
        '<grammar src="yesno.jsgf"/>',
        '<grammar src="yesno.jsgf" type="application/x-jsgf"/>',
    ],
    ids=["jsgf-inline", "gsl-typed", "vendor-text", "jsgf-file", "jsgf-file-typed"],
)
def test_a_grammar_in_another_format_throws_unsupported_format(vxml_call, tmp_path, grammar):
    (tmp_path / "yesno.jsgf").write_text("#JSGF V1.0;\ngrammar yn;\npublic <yn> = yes | no;\n", encoding="utf-8")
    document = f"""<form><field name="f">{grammar}
        <catch event="error.unsupported.format"><log><value expr="_event"/></log><exit/></catch></field></form>"""
    session = vxml_call(document, [Input.speech("yes")])
    assert (session.ended, _logs(session)) == ("exit", ["error.unsupported.format"])


def test_a_malformed_srgs_grammar_is_still_a_bad_fetch(vxml_call, tmp_path):
    (tmp_path / "broken.grxml").write_text('<grammar xmlns="http://www.w3.org/2001/06/grammar" root="r"><rule id="r">yes', encoding="utf-8")
    session = vxml_call('<form><field name="f"><grammar src="broken.grxml"/></field></form>', [Input.speech("yes")])
    assert session.error == "error.badfetch"


# -- documents without the VoiceXML namespace -------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        '<form><block><throw event="a" eventexpr="\'b\'"/></block></form>',
        '<form><block><audio src="a.wav" expr="\'b.wav\'"/></block></form>',
        '<form><block><submit next="a.vxml" expr="\'b.vxml\'"/></block></form>',
        "<form><block><assign name=\"x\"/></block></form>",
    ],
    ids=["throw", "audio", "submit", "assign"],
)
@pytest.mark.parametrize("opening", ['<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">', '<vxml version="2.1">'], ids=["namespaced", "plain"])
def test_attribute_rules_hold_with_and_without_the_namespace(vxml_call, opening, content):
    session = vxml_call(f'<?xml version="1.0"?>\n{opening}{content}</vxml>')
    assert (session.ended, session.error) == ("error", "error.badfetch")
    assert "needs" in session.error_message or "only one of" in session.error_message


# -- audio -------------------------------------------------------------------------------------------------


def test_audio_is_recorded_as_audio_with_its_fallback_marked(vxml_call, tmp_path):
    (tmp_path / "hello.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVE")
    document = """<form><field name="f" type="boolean">
        <prompt><audio src="hello.wav">Hello there.</audio> Say yes or no. <audio src="gone.wav">Goodbye.</audio><audio src="beep.wav"/></prompt>
        <filled><exit/></filled></field></form>"""
    session = vxml_call(document, [Input.noinput(), Input.speech("yes")])
    assert session.prompts == ["Hello there. Say yes or no. Goodbye."] * 2
    audio = [entry for entry in session.transcript if entry.kind == "audio"]
    assert [entry.text.replace(f"{tmp_path}/", "") for entry in audio[:3]] == [
        "hello.wav [played; fallback, not spoken: 'Hello there.']",
        "gone.wav [did not answer (cannot read gone.wav: no such file); fallback spoken: 'Goodbye.']",
        "beep.wav [did not answer (cannot read beep.wav: no such file); no fallback: silence]",
    ]
    assert [(clip.answered, clip.status) for clip in session.audio] == [(True, 200), (False, 404), (False, 404)] * 2
    # fetched once per call, and never noted as a document
    assert not [entry for entry in session.transcript if entry.kind == "fetched" and entry.text.endswith(".wav")]
    assert "http" not in " ".join(session.prompts) and "wav" not in " ".join(session.prompts)


def test_audio_over_http_answers_or_not(vxml_call, http_files):
    base = http_files({"/clip.wav": (200, b"RIFF....WAVE", "audio/x-wav")})
    session = vxml_call(f'<form><block><audio src="{base}/clip.wav"/><audio src="{base}/none.wav">None.</audio></block></form>')
    assert [(clip.answered, clip.status) for clip in session.audio] == [(True, 200), (False, 404)]
    assert session.prompts == ["None."]


# -- foreign markup in prompts ------------------------------------------------------------------------------


def test_foreign_markup_in_prompts_is_ignored_and_noted(vxml_call):
    document = """<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" xmlns:bml="http://www.bml-initiative.org/bml/bml-1.0">
      <form><block><prompt>Hello <bml:gesture lexeme="WAVE"/>there, <bml:speech id="s1">friend</bml:speech>.</prompt>
        Bye<bml:gesture lexeme="NOD"/>.</block></form></vxml>"""
    session = vxml_call(document)
    assert (session.ended, session.prompts) == ("exit", ["Hello there, friend.", "Bye."])
    ignored = [entry.data["element"] for entry in session.transcript if entry.kind == "ignored"]
    assert ignored == ["bml:gesture", "bml:speech", "bml:gesture"]


def test_an_unknown_element_without_a_namespace_is_still_unsupported(vxml_call):
    session = vxml_call("<form><block><prompt>Hello <gesture/></prompt></block></form>")
    assert session.error == "error.unsupported.gesture"


# -- compiled grammars cached by content ---------------------------------------------------------------------

GRAMMAR_DOCUMENT = """<form><field name="colour">
    <grammar root="c" version="1.0" xmlns="http://www.w3.org/2001/06/grammar"><rule id="c"><one-of>
      <item>red</item><item>green</item></one-of></rule></grammar>
    <filled><exit namelist="colour"/></filled></field></form>"""


def test_documents_at_fresh_urls_share_the_compiled_grammar(vxml_call, tmp_path):
    from vxmlkit.browser import Browser

    browser = Browser()
    first = vxml_call({"one.vxml": GRAMMAR_DOCUMENT}, [Input.speech("red")], browser=browser)
    second = vxml_call({"two.vxml": GRAMMAR_DOCUMENT}, [Input.speech("green")], browser=browser)
    assert (first.exit["namelist"], second.exit["namelist"]) == ({"colour": "red"}, {"colour": "green"})
    assert len(browser.grammar_cache) == 1


def test_a_grammar_that_refers_to_another_document_is_not_cached_by_content(vxml_call, tmp_path):
    from vxmlkit.browser import Browser

    document = """<form><field name="colour">
        <grammar root="c" version="1.0" xmlns="http://www.w3.org/2001/06/grammar"><rule id="c">
          <ruleref uri="colours.grxml#all"/></rule></grammar>
        <nomatch><exit expr="'nomatch'"/></nomatch>
        <filled><exit namelist="colour"/></filled></field></form>"""
    colours = '<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="all"><rule id="all" scope="public">{}</rule></grammar>'
    browser = Browser()
    (tmp_path / "colours.grxml").write_text(colours.format("red"), encoding="utf-8")
    assert vxml_call({"one.vxml": document}, [Input.speech("red")], browser=browser).exit["namelist"] == {"colour": "red"}
    (tmp_path / "colours.grxml").write_text(colours.format("blue"), encoding="utf-8")
    assert vxml_call({"two.vxml": document}, [Input.speech("blue")], browser=browser).exit["namelist"] == {"colour": "blue"}
    assert browser.grammar_cache == {}
