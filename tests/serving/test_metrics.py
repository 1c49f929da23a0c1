"""The Prometheus metrics of the request path, counted in-process (``VXMLKIT_METRICS_PATH``)."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from vxmlkit import Flow, hangup, say, sms, step, template
from vxmlkit.app import create_app
from vxmlkit.extension import get_kit
from vxmlkit.sms import MemoryGateway
from vxmlkit.store import open_store
from vxmlkit.tokens import StepToken

from .conftest import SECRET
from .test_store_outage import WriteLock

START = {"phone_number": "+16175551234", "message_reference": "ref-1", "call_id": "c-1", "call_parameters": "n=1"}


class Metered(Flow):
    name = "metered"

    @step(start=True)
    def welcome(self, call):
        return sms(to=call.phone_number, text="Hello.", then=self.sent)

    @step
    def sent(self, call, sms_status):
        return sms(to="not a number", text="Hello.", then=self.bye)

    @step
    def bye(self, call):
        return [say("Bye."), hangup()]

    @step
    def broken_document(self, call):
        return template("vxml/broken.vxml")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def app(tmp_path, database_url):
    folder = tmp_path / "templates" / "vxml"
    folder.mkdir(parents=True)
    # Well-formed, but <form> cannot hold <audio> directly: the schema check refuses it.
    (folder / "broken.vxml").write_text(
        '<?xml version="1.0"?><vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">'
        "<form><audio>hello</audio></form></vxml>")
    app = create_app({"VXMLKIT_DATABASE_URL": database_url, "VXMLKIT_SECRET_KEY": SECRET,
                      "VXMLKIT_METRICS_PATH": "/metrics", "VXMLKIT_STRICT_DOCUMENTS": False,
                      "VXMLKIT_TEMPLATE_FOLDERS": str(tmp_path / "templates"),
                      "VXMLKIT_ALLOW_UNQUEUED_CALLS": "*"}, flows=[Metered])
    get_kit(app).sms_gateway = MemoryGateway()
    return app


def start_path(kit, flow: str = "metered") -> str:
    return f"/vxml/{flow}/start?t={kit.start_signer.sign(StepToken(flow, '-', 'start'))}"


def sms_order(response) -> tuple[str, dict[str, str]]:
    from lxml import etree

    ns = {"v": "http://www.w3.org/2001/vxml"}
    root = etree.fromstring(response.data)
    sealed = root.find(".//v:var[@name='vxmlkit_sms']", ns).get("expr").strip("'")
    return root.find(".//v:submit", ns).get("next"), {"vxmlkit_sms": sealed}


def test_calls_steps_sms_and_results_are_counted(app):
    kit = get_kit(app)
    client = app.test_client()
    before = {
        "started": value("vxmlkit_calls_started_total", flow="metered"),
        "forbidden": value("vxmlkit_calls_refused_total", flow="metered", reason="forbidden"),
        "steps": value("vxmlkit_steps_served_total", flow="metered", step="welcome"),
        "sent": value("vxmlkit_sms_total", gateway="memory", outcome="sent"),
        "failed": value("vxmlkit_sms_total", gateway="memory", outcome="failed"),
        "voice": value("vxmlkit_results_total", flow="metered", result="completed", callee_type="voice"),
        "other": value("vxmlkit_results_total", flow="metered", result="other", callee_type="other"),
        "latency": value("vxmlkit_request_seconds_count", route="start"),
    }
    first = client.post(start_path(kit), data=START)
    assert first.status_code == 200
    url, order = sms_order(first)
    second = client.post(url, data=order)  # sent; the next document orders one to a bad number
    assert second.status_code == 200
    url, order = sms_order(second)
    assert client.post(url, data=order).status_code == 200  # failed
    assert client.post("/vxml/metered/start?t=forged", data=START).status_code == 403
    result = f"/vxml/metered/result?t={kit.result_signer.sign(StepToken('metered', '-', 'result'))}"
    assert client.post(result, data={**START, "result": "completed", "callee_type": "voice"}).status_code == 200
    assert client.post(result, data={**START, "call_id": "c-2", "result": "exploded",
                                     "callee_type": "robot"}).status_code == 200

    assert value("vxmlkit_calls_started_total", flow="metered") == before["started"] + 1
    assert value("vxmlkit_calls_refused_total", flow="metered", reason="forbidden") == before["forbidden"] + 1
    assert value("vxmlkit_steps_served_total", flow="metered", step="welcome") == before["steps"] + 1
    assert value("vxmlkit_sms_total", gateway="memory", outcome="sent") == before["sent"] + 1
    assert value("vxmlkit_sms_total", gateway="memory", outcome="failed") == before["failed"] + 1
    assert value("vxmlkit_results_total", flow="metered", result="completed", callee_type="voice") == before["voice"] + 1
    # A sender's made-up values are counted, but never become labels.
    assert value("vxmlkit_results_total", flow="metered", result="other", callee_type="other") == before["other"] + 1
    assert value("vxmlkit_request_seconds_count", route="start") == before["latency"] + 2
    exposed = client.get("/metrics")
    assert exposed.status_code == 200 and exposed.content_type.startswith("text/plain")
    assert 'vxmlkit_calls_started_total{flow="metered"}' in exposed.text
    assert "exploded" not in exposed.text and "robot" not in exposed.text


def test_invalid_documents_and_refusals_while_down_are_counted(app):
    kit = get_kit(app)
    client = app.test_client()
    invalid = value("vxmlkit_documents_invalid_total", flow="metered")
    session = kit.sessions.new(flow="metered", **START)
    kit.sessions.insert(session)
    step = f"/vxml/metered/step/broken_document?t={kit.signer.sign(StepToken('metered', session.id, 'broken_document'))}"
    response = client.post(step)
    assert response.status_code == 200 and b"something went wrong" in response.data
    assert value("vxmlkit_documents_invalid_total", flow="metered") == invalid + 1

    unavailable = value("vxmlkit_calls_refused_total", flow="metered", reason="unavailable")
    kit.use_store(open_store(kit.store.url, timeout=0.1))
    with WriteLock(kit.store.path):
        assert client.post(start_path(kit), data=START).status_code == 200
    assert value("vxmlkit_calls_refused_total", flow="metered", reason="unavailable") == unavailable + 1


def test_metrics_are_off_by_default(make_app):
    app = make_app()
    assert not get_kit(app).metrics.enabled
    assert app.test_client().get("/metrics").status_code == 404
