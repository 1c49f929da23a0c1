"""The POSTs the platform owes apps: a call's result to its result_url, a message's delivery
reports to the message's result_url. Each is posted until the app answers 200: a refusal or
silence is retried after ``callback_retry`` platform seconds, doubling up to an hour, and
abandoned (and logged) after ``callback_give_up`` platform seconds.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from vxmlkit.emulator.state import Callback, Platform, without_queries
from vxmlkit.plum.transport import TransportError, send

__all__ = ["deliver"]

log = logging.getLogger("vxmlkit.emulator")
_MAX_DELAY = 3600.0


def deliver(platform: Platform, callback: Callback) -> bool:
    """Post ``callback`` once; requeue or abandon it when the app does not answer 200.
    Returns True when it was delivered."""
    settings = platform.settings
    try:
        callback.tries += 1
        try:
            answer = send(
                "POST", callback.url, body=urlencode(callback.fields).encode("utf-8"),
                headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "vxmlkit-emulator"},
                timeout=settings.fetch_timeout,
            )
            problem = None if answer.status == 200 else f"HTTP {answer.status}"
        except TransportError as exc:
            problem = without_queries(str(exc))
        if problem is None:
            if callback.on_delivered is not None:
                callback.on_delivered()
            return True
        waited = platform.clock.now() - callback.first_due
        if waited >= settings.callback_give_up:
            log.warning("emulator: gave up posting to %s after %d tries: %s", without_queries(callback.url), callback.tries, problem)
            if callback.on_abandoned is not None:
                callback.on_abandoned(f"abandoned after {callback.tries} tries: {problem}")
            return False
        delay = min(settings.callback_retry * 2 ** (callback.tries - 1), _MAX_DELAY)
        log.info("emulator: POST %s refused (%s); again in %g s", without_queries(callback.url), problem, delay)
        platform.requeue_callback(callback, delay)
        return False
    finally:
        platform.callback_done()
