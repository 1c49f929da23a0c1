"""SRGS grammars in the ABNF form: read into the XML form, so they match and interpret the same."""

from __future__ import annotations

import pytest
from lxml import etree

from vxmlkit.browser.abnf import parse_abnf
from vxmlkit.browser.grammars import GrammarError, Match, srgs_grammar

SRGS = "http://www.w3.org/2001/06/grammar"

ORDER_ABNF = """#ABNF 1.0 UTF-8;
language en-US;
mode voice;
root $order;
tag-format <semantics/1.0>;
meta "author" is "vxmlkit";
// slot filling, as in the XML tests
public $order = [i would like] [a] $size $drink [please] {out.drink = rules.drink; out.size = rules.size;};
$size = small {out = "small"} | /2/ (large | big) {out = "large"};
/* a comment
   over two lines */
$drink = coke {out = "coke"} | "diet coke" {!{ out = {name: "diet coke"} }!} | lemonade!en-US <1-2>;
"""

ORDER_XML = f"""<grammar xmlns="{SRGS}" root="order" mode="voice" tag-format="semantics/1.0">
<rule id="order" scope="public"><item repeat="0-1">i would like</item> <item repeat="0-1">a</item>
  <ruleref uri="#size"/> <ruleref uri="#drink"/> <item repeat="0-1">please</item>
  <tag>out.drink = rules.drink; out.size = rules.size;</tag></rule>
<rule id="size"><one-of><item>small <tag>out = "small"</tag></item>
  <item weight="2"><one-of><item>large</item><item>big</item></one-of> <tag>out = "large"</tag></item></one-of></rule>
<rule id="drink"><one-of><item>coke <tag>out = "coke"</tag></item>
  <item>diet coke <tag>out = {{name: "diet coke"}}</tag></item><item repeat="1-2">lemonade</item></one-of></rule>
</grammar>"""


@pytest.mark.parametrize(
    "said",
    ["i would like a big coke please", "small diet coke", "large lemonade lemonade", "small", "coke", "a large"],
)
def test_abnf_and_xml_forms_agree(said: str) -> None:
    from_abnf = srgs_grammar(ORDER_ABNF).match(said)
    from_xml = srgs_grammar(ORDER_XML).match(said)
    assert from_abnf == from_xml


def test_abnf_interpretations() -> None:
    grammar = srgs_grammar(ORDER_ABNF.encode())
    assert grammar.match("big coke") == Match("big coke", {"drink": "coke", "size": "large"})
    assert grammar.match("small diet coke") == Match(
        "small diet coke", {"drink": {"name": "diet coke"}, "size": "small"}
    )
    assert grammar.match("small lemonade lemonade lemonade") is None


def test_abnf_declarations_become_grammar_attributes() -> None:
    element = parse_abnf(ORDER_ABNF)
    assert element.get("root") == "order"
    assert element.get("mode") == "voice"
    assert element.get("tag-format") == "semantics/1.0"
    rules = {rule.get("id"): rule.get("scope") for rule in element}
    assert rules == {"order": "public", "size": "private", "drink": "private"}


def test_abnf_dtmf_with_repeats_and_special_rules() -> None:
    grammar = srgs_grammar(
        "#ABNF 1.0;\nmode dtmf;\nroot $pin;\n$pin = $digit<4> [#] $NULL;\n$digit = 0|1|2|3|4|5|6|7|8|9;"
    )
    assert grammar.mode == "dtmf"
    assert grammar.match("1234#") == Match("1234#", "1234#")
    assert grammar.match("123") is None
    assert grammar.is_prefix("12")
    never = srgs_grammar("#ABNF 1.0;\nroot $a;\n$a = yes $VOID | no;")
    assert never.match("yes") is None
    assert never.match("no") is not None


def test_abnf_open_repeat_and_garbage() -> None:
    grammar = srgs_grammar("#ABNF 1.0;\nroot $a;\n$a = $GARBAGE coke <1-> $GARBAGE;")
    assert grammar.match("uh coke coke please") is not None


def test_inline_abnf_grammar_in_a_voicexml_document() -> None:
    element = etree.fromstring(
        '<grammar xmlns="http://www.w3.org/2001/vxml" type="application/srgs" version="1.0">#ABNF 1.0 UTF-8;\n'
        '  language en;\n  mode voice;\n  root $CityName;\n  $CityName = chicago {$ = "alpha"};\n</grammar>'
    )
    assert srgs_grammar(element).match("Chicago") == Match("chicago", "alpha")


def test_external_reference_to_an_abnf_grammar() -> None:
    documents = {"http://example.com/cities.gram": b"#ABNF 1.0;\nroot $city;\npublic $city = paris | london;"}
    grammar = srgs_grammar(
        f'<grammar xmlns="{SRGS}" root="main"><rule id="main">fly to <ruleref uri="cities.gram"/></rule></grammar>',
        base_url="http://example.com/main.grxml",
        load=documents.__getitem__,
    )
    assert grammar.match("fly to london") is not None
    abnf_to_abnf = srgs_grammar(
        "#ABNF 1.0;\nroot $main;\n$main = fly to $<cities.gram#city>;",
        base_url="http://example.com/main.gram",
        load=documents.__getitem__,
    )
    assert abnf_to_abnf.match("fly to paris") is not None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("#ABNF 2.0;", "unsupported header '#ABNF 2.0'"),
        ("#ABNF 1.0", "header must end with ';'"),
        ("#ABNF 1.0;\nroot $a;\n$a = (b;", "line 3: missing ')'"),
        ("#ABNF 1.0;\nroot $a;\n$a = b <x>;", "line 3: <x> is not a repeat"),
        ("#ABNF 1.0;\nfoo bar;", "line 2: unknown or malformed declaration 'foo'"),
        ("#ABNF 1.0;\nroot $a;\n$a = ;", "line 3: an empty alternative"),
        ("#ABNF 1.0;\nroot $a;\n$a = b", "expected ';' at the end of rule $a"),
        ("#ABNF 1.0;\nroot $a;\n$a = {out = 1;", "line 3: unterminated {tag}"),
        ('#ABNF 1.0;\nroot $a;\n$a = "open;', "unterminated quoted token"),
        ("#ABNF 1.0;\nroot $a;\n/* never closed", "unterminated /* comment"),
        ("#ABNF 1.0;\nroot $a;\n$a = b;\n$a = c;", "rule 'a' is defined twice"),
        ("#ABNF 1.0;\nroot $a;\n$a = $b;", "names an undefined rule"),
        ("#ABNF 1.0;\nroot $a;\n$NULL = b;", "cannot define rule 'NULL'"),
        ("#ABNF 1.0;\nroot $a;\npublic a = b;", "'public' must be followed by a $rule definition"),
    ],
)
def test_bad_abnf_is_a_grammar_error(source: str, message: str) -> None:
    with pytest.raises(GrammarError) as caught:
        srgs_grammar(source)
    assert message in str(caught.value)
