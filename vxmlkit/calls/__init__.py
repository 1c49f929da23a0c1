"""The request path, apart from Flask: what vxmlkit does with each request the platform makes.

Each function takes the :class:`~vxmlkit.VxmlKit` (the store, the flows, the signers, the
renderer), a :class:`Links` (where the routes are reached) and the request's values as plain
data, and returns an :class:`Answer` (status, body, content type). The Flask routes in
:mod:`vxmlkit.blueprints` only read the request and wrap the answer; anything else that plays
the platform can call the same functions.

- :mod:`~vxmlkit.calls.start`: a start_url POST opens a call session (:func:`start_call`);
- :mod:`~vxmlkit.calls.steps`: a step URL runs the step and renders its document (:func:`continue_call`);
- :mod:`~vxmlkit.calls.sms`: an SMS order is sent once (:func:`send_sms`), delivery reports (:func:`take_delivery_report`);
- :mod:`~vxmlkit.calls.results`: a result_url POST is stored once (:func:`take_result`);
- :mod:`~vxmlkit.calls.health`: whether the store answers, for load balancers (:func:`health`);
- :mod:`~vxmlkit.calls.answers`: answers, refusals and the goodbye document;
- :mod:`~vxmlkit.calls.outages`: the database going away.
"""

from .answers import Answer, Refused, error_document
from .health import health
from .inputs import START_FIELDS, Recording
from .links import Links
from .results import take_result
from .sms import send_sms, take_delivery_report
from .start import start_call
from .steps import continue_call

__all__ = [
    "Answer",
    "Links",
    "Recording",
    "Refused",
    "START_FIELDS",
    "continue_call",
    "error_document",
    "health",
    "send_sms",
    "start_call",
    "take_delivery_report",
    "take_result",
]
