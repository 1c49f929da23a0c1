"""Flows with defects seeded on rare paths, for explore to find (importable as tests.explore.flows).

Each flow works on its everyday path; the defect hides where a hand-written test rarely goes.
"""

from __future__ import annotations

import pathlib

from vxmlkit import Flow, answering_machine, ask, digits, goto, hangup, menu, say, srgs, step, template
from vxmlkit.app import create_app


class SecondSilence(Flow):
    """Raises only when the caller stays silent a second time."""

    name = "second-silence"

    @step(start=True)
    def question(self, call):
        return ask("pin", digits(length=4), "Enter your four digit PIN.", tries=1, on_failure=self.no_pin,
                   then=self.done)

    @step
    def no_pin(self, call):
        call.state["silences"] = call.state.get("silences", 0) + 1
        if call.state["silences"] >= 2:
            raise RuntimeError("seeded defect: the second silence breaks the flow")
        return [say("I did not get that."), goto(self.question)]

    @step
    def done(self, call, pin):
        return [say("Thank you. Goodbye."), hangup()]


class Orphan(Flow):
    """Has a step nothing leads to."""

    name = "orphan"

    @step(start=True)
    def hello(self, call):
        return menu("Press 1 to hear our hours.", choices={"1": self.hours}, on_failure=self.bye)

    @step
    def hours(self, call):
        return [say("We are open from nine to five. Goodbye."), hangup()]

    @step
    def bye(self, call):
        return [say("Goodbye."), hangup()]

    @step
    def forgotten(self, call):
        return [say("Nobody ever hears this."), hangup()]


class Carousel(Flow):
    """Its second menu only ever comes back to itself."""

    name = "carousel"

    @step(start=True)
    def lobby(self, call):
        return menu("Press 1 for offers, 2 to leave.", choices={"1": self.offers, "2": self.leave},
                    on_failure=self.leave)

    @step
    def offers(self, call):
        return menu("Press 1 for this week's offer, 2 for next week's.",
                    choices={"1": self.offers, "2": self.offers}, on_failure=self.offers)

    @step
    def leave(self, call):
        return [say("Goodbye."), hangup()]


class MachineTemplate(Flow):
    """Leaves an invalid document on answering machines only."""

    name = "machine-template"

    @step(start=True)
    def opening(self, call):
        return answering_machine("Hello, this is Acme.", voice=self.talk, machine=self.message)

    @step
    def talk(self, call):
        return [say("Thanks for picking up. Goodbye."), hangup()]

    @step
    def message(self, call):
        return template("machine_message.vxml")


_DEPARTMENTS = """<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="department" mode="voice">
  <rule id="department" scope="public">
    <one-of>
      <item><ruleref uri="#polite"/> billing <tag>out = "billing";</tag></item>
      <item>technical support <tag>out = "support";</tag></item>
      <item>sales <item repeat="0-1">department</item> <tag>out = "sales";</tag></item>
    </one-of>
  </rule>
  <rule id="polite"><one-of><item>please</item><item>i want</item></one-of></rule>
</grammar>"""


class Switchboard(Flow):
    """Routes by a spoken department (an SRGS grammar with three alternatives)."""

    name = "switchboard"

    @step(start=True)
    def ask_department(self, call):
        return ask("department", srgs(_DEPARTMENTS), "Which department?", modes=("voice",),
                   then=self.route, on_failure=self.bye)

    @step
    def route(self, call, department):
        call.state["department"] = department
        return [say(f"Connecting you to {department}. Goodbye."), hangup()]

    @step
    def bye(self, call):
        return [say("Goodbye."), hangup()]


class Callback(Flow):
    """Its result hook fails for calls nobody answered."""

    name = "callback"

    @step(start=True)
    def hello(self, call):
        return [say("Hello from Acme. Goodbye."), hangup()]

    def on_result(self, result):
        if result.result == "failed" and result.callee_type == "noanswer":
            raise LookupError("seeded defect: no retry slot for unanswered calls")


class Forever(Flow):
    """A document of its own whose question never gives up on a silent caller."""

    name = "forever"

    @step(start=True)
    def question(self, call):
        return template("forever.vxml")

    @step
    def thanks(self, call, agree=""):
        return [say("Thank you. Goodbye."), hangup()]


FLOWS = [SecondSilence, Orphan, Carousel, MachineTemplate, Switchboard, Callback, Forever]


def create_defects_app(**config):
    """The seeded flows in one app."""
    settings = {"TESTING": True, "VXMLKIT_SECRET_KEY": "test",
                "VXMLKIT_TEMPLATE_FOLDERS": [str(pathlib.Path(__file__).with_name("templates"))]}
    settings.update(config)
    return create_app(settings, flows=FLOWS)
