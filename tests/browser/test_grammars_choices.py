"""Grammars generated from <option>, <choice> and <menu>: exact and approximate, DTMF and speech."""

from __future__ import annotations

import pytest

from vxmlkit.browser.grammar_base import voice_tokens
from vxmlkit.browser.grammars import GrammarError, Match, choices_grammar

NEWS = [
    ("stargazer", ["Stargazer astrophysics news"]),
    ("sports", ["sports news", "the scores"]),
    ("weather", ["weather"]),
]


def test_voice_exact_matches_whole_phrases_only() -> None:
    grammar = choices_grammar(NEWS, mode="voice")
    assert grammar.match("Sports news!") == Match("sports news", "sports")
    assert grammar.match("the scores") == Match("the scores", "sports")
    assert grammar.match("sports") is None
    assert grammar.match("news") is None


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("stargazer", "stargazer"),
        ("astrophysics news", "stargazer"),
        ("stargazer news", "stargazer"),
        ("Stargazer astrophysics news", "stargazer"),
        ("sports", "sports"),
        ("scores", "sports"),
    ],
)
def test_voice_approximate_accepts_words_of_the_phrase_in_order(said: str, value: str) -> None:
    found = choices_grammar(NEWS, mode="voice", accept="approximate").match(said)
    assert found is not None and found.interpretation == value


@pytest.mark.parametrize("said", ["news stargazer", "stargazer weather", "astronomy", ""])
def test_voice_approximate_rejects_other_orders_and_words(said: str) -> None:
    assert choices_grammar(NEWS, mode="voice", accept="approximate").match(said) is None


def test_first_choice_wins_when_phrases_overlap() -> None:
    grammar = choices_grammar([("a", ["news"]), ("b", ["sports news"])], mode="voice", accept="approximate")
    assert grammar.match("news") == Match("news", "a")


def test_dtmf_choices() -> None:
    grammar = choices_grammar([(1, ["1"]), ("two", ["2"]), ({"k": "star"}, ["*9"]), (None, ["12"])], mode="dtmf")
    assert grammar.match("1") == Match("1", 1)
    assert grammar.match("*9") == Match("*9", {"k": "star"})
    assert grammar.match("12") == Match("12", None)
    assert grammar.match("3") is None
    assert grammar.is_prefix("1")
    assert grammar.is_prefix("*")
    assert not grammar.is_prefix("2")
    assert not grammar.is_prefix("12")


def test_dtmf_ignores_accept_approximate() -> None:
    grammar = choices_grammar([("a", ["123"])], mode="dtmf", accept="approximate")
    assert grammar.match("13") is None
    assert grammar.match("123") is not None


def test_voice_choices_are_never_prefixes() -> None:
    assert not choices_grammar(NEWS, mode="voice").is_prefix("sports")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "fax"}, "mode 'fax'"),
        ({"mode": "voice", "accept": "fuzzy"}, "accept 'fuzzy'"),
    ],
)
def test_bad_arguments(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(GrammarError, match=message):
        choices_grammar(NEWS, **kwargs)  # type: ignore[arg-type]


def test_dtmf_phrase_must_be_keys() -> None:
    with pytest.raises(GrammarError, match="'one' is not a DTMF key sequence"):
        choices_grammar([("a", ["one"])], mode="dtmf")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Don't stop, it's 3 o'clock!", ("don't", "stop", "it's", "3", "o'clock")),
        ("twenty-one  'quoted'\twords_here", ("twenty", "one", "quoted", "words", "here")),
        ("Ça va? TRÈS bien.", ("ça", "va", "très", "bien")),
        ("  ...  ", ()),
    ],
)
def test_speech_is_compared_as_normalised_words(text: str, words: tuple[str, ...]) -> None:
    assert voice_tokens(text) == words
