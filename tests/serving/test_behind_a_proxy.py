"""Behind a TLS-terminating proxy: werkzeug's ProxyFix (or VXMLKIT_PUBLIC_URL) makes the links
vxmlkit writes point where the platform reaches it, over https and under the proxy's path."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree
from werkzeug.middleware.proxy_fix import ProxyFix

from vxmlkit.extension import get_kit
from vxmlkit.sms import MemoryGateway
from vxmlkit.tokens import StepToken
from vxmlkit.urls import flow_urls

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ivr.example.com", "X-Forwarded-Prefix": "/ivr",
             "X-Forwarded-For": "203.0.113.7"}
START = {"phone_number": "+16175551234", "message_reference": "ref-1", "call_id": "c-1", "call_parameters": ""}


def links_in(document: bytes) -> list[str]:
    root = etree.fromstring(document)
    return [value for element in root.iter() for name, value in element.attrib.items()
            if name in ("next", "src", "expr") and "?t=" in value]


def behind_proxy(app):
    # One proxy in front: trust one hop of each header (docs/production.md).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    return app


def start_path(app) -> str:
    kit = get_kit(app)
    return f"/vxml/counter/start?t={kit.start_signer.sign(StepToken('counter', '-', 'start'))}"


def test_documents_link_to_https_urls_under_the_proxy_path(make_app):
    app = behind_proxy(make_app())
    client = app.test_client()
    response = client.post(start_path(app), data=START, headers=FORWARDED)
    assert response.status_code == 200
    # The platform fetched https://ivr.example.com/ivr/vxml/counter/start and resolves the
    # document's links against that URL.
    fetched = "https://ivr.example.com/ivr" + start_path(app)
    [link] = links_in(response.data)
    assert link.startswith("/ivr/vxml/counter/step/counted?t=")
    assert urljoin(fetched, link).startswith("https://ivr.example.com/ivr/vxml/counter/step/counted?t=")
    # Without the proxy's prefix the same link would miss the app.
    assert client.post(link.removeprefix("/ivr"), data={"key": "1"}, headers=FORWARDED).status_code == 200


def test_the_delivery_report_url_comes_from_the_forwarded_headers(make_app):
    app = behind_proxy(make_app())
    client = app.test_client()
    kit = get_kit(app)
    memory = MemoryGateway()
    kit.sms_gateway = memory
    # A call that reaches the SMS step: the delivery report URL given to the gateway is absolute.
    session = kit.sessions.new(flow="counter", **START)
    kit.sessions.insert(session)
    step = f"/vxml/counter/step/texting?t={kit.signer.sign(StepToken('counter', session.id, 'texting'))}"
    response = client.post(step, headers=FORWARDED)
    assert response.status_code == 200
    root = etree.fromstring(response.data)
    ns = {"v": "http://www.w3.org/2001/vxml"}
    order_url = root.find(".//v:submit", ns).get("next")
    field = root.find(".//v:var[@name='vxmlkit_sms']", ns)
    assert order_url.startswith("/ivr/vxml/counter/sms/texting?t=")
    answer = client.post(order_url.removeprefix("/ivr"), data={"vxmlkit_sms": field.get("expr").strip("'")},
                         headers=FORWARDED)
    assert answer.status_code == 200, answer.text
    report_url = memory.sent[0].message.delivery_report_url
    assert report_url.startswith("https://ivr.example.com/ivr/vxml/sms/report/memory?t=")


def test_flow_urls_inside_a_proxied_request_are_https(make_app):
    app = behind_proxy(make_app())
    seen: dict[str, str] = {}

    @app.get("/urls")
    def urls_view():
        seen["start"] = flow_urls(app, "counter").start_url
        return "ok"

    assert app.test_client().get("/urls", headers=FORWARDED).status_code == 200
    assert seen["start"].startswith("https://ivr.example.com/ivr/vxml/counter/start?t=")


def test_public_url_wins_over_the_request(make_app):
    app = behind_proxy(make_app(VXMLKIT_PUBLIC_URL="https://calls.example.org/ivr/"))
    with app.test_request_context("/", base_url="http://10.0.0.5:8000"):
        urls = flow_urls(app, "counter")
    assert urls.start_url.startswith("https://calls.example.org/ivr/vxml/counter/start?t=")
    assert urls.result_url.startswith("https://calls.example.org/ivr/vxml/counter/result?t=")
