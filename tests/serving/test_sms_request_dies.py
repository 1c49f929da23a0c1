"""The request sending a call's SMS dies at the provider (its gunicorn worker is killed): the
platform's repeated request answers VoiceXML before gunicorn's 30 s worker timeout, sends
nothing again, and the message left in ``sending`` is resolved as ``unknown``."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from html import unescape

from tests.sms.conftest import ProviderServer, start_server
from vxmlkit.sms.records import list_messages, resolve_unknown
from vxmlkit.store import SessionStore, open_store
from vxmlkit.tokens import StepToken, TokenSigner

from .conftest import SECRET
from .test_gunicorn import START, post, start_url


def test_a_repeated_sms_request_after_the_first_died_answers_in_time_and_sends_nothing(gunicorn, database_url):
    provider = ProviderServer()
    provider.answer = lambda seen: provider.reply(200, {"status": "success", "result": {"sms_messages": [
        {"sms_message_id": "p-1", "status": "queued"}]}}, hold=True)  # held until the test ends
    sms_server = start_server(provider)
    server = gunicorn(workers=1, VXMLKIT_SMS_GATEWAY="plum", VXMLKIT_PLUM_SMS_URL=provider.base_url,
                      VXMLKIT_PLUM_LOGIN="acme", VXMLKIT_PLUM_PASSWORD="pw", VXMLKIT_SMS_SENDER="+16175550000")
    try:
        status, _ = post(start_url(server), {**START, "call_id": "c-1"})
        assert status == 200
        session = SessionStore(open_store(database_url)).find(flow="counter", call_id="c-1")
        token = TokenSigner(SECRET, max_age=3600).sign(StepToken("counter", session.id, "texting_quickly",
                                                                  session.internal["document"]))
        status, document = post(f"{server.base_url}/vxml/counter/step/texting_quickly?t={token}", {})
        assert status == 200
        sms_url = server.base_url + unescape(re.search(r'submit next="([^"]+)"', document).group(1))
        order = {"vxmlkit_sms": re.search(r"name=\"vxmlkit_sms\" expr=\"'([^']+)'", document).group(1)}

        first = threading.Thread(target=lambda: _swallow(lambda: post(sms_url, order, timeout=30)))
        first.start()
        deadline = time.monotonic() + 20
        while provider.count() == 0:
            assert time.monotonic() < deadline, server.log.read_text()
            time.sleep(0.02)
        [worker] = server.worker_pids()
        os.kill(worker, signal.SIGKILL)  # dies while the provider holds its request
        first.join(30)
        while not [pid for pid in server.worker_pids() if pid != worker]:
            time.sleep(0.05)

        began = time.monotonic()
        status, again = post(sms_url, order, timeout=40)
        took = time.monotonic() - began
        assert status == 200 and "<vxml" in again and "Message unknown" in again, again
        print(f"repeated SMS request answered in {took:.1f} s")  # under gunicorn's 30 s worker timeout
        assert provider.count() == 1  # never sent again
        [message] = list_messages(open_store(database_url))
        assert message.status == "unknown" and "may or may not have left" in (message.error or "")
        # a third request gets the same answer, still sending nothing
        assert post(sms_url, order) == (200, again) and provider.count() == 1
    finally:
        provider.release.set()
        sms_server.shutdown()
        sms_server.server_close()


def test_purge_resolves_messages_left_sending(database_url):
    from vxmlkit.sms.models import SmsMessage
    from vxmlkit.sms.records import claim_message

    store = open_store(database_url)
    store.ready()
    claim_message(store, SmsMessage(to="+16175551234", text="hi", call_session="s", step="t", attempt=1), gateway="plum")
    assert resolve_unknown(store, older_than=3600) == 0  # a send in progress is left alone
    assert resolve_unknown(store, older_than=-1) == 1
    assert [m.status for m in list_messages(store)] == ["unknown"]


def _swallow(call) -> None:
    try:
        call()
    except Exception:  # noqa: BLE001 - the request dies with its worker
        pass



def test_purge_resolves_a_message_left_sending_for_an_hour(database_url):
    from vxmlkit.sms.models import SmsMessage
    from vxmlkit.sms.records import claim_message
    from vxmlkit.store.retention import purge

    store = open_store(database_url)
    store.ready()
    claim_message(store, SmsMessage(to="+16175551234", text="hi", call_session="s", step="t", attempt=1), gateway="plum")
    store.write("UPDATE sms_messages SET created_at = created_at - 7200")
    purge(store, older_than=30 * 86400)
    assert [m.status for m in list_messages(store)] == ["unknown"]
