"""A QuickJS context serves one call at a time and is reset, not rebuilt, for the next call of
the same thread, unless the call changed the global object or the builtins."""

from __future__ import annotations

import threading

from vxmlkit.browser import Browser, Input

COUNTER = """<script>{script}</script><form><block>
  <exit expr="typeof leaked + ':' + typeof [].extra + ':' + typeof document.mine"/></block></form>"""


def _context(session) -> object:
    return session.js.context


def test_the_next_call_reuses_the_context_reset(vxml_call):
    browser = Browser()
    first = vxml_call(COUNTER.format(script="var mine = 1;"), browser=browser)
    second = vxml_call(COUNTER.format(script=""), browser=browser)
    assert (first.exit["expr"], second.exit["expr"]) == ("undefined:undefined:number", "undefined:undefined:undefined")
    assert _context(first) is _context(second)


def test_a_call_that_leaks_a_global_does_not_pass_it_on(vxml_call):
    browser = Browser()
    first = vxml_call(COUNTER.format(script="leaked = 1;"), browser=browser)
    second = vxml_call(COUNTER.format(script=""), browser=browser)
    assert (first.exit["expr"], second.exit["expr"]) == ("number:undefined:undefined", "undefined:undefined:undefined")
    assert _context(first) is not _context(second)


def test_a_call_that_extends_a_builtin_does_not_pass_it_on(vxml_call):
    browser = Browser()
    first = vxml_call(COUNTER.format(script="Array.prototype.extra = function () {};"), browser=browser)
    second = vxml_call(COUNTER.format(script=""), browser=browser)
    assert (first.exit["expr"], second.exit["expr"]) == ("undefined:function:undefined", "undefined:undefined:undefined")


def test_grammar_tags_and_helpers_loaded_once_stay_usable(vxml_call):
    document = """<form><field name="n">
        <grammar root="r" version="1.0" tag-format="semantics/1.0" xmlns="http://www.w3.org/2001/06/grammar">
          <rule id="r"><tag>var base = 10;</tag><one-of><item>one<tag>out = base + 1;</tag></item>
            <item>two<tag>out = base + 2;</tag></item></one-of></rule></grammar>
        <filled><var name="items" expr="[n, n]"/><foreach array="items" item="i"><log><value expr="i"/></log></foreach>
          <exit namelist="n"/></filled></field></form>"""
    browser = Browser()
    answers = [vxml_call(document, [Input.speech(word)], browser=browser).exit["namelist"] for word in ("one", "two", "one")]
    assert answers == [{"n": 11}, {"n": 12}, {"n": 11}]


def test_contexts_are_never_shared_between_threads(vxml_call, tmp_path):
    browser = Browser()
    here = vxml_call(COUNTER.format(script=""), browser=browser)
    there: list[object] = []
    thread = threading.Thread(target=lambda: there.append(vxml_call(COUNTER.format(script=""), browser=browser)))
    thread.start()
    thread.join()
    again = vxml_call(COUNTER.format(script=""), browser=browser)
    assert _context(there[0]) is not _context(here)
    assert _context(again) is _context(here)


def test_a_call_still_waiting_keeps_its_context(vxml_call):
    browser = Browser()
    waiting = vxml_call('<form><field name="f" type="boolean"/></form>', browser=browser)
    other = vxml_call(COUNTER.format(script=""), browser=browser)
    assert waiting.waiting is not None
    assert _context(other) is not _context(waiting)


def test_a_finished_call_evaluates_nothing_more(vxml_call):
    import pytest

    from vxmlkit.browser import VxmlEvent

    browser = Browser()
    finished = vxml_call(COUNTER.format(script="var mine = 1;"), browser=browser)
    vxml_call(COUNTER.format(script=""), browser=browser)
    with pytest.raises(VxmlEvent, match="the call is over"):
        finished.js.eval("1 + 1")


def test_a_call_that_replaces_a_builtin_method_does_not_pass_it_on(vxml_call):
    """Replacing a builtin in place (same property names) still leaves the context unusable."""
    probe = """<script>{script}</script><form><block><exit expr="String(Math.random())"/></block></form>"""
    browser = Browser()
    first = vxml_call(probe.format(script="Math.random = function () { return 7; };"), browser=browser)
    second = vxml_call(probe.format(script=""), browser=browser)
    assert first.exit["expr"] == "7"
    assert second.exit["expr"] != "7"
    assert _context(first) is not _context(second)
