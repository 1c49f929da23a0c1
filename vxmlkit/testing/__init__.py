"""Test call flows without a phone.

>>> from vxmlkit.testing import Simulator
>>> call = Simulator(app).dial("payment-reminder", call_parameters="amount=42.10&account=A-1")
>>> call.hears("balance of $42.10").press("1")

With pytest, the ``simulator`` fixture gives each test a fresh store and SMS outbox (see
:mod:`vxmlkit.testing.plugin`), and :func:`assert_transcript` compares a call with a golden file.
"""

from .golden import assert_transcript
from .simulator import CALLEE_TYPES, Call, SentMessage, Simulator, Transcript

__all__ = ["CALLEE_TYPES", "Call", "SentMessage", "Simulator", "Transcript", "assert_transcript"]
