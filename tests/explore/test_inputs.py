"""What explore tries at a wait: samples of builtin grammars, SRGS sentences, kept only when the
grammar recognises them, one per outcome."""

from __future__ import annotations

from lxml import etree

from vxmlkit.browser.grammars import builtin_grammar, choices_grammar
from vxmlkit.browser.interpreter import ActiveGrammar
from vxmlkit.browser.platform import InputRequest
from vxmlkit.explore.inputs import builtin_samples, harvest_digits, options_at, srgs_sentences


def test_digits_at_both_lengths_and_from_the_call_parameters() -> None:
    assert builtin_samples("digits?minlength=15;maxlength=16", "dtmf") == ["123456789012345", "1234567890123456"]
    assert builtin_samples("digits?length=4", "dtmf", harvest_digits(["ACCT-987654", "+16175550142"])) == [
        "1234", "987654", "7654", "9876", "16175550142", "0142", "1617"]
    # a key or two is a score: both ends of the range as well
    assert builtin_samples("digits?length=1", "dtmf") == ["1", "0", "9"]
    assert builtin_samples("boolean?y=7;n=9", "dtmf")[-2:] == ["7", "9"]


def test_one_sentence_per_top_level_alternative() -> None:
    grammar = etree.fromstring("""
        <grammar xmlns="http://www.w3.org/2001/06/grammar" root="r" version="1.0">
          <rule id="r"><one-of>
            <item>yes <item repeat="0-1">please</item></item>
            <item><ruleref uri="#polite"/> no <tag>out = false;</tag></item>
            <item><ruleref special="VOID"/> never</item>
          </one-of></rule>
          <rule id="polite"><one-of><item>oh</item><item>well</item></one-of></rule>
        </grammar>""")
    assert srgs_sentences(grammar) == ["yes", "oh no"]


def test_options_keep_one_answer_per_outcome_and_what_the_grammar_accepts() -> None:
    field = etree.fromstring('<field xmlns="http://www.w3.org/2001/vxml" name="pin" type="digits?length=4"/>')
    active = [ActiveGrammar(builtin_grammar("digits?length=4", mode=mode), "item", field) for mode in ("dtmf", "voice")]
    request = InputRequest(kind="field", name="pin", grammars=tuple(active))
    labels = [o.label for o in options_at(request, documents={}, harvested=["42", "98765"],
                                          extra={"pin": ["2468", "12"]})]
    # "12" is not four digits: the grammar refuses it, so it is not an answer
    assert labels == ["press 1234", "press 8765", "press 9876", "press 2468", "silence", "nomatch", "hang up"]


def test_a_menu_offers_each_key_and_phrase() -> None:
    owner = etree.fromstring('<choice xmlns="http://www.w3.org/2001/vxml" dtmf="1">pay</choice>')
    active = [ActiveGrammar(choices_grammar([("choice", ["1"])], mode="dtmf"), "choice", owner),
              ActiveGrammar(choices_grammar([("choice", ["pay now"])], mode="voice"), "choice", owner)]
    request = InputRequest(kind="menu", name="menu", grammars=tuple(active))
    assert [o.label for o in options_at(request, documents={})] == [
        "press 1", 'say "pay now"', "silence", "nomatch", "hang up"]
