"""The app the serving tests run, in-process or under gunicorn (``serving_app:create_app()``).

Under gunicorn its settings come from the environment: ``VXMLKIT_DATABASE_URL``,
``VXMLKIT_SECRET_KEY``, ``VXMLKIT_METRICS_PATH`` ... and ``SERVING_GATE``, a file that holds the
``counted`` step for the key 0 while it exists, so that a test can keep a worker busy or kill
it in the middle of a step.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask

from vxmlkit import Flow, ask, digits, hangup, say, sms, step
from vxmlkit.app import create_app as create_vxmlkit_app


class Counter(Flow):
    """Asks for a key, counts in its state how often the next step ran, and sends an SMS."""

    name = "counter"

    @step(start=True)
    def welcome(self, call):
        return ask("key", digits(length=1), "Press a key.", then=self.counted)

    @step
    def counted(self, call, key):
        call.state["runs"] = call.state.get("runs", 0) + 1
        gate = os.environ.get("SERVING_GATE")
        if gate and key == "0" and Path(gate).exists():
            Path(gate + ".reached").touch()
            while Path(gate).exists():  # held until the test kills this worker or opens the gate
                time.sleep(0.02)
        return [say("You pressed", key, "."), hangup()]

    @step
    def texting(self, call):
        return sms(to=call.phone_number, text="Your code is 1234.", then=self.texted)

    @step
    def texting_quickly(self, call):
        # an SMS the provider must take within 2 s: a request still sending after that has died
        return sms(to=call.phone_number, text="Your code is 5678.", then=self.texted, timeout=2)

    @step
    def texted(self, call, sms_status, sms_error="", sms_id=""):
        return [say("Message", sms_status, "."), hangup()]


def create_app(config: dict | None = None) -> Flask:
    """The counter flow on the store the environment (or ``config``) names."""
    return create_vxmlkit_app(config, flows=[Counter])
