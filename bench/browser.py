"""Benchmark: a ten-document call against an in-process WSGI app, and a large grammar.

Ten VoiceXML documents with scripts, variables, builtin and SRGS grammars, linked by gotos and
submits, served by a plain WSGI function (no framework). Each call dials the first document,
answers four questions and ends with an exit. Prints the median time per call, the CPU time per
call (steadier than wall time on a shared machine) and the calls per second over the run.

Then a 1,000-alternative inline SRGS grammar: the time to compile it, and the cost of a call
whose document carries it under a fresh URL every time (as signed step URLs are), which the
grammar cache keyed by content answers.

    taskset -c 1 python bench/browser.py [--calls 1000] [--grammars 50]

Goals: the 10-document call <= 2 ms median, compiling the 1,000-item grammar <= 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
import urllib.parse
from typing import Any

from lxml import etree

from vxmlkit.browser import Browser, Input, WsgiFetcher
from vxmlkit.browser.grammars import srgs_grammar

HEAD = '<?xml version="1.0"?>\n<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">\n'
TAIL = "</vxml>\n"

PAGES: dict[str, str] = {
    "/1": """<script>function greet(name) { return 'Hello ' + name; }</script>
             <var name="caller" expr="session.telephone.ani"/>
             <form><block><prompt><value expr="greet('caller')"/>.</prompt><goto next="/2"/></block></form>""",
    "/2": """<form><field name="account" type="digits?length=6">
               <prompt>Enter your account number.</prompt>
               <nomatch>Six digits please.<reprompt/></nomatch>
               <filled><submit next="/3" namelist="account" method="post"/></filled>
             </field></form>""",
    "/3": """<var name="balance" expr="42.1"/>
             <form><block><prompt>Your balance is <value expr="balance.toFixed(2)"/> dollars.</prompt>
               <goto next="/4"/></block></form>""",
    "/4": """<form><field name="pay" type="boolean"><prompt>Pay now?</prompt>
               <filled><if cond="pay"><goto next="/5"/><else/><goto next="/9"/></if></filled>
             </field></form>""",
    "/5": """<form><field name="amount">
               <grammar mode="dtmf" root="amount" version="1.0" xmlns="http://www.w3.org/2001/06/grammar">
                 <rule id="amount"><item repeat="1-4"><one-of><item>0</item><item>1</item><item>2</item><item>3</item>
                   <item>4</item><item>5</item><item>6</item><item>7</item><item>8</item><item>9</item></one-of></item></rule>
               </grammar>
               <prompt>How many dollars?</prompt>
               <filled><submit next="/6" namelist="amount" method="post"/></filled>
             </field></form>""",
    "/6": """<script>var receipt = 'R' + (1000 + 7);</script>
             <form><block><prompt>Receipt <value expr="receipt"/>.</prompt><goto next="/7"/></block></form>""",
    "/7": """<form><var name="items" expr="['one', 'two', 'three']"/>
               <block><foreach array="items" item="i"><log><value expr="i"/></log></foreach><goto next="/8"/></block></form>""",
    "/8": """<menu dtmf="true"><prompt>Main menu: <enumerate/></prompt>
               <choice next="/9">goodbye</choice><choice next="/1">start over</choice></menu>""",
    "/9": """<form><block><prompt>Thank you.</prompt><goto next="/10"/></block></form>""",
    "/10": """<form><block><exit namelist="session.telephone.ani"/></block></form>""",
}

BODIES = {path: (HEAD + body + TAIL).encode() for path, body in PAGES.items()}


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A plain WSGI app serving the ten documents (reads the POSTed form as a real app would)."""
    if environ["REQUEST_METHOD"] == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        urllib.parse.parse_qs(environ["wsgi.input"].read(length).decode())
    body = BODIES.get(environ["PATH_INFO"])
    if body is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/voicexml+xml"), ("Content-Length", str(len(body)))])
    return [body]


INPUTS = [Input.dtmf("123456#"), Input.speech("yes"), Input.dtmf("25#"), Input.dtmf("1")]


def one_call(browser: Browser) -> None:
    """Run one call and check it went through all ten documents."""
    session = browser.run("http://localhost/1", INPUTS, ani="6175551234")
    if session.ended != "exit" or len(session.documents) != 10:
        raise SystemExit(f"unexpected call: {session.transcript_text()}")


ITEMS = 1000
BIG_GRAMMAR = (
    '<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="city" tag-format="semantics/1.0">'
    '<rule id="city"><one-of>'
    + "".join(f"<item>city{n} central <tag>out = {n};</tag></item>" for n in range(ITEMS))
    + "</one-of></rule></grammar>"
)
BIG_DOCUMENT = (
    HEAD + '<form><field name="city">' + BIG_GRAMMAR.replace("<grammar ", '<grammar mode="voice" ', 1)
    + '<filled><exit namelist="city"/></filled></field></form>' + TAIL
).encode()


def big_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Serves the big-grammar document at any path (every call gets a fresh URL)."""
    start_response("200 OK", [("Content-Type", "application/voicexml+xml")])
    return [BIG_DOCUMENT]


def _report(label: str, timings: list[float], cpu: float, count: int) -> None:
    ordered = sorted(timings)
    print(f"{label}: median {statistics.median(timings) * 1000:.2f} ms, p95 {ordered[int(len(ordered) * 0.95)] * 1000:.2f} ms,"
          f" CPU {cpu / count * 1000:.2f} ms each")


def _machine_speed() -> float:
    """CPU ms for a million-step Python loop: a yardstick for comparing figures across machines."""
    started = time.process_time()
    total = 0
    for step in range(1_000_000):
        total += step
    return (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--grammars", type=int, default=50)
    args = parser.parse_args()
    print(f"machine: a million-step Python loop takes {_machine_speed():.0f} ms of CPU")
    browser = Browser(WsgiFetcher(app))
    for _ in range(20):  # warm up: documents and grammars compiled once per browser
        one_call(browser)
    timings = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.calls):
        before = time.perf_counter()
        one_call(browser)
        timings.append(time.perf_counter() - before)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"{args.calls} calls of 10 documents in {total:.2f} s, {args.calls / total:.0f} calls per second")
    _report("10-document call", timings, cpu, args.calls)

    element = etree.fromstring(BIG_GRAMMAR)
    srgs_grammar(element)  # warm up: imports, tag numbering
    timings = []
    cpu_started = time.process_time()
    for _ in range(args.grammars):
        before = time.perf_counter()
        grammar = srgs_grammar(element)
        timings.append(time.perf_counter() - before)
    cpu = time.process_time() - cpu_started
    if grammar.match("city999 central") is None:
        raise SystemExit("the big grammar does not match")
    _report(f"compiling a {ITEMS}-alternative grammar", timings, cpu, args.grammars)

    browser = Browser(WsgiFetcher(big_app))
    timings = []
    cpu_started = time.process_time()
    for number in range(args.grammars):
        before = time.perf_counter()
        session = browser.run(f"http://localhost/big?t={number}", [Input.speech("city999 central")])
        timings.append(time.perf_counter() - before)
        if session.exit != {"expr": None, "namelist": {"city": 999}}:
            raise SystemExit(f"unexpected call: {session.transcript_text()}")
    cpu = time.process_time() - cpu_started
    _report(f"a call whose fresh document holds the {ITEMS}-alternative grammar", timings, cpu, args.grammars)


if __name__ == "__main__":
    main()
