"""vxmlkit: outbound IVR call flows in Python, served as VoiceXML and tested without a phone.

Write a flow::

    from vxmlkit import Flow, step, say, menu, hangup

    class Hello(Flow):
        name = "hello"

        @step(start=True)
        def greet(self, call):
            return [say("Hello from vxmlkit."), hangup()]

and serve it: ``VxmlKit(app, flows=[Hello])`` mounts ``/vxml/hello/start`` on a Flask app.
"""

from .calls import Recording
from .components import (
    Money,
    answering_machine,
    ask,
    audio,
    boolean,
    currency,
    date,
    digits,
    goto,
    hangup,
    menu,
    number,
    pause,
    phone,
    properties,
    record,
    say,
    spell,
    srgs,
    template,
    time,
    transfer,
)
from .extension import VxmlKit
from .flow import Call, CallParams, Flow, FlowDefinitionError, ParameterError, step
from .sms.step import sms

__all__ = [
    "Call",
    "CallParams",
    "Flow",
    "FlowDefinitionError",
    "Money",
    "ParameterError",
    "Recording",
    "VxmlKit",
    "answering_machine",
    "ask",
    "audio",
    "boolean",
    "currency",
    "date",
    "digits",
    "goto",
    "hangup",
    "menu",
    "number",
    "pause",
    "phone",
    "properties",
    "record",
    "say",
    "sms",
    "spell",
    "srgs",
    "step",
    "template",
    "time",
    "transfer",
]

__version__ = "0.1.0"
