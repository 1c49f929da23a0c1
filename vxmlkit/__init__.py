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

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - the names below are imported on first use
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

# Where each public name lives. They are imported when first used, so that a tool that needs one
# part (``vxmlkit validate`` needs the schemas, not Flask) does not load the others.
_HOMES = {
    "Recording": ".calls",
    "VxmlKit": ".extension",
    "sms": ".sms.step",
    **dict.fromkeys(("Call", "CallParams", "Flow", "FlowDefinitionError", "ParameterError", "step"), ".flow"),
    **dict.fromkeys((
        "Money", "answering_machine", "ask", "audio", "boolean", "currency", "date", "digits", "goto", "hangup",
        "menu", "number", "pause", "phone", "properties", "record", "say", "spell", "srgs", "template", "time",
        "transfer",
    ), ".components"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'vxmlkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


class _Package(types.ModuleType):
    """The ``vxmlkit`` module: ``vxmlkit.sms`` stays the :func:`sms` component.

    Importing the subpackage ``vxmlkit.sms`` would otherwise rebind the name to the subpackage;
    the subpackage is still imported by its full name (``from vxmlkit.sms import ...``).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "sms" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
