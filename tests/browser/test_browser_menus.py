"""Menus: choices, enumerate, dtmf numbering, accept, events."""

from __future__ import annotations

from vxmlkit.browser import Input

MENU = """
<menu dtmf="true" id="main">
  <prompt>Choose: <enumerate/></prompt>
  <choice next="#sports">sports</choice>
  <choice next="#weather">weather report</choice>
  <choice dtmf="9" event="operator">operator</choice>
  <noinput>Please choose.<reprompt/></noinput>
</menu>
<form id="sports"><block>Sports news.</block></form>
<form id="weather"><block>Sunny.</block></form>
<catch event="operator"><exit expr="'operator'"/></catch>
"""


def test_menu_enumerates_with_numbering(vxml_call):
    session = vxml_call(MENU)
    assert session.prompts == ["Choose: For sports, press 1. For weather report, press 2. For operator, press 9."]
    assert session.waiting.kind == "menu"


def test_menu_choice_by_dtmf_and_voice(vxml_call):
    assert vxml_call(MENU, ["dtmf:2"]).prompts[-1] == "Sunny."
    assert vxml_call(MENU, ["say:sports"]).prompts[-1] == "Sports news."


def test_menu_choice_event(vxml_call):
    session = vxml_call(MENU, ["dtmf:9"])
    assert session.exit["expr"] == "operator"


def test_menu_nomatch_default_and_noinput_handler(vxml_call):
    session = vxml_call(MENU)
    session.send(Input.dtmf("5"))
    assert session.heard_since_input() == [session.prompts[0]]
    session.send(Input.noinput())
    assert session.heard_since_input()[0] == "Please choose."


def test_menu_accept_approximate(vxml_call):
    menu = """<menu accept="approximate"><choice next="#w">weather report today</choice></menu>
              <form id="w"><block>ok</block></form>"""
    assert vxml_call(menu, ["say:weather"]).prompts[-1] == "ok"
    exact = """<menu><choice next="#w">weather report today</choice><nomatch><exit expr="'nomatch'"/></nomatch></menu>
               <form id="w"><block>ok</block></form>"""
    assert vxml_call(exact, ["say:weather"]).exit["expr"] == "nomatch"


def test_enumerate_with_content(vxml_call):
    session = vxml_call(
        """<menu dtmf="true"><prompt><enumerate>Press <value expr="_dtmf"/> for <value expr="_prompt"/>.</enumerate></prompt>
             <choice next="#a">apples</choice><choice next="#a">pears</choice></menu>
           <form id="a"><block>fruit</block></form>"""
    )
    assert session.prompts == ["Press 1 for apples. Press 2 for pears."]


def test_document_scoped_menu_grammar_is_active_in_other_dialogs(vxml_call):
    session = vxml_call(
        """<form id="start"><field name="f" type="digits?length=3"><prompt>Three digits.</prompt></field></form>
           <menu id="top" scope="document"><choice dtmf="0" next="#operator">operator</choice></menu>
           <form id="operator"><block>operator here</block></form>""",
    )
    assert session.prompts == ["Three digits."]
    session.send(Input.dtmf("0"))
    assert session.prompts[-1] == "operator here"
