"""Small flows the testing tests dial (importable as tests.testing.flows)."""

from __future__ import annotations

from vxmlkit import Flow, ask, digits, hangup, menu, record, say, sms, step, template, transfer
from vxmlkit.app import create_app


class Desk(Flow):
    """Reception desk: exercises every kind of input and ending."""

    name = "desk"

    @step(start=True)
    def welcome(self, call):
        return menu(
            "Welcome to the desk. Press 1 for a code, 2 for an agent, 3 to leave a message, 4 to break things.",
            choices={"1": self.code, "2": self.agent, "3": self.message, "4": self.broken},
            noinput=["Are you there?", "Last chance."],
            nomatch=["That is not an option."],
            tries=3,
            on_failure=self.goodbye,
        )

    @step
    def code(self, call):
        return ask("pin", digits(length=4), "Enter your four digit PIN.", private=True, then=self.send_code)

    @step
    def send_code(self, call, pin):
        call.state["pin_checked"] = True
        return [say("Sending your code."),
                sms(to=call.phone_number, text=f"Your code is {pin[::-1]}.", then=self.sent, on_error=self.not_sent,
                    private=True)]

    @step
    def sent(self, call):
        return [say("Code sent."), hangup()]

    @step
    def not_sent(self, call, sms_error=""):
        call.state["sms_error"] = sms_error
        return [say("We could not send the code."), hangup()]

    @step
    def agent(self, call):
        return transfer("+16175550100", "Connecting you to an agent.", bridge=True, then=self.after_agent,
                        on_busy=self.agent_busy)

    @step
    def after_agent(self, call, transfer=""):
        call.state["transfer"] = transfer
        return [say("Thanks for talking to us."), hangup()]

    @step
    def agent_busy(self, call, transfer=""):
        return [say("All agents are busy."), hangup()]

    @step
    def message(self, call):
        return record("note", "Leave a message after the beep.", then=self.saved, max_time=20)

    @step
    def saved(self, call, note):
        call.state["note_bytes"] = len(note)
        return template("exit.vxml")

    @step
    def broken(self, call):
        raise ZeroDivisionError("the desk fell over")

    @step
    def goodbye(self, call):
        return [say("Goodbye."), hangup()]


def create_test_app(**config):
    """The app the plugin tests name in their ini option."""
    import pathlib

    settings = {"TESTING": True, "VXMLKIT_SECRET_KEY": "test",
                "VXMLKIT_TEMPLATE_FOLDERS": [str(pathlib.Path(__file__).with_name("templates"))]}
    settings.update(config)
    return create_app(settings, flows=[Desk])
