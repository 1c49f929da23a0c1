"""The builtin grammar types (VoiceXML 2.0 Appendix P) in DTMF and speech, with their parameters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vxmlkit.browser.grammars import GrammarError, Match, UnsupportedBuiltinError, builtin_grammar


def interpret(uri: str, text: str, mode: str | None = None) -> object:
    found = builtin_grammar(uri, mode=mode).match(text)
    assert found is not None, f"{uri} did not match {text!r}"
    return found.interpretation


def no_match(uri: str, text: str, mode: str | None = None) -> bool:
    return builtin_grammar(uri, mode=mode).match(text) is None


# -- references and modes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "mode", "expected_mode"),
    [
        ("builtin:dtmf/digits", None, "dtmf"),
        ("builtin:voice/digits", None, "voice"),
        ("builtin:grammar/boolean", None, "voice"),
        ("builtin:grammar/boolean", "dtmf", "dtmf"),
        ("builtin:dtmf/boolean", "voice", "dtmf"),
        ("digits?length=4", "dtmf", "dtmf"),
        ("number", None, "voice"),
    ],
)
def test_mode_comes_from_the_reference_then_the_argument(uri: str, mode: str | None, expected_mode: str) -> None:
    assert builtin_grammar(uri, mode=mode).mode == expected_mode


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("builtin:dtmf/colour", "unknown type 'colour'"),
        ("builtin:fax/digits", "unknown kind 'fax'"),
        ("builtin:digits", "expected builtin:dtmf/TYPE"),
        ("digits?minlength=x", "minlength='x' is not a non-negative integer"),
        ("digits?minlength=-1", "minlength='-1'"),
        ("digits?minlength=5;maxlength=3", "minlength 5 is greater than maxlength 3"),
        ("digits?length=4;maxlength=5", "length cannot be combined"),
        ("digits?maxlength=0", "at least one digit"),
        ("digits?size=3", "unknown parameter 'size'"),
        ("digits?length", "is not name=value"),
        ("digits?length=3;length=4", "given twice"),
        ("boolean?y=12", "y='12' is not a single DTMF key"),
        ("boolean?n=x", "n='x' is not a single DTMF key"),
        ("boolean?y=1;n=1", "y and n are the same key"),
        ("number?minlength=2", "unknown parameter 'minlength'"),
        ("time?y=1", "unknown parameter 'y'"),
    ],
)
def test_bad_references_and_parameters_are_grammar_errors(uri: str, message: str) -> None:
    with pytest.raises(GrammarError) as caught:
        builtin_grammar(uri, mode="dtmf")
    assert message in str(caught.value)


def test_unknown_type_is_an_unsupported_builtin() -> None:
    with pytest.raises(UnsupportedBuiltinError, match="unknown type 'colour'"):
        builtin_grammar("builtin:voice/colour")


def test_unknown_mode_argument_is_an_error() -> None:
    with pytest.raises(GrammarError, match="unknown mode 'fax'"):
        builtin_grammar("digits", mode="fax")


def test_match_reports_utterance_and_confidence() -> None:
    assert builtin_grammar("builtin:dtmf/digits").match("1 2 3") == Match("123", "123", 1.0)
    assert builtin_grammar("builtin:voice/digits").match("One, two. THREE!") == Match("one two three", "123", 1.0)


# -- boolean -------------------------------------------------------------------------------------


def test_boolean_dtmf_default_keys() -> None:
    assert interpret("builtin:dtmf/boolean", "1") is True
    assert interpret("builtin:dtmf/boolean", "2") is False
    assert no_match("builtin:dtmf/boolean", "3")
    assert no_match("builtin:dtmf/boolean", "12")


def test_boolean_dtmf_configured_keys() -> None:
    assert interpret("boolean?y=7;n=9", "7", "dtmf") is True
    assert interpret("boolean?y=7;n=9", "9", "dtmf") is False
    assert no_match("boolean?y=7;n=9", "1", "dtmf")
    assert interpret("builtin:dtmf/boolean?y=*;n=#", "#") is False


@pytest.mark.parametrize("said", ["yes", "Yes.", "yeah", "sure", "correct", "true", "yes please", "That's right"])
def test_boolean_voice_yes(said: str) -> None:
    assert interpret("builtin:voice/boolean", said) is True


@pytest.mark.parametrize("said", ["no", "NO!", "nope", "false", "no thank you", "negative"])
def test_boolean_voice_no(said: str) -> None:
    assert interpret("builtin:voice/boolean", said) is False


def test_boolean_voice_other_words_do_not_match() -> None:
    assert no_match("builtin:voice/boolean", "maybe")
    assert no_match("builtin:voice/boolean", "yes no")


def test_boolean_is_prefix_only_before_any_key() -> None:
    grammar = builtin_grammar("builtin:dtmf/boolean")
    assert grammar.is_prefix("")
    assert not grammar.is_prefix("1")


# -- digits --------------------------------------------------------------------------------------


def test_digits_dtmf_keeps_leading_zeros_and_is_a_string() -> None:
    assert interpret("builtin:dtmf/digits", "0042") == "0042"


def test_digits_dtmf_rejects_non_digit_keys() -> None:
    assert no_match("builtin:dtmf/digits", "12*3")
    assert no_match("builtin:dtmf/digits", "12#")
    assert no_match("builtin:dtmf/digits", "")


def test_digits_lengths() -> None:
    uri = "builtin:dtmf/digits?minlength=3;maxlength=5"
    assert no_match(uri, "12")
    assert interpret(uri, "123") == "123"
    assert interpret(uri, "12345") == "12345"
    assert no_match(uri, "123456")
    assert interpret("digits?length=4", "1234", "dtmf") == "1234"
    assert no_match("digits?length=4", "123", "dtmf")
    assert no_match("digits?length=4", "12345", "dtmf")


def test_digits_is_prefix_follows_maxlength() -> None:
    grammar = builtin_grammar("builtin:dtmf/digits?minlength=3;maxlength=5")
    assert grammar.is_prefix("12")
    assert grammar.is_prefix("1234")
    assert not grammar.is_prefix("12345")
    assert not grammar.is_prefix("12*")
    assert builtin_grammar("builtin:dtmf/digits").is_prefix("123456789")


def test_digits_voice() -> None:
    assert interpret("builtin:voice/digits", "one two three") == "123"
    assert interpret("builtin:voice/digits", "oh oh seven") == "007"
    assert interpret("builtin:voice/digits", "double five nine") == "559"
    assert interpret("builtin:voice/digits", "4 5 6") == "456"
    assert interpret("builtin:voice/digits?length=3", "one two three") == "123"
    assert no_match("builtin:voice/digits?length=3", "one two")
    assert no_match("builtin:voice/digits", "one hundred")


def test_voice_grammars_never_report_a_prefix() -> None:
    assert not builtin_grammar("builtin:voice/digits").is_prefix("one")


# -- number --------------------------------------------------------------------------------------


def test_number_dtmf_star_is_the_decimal_point() -> None:
    assert interpret("builtin:dtmf/number", "123") == 123
    assert interpret("builtin:dtmf/number", "007") == 7
    assert interpret("builtin:dtmf/number", "12*5") == 12.5
    assert interpret("builtin:dtmf/number", "*5") == 0.5
    assert no_match("builtin:dtmf/number", "1*2*3")
    assert no_match("builtin:dtmf/number", "12*")
    assert no_match("builtin:dtmf/number", "12#")


def test_number_dtmf_is_prefix() -> None:
    grammar = builtin_grammar("builtin:dtmf/number")
    assert grammar.is_prefix("12")
    assert grammar.is_prefix("12*")
    assert not grammar.is_prefix("12#")


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("zero", 0),
        ("seven", 7),
        ("forty two", 42),
        ("forty-two", 42),
        ("one hundred twenty three", 123),
        ("a hundred and five", 105),
        ("twelve hundred", 1200),
        ("two thousand and twenty six", 2026),
        ("one million two hundred thousand", 1_200_000),
        ("minus five", -5),
        ("five point three", 5.3),
        ("negative two point five", -2.5),
        ("123", 123),
        ("1,250", 1250),
        ("3.75", 3.75),
    ],
)
def test_number_voice(said: str, value: float) -> None:
    result = interpret("builtin:voice/number", said)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize("said", ["one two three", "hundred hundred", "five point", "thousand million", "lots"])
def test_number_voice_rejects(said: str) -> None:
    assert no_match("builtin:voice/number", said)


# -- currency ------------------------------------------------------------------------------------


def test_currency_dtmf() -> None:
    assert interpret("builtin:dtmf/currency", "12*50") == "12.50"
    assert interpret("builtin:dtmf/currency", "12*5") == "12.50"
    assert interpret("builtin:dtmf/currency", "12") == "12.00"
    assert interpret("builtin:dtmf/currency", "*99") == "0.99"
    assert no_match("builtin:dtmf/currency", "12*505")
    grammar = builtin_grammar("builtin:dtmf/currency")
    assert grammar.is_prefix("12*5")
    assert not grammar.is_prefix("12*50")


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("twelve dollars and fifty cents", "USD12.50"),
        ("twelve dollars fifty", "USD12.50"),
        ("twelve dollars", "USD12.00"),
        ("a dollar fifty", "USD1.50"),
        ("one hundred euros", "EUR100.00"),
        ("fifty cents", "USD0.50"),
        ("three pounds twenty", "GBP3.20"),
        ("twelve point five", "12.50"),
        ("12.50 dollars", "USD12.50"),
    ],
)
def test_currency_voice(said: str, value: str) -> None:
    assert interpret("builtin:voice/currency", said) == value


@pytest.mark.parametrize("said", ["dollars", "twelve dollars and two hundred cents", "minus three dollars"])
def test_currency_voice_rejects(said: str) -> None:
    assert no_match("builtin:voice/currency", said)


# -- date ----------------------------------------------------------------------------------------


def test_date_dtmf_is_yyyymmdd() -> None:
    assert interpret("builtin:dtmf/date", "20260303") == "20260303"
    assert interpret("builtin:dtmf/date", "20240229") == "20240229"
    assert no_match("builtin:dtmf/date", "20230229")
    assert no_match("builtin:dtmf/date", "20261301")
    assert no_match("builtin:dtmf/date", "2026033")
    grammar = builtin_grammar("builtin:dtmf/date")
    assert grammar.is_prefix("2026")
    assert not grammar.is_prefix("20260303")


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("march third twenty twenty six", "20260303"),
        ("March 3rd, 2026", "20260303"),
        ("the third of march twenty twenty six", "20260303"),
        ("third march two thousand and twenty six", "20260303"),
        ("december thirty first nineteen ninety nine", "19991231"),
        ("july fourth nineteen oh five", "19050704"),
        ("march third", "????0303"),
        ("february twenty ninth", "????0229"),
    ],
)
def test_date_voice(said: str, value: str) -> None:
    assert interpret("builtin:voice/date", said) == value


@pytest.mark.parametrize("said", ["february thirtieth", "march", "tuesday", "april thirty first twenty twenty"])
def test_date_voice_rejects(said: str) -> None:
    assert no_match("builtin:voice/date", said)


# -- time ----------------------------------------------------------------------------------------


def test_time_dtmf_is_hhmm_with_h_or_question_mark() -> None:
    assert interpret("builtin:dtmf/time", "1530") == "1530h"
    assert interpret("builtin:dtmf/time", "0030") == "0030h"
    assert interpret("builtin:dtmf/time", "0330") == "0330?"
    assert interpret("builtin:dtmf/time", "1200") == "1200?"
    assert no_match("builtin:dtmf/time", "2460")
    assert no_match("builtin:dtmf/time", "2500")
    assert no_match("builtin:dtmf/time", "130")
    assert builtin_grammar("builtin:dtmf/time").is_prefix("13")


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("three thirty p m", "0330p"),
        ("3:30 pm", "0330p"),
        ("three thirty", "0330?"),
        ("seven a.m.", "0700a"),
        ("seven o'clock in the morning", "0700a"),
        ("ten forty five in the evening", "1045p"),
        ("three oh five", "0305?"),
        ("fifteen thirty", "1530h"),
        ("fifteen hundred", "1500h"),
        ("oh nine hundred", "0900h"),
        ("noon", "1200p"),
        ("midnight", "1200a"),
        ("half past two", "0230?"),
        ("quarter to three p m", "0245p"),
        ("twenty one fifteen", "2115h"),
    ],
)
def test_time_voice(said: str, value: str) -> None:
    assert interpret("builtin:voice/time", said) == value


@pytest.mark.parametrize("said", ["fifteen thirty p m", "three seventy", "soon"])
def test_time_voice_rejects(said: str) -> None:
    assert no_match("builtin:voice/time", said)


# -- phone ---------------------------------------------------------------------------------------


def test_phone_dtmf_star_is_the_extension() -> None:
    assert interpret("builtin:dtmf/phone", "8005551212") == "8005551212"
    assert interpret("builtin:dtmf/phone", "8005551212*1234") == "8005551212x1234"
    assert no_match("builtin:dtmf/phone", "8005551212*")
    assert no_match("builtin:dtmf/phone", "*12")
    assert no_match("builtin:dtmf/phone", "1*2*3")
    grammar = builtin_grammar("builtin:dtmf/phone")
    assert grammar.is_prefix("800555")
    assert grammar.is_prefix("800555*")
    assert not grammar.is_prefix("*")


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("eight hundred five five five one two one two", "8005551212"),
        ("eight hundred five five five one two one two extension one two three four", "8005551212x1234"),
        ("six one seven, five five five, oh one nine nine", "6175550199"),
        ("555 1212 x 12", "5551212x12"),
    ],
)
def test_phone_voice(said: str, value: str) -> None:
    assert interpret("builtin:voice/phone", said) == value


@pytest.mark.parametrize("said", ["extension five", "five five extension", "call me"])
def test_phone_voice_rejects(said: str) -> None:
    assert no_match("builtin:voice/phone", said)


def test_compiled_builtins_are_shared() -> None:
    assert builtin_grammar("digits?length=4", mode="dtmf") is builtin_grammar("digits?length=4", mode="dtmf")


# -- spoken numbers, checked against an independent spelling ------------------------------------

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _spell_below_thousand(value: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(value, 100)
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        words.append(_TENS[rest // 10])
        if rest % 10:
            words.append(_ONES[rest % 10])
    elif rest or not words:
        words.append(_ONES[rest])
    return words


def _spell(value: int) -> str:
    words: list[str] = []
    for scale, name in ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand")):
        group, value = divmod(value, scale)
        if group:
            words += _spell_below_thousand(group) + [name]
    if value or not words:
        words += _spell_below_thousand(value)
    return " ".join(words)


@given(st.integers(min_value=0, max_value=999_999_999_999))
@settings(max_examples=300, deadline=None)
def test_spoken_cardinals_read_back(value: int) -> None:
    assert interpret("builtin:voice/number", _spell(value)) == value


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_dtmf_digits_read_back(keys: str) -> None:
    assert interpret("builtin:dtmf/digits", keys) == keys
    assert interpret("builtin:voice/digits", " ".join(_ONES[int(key)] for key in keys)) == keys
