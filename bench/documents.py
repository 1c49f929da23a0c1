"""Benchmark: the cost of one VoiceXML document, from a step's components to checked text.

For every document the example flows answer with (each step of each flow, with sample
inputs), prints the microseconds per document (best and median of many small batches) of:

- ``vxmlkit``: plan the components (signing every step URL the document names), render the
  Jinja templates, parse the text and check it against the project's schema and rules: what a
  request pays for its document;
- ``render+check``: the same without the planning (the plan is made once);
- ``twilio``: Twilio's helper library building a comparable TwiML response from the same plan
  (say, gather, record, dial, redirect, hangup) and writing it out, without any check
  (``pip install 'vxmlkit[bench]'``; the column is skipped when twilio is missing);
- ``floor``: lxml parsing the very same bytes and checking them against the schema (no
  rendering at all): what any served-and-checked document costs at least. For the payment
  reminder's greet menu, the floor also writes the document with one f-string.

    python bench/documents.py [--batches 1000] [--only greet]

Goal: the payment reminder's greet menu in at most 60 us, schema check included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from markupsafe import escape  # noqa: E402

from vxmlkit.blueprints import Recording  # noqa: E402
from vxmlkit.components import Template  # noqa: E402
from vxmlkit.documents import DocumentPlan, as_components, plan_document  # noqa: E402
from vxmlkit.flow import Call, Flow  # noqa: E402
from vxmlkit.templating import Renderer  # noqa: E402
from vxmlkit.tokens import Sealer, StepToken, TokenSigner  # noqa: E402
from vxmlkit.validation import check_document  # noqa: E402

PARAMS: dict[str, dict[str, str]] = {
    "payment-reminder": {"amount": "42.10", "account": "A-1001", "due": "2026-12-01"},
    "password-reset": {"account": "ACME-778899", "service": "Acme Cloud"},
    "order-confirmation": {"order": "O-5521", "total": "129.95", "items": "3", "pay_by": "2026-12-10"},
    "appointment-reminder": {"when": "2026-12-03T09:30:00", "provider": "Dr. Rivera"},
    "survey": {"ticket": "T-4410"},
}
#: A sample answer for each input name a step of the example flows takes.
INPUTS: dict[str, Any] = {
    "card": "4111111111111111", "last4": "8899", "satisfaction": "4", "recommend": "9",
    "comment": Recording("comment.wav", "audio/wav", b"RIFF" + b"\0" * 400), "transfer": "busy",
    "sms_error": "",
}
SECRET = "bench-secret"
SESSION = "Zm9vYmFyYmF6cXV4cXV1eA"


@dataclass
class Case:
    """One document: a step of an example flow with its call and inputs."""

    label: str
    flow: type[Flow]
    step: str
    call: Call
    inputs: dict[str, Any]


def example_cases() -> Iterator[Case]:
    """Every step of every example flow, called with sample parameters and inputs."""
    from apps import FLOWS

    for flow in FLOWS:
        params = flow.Params.parse(PARAMS[flow.name])
        for step, info in sorted(flow.steps.items()):
            call = Call(flow=flow.name, session_id=SESSION, phone_number="+16175551234",
                        message_reference="bench-1", call_id="c1", call_parameters="", params=params)
            yield Case(f"{flow.name}.{step}", flow, step, call, {name: INPUTS[name] for name in info.inputs})


class Documents:
    """Builds the documents of :func:`example_cases` the way a request does."""

    def __init__(self) -> None:
        self.renderer = Renderer()
        self.signer = TokenSigner(SECRET, max_age=7200)
        self.sms_signer = TokenSigner(SECRET, max_age=7200, salt="vxmlkit.sms")
        self.sealer = Sealer(SECRET, purpose="sms")

    def plan(self, case: Case) -> DocumentPlan:
        flow, signer = case.flow, self.signer
        base = f"/vxml/{flow.name}/step/"

        def step_url(step: str) -> str:
            return f"{base}{step}?t={signer.sign(StepToken(flow.name, SESSION, step))}"

        def sms_link(component: Any) -> tuple[str, str]:
            text = component.text
            if isinstance(text, Template):
                text = self.renderer.render_text(text.name, {"call": case.call, **text.context})
            sealed = self.sealer.seal({"session": SESSION, "step": case.step, "attempt": 1, "to": component.to,
                                       "text": text, "then": component.then})
            token = self.sms_signer.sign(StepToken(flow.name, SESSION, case.step))
            return f"/vxml/{flow.name}/sms/{case.step}?t={token}", sealed

        call = case.call
        call.state = {}
        components = as_components(flow().run_step(call, case.step, case.inputs), case.label)
        return plan_document(components, step_url, where=case.label, sms_link=sms_link)

    def render(self, case: Case, plan: DocumentPlan) -> str:
        if plan.template is not None:
            context = {"step_url": lambda name: name, "call": case.call, **plan.template.context}
            return self.renderer.render(plan.template.name, context, version=case.flow.version).text
        return self.renderer.render("vxml/document.vxml", plan.context(), version=case.flow.version).text

    def build(self, case: Case) -> str:
        return self.render(case, self.plan(case))


def greet_fstring(amount: str, due: str, pay: str, again: str, failed: str) -> str:
    """The greet menu written by hand with one f-string (escaping each value), as the floor."""
    retry = "".join(
        f"""
    <{event}{count}>
      <assign name="vxmlkit_tries_menu" expr="vxmlkit_tries_menu + 1"/>
      <if cond="vxmlkit_tries_menu &gt;= 3"><goto next="{escape(failed)}"/>
      <else/><prompt>{escape(words)}</prompt><reprompt/></if>
    </{event}>"""
        for event, count, words in (
            ("noinput", "", "Sorry, I did not hear you."),
            ("nomatch", ' count="1"', "Please press 1 to pay, or 2 to hear the balance again."),
            ("nomatch", ' count="2"', "Press 1 or 2."),
        )
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml" xml:lang="en-US">
  <var name="vxmlkit_tries_menu" expr="0"/>
  <catch event="error.badfetch"><prompt>Sorry, this call cannot continue. Goodbye.</prompt><disconnect/></catch>
  <menu id="menu">
    <prompt>Your balance of <say-as interpret-as="currency">{escape(amount)}</say-as> is due on <say-as interpret-as="date" format="ymd">{escape(due)}</say-as>. Press 1 to pay now, or 2 to hear this again.</prompt>
    <choice dtmf="1" next="{escape(pay)}">pay</choice>
    <choice dtmf="2" next="{escape(again)}">repeat</choice>{retry}
  </menu>
</vxml>
"""


def twiml_for(plan: DocumentPlan) -> Callable[[], str]:
    """A function writing a TwiML response comparable to ``plan``'s document with twilio's builder."""
    from twilio.twiml.voice_response import Gather, VoiceResponse

    def spoken(parts: list[Any]) -> str:
        return " ".join(str(part.get("text", "")) for part in parts)

    def build() -> str:
        response = VoiceResponse()
        for item in plan.items:
            kind = item["template"].rsplit("/", 1)[-1].removesuffix(".vxml")
            if kind == "say":
                response.say(spoken(item["prompt"]))
            elif kind == "ask":
                gather = Gather(input="dtmf", action=item["then_url"], finish_on_key=item.get("termchar") or "#")
                gather.say(spoken(item["prompt"]))
                response.append(gather)
                response.redirect(item["retry"]["failure_url"] or item["then_url"])
            elif kind == "record":
                response.say(spoken(item["prompt"]))
                response.record(action=item["then_url"], max_length=item["maxtime"], play_beep=item["beep"])
            elif kind == "transfer":
                response.say(spoken(item["prompt"]))
                response.dial(item["dest"], action=item["then_url"], timeout=30)
            elif kind == "answering_machine":
                response.say(spoken(item["prompt"]))
                response.redirect(item["voice_url"])
            elif kind in ("goto", "sms"):
                response.redirect(item.get("url") or item["failure_url"])
            elif kind == "hangup":
                response.hangup()
        if plan.menu is not None:
            menu = plan.menu
            gather = Gather(num_digits=1, action=menu["choices"][0]["url"])
            gather.say(spoken(menu["prompt"]))
            response.append(gather)
            response.redirect(menu["retry"]["failure_url"] or menu["choices"][0]["url"])
        return str(response)

    return build


def per_call_us(function: Callable[[], Any], batches: int, size: int = 3) -> tuple[float, float]:
    """Microseconds per call of ``function``: the best and the median of many small batches.

    On a shared machine most long measurements include time the process was not running; the
    best of small batches is what the code costs, the median what it cost here and now.
    """
    function()
    times = []
    for _ in range(batches):
        began = time.perf_counter()
        for _ in range(size):
            function()
        times.append((time.perf_counter() - began) / size * 1e6)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=1000, help="batches of 3 documents per measurement")
    parser.add_argument("--only", default="", help="only the cases whose label contains this")
    args = parser.parse_args()
    try:
        import twilio  # noqa: F401
    except ImportError:
        twilio_ok = False
        print("twilio is not installed (pip install 'vxmlkit[bench]'): the twilio column is skipped")
    else:
        twilio_ok = True

    docs = Documents()
    cases = [case for case in example_cases() if args.only in case.label]

    def spread(function: Callable[[], Any]) -> str:
        best, median = per_call_us(function, args.batches)
        return f"{best:6.1f} {median:6.1f}"

    print(f"us per document: best and median of {args.batches} batches of 3 (wall clock)")
    print(f"{'document':44} {'vxmlkit':>13} {'render+check':>13} {'twilio':>13} {'floor':>13} {'bytes':>6}")
    for case in cases:
        plan = docs.plan(case)
        text = docs.build(case)
        data = text.encode("utf-8")
        full = spread(lambda: docs.build(case))
        render = spread(lambda: docs.render(case, plan))
        twiml = spread(twiml_for(plan)) if twilio_ok and plan.template is None else "-"

        def floor() -> None:
            check_document(data)

        if case.label == "payment-reminder.greet":
            urls = [choice["url"] for choice in plan.menu["choices"]] + [plan.menu["retry"]["failure_url"]]

            def floor() -> None:  # noqa: F811 - the greet menu's floor also writes the text
                check_document(greet_fstring("$42.10", "2026-12-01", *urls).encode())

        print(f"{case.label:44} {full:>13} {render:>13} {twiml:>13} {spread(floor):>13} {len(data):6}")


if __name__ == "__main__":
    main()
