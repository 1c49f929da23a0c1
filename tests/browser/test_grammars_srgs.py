"""SRGS XML grammars: structure, rule references, special rules, semantic tags, DTMF, errors."""

from __future__ import annotations

import threading

import pytest
import quickjs
from lxml import etree

from vxmlkit.browser import simple_tags
from vxmlkit.browser.grammars import GrammarError, Match, TagError, TagEvaluator, srgs_grammar
from vxmlkit.browser.sisr import TagScript

SRGS = "http://www.w3.org/2001/06/grammar"


def grammar_text(rules: str, *, root: str = "main", **attributes: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    return f'<grammar xmlns="{SRGS}" version="1.0" root="{root}"{extra}>{rules}</grammar>'


def compile_rules(rules: str, **attributes: str) -> object:
    return srgs_grammar(grammar_text(rules, **attributes))


def interpretation(grammar: object, text: str) -> object:
    found = grammar.match(text)  # type: ignore[attr-defined]
    assert found is not None, f"no match for {text!r}"
    return found.interpretation


# -- structure -----------------------------------------------------------------------------------


def test_one_of_matches_each_item_and_nothing_else() -> None:
    grammar = compile_rules('<rule id="main"><one-of><item>red</item><item>dark green</item></one-of></rule>')
    assert grammar.match("red") == Match("red", "red")
    assert grammar.match("Dark  Green!") == Match("dark green", "dark green")
    assert grammar.match("green") is None
    assert grammar.match("red red") is None
    assert grammar.match("") is None


def test_utterance_is_the_normalised_words() -> None:
    grammar = compile_rules("<rule id='main'>San Francisco</rule>")
    assert grammar.match("SAN francisco.") == Match("san francisco", "san francisco")


def test_quoted_tokens_and_token_elements() -> None:
    grammar = compile_rules('<rule id="main">"new york" <token>city hall</token></rule>')
    assert grammar.match("new york city hall") is not None
    assert grammar.match("new york city") is None


@pytest.mark.parametrize(
    ("repeat", "accepted", "rejected"),
    [
        ("2", ["la la"], ["la", "la la la"]),
        ("2-3", ["la la", "la la la"], ["la", "la la la la"]),
        ("0-1", ["", "la"], ["la la"]),
        ("1-", ["la", "la la la la la"], [""]),
        ("0-", ["", "la la la"], []),
    ],
)
def test_repeat_ranges(repeat: str, accepted: list[str], rejected: list[str]) -> None:
    grammar = compile_rules(f'<rule id="main">sing <item repeat="{repeat}">la</item></rule>')
    for tail in accepted:
        assert grammar.match(f"sing {tail}") is not None, repeat + " " + tail
    for tail in rejected:
        assert grammar.match(f"sing {tail}") is None, repeat + " " + tail


def test_weights_and_repeat_probabilities_are_ignored() -> None:
    grammar = compile_rules(
        '<rule id="main"><one-of><item weight="0.1">a</item><item weight="5.">b</item><item weight="1e2">d</item></one-of>'
        '<item repeat="0-1" repeat-prob="0.3">c</item></rule>'
    )
    assert grammar.match("a c") is not None
    assert grammar.match("b") is not None


def test_local_rule_references_nest() -> None:
    grammar = compile_rules(
        '<rule id="main" scope="public"><ruleref uri="#greeting"/> <ruleref uri="#name"/></rule>'
        '<rule id="greeting"><one-of><item>hello</item><item>hi there</item></one-of></rule>'
        '<rule id="name"><ruleref uri="#first"/> <item repeat="0-1"><ruleref uri="#last"/></item></rule>'
        "<rule id='first'><one-of><item>ada</item><item>alan</item></one-of></rule>"
        "<rule id='last'><one-of><item>lovelace</item><item>turing</item></one-of></rule>"
    )
    assert grammar.match("hi there alan turing") is not None
    assert grammar.match("hello ada") is not None
    assert grammar.match("hello turing") is None


def test_right_recursive_rules_match() -> None:
    grammar = compile_rules('<rule id="main">a <item repeat="0-1"><ruleref uri="#main"/></item></rule>')
    assert grammar.match("a a a a") is not None


def test_left_recursion_is_reported() -> None:
    grammar = compile_rules('<rule id="main"><ruleref uri="#main"/> a</rule>')
    with pytest.raises(GrammarError, match="left-recursive"):
        grammar.match("a")


def test_special_rules() -> None:
    null = compile_rules('<rule id="main">a <ruleref special="NULL"/> b</rule>')
    assert null.match("a b") is not None
    void = compile_rules(
        '<rule id="main"><one-of><item>a <ruleref special="VOID"/></item><item>b</item></one-of></rule>'
    )
    assert void.match("a") is None
    assert void.match("b") is not None
    garbage = compile_rules('<rule id="main"><ruleref special="GARBAGE"/> coke <ruleref special="GARBAGE"/></rule>')
    assert garbage.match("I would like a coke please") is not None
    assert garbage.match("coke") is not None
    assert garbage.match("I would like a pepsi") is None


def test_first_complete_parse_wins_in_document_order() -> None:
    grammar = compile_rules(
        '<rule id="main"><one-of><item>a b <tag>out="first"</tag></item>'
        '<item>a b <tag>out="second"</tag></item></one-of></rule>',
        tag_format="semantics/1.0",
    )
    assert interpretation(grammar, "a b") == "first"


def test_rule_argument_selects_a_public_rule() -> None:
    text = grammar_text(
        '<rule id="main">one</rule><rule id="other" scope="public">two</rule><rule id="hidden">x</rule>'
    )
    assert srgs_grammar(text, rule="other").match("two") is not None
    assert srgs_grammar(text, rule="other").match("one") is None
    with pytest.raises(GrammarError, match="private"):
        srgs_grammar(text, rule="hidden")


# -- external references -------------------------------------------------------------------------


class Loader:
    """Serves grammar documents by URL and counts the fetches."""

    def __init__(self, documents: dict[str, str]) -> None:
        self.documents = documents
        self.fetched: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        return self.documents[url].encode()


CITIES = (
    f'<grammar xmlns="{SRGS}" version="1.0" root="city" tag-format="semantics/1.0">'
    '<rule id="city" scope="public"><one-of><item>paris<tag>out="PAR"</tag></item>'
    '<item>london<tag>out="LON"</tag></item></one-of></rule>'
    '<rule id="airline" scope="public"><one-of><item>air france</item><item><ruleref uri="#secret"/></item></one-of></rule>'
    '<rule id="secret">hidden air</rule></grammar>'
)


def test_external_rule_references_by_root_and_by_fragment() -> None:
    load = Loader({"http://example.com/g/cities.grxml": CITIES})
    grammar = srgs_grammar(
        grammar_text(
            '<rule id="main">fly <ruleref uri="#airline"/> to <ruleref uri="cities.grxml"/>'
            "<tag>out.to = rules.city; out.by = rules.airline;</tag></rule>"
            '<rule id="airline"><ruleref uri="cities.grxml#airline"/></rule>',
            tag_format="semantics/1.0",
        ),
        base_url="http://example.com/g/main.grxml",
        load=load,
    )
    assert interpretation(grammar, "fly air france to london") == {"to": "LON", "by": "air france"}
    assert interpretation(grammar, "fly hidden air to paris") == {"to": "PAR", "by": "hidden air"}
    assert load.fetched == ["http://example.com/g/cities.grxml"]


def test_external_private_rule_cannot_be_referenced() -> None:
    load = Loader({"http://example.com/cities.grxml": CITIES})
    with pytest.raises(GrammarError, match="rule 'secret' of grammar http://example.com/cities.grxml is private"):
        srgs_grammar(
            grammar_text('<rule id="main"><ruleref uri="cities.grxml#secret"/></rule>'),
            base_url="http://example.com/main.grxml",
            load=load,
        )


def test_external_reference_needs_a_loader_and_a_defined_rule() -> None:
    text = grammar_text('<rule id="main"><ruleref uri="cities.grxml#nowhere"/></rule>')
    with pytest.raises(GrammarError, match="no loader"):
        srgs_grammar(text, base_url="http://example.com/main.grxml")
    with pytest.raises(GrammarError, match="rule 'nowhere' is not defined in grammar http://example.com/cities.grxml"):
        srgs_grammar(
            text, base_url="http://example.com/main.grxml", load=Loader({"http://example.com/cities.grxml": CITIES})
        )


def test_xml_base_resolves_references() -> None:
    load = Loader({"http://other.example/lib/cities.grxml": CITIES})
    text = (
        f'<grammar xmlns="{SRGS}" xml:base="http://other.example/lib/" root="main">'
        '<rule id="main"><ruleref uri="cities.grxml"/></rule></grammar>'
    )
    assert srgs_grammar(text, base_url="http://example.com/main.grxml", load=load).match("paris") is not None


def test_loader_errors_pass_through() -> None:
    def failing(url: str) -> bytes:
        raise LookupError(f"no such grammar {url}")

    with pytest.raises(LookupError, match="no such grammar http://example.com/x.grxml"):
        srgs_grammar(
            grammar_text('<rule id="main"><ruleref uri="x.grxml"/></rule>'),
            base_url="http://example.com/main.grxml",
            load=failing,
        )


def test_builtin_rule_reference() -> None:
    grammar = srgs_grammar(
        grammar_text(
            '<rule id="main"><ruleref uri="builtin:dtmf/digits?length=4"/> * <tag>out = {pin: rules.digits}</tag></rule>',
            mode="dtmf",
            tag_format="semantics/1.0",
        )
    )
    assert grammar.match("1234*") == Match("1234*", {"pin": "1234"})
    assert grammar.match("123*") is None
    assert grammar.is_prefix("12")
    assert grammar.is_prefix("1234")
    assert not grammar.is_prefix("1234*")


# -- semantic interpretation ---------------------------------------------------------------------

DRINKS = """
<rule id="main" scope="public">
  <item repeat="0-1">i would like</item> <item repeat="0-1">a</item>
  <ruleref uri="#size"/> <ruleref uri="#drink"/> <item repeat="0-1">please</item>
  <tag>out.drink = rules.drink; out.size = rules.size;</tag>
</rule>
<rule id="size">
  <one-of>
    <item>small <tag>out = "small"</tag></item>
    <item><one-of><item>large</item><item>big</item></one-of> <tag>out = "large"</tag></item>
  </one-of>
</rule>
<rule id="drink">
  <one-of>
    <item>coke <tag>out = "coke"</tag></item>
    <item>diet coke <tag>out = "diet coke"</tag></item>
    <item>lemonade</item>
  </one-of>
</rule>
"""


def test_script_tags_fill_slots() -> None:
    grammar = compile_rules(DRINKS, tag_format="semantics/1.0")
    assert grammar.match("I would like a big coke please") == Match(
        "i would like a big coke please", {"drink": "coke", "size": "large"}
    )
    assert interpretation(grammar, "small diet coke") == {"drink": "diet coke", "size": "small"}


def test_rule_without_tags_is_its_text() -> None:
    grammar = compile_rules(DRINKS, tag_format="semantics/1.0")
    assert interpretation(grammar, "small lemonade") == {"drink": "lemonade", "size": "small"}


def test_untouched_root_is_the_utterance() -> None:
    grammar = compile_rules(
        '<rule id="main">fly to <ruleref uri="#city"/></rule><rule id="city">paris <tag>out = "PAR"</tag></rule>',
        tag_format="semantics/1.0",
    )
    assert interpretation(grammar, "fly to paris") == "fly to paris"


def test_no_tags_at_all_gives_the_utterance() -> None:
    grammar = compile_rules('<rule id="main"><one-of><item>yes please</item><item>no</item></one-of></rule>')
    assert interpretation(grammar, "Yes, please.") == "yes please"


def test_rules_latest_and_meta() -> None:
    grammar = compile_rules(
        '<rule id="main"><ruleref uri="#a"/> <ruleref uri="#b"/>'
        "<tag>out.last = rules.latest(); out.text = meta.current().text; out.btext = meta.b.text;"
        " out.latesttext = meta.latest().text;</tag></rule>"
        '<rule id="a">one</rule><rule id="b">two three <tag>out = 23</tag></rule>',
        tag_format="semantics/1.0",
    )
    assert interpretation(grammar, "one two three") == {
        "last": 23,
        "text": "one two three",
        "btext": "two three",
        "latesttext": "two three",
    }


def test_repeated_rule_accumulates_with_script() -> None:
    grammar = compile_rules(
        '<rule id="main"><tag>out = [];</tag><item repeat="1-"><ruleref uri="#topping"/>'
        "<tag>out.push(rules.topping);</tag></item></rule>"
        '<rule id="topping"><one-of><item>ham<tag>out="H"</tag></item><item>cheese<tag>out="C"</tag></item></one-of></rule>',
        tag_format="semantics/1.0",
    )
    assert interpretation(grammar, "ham cheese ham") == ["H", "C", "H"]


def test_numbers_cross_as_json() -> None:
    grammar = compile_rules(
        '<rule id="main">big <tag>out = {n: 3000000000, f: 1.5, t: true, z: null}</tag></rule>',
        tag_format="semantics/1.0",
    )
    assert interpretation(grammar, "big") == {"n": 3_000_000_000, "f": 1.5, "t": True, "z": None}


def test_literal_tag_format() -> None:
    grammar = compile_rules(
        '<rule id="main"><one-of><item>coke<tag>COKE</tag></item><item>pepsi</item>'
        '<item>sprite <ruleref uri="#x"/></item></one-of></rule><rule id="x">zero<tag>ZERO</tag></rule>',
        tag_format="semantics/1.0-literals",
    )
    assert interpretation(grammar, "coke") == "COKE"
    assert interpretation(grammar, "pepsi") == "pepsi"
    assert interpretation(grammar, "sprite zero") == "sprite zero"


def test_literal_grammar_referenced_from_a_script_grammar() -> None:
    load = Loader(
        {
            "http://example.com/sizes.grxml": (
                f'<grammar xmlns="{SRGS}" root="size" tag-format="semantics/1.0-literals">'
                '<rule id="size" scope="public"><one-of><item>large<tag>L</tag></item><item>small<tag>S</tag></item></one-of></rule></grammar>'
            )
        }
    )
    grammar = srgs_grammar(
        grammar_text(
            '<rule id="main"><ruleref uri="sizes.grxml"/><tag>out = {size: rules.size}</tag></rule>',
            tag_format="semantics/1.0",
        ),
        base_url="http://example.com/main.grxml",
        load=load,
    )
    assert interpretation(grammar, "large") == {"size": "L"}


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ('$ = "alpha"', "alpha"),
        ("'alpha'", "alpha"),
        ("var a='valA'; ", {"a": "valA"}),
        ("var city = new Object(); city.name = 'paris'; var n = 2;", {"city": {"name": "paris"}, "n": 2}),
        ("out.x = 1;", {"x": 1}),
    ],
)
def test_tags_without_tag_format_use_the_older_script_forms(tag: str, expected: object) -> None:
    grammar = compile_rules(f"<rule id='main'>chicago <tag>{tag}</tag></rule>")
    assert interpretation(grammar, "chicago") == expected


def test_grammar_level_tags_declare_what_rule_tags_use() -> None:
    grammar = compile_rules(
        '<tag>var codes = {paris: "PAR", london: "LON"};</tag>'
        '<rule id="main">fly to <ruleref uri="#city"/><tag>out.code = codes[rules.city];</tag></rule>'
        '<rule id="city"><one-of><item>paris</item><item>london</item></one-of></rule>',
        tag_format="semantics/1.0",
    )
    assert interpretation(grammar, "fly to london") == {"code": "LON"}
    older = compile_rules(
        '<tag>var codes = {paris: "PAR"};</tag><rule id="main">paris<tag>var code = codes.paris;</tag></rule>'
    )
    assert interpretation(older, "paris") == {"code": "PAR"}


def test_tag_runtime_error_is_a_tag_error() -> None:
    grammar = compile_rules(
        '<rule id="main">boom <tag>out = undefinedThing.x;</tag></rule>', tag_format="semantics/1.0"
    )
    with pytest.raises(TagError, match="undefinedThing"):
        grammar.match("boom")


def test_runaway_recursion_in_a_tag_is_a_tag_error() -> None:
    grammar = compile_rules(
        '<rule id="main">deep <tag>function f() { return f(); } out = f();</tag></rule>', tag_format="semantics/1.0"
    )
    with pytest.raises(TagError, match="call stack"):
        grammar.match("deep")


def test_tag_syntax_error_is_reported_when_compiling() -> None:
    with pytest.raises(GrammarError, match=r"line 1: <tag>: not valid ECMAScript"):
        compile_rules('<rule id="main">a <tag>out = ;</tag></rule>', tag_format="semantics/1.0")


def test_tags_run_in_a_given_context() -> None:
    context = quickjs.Context()
    evaluator = TagEvaluator(context)
    text = grammar_text('<rule id="main">go <tag>out = {ok: 2 - 1}</tag></rule>', tag_format="semantics/1.0")
    at_compile = srgs_grammar(text, tag_context=evaluator)
    assert at_compile.match("go") == Match("go", {"ok": 1})
    assert context.eval("typeof __vxk_sisr") == "function"
    other_context = quickjs.Context()
    per_match = srgs_grammar(text)
    assert per_match.match("go", tag_context=TagEvaluator(other_context)) == Match("go", {"ok": 1})
    assert other_context.eval("typeof __vxk_sisr") == "function"


def test_matching_from_several_threads() -> None:
    grammar = compile_rules(DRINKS, tag_format="semantics/1.0")
    results: list[object] = []

    def work() -> None:
        for _ in range(50):
            results.append(interpretation(grammar, "large coke"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [{"drink": "coke", "size": "large"}] * 200


# -- DTMF ----------------------------------------------------------------------------------------

PIN = """
<rule id="main"><item repeat="4"><ruleref uri="#digit"/></item> <item repeat="0-1">#</item></rule>
<rule id="digit"><one-of><item>0</item><item>1</item><item>2</item><item>3</item><item>4</item>
<item>5</item><item>6</item><item>7</item><item>8</item><item>9</item></one-of></rule>
"""


def test_dtmf_grammar_matches_key_strings() -> None:
    grammar = compile_rules(PIN, mode="dtmf")
    assert grammar.mode == "dtmf"
    assert grammar.match("1234") == Match("1234", "1234")
    assert grammar.match("1 2 3 4 #") == Match("1234#", "1234#")
    assert grammar.match("123") is None
    assert grammar.match("12345") is None
    assert grammar.match("12a4") is None


def test_dtmf_tokens_with_or_without_spaces() -> None:
    spaced = compile_rules('<rule id="main">1 2 *</rule>', mode="dtmf")
    joined = compile_rules('<rule id="main">12*</rule>', mode="dtmf")
    for grammar in (spaced, joined):
        assert grammar.match("12*") is not None
        assert grammar.match("12") is None


def test_dtmf_is_prefix() -> None:
    grammar = compile_rules(PIN, mode="dtmf")
    assert grammar.is_prefix("")
    assert grammar.is_prefix("12")
    assert grammar.is_prefix("1234")  # the optional # may follow
    assert not grammar.is_prefix("1234#")
    assert not grammar.is_prefix("12#")
    assert not grammar.is_prefix("x")


def test_mode_argument_overrides_the_attribute() -> None:
    grammar = srgs_grammar(grammar_text('<rule id="main">1</rule>', mode="voice"), mode="dtmf")
    assert grammar.mode == "dtmf"
    assert grammar.match("1") is not None


def test_dtmf_grammar_rejects_words() -> None:
    with pytest.raises(GrammarError, match="'one' is not a DTMF key sequence"):
        compile_rules('<rule id="main">one</rule>', mode="dtmf")


def test_external_grammar_of_the_other_mode_is_an_error() -> None:
    load = Loader({"http://example.com/cities.grxml": CITIES})
    with pytest.raises(GrammarError, match="voice mode, the referencing grammar is dtmf"):
        srgs_grammar(
            grammar_text('<rule id="main"><ruleref uri="cities.grxml"/></rule>', mode="dtmf"),
            base_url="http://example.com/main.grxml",
            load=load,
        )


# -- sources -------------------------------------------------------------------------------------


def test_inline_grammar_element_in_the_voicexml_namespace() -> None:
    document = etree.fromstring(
        '<vxml xmlns="http://www.w3.org/2001/vxml" version="2.1"><form><field name="f">'
        '<grammar mode="dtmf" root="r" type="application/srgs+xml"><rule id="r"><one-of>'
        '<item>1<tag>out="one"</tag></item><item>2</item></one-of></rule></grammar>'
        "</field></form></vxml>"
    )
    element = document.find(".//{http://www.w3.org/2001/vxml}grammar")
    grammar = srgs_grammar(element)
    assert grammar.mode == "dtmf"
    assert interpretation(grammar, "1") == "one"
    assert interpretation(grammar, "2") == "2"


def test_grammar_from_bytes_with_declaration() -> None:
    source = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<grammar xmlns="{SRGS}" root="r"><rule id="r">oui</rule></grammar>'
    )
    assert srgs_grammar(source.encode()).match("Oui") is not None


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<grammar", "not well-formed XML"),
        (f'<rule xmlns="{SRGS}" id="a">x</rule>', "expected a <grammar> element, found <rule>"),
        (f'<grammar xmlns="{SRGS}"><rule id="a">x</rule></grammar>', "no root attribute"),
        (grammar_text('<rule id="a">x</rule>'), "root rule 'main' is not defined"),
        (grammar_text('<rule id="main">x</rule><rule id="main">y</rule>'), "rule 'main' is defined twice"),
        (grammar_text('<rule id="main" scope="global">x</rule>'), "scope 'global'"),
        (grammar_text("<rule>x</rule>"), "<rule> without an id"),
        (grammar_text('<rule id="main"></rule>'), "rule 'main' is empty"),
        (grammar_text('<rule id="main"><ruleref uri="#nope"/></rule>'), "names an undefined rule"),
        (grammar_text('<rule id="main"><ruleref special="ANY"/></rule>'), "unknown special rule 'ANY'"),
        (grammar_text('<rule id="main"><ruleref/></rule>'), "needs exactly one of uri and special"),
        (grammar_text('<rule id="main"><item repeat="few">x</item></rule>'), "repeat='few' is not n, n-m or n-"),
        (grammar_text('<rule id="main"><item repeat="3-2">x</item></rule>'), "maximum below its minimum"),
        (grammar_text('<rule id="main"><item weight="heavy">x</item></rule>'), "weight='heavy' is not a non-negative number"),
        (grammar_text('<rule id="main"><one-of></one-of></rule>'), "without any <item>"),
        (grammar_text('<rule id="main"><one-of>x<item>y</item></one-of></rule>'), "must be wrapped in <item>"),
        (grammar_text('<rule id="main"><one-of><ruleref uri="#main"/></one-of></rule>'), "may hold only <item>"),
        (grammar_text('<rule id="main"><token></token></rule>'), "empty <token>"),
        (grammar_text('<rule id="main"><foo>x</foo></rule>'), "<foo> is not allowed inside rule 'main'"),
        (grammar_text('<rule id="main">x</rule>', mode="fax"), "mode 'fax' is not voice or dtmf"),
        (grammar_text('<rule id="main"><ruleref uri="builtin:dtmf/digits?length=x"/></rule>'), "length='x'"),
    ],
)
def test_bad_grammars_are_grammar_errors(source: str, message: str) -> None:
    with pytest.raises(GrammarError) as caught:
        srgs_grammar(source)
    assert message in str(caught.value)


def test_errors_name_the_line() -> None:
    source = grammar_text('\n<rule id="main">\n<ruleref uri="#nope"/>\n</rule>')
    with pytest.raises(GrammarError, match="line 3"):
        srgs_grammar(source)


def test_grammar_of_plain_text_is_rejected() -> None:
    element = etree.fromstring('<grammar xmlns="http://www.w3.org/2001/vxml">yes | no</grammar>')
    with pytest.raises(GrammarError, match="holds text but no <rule>"):
        srgs_grammar(element)


def test_tags_work_again_after_a_tag_timed_out() -> None:
    spin = compile_rules('<rule id="main">spin <tag>while (true) {}</tag></rule>', tag_format="semantics/1.0")
    fine = compile_rules('<rule id="main">fine <tag>out = {ok: true}</tag></rule>', tag_format="semantics/1.0")
    with pytest.raises(TagError):
        spin.match("spin")
    assert interpretation(fine, "fine") == {"ok": True}


# -- plain assignment tags run without QuickJS, with the same results ----------------------------

SAME_EITHER_WAY = [
    (DRINKS, "semantics/1.0", ["large coke", "small lemonade", "i would like a big diet coke please"]),
    (
        (
            '<rule id="main"><tag>out = new Object();</tag><ruleref uri="#a"/><tag>out.first = rules.latest();'
            " out.t = meta.current().text; out.at = meta.a.text; out.n = -2.5; out.k = {}; out.k.z = null</tag>"
            '<ruleref uri="#b"/><tag>out.second = rules.b; out.lt = meta.latest().text</tag></rule>'
            '<rule id="a">one <tag>out = "1"</tag></rule><rule id="b">two</rule>'
        ),
        "semantics/1.0",
        ["one two"],
    ),
    (
        (
            '<rule id="main"><ruleref uri="#d"/><tag>out = {drink: rules.d, "size": "L", list: [1, "two", {}, [],],'
            " nested: {a: {b: true}}, text: meta.d.text};</tag></rule>"
            '<rule id="d">cola <tag>out = "coke"</tag></rule>'
        ),
        "semantics/1.0",
        ["cola"],
    ),
    ('<rule id="main">x <tag>out = {a: 1, a: 2, b: rules.missing}</tag></rule>', "semantics/1.0", ["x"]),
    ('<rule id="main">x <tag>out.a = 1; out.a.b = 2;</tag></rule>', "semantics/1.0", ["x"]),
    ('<rule id="main">x <tag>out = "s"; out.b = 2;</tag></rule>', "semantics/1.0", ["x"]),
    ('<rule id="main">x <tag>out.a = rules.missing;</tag></rule>', "semantics/1.0", ["x"]),
    ('<rule id="main">x <tag>out = [];</tag></rule>', "semantics/1.0", ["x"]),
    ('<rule id="main">x <tag>$ = "alpha"</tag></rule>', "", ["x"]),
    ('<rule id="main">x <tag>$.city = "paris"; $.n = 3</tag></rule>', "", ["x"]),
    ("<rule id=\"main\">x <tag>out = 'it\\'s'</tag></rule>", "semantics/1.0", ["x"]),
    ('<rule id="main">x <tag></tag></rule>', "", ["x"]),
    (
        '<rule id="main"><one-of><item>a<tag>A</tag></item><item>b</item></one-of></rule>',
        "semantics/1.0-literals",
        ["a", "b"],
    ),
]


@pytest.mark.parametrize(("rules", "tag_format", "inputs"), SAME_EITHER_WAY)
def test_plain_tags_give_what_quickjs_gives(
    rules: str, tag_format: str, inputs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    attributes = {"tag_format": tag_format} if tag_format else {}
    grammar = compile_rules(rules, **attributes)
    in_python = [interpretation(grammar, said) for said in inputs]

    def always_quickjs(tree: object, programs: object) -> object:
        raise simple_tags.NotSimple("forced")

    monkeypatch.setattr(simple_tags, "evaluate", always_quickjs)
    in_quickjs = [interpretation(grammar, said) for said in inputs]
    assert in_python == in_quickjs


def test_plain_tags_do_not_touch_quickjs() -> None:
    context = quickjs.Context()
    grammar = compile_rules(DRINKS, tag_format="semantics/1.0")
    assert grammar.match("large coke", tag_context=TagEvaluator(context)) is not None
    assert context.eval("typeof __vxk_sisr") == "undefined"


@pytest.mark.parametrize(
    ("source", "tag_format", "plain"),
    [
        ('out = "a"; out.b = rules.x;', "semantics/1.0", True),
        ("out = {a: [1, 'b'], c: meta.current().text}", "semantics/1.0", True),
        ("out.n = -3", "semantics/1.0", True),
        ('$ = "a"', "legacy", True),
        ('$ = "a"', "semantics/1.0", False),
        ("var a = 1;", "legacy", False),
        ("out = rules.a + 1", "semantics/1.0", False),
        ("out = f()", "semantics/1.0", False),
        ("out = rules.latest", "semantics/1.0", False),
        ("out = 9007199254740993", "semantics/1.0", False),
        ('out = "a"\nout.b = 1', "semantics/1.0", False),
        ("out = {__proto__: 1}", "semantics/1.0", False),
    ],
)
def test_which_tags_run_in_python(source: str, tag_format: str, plain: bool) -> None:
    assert (simple_tags.compile_tag(TagScript(source, tag_format, "test")) is not None) is plain


def test_a_long_one_of_keeps_document_order_around_items_of_unknown_first_token() -> None:
    items = "".join(f"<item>word{n} <tag>out = {n};</tag></item>" for n in range(300))
    grammar = compile_rules(
        '<rule id="main"><one-of><item><ruleref uri="#any"/> end<tag>out = "any";</tag></item>'
        f'{items}<item>word7 <tag>out = "late";</tag></item></one-of></rule>'
        '<rule id="any"><one-of><item>word7</item><item>other</item></one-of></rule>',
        tag_format="semantics/1.0",
    )
    assert interpretation(grammar, "word7") == 7
    assert interpretation(grammar, "word7 end") == "any"
    assert interpretation(grammar, "word299") == 299
    assert grammar.match("word300") is None
