"""Mistakes in a flow's steps fail when the class is defined (or, for a template, when served)."""

from __future__ import annotations

import pytest

from vxmlkit import (Flow, FlowDefinitionError, ask, digits, goto, hangup, menu, record, say, sms, step,
                     template)
from vxmlkit.testing import Simulator


def test_a_step_named_by_string_is_checked_with_a_suggestion() -> None:
    with pytest.raises(FlowDefinitionError, match=r"then='chrage' is not a step of the flow; did you mean 'charge'\?"):
        class Pay(Flow):
            name = "pay"

            @step(start=True)
            def start(self, call):
                return ask("card", digits(), "Card?", then="chrage")

            @step
            def charge(self, call, card):
                return hangup()


def test_a_menu_choice_by_string_and_by_attribute_is_checked() -> None:
    with pytest.raises(FlowDefinitionError, match=r"menu choice='goodbey' is not a step.*did you mean 'goodbye'"):
        class Menu1(Flow):
            name = "menu-one"

            @step(start=True)
            def start(self, call):
                return menu("Press 1.", choices={"1": "goodbey"})

            @step
            def goodbye(self, call):
                return hangup()

    with pytest.raises(FlowDefinitionError, match=r"on_failure=self.goodby is not a step.*did you mean 'goodbye'"):
        class Menu2(Flow):
            name = "menu-two"

            @step(start=True)
            def start(self, call):
                return menu("Press 1.", choices={"1": self.goodbye}, on_failure=self.goodby)

            @step
            def goodbye(self, call):
                return hangup()


def test_a_then_step_that_does_not_take_the_answer_fails() -> None:
    with pytest.raises(FlowDefinitionError, match=r"posts 'card' to step 'charge', which takes cart; did you mean 'cart'"):
        class Pay(Flow):
            name = "pay"

            @step(start=True)
            def start(self, call):
                return ask("card", digits(), "Card?", then=self.charge)

            @step
            def charge(self, call, cart):
                return hangup()


def test_a_then_step_needing_an_answer_no_ask_posts_fails() -> None:
    with pytest.raises(FlowDefinitionError, match=r"step 'charge' needs expiry, but this step's document posts only card"):
        class Pay(Flow):
            name = "pay"

            @step(start=True)
            def start(self, call):
                return ask("card", digits(), "Card?", then=self.charge)

            @step
            def charge(self, call, card, expiry):
                return hangup()

    with pytest.raises(FlowDefinitionError, match=r"step 'saved' needs message, but a menu choice posts no answer"):
        class Note(Flow):
            name = "note"

            @step(start=True)
            def start(self, call):
                return menu("Press 1.", choices={"1": self.saved})

            @step
            def saved(self, call, message):
                return hangup()


def test_good_flows_with_several_asks_record_and_kwargs_pass() -> None:
    class Fine(Flow):
        name = "fine"

        @step(start=True)
        def start(self, call):
            return [ask("card", digits(), "Card?"), ask("expiry", digits(length=4), "Expiry?", then=self.charge)]

        @step
        def charge(self, call, card, expiry):
            return record("note", "Leave a note.", then=self.noted, on_failure="done")

        @step
        def noted(self, call, **answers):
            return goto(self.done)

        @step
        def done(self, call, note=None):
            return hangup()

    assert Fine.steps["charge"].required == {"card", "expiry"}


def test_a_negative_sms_timeout_fails_at_definition() -> None:
    with pytest.raises(FlowDefinitionError, match=r"sms\(\) timeout must be from 1 to 120 seconds, not -1"):
        class Texts(Flow):
            name = "texts"

            @step(start=True)
            def start(self, call):
                return sms(to=call.phone_number, text="Hi", then=self.done, timeout=-1)

            @step
            def done(self, call):
                return hangup()


class Brochure(Flow):
    name = "brochure"

    @step(start=True)
    def start(self, call):
        return template("vxml/brochure.vxml", title="x")


class Computed(Flow):
    name = "computed"

    @step(start=True)
    def start(self, call):
        return template(f"vxml/{call.params.get('page', 'nowhere')}.vxml")


def test_a_literal_template_name_no_folder_holds_fails_when_served(make_app) -> None:
    with pytest.raises(FlowDefinitionError, match=r"flow 'brochure', step 'start' \(.*test_definition_checks.py:\d+\): "
                                                  r"no template 'vxml/brochure.vxml'.*\(searched .*templates"):
        make_app([Brochure])


def test_a_computed_template_name_fails_at_run_time_with_the_search_path(make_app) -> None:
    call = Simulator(make_app([Computed], VXMLKIT_STRICT_DOCUMENTS=False)).dial("computed")
    assert "no template 'vxml/nowhere.vxml'" in call.failure
    assert "(searched " in call.failure and "templates" in call.failure
