"""The callee rules file and the platform clock's reading of Plum's time texts."""

from __future__ import annotations

from datetime import datetime

import pytest

from vxmlkit.browser import Input
from vxmlkit.emulator import Clock, RulesError, load_rules, parse_rules
from vxmlkit.emulator.clock import EASTERN, TimeTextError, read_time

YAML = """
rules:
  - pattern: "+1 617 555 01*"
    answer: voice
    inputs: ["dtmf:1", "say:yes please", noinput]
    hangup_after: 30
    sms: undelivered
  - {pattern: "tel:+16175550200", answer: [busy, busy, voice]}
  - {pattern: "16175550300", answer: {voice: 1, noanswer: 1}}
  - {pattern: "1617555040?", answer: operator intercept}
default: {answer: machine, sms: landline}
"""


def test_yaml_rules_pick_the_first_match_with_its_behaviour() -> None:
    rules = parse_rules(YAML, kind="yaml")
    first = rules.behaviour("tel:+16175550123;ani=6175559999", 1)
    assert first.callee_type == "voice" and first.answers and first.hangup_after == 30
    assert first.inputs == (Input.dtmf("1"), Input.speech("yes please"), Input.noinput())
    assert rules.sms_outcome("16175550123") == "undelivered"
    assert [rules.behaviour("+16175550200", n).callee_type for n in (1, 2, 3, 4)] == ["busy", "busy", "voice", "voice"]
    assert rules.behaviour("16175550200", 1).inputs == ()
    assert rules.behaviour("16175550405", 1).callee_type == "operator"
    assert rules.behaviour("19995550000", 1).callee_type == "answeringmachine"  # the default
    assert rules.sms_outcome("19995550000") == "landline"


def test_weighted_answers_are_reproducible_with_a_seed() -> None:
    def draws(seed: int) -> list[str]:
        rules = parse_rules(YAML, kind="yaml", seed=seed)
        return [rules.behaviour("16175550300", attempt).callee_type for attempt in range(1, 41)]

    assert draws(7) == draws(7)
    assert set(draws(7)) == {"voice", "noanswer"}
    assert draws(7) != draws(8)


def test_csv_rules(tmp_path) -> None:
    path = tmp_path / "callees.csv"
    path.write_text("pattern,answer,inputs,hangup_after,sms\n"
                    "1617555*,busy>voice,dtmf:1|dtmf:2,,failed\n"
                    "1212*,voice:3|fax:1,,,\n"
                    "default,noanswer,,,\n")
    rules = load_rules(path, seed=1)
    assert [rules.behaviour("16175551234", n).callee_type for n in (1, 2)] == ["busy", "voice"]
    assert rules.behaviour("16175551234", 2).inputs == (Input.dtmf("1"), Input.dtmf("2"))
    assert rules.sms_outcome("16175551234") == "failed"
    assert rules.behaviour("12125550000", 1).callee_type in ("voice", "fax")
    assert rules.behaviour("13125550000", 1).callee_type == "noanswer"
    assert load_rules(None).behaviour("13125550000", 1).callee_type == "voice"


@pytest.mark.parametrize(
    "text, message",
    [
        ("- {pattern: '1617*', answer: ringing}", "rule 1: unknown answer 'ringing'"),
        ("- {pattern: '1617-555-abc'}", "rule 1: pattern"),
        ("- {pattern: '1617*', inputs: ['dtmf:x']}", "rule 1: input 1"),
        ("- {pattern: '1617*', hangup_after: soon}", "hangup_after must be a number"),
        ("- {pattern: '1617*', sms: lost}", "unknown sms outcome"),
        ("- {pattern: '1617*', colour: red}", "unknown key(s) colour"),
        ("- {pattern: '1617*', answer: {voice: 0}}", "more than 0"),
        ("rules: [1, 2]", "expected a list of rules"),
        ("rules: [", "not valid YAML"),
    ],
)
def test_broken_rules_name_the_rule_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_rules(text, kind="yaml", name="callees.yaml")


def test_a_missing_rules_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "nope.yaml")


NOW = datetime(2026, 12, 1, 10, 15, tzinfo=EASTERN).timestamp()  # a Tuesday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("now", "2026-12-01 10:15"),
        ("+3 days", "2026-12-04 10:15"),
        ("+1 hour 30 minutes", "2026-12-01 11:45"),
        ("-2 hours", "2026-12-01 08:15"),
        ("tomorrow 9am", "2026-12-02 09:00"),
        ("today 17:30", "2026-12-01 17:30"),
        ("next week", "2026-12-08 10:15"),
        ("oct 14th, 2031 11:05PM EST", "2031-10-15 00:05"),  # EST read as such, shown in EDT
        ("2026-12-24 08:00", "2026-12-24 08:00"),
        ("1323248400", "2011-12-07 04:00"),
    ],
)
def test_plum_time_texts_are_read_against_the_platform_clock(text: str, expected: str) -> None:
    assert datetime.fromtimestamp(read_time(text, NOW), EASTERN).strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize("text", ["", "   ", "whenever", "+3 fortnights and a bit"])
def test_unreadable_time_texts_raise(text: str) -> None:
    with pytest.raises(TimeTextError):
        read_time(text, NOW)


def test_the_clock_starts_where_told_and_runs_at_its_speed() -> None:
    clock = Clock(speed=3600, start=NOW)
    assert clock.now() >= NOW and clock.real_seconds(3600) == 1.0 and clock.real_seconds(-5) == 0.0
    clock.set(NOW + 86400)
    assert clock.now() >= NOW + 86400
    assert clock.eastern(NOW).hour == 10
    with pytest.raises(ValueError, match="positive"):
        Clock(speed=0)
