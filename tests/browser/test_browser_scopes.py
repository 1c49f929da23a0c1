"""Variables and scopes: session, application, document, dialog, anonymous; scripts; 2.1 data."""

from __future__ import annotations

from vxmlkit.browser import Input


def test_scope_names_resolve_from_any_depth(vxml_call):
    session = vxml_call(
        """<var name="x" expr="'doc'"/>
           <form><var name="x" expr="'dialog'"/>
             <block><var name="x" expr="'anon'"/>
               <exit expr="x + ',' + dialog.x + ',' + document.x"/></block></form>"""
    )
    assert session.exit["expr"] == "anon,dialog,doc"


def test_assign_changes_the_outer_variable_not_a_shadow(vxml_call):
    session = vxml_call(
        """<var name="n" expr="1"/>
           <form><block><assign name="n" expr="n + 1"/><script>n = n * 10;</script></block>
                 <block><exit expr="document.n"/></block></form>"""
    )
    assert session.exit["expr"] == 20


def test_assign_to_undeclared_is_semantic_error(vxml_call):
    session = vxml_call('<form><block><assign name="nope" expr="1"/></block></form>')
    assert session.error == "error.semantic"
    assert "nope" in session.error_message


def test_dialog_variables_do_not_survive_the_dialog(vxml_call):
    session = vxml_call(
        """<catch event="error.semantic"><exit expr="'gone'"/></catch>
           <form><var name="local" expr="1"/><block><goto next="#two"/></block></form>
           <form id="two"><block><exit expr="local"/></block></form>"""
    )
    assert session.exit["expr"] == "gone"


def test_document_variables_survive_dialog_changes(vxml_call):
    session = vxml_call(
        """<var name="visits" expr="0"/>
           <form><block><assign name="visits" expr="visits + 1"/><goto next="#two"/></block></form>
           <form id="two"><block><exit expr="visits"/></block></form>"""
    )
    assert session.exit["expr"] == 1


def test_script_vars_and_functions_land_in_the_current_scope(vxml_call):
    session = vxml_call(
        """<script>var total = 5; function bump(k) { total += k; return total; }</script>
           <form><block><script>var local = bump(2);</script>
             <exit expr="document.total + ':' + local + ':' + typeof document.bump"/></block></form>"""
    )
    assert session.exit["expr"] == "7:7:function"


def test_script_src_is_fetched_relative_to_the_document(vxml_call, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.js").write_text("function twice(x) { return 2 * x; }")
    session = vxml_call('<script src="lib/util.js"/><form><block><exit expr="twice(21)"/></block></form>')
    assert session.exit["expr"] == 42


def test_endless_script_becomes_semantic_error(vxml_call):
    from vxmlkit.browser import Browser

    session = vxml_call(
        "<form><block><script>while (true) {}</script></block></form>", browser=Browser(eval_timeout=0.2)
    )
    assert session.error == "error.semantic"
    assert "longer than" in session.error_message


def test_session_variables(vxml_call):
    session = vxml_call(
        """<form><block><exit expr="session.telephone.ani + '/' + session.telephone.dnis + '/'
              + session.connection.callee_type + '/' + session.connection.protocol.name"/></block></form>""",
        ani="6175551234",
        dnis="8005550000",
        callee_type="answeringmachine",
    )
    assert session.exit["expr"] == "6175551234/8005550000/answeringmachine/sip"


def test_event_variables_in_handlers(vxml_call):
    session = vxml_call(
        """<form><catch event="custom"><exit expr="_event + ':' + _message"/></catch>
           <block><throw event="custom" messageexpr="'m' + 1"/></block></form>"""
    )
    assert session.exit["expr"] == "custom:m1"


def test_root_document_variables_persist_across_leaves(vxml_call):
    session = vxml_call(
        {
            "leaf1.vxml": """<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" application="root.vxml">
                               <form><block><assign name="application.count" expr="count + 1"/>
                                 <goto next="leaf2.vxml"/></block></form></vxml>""",
            "root.vxml": """<var name="count" expr="10"/>
                            <catch event="leaf.event"><exit expr="'root caught ' + count"/></catch>""",
            "leaf2.vxml": """<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" application="root.vxml">
                               <form><block><throw event="leaf.event"/></block></form></vxml>""",
        }
    )
    assert session.exit["expr"] == "root caught 11"
    # the root is fetched once: leaf1, root, leaf2
    assert [doc.url.rsplit("/", 1)[1] for doc in session.documents] == ["leaf1.vxml", "root.vxml", "leaf2.vxml"]


def test_new_root_starts_a_new_application(vxml_call):
    session = vxml_call(
        {
            "leaf1.vxml": """<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" application="root1.vxml">
                               <form><block><assign name="shared" expr="'changed'"/><goto next="leaf2.vxml"/></block></form></vxml>""",
            "root1.vxml": '<var name="shared" expr="\'root1\'"/>',
            "root2.vxml": '<var name="shared" expr="\'root2\'"/>',
            "leaf2.vxml": """<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" application="root2.vxml">
                               <form><block><exit expr="shared"/></block></form></vxml>""",
        }
    )
    assert session.exit["expr"] == "root2"


def test_subdialog_params_return_and_isolation(vxml_call):
    session = vxml_call(
        {
            "start.vxml": """<var name="secret" expr="'caller'"/>
               <form>
                 <subdialog name="result" src="sub.vxml#ask">
                   <param name="greeting" expr="'hi ' + secret"/>
                   <filled><exit expr="result.answer + '|' + result.seen + '|' + secret"/></filled>
                 </subdialog>
               </form>""",
            "sub.vxml": """<var name="secret" expr="'callee'"/>
               <form id="ask">
                 <var name="greeting"/>
                 <var name="answer" expr="greeting + ' back'"/>
                 <var name="seen" expr="typeof application.secret"/>
                 <block><return namelist="answer seen"/></block>
               </form>""",
        }
    )
    assert session.exit["expr"] == "hi caller back|string|caller"


def test_subdialog_same_document_gets_fresh_variables(vxml_call):
    session = vxml_call(
        """<var name="counter" expr="0"/>
           <form>
             <block><assign name="counter" expr="5"/></block>
             <subdialog name="r" src="#sub"><filled><exit expr="r.c + ':' + counter"/></filled></subdialog>
           </form>
           <form id="sub"><block><var name="c" expr="counter"/><return namelist="c"/></block></form>"""
    )
    assert session.exit["expr"] == "0:5"


def test_subdialog_return_event_is_thrown_in_caller(vxml_call):
    session = vxml_call(
        """<form>
             <subdialog name="r" src="#sub"><catch event="sub.failed"><exit expr="_event + ':' + _message"/></catch></subdialog>
           </form>
           <form id="sub"><block><return event="sub.failed" message="nope"/></block></form>"""
    )
    assert session.exit["expr"] == "sub.failed:nope"


def test_return_outside_subdialog_is_semantic_error(vxml_call):
    session = vxml_call("<form><block><return/></block></form>")
    assert session.error == "error.semantic"


def test_param_without_var_is_semantic_error(vxml_call):
    session = vxml_call(
        """<form><subdialog name="r" src="#sub"><param name="missing" value="1"/></subdialog></form>
           <form id="sub"><block><return/></block></form>"""
    )
    assert session.error == "error.semantic"
    assert "missing" in session.error_message


def test_data_dom_and_foreach(vxml_call, tmp_path):
    (tmp_path / "accounts.xml").write_text(
        '<?xml version="1.0"?><accounts owner="ann"><account id="a1">savings</account>'
        '<account id="a2">checking</account></accounts>'
    )
    session = vxml_call(
        """<form><block>
             <data name="info" src="accounts.xml"/>
             <var name="root" expr="info.documentElement"/>
             <var name="names" expr="[]"/>
             <script>
               var list = root.getElementsByTagName('account');
               for (var i = 0; i &lt; list.length; i++) names.push(list.item(i).firstChild.data);
             </script>
             <prompt>Owner <value expr="root.getAttribute('owner')"/>.</prompt>
             <foreach array="names" item="name"><prompt>Account <value expr="name"/>.</prompt></foreach>
             <prompt><foreach array="names" item="n"><value expr="n"/> </foreach></prompt>
             <exit expr="root.tagName + ':' + root.childNodes.length + ':' + root.firstChild.getAttribute('id')"/>
           </block></form>"""
    )
    assert session.prompts == ["Owner ann.", "Account savings.", "Account checking.", "savings checking"]
    assert session.exit["expr"] == "accounts:2:a1"


def test_data_bad_xml_is_badfetch(vxml_call, tmp_path):
    (tmp_path / "bad.xml").write_text("<not closed")
    session = vxml_call('<form><block><data name="d" src="bad.xml"/></block></form>')
    assert session.error == "error.badfetch"


def test_mark_nameexpr_and_srcexpr(vxml_call, tmp_path):
    (tmp_path / "g.js").write_text("var loaded = 'yes';")
    session = vxml_call(
        """<form><block><prompt>a <mark nameexpr="'m1'"/> b</prompt>
             <script srcexpr="'g' + '.js'"/><exit expr="loaded"/></block></form>"""
    )
    assert session.prompts == ["a b"]
    assert session.exit["expr"] == "yes"


def test_value_of_object_and_number(vxml_call):
    session = vxml_call("""<form><block><value expr="1/4"/> <value expr="[1,2]"/> <value expr="null"/></block></form>""")
    assert session.prompts == ["0.25 1,2 null"]


def test_field_expr_prefills_the_item(vxml_call):
    session = vxml_call(
        """<form><field name="f" type="digits" expr="'5'"><prompt>never</prompt></field>
           <block><exit expr="f"/></block></form>"""
    )
    assert session.prompts == []
    assert session.exit["expr"] == "5"


def test_semantic_interpretation_object_fills_field_slot(vxml_call):
    session = vxml_call(
        """<form><field name="city" slot="name">
             <grammar mode="voice" root="r" version="1.0" xmlns="http://www.w3.org/2001/06/grammar">
               <rule id="r">boston<tag>out.name = "BOS"; out.state = "MA";</tag></rule></grammar>
             <filled><exit expr="city + ':' + city$.interpretation.state"/></filled>
           </field></form>""",
        [Input.speech("Boston")],
    )
    assert session.exit["expr"] == "BOS:MA"


def test_document_scoped_form_grammar_carries_the_utterance_into_its_form(vxml_call):
    session = vxml_call(
        """<form id="start"><field name="f" type="digits?length=3"><prompt>Three digits.</prompt></field></form>
           <form id="order" scope="document">
             <grammar mode="voice" root="r" version="1.0" xmlns="http://www.w3.org/2001/06/grammar">
               <rule id="r">pizza please<tag>out.food = "pizza";</tag></rule></grammar>
             <field name="food"><prompt>What food?</prompt></field>
             <filled><exit expr="'ordered ' + food"/></filled>
           </form>""",
        ["say:pizza please"],
    )
    assert session.prompts == ["Three digits."]
    assert session.exit["expr"] == "ordered pizza"


def test_data_json_answer_becomes_a_value(vxml_call, tmp_path):
    (tmp_path / "balance.json").write_text('{"amount": 42.1, "items": [1, 2]}')
    session = vxml_call('<form><block><data name="d" src="balance.json"/><exit expr="d.amount + d.items.length"/></block></form>')
    assert session.exit["expr"] == 44.1


def test_submit_with_unsupported_enctype_is_unsupported(vxml_call):
    session = vxml_call('<form><block><submit next="x.vxml" method="post" enctype="application/json"/></block></form>')
    assert session.error == "error.unsupported.submit"
    assert "application/json" in session.error_message
