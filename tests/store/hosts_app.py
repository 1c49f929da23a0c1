"""The app the multi-host tests serve from separate processes: a flow that texts the callee
mid-call, and whose ``on_result`` appends a line to the file ``HOSTS_HOOK_LOG`` names, so the
test can count how often it ran across processes."""

from __future__ import annotations

import os

from vxmlkit import Flow, hangup, say, sms, step
from vxmlkit.app import create_app as _create_app


class Texting(Flow):
    """Texts a code, then says goodbye."""

    name = "texting"

    @step(start=True)
    def begin(self, call):
        return [say("One moment."),
                sms(to=call.phone_number, text=f"Your code for {call.message_reference} is 1234.", then=self.sent,
                    timeout=10)]

    @step
    def sent(self, call, sms_status="", sms_id=""):
        call.state["sent"] = call.state.get("sent", 0) + 1
        return [say("Sent."), hangup()]

    def on_result(self, result):
        with open(os.environ["HOSTS_HOOK_LOG"], "a") as log:
            log.write(f"{result.message_reference} {result.call_id} {os.getpid()}\n")


def create_app():
    # The load posts the flow's own start URL, for calls vxmlkit did not queue.
    return _create_app({"VXMLKIT_ALLOW_UNQUEUED_CALLS": "*"}, flows=[Texting])
