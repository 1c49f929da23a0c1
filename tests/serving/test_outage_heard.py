"""What a caller hears when the database goes away, played by the interpreter through the app."""

from __future__ import annotations

from vxmlkit.extension import get_kit
from vxmlkit.store import open_store
from vxmlkit.testing import Simulator

from .test_store_outage import WriteLock


def test_the_next_step_failing_mid_call_ends_with_an_apology(make_app):
    app = make_app()
    kit = get_kit(app)
    kit.use_store(open_store(kit.store.url, timeout=0.2))
    call = Simulator(app).dial("counter", phone_number="+16175551234", call_parameters="")
    call.hears("Press a key")
    with WriteLock(kit.store.path):
        call.press("5")
    # The step URL answered 503: error.badfetch.http.503 in the document that asked for it,
    # whose handler apologises and hangs up (not silence, not the platform's own message).
    call.hears("We are sorry").does_not_hear("You pressed")
    assert call.ended == "disconnect", call
    assert call.state == {}  # the step's change was not stored


def test_a_call_starting_during_an_outage_hears_the_goodbye(make_app):
    app = make_app()
    kit = get_kit(app)
    kit.use_store(open_store(kit.store.url, timeout=0.2))
    with WriteLock(kit.store.path):
        call = Simulator(app).dial("counter", phone_number="+16175551234", call_parameters="")
    call.hears("something went wrong on our side")
    assert call.ended == "disconnect", call
