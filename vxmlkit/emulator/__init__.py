"""A local stand-in for Plum's outbound platform: ``vxmlkit emulate``.

It speaks the outbound API (queuecall.php, queuecalls.php), the Call Scheduling and Pacing
API and the SMS API as Plum documents them, and dials the queued calls itself: a GET
pre-flight of the URLs, the start POST, the call played by :mod:`vxmlkit.browser` with the
callee the rules file describes, retries, expirations, and the result_url POST. Its clock may
run faster than real time.

The pipeline, one module each: :mod:`.clock` (platform time, Plum's time texts),
:mod:`.callees` (the rules file), :mod:`.state` (calls, batches, messages, callbacks),
:mod:`.outbound`, :mod:`.scheduler` and :mod:`.sms` (the three APIs), :mod:`.dialer`
(placing calls), :mod:`.callbacks` (POSTs to apps, retried until 200), :mod:`.page` (the
status page), :mod:`.app` (the WSGI app), :mod:`.server` (one emulator), :mod:`.cli`.
"""

from vxmlkit.emulator.callees import CalleeRules, RulesError, load_rules, parse_rules
from vxmlkit.emulator.clock import Clock
from vxmlkit.emulator.server import Emulator, client_settings
from vxmlkit.emulator.state import Settings

__all__ = ["CalleeRules", "Clock", "Emulator", "RulesError", "Settings", "client_settings", "load_rules", "parse_rules"]
