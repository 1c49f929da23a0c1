"""Appointment reminder: reminds a patient of an appointment; they confirm it, cancel it, or
speak with the clinic's front desk.

Call parameters: ``when`` (the appointment, an ISO date and time such as ``2026-12-03T14:30``),
optionally ``provider`` (who the appointment is with) and ``agent`` (the front desk's number,
reached by a bridged transfer).
"""

from __future__ import annotations

import datetime as dt

from vxmlkit import CallParams, Flow, answering_machine, hangup, menu, say, step, transfer
from vxmlkit.components import Menu


class AppointmentReminder(Flow):
    """Reminds of an appointment and records the answer, or connects the patient to the clinic."""

    name = "appointment-reminder"

    class Params(CallParams):
        when: dt.datetime
        provider: str | None = None
        agent: str = "+16175550100"

    @step(start=True)
    def opening(self, call):
        return answering_machine(
            "Hello, this is Acme Health calling to remind you of an upcoming appointment.",
            voice=self.remind,
            machine=self.voicemail,
        )

    @step
    def remind(self, call):
        p = call.params
        with_provider = ["with", p.provider] if p.provider else []
        return menu(
            say("You have an appointment", *with_provider, "on", p.when.date(), "at", p.when.time(), "."),
            "To confirm it, press 1. To cancel it, press 2. To speak with our front desk, press 3.",
            choices={("1", "confirm"): self.confirm, ("2", "cancel"): self.cancel, ("3", "front desk"): self.front_desk},
            noinput=["Please press 1 to confirm your appointment, 2 to cancel it, or 3 to speak with our front desk.",
                     "Press 1, 2 or 3 now."],
            nomatch=["Sorry, that is not an option. Press 1 to confirm, 2 to cancel, or 3 for the front desk.",
                     "Please press 1, 2 or 3."],
            tries=3,
            on_failure=self.no_answer,
        )

    @step
    def confirm(self, call):
        call.state["appointment"] = "confirmed"
        return [say("Thank you, your appointment is confirmed. We look forward to seeing you. Goodbye."), hangup()]

    @step
    def cancel(self, call):
        call.state["appointment"] = "cancelled"
        return [
            say("Your appointment has been cancelled. Please call us when you would like to book a new one. Goodbye."),
            hangup(),
        ]

    @step
    def front_desk(self, call):
        call.state["transfer"] = "requested"
        return transfer(
            call.params.agent,
            "Please hold while we connect you to our front desk.",
            bridge=True,
            connect_timeout=30,
            then=self.after_front_desk,
            on_busy=self.front_desk_busy,
            on_noanswer=self.front_desk_no_answer,
        )

    @step
    def after_front_desk(self, call, transfer=""):
        call.state["transfer"] = transfer or "completed"
        return [say("Thank you for calling Acme Health. Goodbye."), hangup()]

    @step
    def front_desk_busy(self, call, transfer=""):
        call.state["transfer"] = "busy"
        return self._without_front_desk("All of our front desk staff are busy right now.")

    @step
    def front_desk_no_answer(self, call, transfer=""):
        call.state["transfer"] = "noanswer"
        return self._without_front_desk("Nobody at our front desk could take your call right now.")

    @step
    def voicemail(self, call):
        # A machine may be shared: the message says when, but not with whom.
        p = call.params
        return [
            say("This is Acme Health with a reminder of your appointment on", p.when.date(), "at", p.when.time(), ".",
                "To change it, please call us. Goodbye."),
            hangup(),
        ]

    @step
    def no_answer(self, call):
        return [say("We did not get your answer. Your appointment is still booked. Goodbye."), hangup()]

    def _without_front_desk(self, reason: str) -> Menu:
        return menu(
            say(reason, "You can still confirm your appointment by pressing 1, or cancel it by pressing 2."),
            choices={("1", "confirm"): self.confirm, ("2", "cancel"): self.cancel},
            noinput=["Press 1 to confirm your appointment, or 2 to cancel it."],
            nomatch=["Please press 1 to confirm, or 2 to cancel."],
            tries=2,
            on_failure=self.no_answer,
        )
