"""A failing step or assertion reads as the flow author's problem, not as a vxmlkit crash."""

from __future__ import annotations

import pytest

from vxmlkit import Flow, ask, digits, hangup, menu, say, step
from vxmlkit.app import create_app
from vxmlkit.testing import Simulator


class Boom(Flow):
    name = "boom"

    @step(start=True)
    def start(self, call):
        return ask("n", digits(), "Enter a number.", then=self.got)

    @step
    def got(self, call, n):
        return say("Twice is", int("x" + n))


class Twice(Flow):
    name = "twice"

    @step(start=True)
    def start(self, call):
        return menu("Welcome to the bank. Press 1.", choices={"1": self.next})

    @step
    def next(self, call):
        return menu("Press 2 now.", choices={"2": self.end})

    @step
    def end(self, call):
        return [say("Bye."), hangup()]


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                       "VXMLKIT_SECRET_KEY": "k"}, flows=[Boom, Twice])


def test_the_step_exception_comes_first_without_the_interpreter_chain(app) -> None:
    call = Simulator(app).dial("boom").press("12")
    failure = call.failure
    assert failure.splitlines()[0] == "step boom.got raised ValueError: invalid literal for int() with base 10: 'x12'"
    assert "DialogTransition" not in failure
    assert "During handling" not in failure
    assert "vxmlkit/browser" not in failure and "blueprints.py" not in failure
    assert 'in got\n    return say("Twice is", int("x" + n))' in failure
    with pytest.raises(AssertionError) as raised:
        call.hangs_up()
    message = str(raised.value)
    assert message.startswith("the call ended because a step boom.got raised ValueError")
    assert message.count("ValueError: invalid literal") == 2  # headline and traceback, once


def test_helpers_hide_their_frames_from_pytest() -> None:
    from vxmlkit.testing import assert_transcript
    from vxmlkit.testing.simulator import Call

    for helper in (Call.hears, Call.does_not_hear, Call.hangs_up, Call.transferred_to, Call.press, Call.say,
                   Call.silence, Call.nomatch, Call._give, assert_transcript):
        assert "__tracebackhide__" in helper.__code__.co_varnames, helper.__name__


def test_hears_says_when_the_text_was_heard_before_the_last_input(app) -> None:
    call = Simulator(app).dial("twice").press("1")
    call.hears("Press 2")
    with pytest.raises(AssertionError) as raised:
        call.hears("welcome to the bank")
    assert str(raised.value).startswith(
        "the caller did not hear 'welcome to the bank' since the last input;"
        " it was heard earlier, after the start of the call, before pressed: 1\n")
    with pytest.raises(AssertionError) as raised:
        call.hears("never said")
    assert str(raised.value).startswith("the caller did not hear 'never said' since the last input\n")
