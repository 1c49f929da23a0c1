"""Answers arrive typed: each grammar hands the step a Python value, read right by say()."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from vxmlkit import Flow, Money, ask, boolean, currency, date, digits, hangup, number, phone, say, srgs, step, time
from vxmlkit.answers import PartialDate, SpokenTime, read_answer, AnswerError
from vxmlkit.testing import Simulator

GOT: dict[str, object] = {}

PIZZA = """<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="order" mode="voice" tag-format="semantics/1.0">
  <rule id="order" scope="public">
    <one-of>
      <item>large thin <tag>out.size = "large"; out.crust = {}; out.crust.kind = "thin";</tag></item>
      <item>small <tag>out.size = "small"; out.crust = {}; out.crust.kind = "thick";</tag></item>
      <item>nothing <tag>out = "none";</tag></item>
    </one-of>
  </rule>
</grammar>"""


def _flow(kind: str, grammar, keep_raw=False):
    namespace = {"name": f"ask-{kind}"}

    def start(self, call):
        return ask("answer", grammar, "Your answer?", then=self.got)

    if keep_raw:
        def got(self, call, answer: str):
            GOT["answer"] = answer
            return [say("You said", answer), hangup()]
    else:
        def got(self, call, answer):
            GOT["answer"] = answer
            return [say("You said", answer), hangup()] if not isinstance(answer, (bool, dict)) else [say("Thanks."), hangup()]

    namespace["start"] = step(start=True)(start)
    namespace["got"] = step(got)
    return type(f"Ask{kind.title()}", (Flow,), namespace)


def _answer(make_app, kind, grammar, *, press=None, speak=None, keep_raw=False):
    GOT.clear()
    flow = _flow(kind, grammar, keep_raw)
    call = Simulator(make_app([flow])).dial(flow.name)
    call.hears("Your answer")
    call.press(press) if press is not None else call.say(speak)
    call.hangs_up()
    return GOT["answer"], call


def test_boolean_is_a_bool(make_app) -> None:
    value, _ = _answer(make_app, "boolean", boolean(), press="2")
    assert value is False
    value, _ = _answer(make_app, "boolean", boolean(), speak="yes")
    assert value is True


def test_a_whole_date_is_a_date_read_as_a_date(make_app) -> None:
    value, call = _answer(make_app, "date", date(), press="20261203")
    assert value == dt.date(2026, 12, 3) and type(value) is dt.date
    assert '<say-as interpret-as="date" format="ymd">2026-12-03</say-as>' in call.documents[-1].text


def test_a_date_without_its_year_is_never_a_date(make_app) -> None:
    value, call = _answer(make_app, "partial-date", date(), speak="december third")
    assert isinstance(value, PartialDate) and not isinstance(value, dt.date)
    assert value.missing == ("year",) and (value.month, value.day) == (12, 3)
    assert value != dt.date(2026, 12, 3)
    assert value.complete(year=2027) == dt.date(2027, 12, 3)
    text = call.documents[-1].text
    assert '<say-as interpret-as="date" format="md">12-03</say-as>' in text
    assert "????" not in text
    assert "You said <say-as" in text


def test_time_keeps_am_pm_and_ambiguity(make_app) -> None:
    value, call = _answer(make_app, "time", time(), speak="three thirty")
    assert isinstance(value, dt.time) and isinstance(value, SpokenTime)
    assert value.ambiguous and value.clock is None
    assert value.alternatives == (dt.time(3, 30), dt.time(15, 30))
    assert '<say-as interpret-as="time" format="hms12">3:30</say-as>' in call.documents[-1].text
    value, _ = _answer(make_app, "time", time(), speak="three thirty p m")
    assert value == dt.time(15, 30) and value.clock == "pm" and not value.ambiguous
    value, _ = _answer(make_app, "time", time(), press="1530")
    assert value == dt.time(15, 30) and value.clock == "24h"


def test_number_is_a_decimal(make_app) -> None:
    value, _ = _answer(make_app, "number", number(), press="12*5")
    assert value == Decimal("12.5") and isinstance(value, Decimal)


def test_currency_keeps_its_code(make_app) -> None:
    value, call = _answer(make_app, "currency", currency(), speak="twelve dollars and fifty cents")
    assert value == Money(Decimal("12.50"), "USD")
    assert ">$12.50</say-as>" in call.documents[-1].text
    value, _ = _answer(make_app, "currency", currency(), press="12*5")
    assert value == Money(Decimal("12.50"), None)


def test_digits_and_phone_keep_leading_zeros(make_app) -> None:
    value, _ = _answer(make_app, "digits", digits(), press="0042")
    assert value == "0042"
    value, _ = _answer(make_app, "phone", phone(), press="0175551212")
    assert value == "0175551212"


def test_srgs_object_is_a_dict_and_a_string_stays_a_string(make_app) -> None:
    value, _ = _answer(make_app, "srgs", srgs(PIZZA), speak="large thin")
    assert value == {"size": "large", "crust": {"kind": "thin"}}
    value, _ = _answer(make_app, "srgs", srgs(PIZZA), speak="nothing")
    assert value == "none"


def test_a_str_annotation_asks_for_the_posted_text(make_app) -> None:
    value, _ = _answer(make_app, "raw-date", date(), speak="december third", keep_raw=True)
    assert value == "????1203"


def test_a_bool_annotation_types_an_answer_of_unknown_grammar() -> None:
    class Typed(Flow):
        name = "typed"

        @step(start=True)
        def start(self, call, ok: bool = False, count: int = 0):
            return [say("ok" if ok else "no", count), hangup()]

    from vxmlkit.flow import Call, CallParams

    call = Call("typed", "s", "+1", "", "", "", CallParams({}))
    result = Typed().run_step(call, "start", {"ok": "false", "count": "7"})
    assert result[0].parts[0] == "no"
    assert result[0].parts[1].text == "7"


def test_a_malformed_answer_is_a_clear_error() -> None:
    with pytest.raises(AnswerError, match="'2026' is not a date answer"):
        read_answer("when", "date", "2026")
    with pytest.raises(AnswerError):
        read_answer("when", "date", "????0231")
    assert read_answer("when", "date", "????0229") == PartialDate(None, 2, 29)


def test_say_never_glues_text_that_starts_with_a_question_mark() -> None:
    from vxmlkit.documents import prompt_view

    def texts(*parts):
        return [node["text"] for node in prompt_view(say(*parts).parts)]

    assert texts("You said", "????1203") == ["You said ????1203"]
    assert texts("due on", ".") == ["due on."]
    assert texts("Hello", ", Ann") == ["Hello, Ann"]
    view = prompt_view(say("On", dt.date(2026, 12, 3), "????1203").parts)
    assert view[1]["sep"] == " "  # a word after a say-as, even one that starts with "?", is not glued to it
