"""The Form Interpretation Algorithm: one small document per rule."""

from __future__ import annotations

import pytest

from vxmlkit.browser import Input


def test_block_prompts_and_implicit_exit(vxml_call):
    session = vxml_call("<form><block>Hello <value expr=\"'world'\"/>.</block></form>")
    assert session.prompts == ["Hello world."]
    assert session.ended == "exit"
    assert session.exit is None


def test_items_are_visited_in_document_order_and_filled_items_skipped(vxml_call):
    session = vxml_call(
        """<form>
             <var name="order" expr="''"/>
             <block name="a"><assign name="order" expr="order + 'a'"/></block>
             <block name="b" expr="true"><assign name="order" expr="order + 'b'"/></block>
             <block name="c"><assign name="order" expr="order + 'c'"/></block>
             <block><exit namelist="order"/></block>
           </form>"""
    )
    assert session.exit == {"expr": None, "namelist": {"order": "ac"}}


def test_guard_condition_skips_item(vxml_call):
    session = vxml_call(
        """<form>
             <block cond="false">skipped</block>
             <block cond="1 + 1 == 2">visited</block>
           </form>"""
    )
    assert session.prompts == ["visited"]


def test_field_waits_then_filled_runs(vxml_call):
    session = vxml_call(
        """<form>
             <field name="pin" type="digits?length=4">
               <prompt>Enter your pin.</prompt>
               <filled>You entered <value expr="pin"/>.</filled>
             </field>
           </form>"""
    )
    assert session.waiting is not None and session.waiting.kind == "field" and session.waiting.name == "pin"
    assert session.prompts == ["Enter your pin."]
    session.send(Input.dtmf("1234#"))
    assert session.heard_since_input() == ["You entered 1234."]
    assert session.ended == "exit"


def test_dtmf_without_termchar_is_the_whole_string(vxml_call):
    session = vxml_call(
        """<property name="termchar" value=""/>
           <form><field name="n" type="digits"><filled><exit expr="n"/></filled></field></form>""",
        ["dtmf:12"],
    )
    assert session.exit["expr"] == "12"
    # "#" is not a digit: with no termchar the whole string is the utterance and does not match
    session2 = vxml_call(
        """<property name="termchar" value=""/>
           <form><field name="n" type="digits"><nomatch><exit expr="'nomatch'"/></nomatch></field></form>""",
        ["dtmf:12#"],
    )
    assert session2.exit["expr"] == "nomatch"


def test_shadow_variables_and_lastresult(vxml_call):
    session = vxml_call(
        """<form><field name="ok" type="boolean">
             <filled><exit expr="ok + '|' + ok$.utterance + '|' + ok$.inputmode + '|' + application.lastresult$.utterance + '|' + ok$.confidence"/></filled>
           </field></form>""",
        ["say:yes"],
    )
    assert session.exit == {"expr": "true|yes|voice|yes|1", "namelist": {}}


def test_exit_with_expr_and_namelist_is_badfetch(vxml_call):
    session = vxml_call('<form><block><exit expr="1" namelist="x"/></block></form>')
    assert session.error == "error.badfetch"
    assert "exit" in session.error_message


def test_noinput_default_handler_reprompts(vxml_call):
    session = vxml_call('<form><field name="f" type="digits"><prompt>Digits please.</prompt></field></form>')
    session.send(Input.noinput())
    assert session.heard_since_input() == ["Digits please."]
    assert session.waiting is not None


def test_catch_handler_without_reprompt_suppresses_prompts(vxml_call):
    session = vxml_call(
        """<form><field name="f" type="digits">
             <prompt>Digits please.</prompt>
             <nomatch>That was not a number.</nomatch>
             <noinput>Are you there? <reprompt/></noinput>
           </field></form>"""
    )
    session.send(Input.nomatch())
    assert session.heard_since_input() == ["That was not a number."]
    session.send(Input.noinput())
    assert session.heard_since_input() == ["Are you there?", "Digits please."]


def test_catch_selected_by_count(vxml_call):
    session = vxml_call(
        """<form><field name="f" type="digits">
             <noinput count="1">first</noinput>
             <noinput count="3">third</noinput>
             <catch event="noinput" count="2">second</catch>
           </field></form>"""
    )
    heard = []
    for _ in range(4):
        session.send(Input.noinput())
        heard.append(session.heard_since_input())
    assert heard == [["first"], ["second"], ["third"], ["third"]]


def test_catch_by_event_prefix_and_nearest_scope(vxml_call):
    session = vxml_call(
        """<catch event="error">document <exit expr="'document:' + _event"/></catch>
           <form>
             <catch event="user.bad">form<exit expr="'form:' + _event + ':' + _message"/></catch>
             <block><throw event="user.bad.thing" message="oops"/></block>
           </form>"""
    )
    assert session.exit["expr"] == "form:user.bad.thing:oops"
    session2 = vxml_call(
        """<catch event="error">document <exit expr="'document:' + _event"/></catch>
           <form><block><throw event="error.semantic.custom"/></block></form>"""
    )
    assert session2.exit["expr"] == "document:error.semantic.custom"


def test_catch_prefix_matches_whole_tokens_only(vxml_call):
    session = vxml_call(
        """<catch event="user.ba"><exit expr="'wrong'"/></catch>
           <catch event="user"><exit expr="'right'"/></catch>
           <form><block><throw event="user.bad"/></block></form>"""
    )
    assert session.exit["expr"] == "right"


def test_catch_cond_false_is_skipped(vxml_call):
    session = vxml_call(
        """<form>
             <catch event="x" cond="false"><exit expr="'first'"/></catch>
             <catch event="x"><exit expr="'second'"/></catch>
             <block><throw event="x"/></block>
           </form>"""
    )
    assert session.exit["expr"] == "second"


def test_uncaught_error_ends_the_call_with_the_event(vxml_call):
    session = vxml_call("<form><block><value expr=\"nosuchvariable\"/></block></form>")
    assert session.ended == "error"
    assert session.error == "error.semantic"
    assert "nosuchvariable" in session.error_message


def test_uncaught_user_event_ends_the_call(vxml_call):
    session = vxml_call('<form><block><throw event="mine"/></block></form>')
    assert (session.ended, session.error) == ("error", "mine")


def test_goto_nextitem_and_expritem(vxml_call):
    session = vxml_call(
        """<form>
             <block><goto nextitem="third"/></block>
             <block name="second">second</block>
             <block name="third">third<goto expritem="'second'"/></block>
           </form>"""
    )
    assert session.prompts == ["third", "second"]


def test_goto_dialog_and_other_document(vxml_call):
    session = vxml_call(
        {
            "start.vxml": """<form><block>one<goto next="#two"/></block></form>
                             <form id="two"><block>two<goto expr="'other.vxml#three'"/></block></form>""",
            "other.vxml": """<form id="first"><block>wrong</block></form>
                             <form id="three"><block>three</block></form>""",
        }
    )
    assert session.prompts == ["one", "two", "three"]
    assert [doc.url.rsplit("/", 1)[1] for doc in session.documents] == ["start.vxml", "other.vxml"]


def test_goto_missing_document_is_badfetch(vxml_call):
    session = vxml_call(
        """<form><catch event="error.badfetch"><exit expr="_event"/></catch>
             <block><goto next="missing.vxml"/></block></form>"""
    )
    assert session.exit["expr"] == "error.badfetch.http.404"


def test_goto_missing_dialog_is_badfetch(vxml_call):
    session = vxml_call('<form><block><goto next="#nowhere"/></block></form>')
    assert (session.ended, session.error) == ("error", "error.badfetch")


def test_if_elseif_else(vxml_call):
    session = vxml_call(
        """<form><block>
             <var name="n" expr="2"/>
             <if cond="n == 1">one<elseif cond="n == 2"/>two<else/>other</if>
             <if cond="n == 5">five<else/>not five</if>
           </block></form>"""
    )
    assert session.prompts == ["two", "not five"]


def test_filled_mode_any_and_all_with_namelist(vxml_call):
    session = vxml_call(
        """<form>
             <field name="a" type="digits"/>
             <field name="b" type="digits"/>
             <filled mode="any" namelist="a b">any <value expr="a"/></filled>
             <filled mode="all">all <value expr="a + b"/></filled>
           </form>""",
        ["dtmf:1", "dtmf:2"],
    )
    assert session.prompts == ["any 1", "any 1", "all 12"]


def test_clear_resets_item_and_prompt_counter(vxml_call):
    session = vxml_call(
        """<form>
             <var name="rounds" expr="0"/>
             <field name="f" type="digits">
               <prompt count="1">first prompt</prompt>
               <prompt count="2">second prompt</prompt>
               <filled><assign name="rounds" expr="rounds + 1"/>
                 <if cond="rounds &lt; 2"><clear namelist="f"/></if></filled>
             </field>
           </form>""",
        ["dtmf:1", "dtmf:2"],
    )
    assert session.prompts == ["first prompt", "first prompt"]


def test_prompt_tapering_by_count(vxml_call):
    session = vxml_call(
        """<form><field name="f" type="digits">
             <prompt count="1">long prompt</prompt>
             <prompt count="2">shorter</prompt>
             <prompt count="4">shortest</prompt>
             <noinput><reprompt/></noinput>
           </field></form>""",
        ["noinput", "noinput", "noinput", "noinput"],
    )
    assert session.prompts == ["long prompt", "shorter", "shorter", "shortest", "shortest"]
    assert session.ended == "hangup"


def test_prompt_cond(vxml_call):
    session = vxml_call(
        """<form><block><prompt cond="false">hidden</prompt><prompt cond="true">shown</prompt></block></form>"""
    )
    assert session.prompts == ["shown"]


def test_submit_posts_namelist(vxml_call, tmp_path):
    session = vxml_call(
        {
            "start.vxml": """<form><var name="x" expr="'a b'"/><var name="n" expr="3"/>
                               <block><submit next="next.vxml" namelist="x n" method="post"/></block></form>""",
            "next.vxml": "<form><block>next page</block></form>",
        }
    )
    assert session.prompts == ["next page"]
    assert session.documents[-1].method == "POST"


def test_exit_expr_and_namelist(vxml_call):
    session = vxml_call(
        """<var name="a" expr="{k: [1, 2]}"/><form><block><exit expr="'done'" /></block></form>"""
    )
    assert session.exit == {"expr": "done", "namelist": {}}
    session2 = vxml_call("""<var name="a" expr="{k: [1, 2]}"/><form><block><exit namelist="a"/></block></form>""")
    assert session2.exit == {"expr": None, "namelist": {"a": {"k": [1, 2]}}}


def test_disconnect_runs_hangup_handler_and_ends(vxml_call):
    session = vxml_call(
        """<catch event="connection.disconnect.hangup"><log>cleanup</log>bye</catch>
           <form><block>before<disconnect namelist="session.id"/></block></form>"""
    )
    assert session.ended == "disconnect"
    assert session.prompts == ["before"]
    assert session.unheard == ["bye"]
    assert [e.text for e in session.transcript if e.kind == "log"] == ["cleanup"]
    assert list(session.disconnect_namelist) == ["session.id"]


def test_caller_hangup_runs_handler(vxml_call):
    session = vxml_call(
        """<catch event="connection.disconnect.hangup"><log>caller left</log></catch>
           <form><field name="f" type="digits"/></form>"""
    )
    session.hang_up()
    assert session.ended == "hangup"
    assert [e.text for e in session.transcript if e.kind == "log"] == ["caller left"]


def test_run_hangs_up_when_inputs_run_out(vxml_call):
    session = vxml_call('<form><field name="f" type="digits"/></form>', [])
    assert session.ended == "hangup"


def test_max_steps_stops_a_loop(vxml_call):
    from vxmlkit.browser import Browser

    session = vxml_call(
        '<form id="a"><block><goto next="#a"/></block></form>', browser=Browser(max_steps=200)
    )
    assert session.ended == "error"
    assert session.error == "error.vxmlkit.max_steps"
    assert "200" in session.error_message


def test_reprompt_after_nomatch_counts_prompts(vxml_call):
    session = vxml_call(
        """<form><field name="f" type="boolean">
             <prompt>Yes or no?</prompt>
             <nomatch>Sorry.<reprompt/></nomatch>
           </field></form>"""
    )
    session.send(Input.speech("banana"))
    assert session.heard_since_input() == ["Sorry.", "Yes or no?"]


def test_initial_and_mixed_initiative_form_grammar(vxml_call):
    grammar = """<grammar mode="voice" root="r" version="1.0" xmlns="http://www.w3.org/2001/06/grammar">
                   <rule id="r"><one-of>
                     <item>from boston to denver<tag>out.from="boston"; out.to="denver";</tag></item>
                     <item>boston<tag>out.from="boston";</tag></item>
                   </one-of></rule></grammar>"""
    session = vxml_call(
        f"""<form>
              {grammar}
              <initial name="start"><prompt>Where do you fly?</prompt></initial>
              <field name="from"><prompt>From where?</prompt></field>
              <field name="to"><prompt>To where?</prompt></field>
              <filled><exit namelist="from to start"/></filled>
            </form>""",
        ["say:from boston to denver"],
    )
    assert session.exit["namelist"] == {"from": "boston", "to": "denver", "start": True}


def test_modal_field_ignores_form_grammars(vxml_call):
    session = vxml_call(
        """<form>
             <link next="#elsewhere"><grammar src="builtin:dtmf/digits?length=2"/></link>
             <field name="f" type="digits?length=1" modal="true"><filled>field <value expr="f"/></filled></field>
           </form>
           <form id="elsewhere"><block>elsewhere</block></form>""",
        ["dtmf:12"],
    )
    assert "elsewhere" not in session.prompts


def test_link_transition_and_event(vxml_call):
    session = vxml_call(
        """<link next="#help"><grammar src="builtin:dtmf/digits?length=2"/></link>
           <form><field name="f" type="digits?length=1"/></form>
           <form id="help"><block>help desk</block></form>""",
        ["dtmf:99"],
    )
    assert session.prompts[-1] == "help desk"
    session2 = vxml_call(
        """<link event="help" dtmf="0"/>
           <form><field name="f" type="digits?length=2"><help>Here is help.</help></field></form>""",
        ["dtmf:0"],
    )
    assert session2.prompts == ["Here is help."]


def test_field_options_and_enumerate(vxml_call):
    session = vxml_call(
        """<form><field name="drink">
             <prompt>Say <enumerate/></prompt>
             <option dtmf="1" value="tea">tea please</option>
             <option dtmf="2">coffee</option>
             <filled><exit namelist="drink"/></filled>
           </field></form>"""
    )
    assert session.prompts == ["Say For tea please, press 1. For coffee, press 2."]
    session.send(Input.dtmf("2"))
    assert session.exit["namelist"] == {"drink": "coffee"}


def test_transfer_bridge_outcome(vxml_call):
    session = vxml_call(
        """<form><transfer name="xfer" dest="tel:+16175551234" type="bridge">
             <filled><exit namelist="xfer"/></filled></transfer></form>"""
    )
    assert session.waiting.kind == "transfer"
    session.send(Input.transfer("busy"))
    assert session.exit["namelist"] == {"xfer": "busy"}


def test_transfer_blind_ends_the_call(vxml_call):
    session = vxml_call('<form><block>Transferring.</block><transfer dest="tel:+16175551234"/></form>')
    assert session.ended == "transfer"
    assert session.transferred_to == "tel:+16175551234"
    assert session.prompts == ["Transferring."]


def test_record_fills_recording_with_shadow_variables(vxml_call):
    session = vxml_call(
        """<form><record name="msg" maxtime="10s">
             <prompt>Speak after the tone.</prompt>
             <filled><exit expr="msg$.duration + ':' + msg$.termchar + ':' + (msg$.size > 0)"/></filled>
           </record></form>""",
        [Input.recording(3.0, termchar="#")],
    )
    assert session.exit["expr"] == "3000:#:true"


def test_object_is_unsupported(vxml_call):
    session = vxml_call('<form><object name="o" classid="x"/></form>')
    assert (session.ended, session.error) == ("error", "error.unsupported.objectname")


def test_unknown_element_names_element_and_line(vxml_call):
    session = vxml_call('<form>\n<block>\n<fancy/>\n</block></form>')
    assert session.error == "error.unsupported.fancy"
    assert "line" in session.error_message and "fancy" in session.error_message


def test_audio_fallback_is_heard_and_a_uri_is_never_read_out(vxml_call):
    session = vxml_call(
        """<form><block><audio src="hello.wav">Hello there</audio></block>
                 <block><audio src="beep.wav"/></block></form>"""
    )
    assert session.prompts == ["Hello there"]
    assert [(clip.uri.rsplit("/", 1)[-1], clip.answered, clip.fallback) for clip in session.audio] == [
        ("hello.wav", False, "Hello there"),
        ("beep.wav", False, ""),
    ]


def test_ssml_is_flattened(vxml_call):
    session = vxml_call(
        """<form><block><prompt>Your <emphasis>balance</emphasis> is
             <say-as interpret-as="currency">$42.10</say-as><break time="1s"/>
             <prosody rate="slow">thank <sub alias="you">u</sub></prosody>.</prompt></block></form>"""
    )
    assert session.prompts == ["Your balance is $42.10 thank you."]


def test_inline_ssml_adds_no_space_before_punctuation(vxml_call):
    session = vxml_call(
        """<form><block><prompt>Your total is <say-as interpret-as="currency">$12.50</say-as>. Goodbye.</prompt>
           </block></form>"""
    )
    assert session.prompts == ["Your total is $12.50. Goodbye."]


def test_inline_elements_join_the_words_around_them(vxml_call):
    session = vxml_call(
        """<form><block><prompt>un<emphasis>believ</emphasis>able, <prosody rate="slow">slow</prosody>ly,
             <sub alias="Doctor">Dr</sub>. <voice gender="female">Who</voice>? <value expr="'4'"/>2!
             <audio src="missing.wav">fall</audio>back; "<say-as interpret-as="characters">abc</say-as>"</prompt>
           </block></form>"""
    )
    assert session.prompts == ['unbelievable, slowly, Doctor. Who? 42! fallback; "abc"']


def test_break_paragraph_and_sentence_separate_words(vxml_call):
    session = vxml_call(
        """<form><block><prompt>one<break/>two<p>three</p>four<s>five</s>six<paragraph>seven</paragraph>eight<sentence>nine</sentence>ten</prompt>
           </block></form>"""
    )
    assert session.prompts == ["one two three four five six seven eight nine ten"]


def test_played_audio_stands_apart_from_text(vxml_call):
    session = vxml_call("""<form><block><prompt>before<audio src="beep.wav"/>after</prompt></block></form>""")
    assert session.prompts == ["before after"]


def test_log_goes_to_transcript(vxml_call):
    session = vxml_call("""<form><block><log label="t">x is <value expr="1+1"/></log></block></form>""")
    logs = [e for e in session.transcript if e.kind == "log"]
    assert [(e.text, e.data) for e in logs] == [("x is 2", {"label": "t"})]


def test_bargein_input_marks_prompts_cut_off(vxml_call):
    session = vxml_call(
        """<form><field name="f" type="digits">
             <prompt bargein="false">Please listen.</prompt><prompt>Enter digits.</prompt>
           </field></form>"""
    )
    session.send(Input.dtmf("1", barge_in=True))
    heard = [(e.text, e.data.get("cut_off", False)) for e in session.transcript if e.kind == "heard"]
    assert heard == [("Please listen.", False), ("Enter digits.", True)]
    assert session.prompts == ["Please listen.", "Enter digits."]


def test_inputmodes_dtmf_only_ignores_speech(vxml_call):
    session = vxml_call(
        """<property name="inputmodes" value="dtmf"/>
           <form><field name="f" type="boolean"><noinput><exit expr="'noinput'"/></noinput></field></form>""",
        ["say:yes"],
    )
    assert session.exit["expr"] == "noinput"


def test_event_counters_count_every_prefix(vxml_call):
    session = vxml_call(
        """<form>
             <field name="f" type="digits">
               <catch event="error" count="2"><exit expr="'second error: ' + _event"/></catch>
               <catch event="error.one"><assign name="f" expr="undefined"/></catch>
               <filled><if cond="f == '1'"><throw event="error.one"/><else/><throw event="error.two"/></if></filled>
             </field>
           </form>""",
        ["dtmf:1", "dtmf:2"],
    )
    assert session.exit["expr"] == "second error: error.two"


def test_error_in_document_initialisation_goes_to_document_handler(vxml_call):
    session = vxml_call(
        """<catch event="error.semantic"><exit expr="'init failed'"/></catch>
           <var name="broken" expr="undefinedThing.x"/>
           <form><block>never</block></form>"""
    )
    assert session.exit["expr"] == "init failed"
    assert session.prompts == []


def test_bare_content_in_a_field_is_an_implicit_prompt(vxml_call):
    session = vxml_call('<form><field name="f" type="digits">Enter <value expr="\'some\'"/> digits.</field></form>')
    assert session.prompts == ["Enter some digits."]


def test_prompt_timeout_sets_the_wait_timeout(vxml_call):
    session = vxml_call('<form><field name="f" type="digits"><prompt timeout="12s">Quick!</prompt></field></form>')
    assert session.waiting.timeout == 12.0


def test_misplaced_child_of_a_field_is_badfetch_naming_element_and_line(vxml_call):
    session = vxml_call(
        '<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">\n<form>\n<field name="f" type="digits">\n'
        "<log>not here</log>\n</field></form></vxml>"
    )
    assert session.error == "error.badfetch"
    assert "<log> may not appear inside <field>" in session.error_message and "line 4" in session.error_message


def test_event_counters_reset_when_the_form_is_entered_again(vxml_call):
    session = vxml_call(
        """<var name="entries" expr="0"/>
           <form id="f">
             <block><assign name="entries" expr="entries + 1"/></block>
             <field name="x" type="digits">
               <noinput count="1">first<if cond="entries &lt; 2"><goto next="#f"/></if></noinput>
               <noinput count="2">second</noinput>
             </field>
           </form>""",
        ["noinput", "noinput", "noinput"],
    )
    assert session.prompts == ["first", "first", "second"]


def test_clear_without_namelist_clears_every_item(vxml_call):
    session = vxml_call(
        """<var name="rounds" expr="0"/>
           <form>
             <block name="intro">intro</block>
             <field name="f" type="digits"><filled>
               <assign name="rounds" expr="rounds + 1"/>
               <if cond="rounds == 1"><clear/><else/><exit expr="rounds"/></if>
             </filled></field>
           </form>""",
        ["dtmf:1", "dtmf:2"],
    )
    assert session.prompts == ["intro", "intro"]
    assert session.exit["expr"] == 2


def test_exit_in_a_subdialog_ends_the_call(vxml_call):
    session = vxml_call(
        """<form><subdialog name="s" src="#sub"/><block>after</block></form>
           <form id="sub"><block><exit expr="'from sub'"/></block></form>"""
    )
    assert session.exit["expr"] == "from sub"
    assert session.prompts == []


def test_subdialog_waits_for_input_and_shares_the_session(vxml_call):
    session = vxml_call(
        """<form>
             <subdialog name="s" src="#ask"><filled><exit expr="s.pin + ':' + s.ani"/></filled></subdialog>
           </form>
           <form id="ask">
             <field name="pin" type="digits?length=2"><prompt>Pin?</prompt></field>
             <block><var name="ani" expr="session.telephone.ani"/><return namelist="pin ani"/></block>
           </form>""",
        ["dtmf:42"],
        ani="555",
    )
    assert session.prompts == ["Pin?"]
    assert session.exit["expr"] == "42:555"


def test_hangup_inside_a_subdialog_uses_the_subdialog_handlers(vxml_call):
    session = vxml_call(
        {
            "start.vxml": """<catch event="connection.disconnect.hangup"><log>caller handler</log></catch>
                             <form><subdialog name="s" src="sub.vxml"/></form>""",
            "sub.vxml": """<catch event="connection.disconnect.hangup"><log>sub handler</log></catch>
                           <form><field name="f" type="digits"/></form>""",
        }
    )
    session.hang_up()
    assert session.ended == "hangup"
    assert [e.text for e in session.transcript if e.kind == "log"] == ["sub handler"]


def test_consultation_transfer_connected_ends_the_call(vxml_call):
    session = vxml_call(
        """<form><transfer name="t" destexpr="'tel:+1' + '6175550000'" type="consultation"/>
                 <block>after</block></form>"""
    )
    session.send(Input.transfer("far_end_disconnect"))
    assert session.ended == "transfer"
    assert session.transferred_to == "tel:+16175550000"


def test_consultation_transfer_busy_continues(vxml_call):
    session = vxml_call(
        """<form><transfer name="t" dest="tel:+16175550000" type="consultation"/>
                 <block>Line busy: <value expr="t"/>.</block></form>""",
        ["transfer:busy"],
    )
    assert session.prompts == ["Line busy: busy."]
    assert session.transferred_to is None


def test_blind_transfer_handler_prompts_are_not_heard(vxml_call):
    session = vxml_call(
        """<catch event="connection.disconnect.transfer">Goodbye.</catch>
           <form><transfer name="t" dest="tel:+16175550000"/></form>"""
    )
    assert session.ended == "transfer"
    assert session.prompts == []
    assert session.unheard == ["Goodbye."]


def test_record_noinput_and_dtmf_termination(vxml_call):
    session = vxml_call(
        """<form><record name="r"><noinput><exit expr="'silence'"/></noinput></record></form>""", ["noinput"]
    )
    assert session.exit["expr"] == "silence"
    session2 = vxml_call(
        """<form><record name="r"><filled><exit expr="r$.termchar"/></filled></record></form>""", ["dtmf:#"]
    )
    assert session2.exit["expr"] == "#"


def test_goto_nextitem_to_missing_item_is_badfetch(vxml_call):
    session = vxml_call('<form><block><goto nextitem="nothing"/></block></form>')
    assert session.error == "error.badfetch"
    assert "nothing" in session.error_message


def test_incomplete_dtmf_is_nomatch_after_the_interdigit_timeout(vxml_call):
    session = vxml_call(
        """<form><field name="pin" type="digits?length=4">
             <nomatch><exit expr="_message"/></nomatch></field></form>""",
        ["dtmf:12"],
    )
    assert "incomplete" in session.exit["expr"] and "interdigit" in session.exit["expr"]


def test_universal_commands_when_enabled(vxml_call):
    document = """<property name="universals" value="{}"/>
        <form><field name="f" type="digits">
          <help>Say some digits.</help>
          <catch event="cancel"><exit expr="'cancelled'"/></catch>
        </field></form>"""
    session = vxml_call(document.format("all"), ["say:help", "say:cancel"])
    assert session.prompts == ["Say some digits."]
    assert session.exit["expr"] == "cancelled"
    off = vxml_call(document.format("none"), ["say:help"])
    assert off.prompts == [] and off.ended == "hangup"
    assert vxml_call(document.format("operator"), []).error == "error.unsupported.universals"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('<form><block><goto/></block></form>', "<goto> needs exactly one of next, expr, nextitem, expritem"),
        ('<form><block><goto next="#a" expr="\'#a\'"/></block></form>', "<goto> needs exactly one of"),
        ('<form><field name="f"><grammar src="g.grxml">yes</grammar></field></form>', "<grammar> needs exactly one of src, srcexpr, #content"),
        ('<form><field name="f"><grammar> </grammar></field></form>', "<grammar> needs exactly one of"),
        ('<script src="a.js">var a;</script><form/>', "<script> may have only one of src, srcexpr, inline content"),
        ('<form><block><exit expr="1" namelist="x"/></block></form>', "<exit> may have only one of expr, namelist"),
        ('<var expr="1"/><form/>', "<var> needs a name attribute"),
        ('<form><block><if><!-- no cond --></if></block></form>', "<if> needs a cond attribute"),
    ],
)
def test_attribute_rules_the_schema_cannot_express(vxml_call, body, message):
    session = vxml_call(body)
    assert session.error == "error.badfetch"
    assert message in session.error_message


def test_documents_within_the_attribute_rules_run(vxml_call):
    session = vxml_call(
        """<!-- a comment --><?target instruction?>
           <script>var a = 1;</script>
           <form><field name="f"><grammar mode="dtmf" root="r" version="1.0" xmlns="http://www.w3.org/2001/06/grammar">
             <rule id="r"><item>1</item></rule></grammar>
             <filled><if cond="f == 1"><exit expr="a"/></if></filled></field></form>""",
        ["dtmf:1"],
    )
    assert session.exit == {"expr": 1, "namelist": {}}


def test_a_root_in_another_namespace_is_not_voicexml(tmp_path):
    from vxmlkit.browser import Browser, FileFetcher

    wrong = tmp_path / "wrong.vxml"
    wrong.write_text('<vxml version="2.0" xmlns="http://www.w3.org/2001/txml"><form><block><prompt>hi</prompt></block></form></vxml>')
    session = Browser(FileFetcher()).dial(wrong.as_uri())
    assert session.ended == "error" and session.error == "error.badfetch"
    assert session.prompts == []
    plain = tmp_path / "plain.vxml"
    plain.write_text('<vxml version="2.0"><form><block><prompt>hi</prompt></block></form></vxml>')
    assert Browser(FileFetcher()).dial(plain.as_uri()).prompts == ["hi"]
