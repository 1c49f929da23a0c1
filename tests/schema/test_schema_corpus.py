"""A hand-made corpus covering every element of VoiceXML 2.0 and 2.1 (with the SSML and
SRGS parts VoiceXML embeds), judged by vxmlkit's schemas and by the W3C schemas.

Valid documents must pass both; invalid ones must fail both; the documents that only
vxmlkit rejects show each deliberately stricter rule at work.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from lxml import etree

from tests.w3c_oracle import agrees_with_w3c, skip_without_reference, w3c_schema
from vxmlkit.validation import SCHEMA_DIR, STRICTER_THAN_W3C, VXML_NAMESPACE, explain

XS = "http://www.w3.org/2001/XMLSchema"


@dataclass(frozen=True)
class Case:
    """A document body (the children of <vxml>) and the version it declares."""

    name: str
    version: str
    body: str
    rule: str | None = None  # for stricter cases: the rule that must reject it

    def document(self) -> bytes:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<vxml version="{self.version}" xmlns="{VXML_NAMESPACE}">\n{self.body}\n</vxml>\n'
        ).encode()


VALID: list[Case] = [
    Case("minimal", "2.0", "<form><block>Hello</block></form>"),
    Case(
        "document-level",
        "2.0",
        """
        <meta name="author" content="vxmlkit"/>
        <meta http-equiv="Cache-Control" content="no-cache"/>
        <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
        <property name="timeout" value="5s"/>
        <var name="n" expr="1"/>
        <script>var x = 1;</script>
        <script src="lib.js" charset="utf-8" fetchhint="safe" fetchtimeout="5s" maxage="10" maxstale="0"/>
        <link next="#main" dtmf="0"><grammar src="help.grxml"/></link>
        <link event="help" dtmf="*" message="asked"/>
        <catch event="error.badfetch error.semantic" count="1" cond="true"><exit/></catch>
        <error><exit/></error>
        <help><reprompt/></help>
        <noinput count="2"><reprompt/></noinput>
        <nomatch><reprompt/></nomatch>
        <form id="main" scope="document"><block><exit/></block></form>""",
    ),
    Case(
        "field",
        "2.0",
        """
        <form>
          <field name="color" type="boolean" slot="c" modal="false" cond="true" expr="undefined">
            <prompt bargein="true" bargeintype="speech" count="1" timeout="3s" cond="true" xml:lang="en-US">
              Say <emphasis level="strong">yes</emphasis></prompt>
            <option dtmf="1" value="red" accept="approximate">red</option>
            <option dtmf="2">blue</option>
            <link next="#x"><grammar src="x.grxml" type="application/srgs+xml"/></link>
            <property name="confidencelevel" value="0.5"/>
            <help>Say yes or no.</help>
            <catch event="nomatch noinput" count="3"><throw event="error.app" message="too many"/></catch>
            <filled mode="all" namelist="color">
              <assign name="document.x" expr="color"/>
              <log label="info" expr="color">got <value expr="color"/></log>
              <clear namelist="color"/>
            </filled>
          </field>
        </form>""",
    ),
    Case(
        "inline-grammar",
        "2.0",
        """
        <form>
          <field name="answer">
            <grammar mode="voice" version="1.0" root="top" xml:lang="en-US" xml:base="http://example.com/"
                     tag-format="semantics/1.0" scope="dialog" weight="2">
              <lexicon uri="words.pls" type="application/pls+xml"/>
              <meta name="author" content="vxmlkit"/>
              <metadata/>
              <tag>var answer;</tag>
              <rule id="top" scope="public">
                <one-of xml:lang="en-US">
                  <item weight="2.5" repeat="0-1" repeat-prob="0.5" xml:lang="en-US">yes<tag>out="yes";</tag></item>
                  <item><token xml:lang="en-US">no</token><ruleref uri="#other" type="application/srgs+xml"/></item>
                </one-of>
                <example>yes</example>
              </rule>
              <rule id="other"><item repeat="2-"><ruleref special="GARBAGE"/></item></rule>
            </grammar>
            <grammar mode="dtmf" src="builtin:dtmf/digits?length=4" fetchhint="prefetch" fetchtimeout="2s"
                     maxage="5" maxstale="5"/>
          </field>
        </form>""",
    ),
    Case(
        "menu",
        "2.0",
        """
        <menu id="top" scope="document" dtmf="true" accept="exact">
          <property name="inputmodes" value="dtmf"/>
          <prompt>Choose: <enumerate/></prompt>
          <enumerate>For <value expr="_prompt"/> press <value expr="_dtmf"/></enumerate>
          <choice next="#a" dtmf="1" accept="approximate" fetchaudio="wait.wav" fetchhint="prefetch"
                  fetchtimeout="2s" maxage="1" maxstale="1">sales</choice>
          <choice event="help" message="menu help" dtmf="2">help<grammar src="help.grxml"/></choice>
          <choice expr="'#b'">other</choice>
          <noinput><reprompt/></noinput>
        </menu>
        <form id="a"><block/></form>
        <form id="b"><block/></form>""",
    ),
    Case(
        "if-elseif-else",
        "2.0",
        """
        <form><block>
          <if cond="a"><prompt>a</prompt>
          <elseif cond="b"/><prompt>b</prompt>
          <elseif cond="c"/>
          <else/><prompt>d</prompt>
          </if>
        </block></form>""",
    ),
    Case(
        "transitions",
        "2.0",
        """
        <form id="f">
          <var name="v"/>
          <block name="b1" cond="true" expr="undefined"><goto nextitem="f2"/></block>
          <field name="f2"><grammar src="builtin:dtmf/digits"/><filled><goto expritem="'b1'"/></filled></field>
          <block><goto expr="'#f'" fetchaudio="a.wav" fetchhint="safe" fetchtimeout="1s" maxage="0" maxstale="0"/></block>
          <block><goto next="other.vxml#start"/></block>
          <block><submit next="http://example.com/s" method="post" enctype="multipart/form-data"
                         namelist="v f2" fetchaudio="a.wav" fetchtimeout="10s" maxage="1" maxstale="1" fetchhint="safe"/></block>
          <block><submit expr="'http://example.com'"/></block>
          <block><return namelist="v"/></block>
          <block><return event="done" messageexpr="'x'"/></block>
          <block><return/></block>
          <block><disconnect/></block>
          <block><exit expr="0"/></block>
          <block><exit namelist="v"/></block>
          <block><throw eventexpr="'custom.event'" messageexpr="'m'"/></block>
        </form>""",
    ),
    Case(
        "record",
        "2.0",
        """
        <form>
          <record name="msg" beep="true" maxtime="10s" finalsilence="4000ms" dtmfterm="true"
                  type="audio/x-wav" modal="true" cond="true">
            <prompt>Speak after the tone.</prompt>
            <grammar mode="dtmf" src="term.grxml"/>
            <property name="timeout" value="4s"/>
            <noinput>Nothing recorded.</noinput>
            <filled><submit next="save" method="post" enctype="multipart/form-data" namelist="msg"/></filled>
          </record>
        </form>""",
    ),
    Case(
        "transfer",
        "2.0",
        """
        <form>
          <transfer name="t" dest="tel:+16175551234" bridge="true" connecttimeout="20s" maxtime="60s"
                    transferaudio="music.wav" aai="data" cond="true">
            <prompt>Connecting you.</prompt>
            <grammar src="cancel.grxml"/>
            <property name="bargein" value="false"/>
            <catch event="connection.disconnect.transfer"><exit/></catch>
            <filled><if cond="t == 'busy'"><prompt>The line is busy.</prompt></if></filled>
          </transfer>
          <transfer name="t2" destexpr="'tel:+16175551234'" aaiexpr="'x'" bridge="false"/>
        </form>""",
    ),
    Case(
        "subdialog-object-param",
        "2.0",
        """
        <form>
          <subdialog name="s" src="sub.vxml" method="get" namelist="a" fetchaudio="w.wav" fetchtimeout="3s">
            <param name="p1" expr="1"/>
            <param name="p2" value="x" valuetype="data" type="text/plain"/>
            <prompt>Calling.</prompt>
            <filled><log expr="s.result"/></filled>
          </subdialog>
          <subdialog name="s2" srcexpr="'sub.vxml'" enctype="application/x-www-form-urlencoded"/>
          <object name="o" classid="method://credit-card/gather" codebase="http://example.com/"
                  codetype="application/x" data="d.bin" type="application/x" archive="a.zip" fetchtimeout="3s">
            <param name="q" value="1" valuetype="ref"/>
            <filled/>
          </object>
        </form>""",
    ),
    Case(
        "mixed-initiative",
        "2.0",
        """
        <form>
          <grammar src="form.grxml" scope="dialog"/>
          <initial name="init" cond="true" expr="undefined">
            <prompt>Say where from and where to.</prompt>
            <nomatch count="1"><reprompt/></nomatch>
            <property name="timeout" value="3s"/>
            <link next="#start"><grammar src="start.grxml"/></link>
          </initial>
          <field name="from"><grammar src="city.grxml"/></field>
          <filled mode="any" namelist="from"><prompt>OK</prompt></filled>
        </form>""",
    ),
    Case(
        "speech-markup",
        "2.0",
        """
        <form><block>
          <prompt xml:lang="en-US" version="1.0">
            <meta name="voice" content="female"/>
            <metadata/>
            <lexicon uri="names.pls"/>
            <p xml:lang="en-US"><s>One <break time="300ms" strength="weak"/> two.</s><s xml:lang="en-GB">Three.</s></p>
            <voice gender="female" age="30" variant="1" name="anna">Hi
              <prosody pitch="+10%" range="x-high" rate="slow" volume="loud" duration="2s"
                       contour="(0%,+20Hz) (50%,x-high)">there</prosody></voice>
            <prosody rate="1.5" volume="80" pitch="120Hz">fast</prosody>
            <say-as interpret-as="digits" format="x" detail="y">123</say-as>
            <say-as interpret-as="currency"><value expr="amount"/></say-as>
            <phoneme ph="t&#601;&#712;me&#618;to&#650;" alphabet="ipa">tomato</phoneme>
            <sub alias="World Wide Web Consortium">W3C</sub>
            <mark name="here"/>
            <audio src="chime.wav" fetchtimeout="2s" fetchhint="safe" maxage="1" maxstale="1">
              <desc xml:lang="en">a chime</desc>fallback <emphasis>text</emphasis></audio>
            <audio expr="'bye.wav'"/>
            <value expr="x"/>
            <s>A sentence <emphasis level="reduced">inline</emphasis>.</s>
          </prompt>
          <audio src="outside.wav"/>
          <value expr="'bare value'"/>
          <enumerate/>
        </block></form>""",
    ),
    Case(
        "vxml-2.1-additions",
        "2.1",
        """
        <var name="items" expr="[1, 2]"/>
        <data name="d0" src="init.xml"/>
        <form>
          <data name="d" srcexpr="'data.xml'" method="post" enctype="application/x-www-form-urlencoded"
                namelist="items" fetchaudio="w.wav" fetchhint="safe" fetchtimeout="5s" maxage="1" maxstale="1"/>
          <block>
            <data name="d2" src="x.xml"/>
            <foreach item="it" array="items"><log expr="it"/><prompt><value expr="it"/></prompt></foreach>
            <prompt>Items:
              <foreach item="i" array="items"><value expr="i"/><break/>
                <foreach item="j" array="i.sub"><value expr="j"/></foreach></foreach>
              <mark nameexpr="'m1'"/><mark name="m2"/>
            </prompt>
            <script srcexpr="'lib.js'"/>
            <disconnect namelist="items"/>
          </block>
          <field name="f"><grammar srcexpr="'g.grxml'"/></field>
          <transfer name="t" type="consultation" destexpr="'tel:+16175551234'"/>
          <transfer name="t2" type="blind" dest="tel:+16175551234"/>
        </form>""",
    ),
    Case(
        "vxml-2.1-declares-2.0",
        "2.0",
        """
        <form><block><prompt>2.1 schemas accept documents that declare 2.0</prompt></block></form>""",
    ),
]

# Documents both schemas reject: (case, version to check against).
INVALID: list[tuple[Case, str]] = [
    (Case("unknown-element", "2.0", "<form><blink/></form>"), "2.0"),
    (Case("text-in-form", "2.0", "<form>hello</form>"), "2.0"),
    (Case("block-in-block", "2.0", "<form><block><block/></block></form>"), "2.0"),
    (Case("no-dialogs", "2.0", ""), "2.0"),
    (Case("var-without-name", "2.0", '<var expr="1"/><form/>'), "2.0"),
    (
        Case(
            "assign-without-expr",
            "2.0",
            '<form><block><assign name="x"/></block></form>',
        ),
        "2.0",
    ),
    (Case("if-without-cond", "2.0", "<form><block><if/></block></form>"), "2.0"),
    (Case("property-without-value", "2.0", '<property name="timeout"/><form/>'), "2.0"),
    (Case("value-without-expr", "2.0", "<form><block><value/></block></form>"), "2.0"),
    (
        Case(
            "param-without-name",
            "2.0",
            '<form><subdialog src="s.vxml"><param expr="1"/></subdialog></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "say-as-without-interpret-as",
            "2.0",
            "<form><block><prompt><say-as>1</say-as></prompt></block></form>",
        ),
        "2.0",
    ),
    (
        Case(
            "rule-without-id",
            "2.0",
            '<form><field name="f"><grammar><rule>a</rule></grammar></field></form>',
        ),
        "2.0",
    ),
    (Case("meta-without-content", "2.0", '<meta name="author"/><form/>'), "2.0"),
    (
        Case("modal-not-boolean", "2.0", '<form><field name="f" modal="yes"/></form>'),
        "2.0",
    ),
    (
        Case(
            "bargeintype-unknown",
            "2.0",
            '<form><block><prompt bargeintype="energy">x</prompt></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "accept-unknown",
            "2.0",
            '<menu accept="fuzzy"><choice next="#a">a</choice></menu>',
        ),
        "2.0",
    ),
    (
        Case(
            "grammar-mode-unknown",
            "2.0",
            '<form><field name="f"><grammar mode="keypad" src="g"/></field></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "method-put",
            "2.0",
            '<form><block><submit next="x" method="put"/></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "fetchhint-unknown",
            "2.0",
            '<form><block><goto next="x" fetchhint="lazy"/></block></form>',
        ),
        "2.0",
    ),
    (Case("filled-mode-unknown", "2.0", '<form><filled mode="some"/></form>'), "2.0"),
    (
        Case(
            "valuetype-unknown",
            "2.0",
            '<form><subdialog src="s"><param name="p" value="1" valuetype="object"/></subdialog></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "timeout-without-unit",
            "2.0",
            '<form><block><prompt timeout="5">x</prompt></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "maxtime-with-space",
            "2.0",
            '<form><record name="r" maxtime="10 s"/></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "dtmf-letters",
            "2.0",
            '<form><field name="f"><option dtmf="A">a</option></field></form>',
        ),
        "2.0",
    ),
    (Case("negative-count", "2.0", '<form><noinput count="-1"/></form>'), "2.0"),
    (
        Case(
            "two-elses",
            "2.0",
            '<form><block><if cond="a"><else/><else/></if></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "elseif-after-else",
            "2.0",
            '<form><block><if cond="a"><else/><elseif cond="b"/></if></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "duplicate-form-ids",
            "2.0",
            '<form id="a"><block/></form><form id="a"><block/></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "rule-id-with-hyphen",
            "2.0",
            '<form><field name="f"><grammar root="a-b"><rule id="a-b">a</rule></grammar></field></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "empty-one-of",
            "2.0",
            '<form><field name="f"><grammar><rule id="r"><one-of/></rule></grammar></field></form>',
        ),
        "2.0",
    ),
    (Case("unknown-attribute", "2.0", '<form><block foo="1"/></form>'), "2.0"),
    (
        Case(
            "executable-in-prompt",
            "2.0",
            '<form><block><prompt><goto next="#a"/></prompt></block></form>',
        ),
        "2.0",
    ),
    (Case("text-in-link", "2.0", '<link next="#a">help</link><form id="a"/>'), "2.0"),
    (
        Case(
            "element-in-sub",
            "2.0",
            '<form><block><prompt><sub alias="x"><break/></sub></prompt></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "bad-language-tag",
            "2.0",
            '<form><block><prompt xml:lang="en_US">x</prompt></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "volume-too-loud",
            "2.0",
            '<form><block><prompt><prosody volume="200">x</prosody></prompt></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "grammar-in-menu",
            "2.0",
            '<menu><grammar src="g"/><choice next="#a">a</choice></menu>',
        ),
        "2.0",
    ),
    (
        Case("data-in-2.0", "2.0", '<form><block><data src="x.xml"/></block></form>'),
        "2.0",
    ),
    (
        Case(
            "foreach-in-2.0",
            "2.0",
            '<form><block><foreach item="i" array="a"/></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "mark-nameexpr-in-2.0",
            "2.0",
            "<form><block><prompt><mark nameexpr=\"'m'\"/></prompt></block></form>",
        ),
        "2.0",
    ),
    (
        Case(
            "script-srcexpr-in-2.0",
            "2.0",
            "<form><block><script srcexpr=\"'a.js'\"/></block></form>",
        ),
        "2.0",
    ),
    (
        Case(
            "grammar-srcexpr-in-2.0",
            "2.0",
            '<form><field name="f"><grammar srcexpr="\'g\'"/></field></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "disconnect-namelist-in-2.0",
            "2.0",
            '<form><block><disconnect namelist="a"/></block></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "transfer-type-in-2.0",
            "2.0",
            '<form><transfer name="t" dest="tel:1" type="blind"/></form>',
        ),
        "2.0",
    ),
    (
        Case(
            "transfer-type-unknown",
            "2.1",
            '<form><transfer name="t" dest="tel:1" type="warm"/></form>',
        ),
        "2.1",
    ),
    (
        Case(
            "foreach-without-array",
            "2.1",
            '<form><block><foreach item="i"/></block></form>',
        ),
        "2.1",
    ),
    (Case("dotted-name-in-2.1", "2.1", '<var name="a.b"/><form/>'), "2.1"),
    (Case("digit-first-name-in-2.1", "2.1", '<form><field name="1x"/></form>'), "2.1"),
    (
        Case(
            "prompt-ssml-version-2.0",
            "2.1",
            '<form><block><prompt version="2.0">x</prompt></block></form>',
        ),
        "2.1",
    ),
    (
        Case(
            "foreach-in-paragraph",
            "2.1",
            '<form><block><prompt><p><foreach item="i" array="a"/></p></prompt></block></form>',
        ),
        "2.1",
    ),
    (
        Case(
            "data-in-field",
            "2.1",
            '<form><field name="f"><data src="x"/></field></form>',
        ),
        "2.1",
    ),
]

# Documents the W3C schema accepts and vxmlkit rejects, one per stricter rule.
STRICTER: list[tuple[Case, str]] = [
    (Case("declares-2.1-checked-as-2.0", "2.1", "<form/>", "version"), "2.0"),
    (Case("unknown-version", "3.0", "<form/>", "version"), "2.1"),
    (
        Case(
            "goto-without-target",
            "2.0",
            "<form><block><goto/></block></form>",
            "goto-target",
        ),
        "2.0",
    ),
    (
        Case(
            "goto-two-targets",
            "2.0",
            '<form><block><goto next="#a" nextitem="b"/></block></form>',
            "goto-target",
        ),
        "2.0",
    ),
    (
        Case(
            "submit-without-target",
            "2.0",
            "<form><block><submit/></block></form>",
            "submit-target",
        ),
        "2.0",
    ),
    (
        Case(
            "link-without-target",
            "2.0",
            '<link><grammar src="g"/></link><form/>',
            "link-target",
        ),
        "2.0",
    ),
    (
        Case(
            "choice-next-and-event",
            "2.0",
            '<menu><choice next="#a" event="help">a</choice></menu>',
            "choice-target",
        ),
        "2.0",
    ),
    (
        Case(
            "throw-without-event",
            "2.0",
            "<form><block><throw/></block></form>",
            "throw-event",
        ),
        "2.0",
    ),
    (
        Case(
            "throw-two-messages",
            "2.0",
            '<form><block><throw event="e" message="m" messageexpr="\'m\'"/></block></form>',
            "throw-message",
        ),
        "2.0",
    ),
    (
        Case(
            "link-two-messages",
            "2.0",
            '<link event="e" message="m" messageexpr="\'m\'"/><form/>',
            "link-message",
        ),
        "2.0",
    ),
    (
        Case(
            "choice-two-messages",
            "2.0",
            '<menu><choice event="e" message="m" messageexpr="\'m\'">a</choice></menu>',
            "choice-message",
        ),
        "2.0",
    ),
    (
        Case(
            "return-event-and-namelist",
            "2.0",
            '<form><block><return event="e" namelist="a"/></block></form>',
            "return-result",
        ),
        "2.0",
    ),
    (
        Case(
            "return-two-messages",
            "2.0",
            '<form><block><return event="e" message="m" messageexpr="\'m\'"/></block></form>',
            "return-message",
        ),
        "2.0",
    ),
    (
        Case(
            "exit-expr-and-namelist",
            "2.0",
            '<form><block><exit expr="1" namelist="a"/></block></form>',
            "exit-result",
        ),
        "2.0",
    ),
    (
        Case(
            "audio-without-source",
            "2.0",
            "<form><block><audio/></block></form>",
            "audio-source",
        ),
        "2.0",
    ),
    (
        Case(
            "audio-two-sources",
            "2.0",
            '<form><block><prompt><audio src="a.wav" expr="\'b.wav\'"/></prompt></block></form>',
            "audio-source",
        ),
        "2.0",
    ),
    (
        Case(
            "subdialog-without-source",
            "2.0",
            '<form><subdialog name="s"/></form>',
            "subdialog-source",
        ),
        "2.0",
    ),
    (
        Case(
            "script-empty",
            "2.0",
            "<form><block><script/></block></form>",
            "script-source",
        ),
        "2.0",
    ),
    (
        Case(
            "script-src-and-inline",
            "2.0",
            '<script src="a.js">var a;</script><form/>',
            "script-source",
        ),
        "2.0",
    ),
    (
        Case(
            "script-src-and-srcexpr",
            "2.1",
            '<script src="a.js" srcexpr="\'b.js\'"/><form/>',
            "script-source",
        ),
        "2.1",
    ),
    (
        Case(
            "grammar-empty",
            "2.0",
            '<form><field name="f"><grammar/></field></form>',
            "grammar-source",
        ),
        "2.0",
    ),
    (
        Case(
            "grammar-src-and-inline",
            "2.0",
            '<form><field name="f"><grammar src="g"><rule id="r">a</rule></grammar></field></form>',
            "grammar-source",
        ),
        "2.0",
    ),
    (
        Case(
            "grammar-src-and-srcexpr",
            "2.1",
            '<form><field name="f"><grammar src="g" srcexpr="\'h\'"/></field></form>',
            "grammar-source",
        ),
        "2.1",
    ),
    (
        Case(
            "grammar-root-unknown",
            "2.0",
            '<form><field name="f"><grammar root="nope"><rule id="top">a</rule></grammar></field></form>',
            "grammar-root",
        ),
        "2.0",
    ),
    (
        Case(
            "transfer-dest-and-destexpr",
            "2.0",
            '<form><transfer name="t" dest="tel:1" destexpr="\'tel:2\'"/></form>',
            "transfer-destination",
        ),
        "2.0",
    ),
    (
        Case(
            "transfer-aai-and-aaiexpr",
            "2.0",
            '<form><transfer name="t" dest="tel:1" aai="a" aaiexpr="\'b\'"/></form>',
            "transfer-aai",
        ),
        "2.0",
    ),
    (
        Case(
            "transfer-bridge-and-type",
            "2.1",
            '<form><transfer name="t" dest="tel:1" bridge="true" type="bridge"/></form>',
            "transfer-kind",
        ),
        "2.1",
    ),
    (
        Case(
            "param-without-value",
            "2.0",
            '<form><subdialog src="s.vxml"><param name="p"/></subdialog></form>',
            "param-value",
        ),
        "2.0",
    ),
    (
        Case("meta-without-name", "2.0", '<meta content="x"/><form/>', "meta-kind"),
        "2.0",
    ),
    (
        Case(
            "meta-name-and-http-equiv",
            "2.0",
            '<meta name="a" http-equiv="b" content="x"/><form/>',
            "meta-kind",
        ),
        "2.0",
    ),
    (
        Case(
            "mark-without-name",
            "2.0",
            "<form><block><prompt><mark/></prompt></block></form>",
            "mark-name",
        ),
        "2.0",
    ),
    (
        Case(
            "mark-name-and-nameexpr",
            "2.1",
            '<form><block><prompt><mark name="a" nameexpr="\'b\'"/></prompt></block></form>',
            "mark-name",
        ),
        "2.1",
    ),
    (
        Case(
            "data-without-source",
            "2.1",
            '<form><block><data name="d"/></block></form>',
            "data-source",
        ),
        "2.1",
    ),
]


def _ours(
    document: bytes | etree._Element, version: str, profile: str = "standard"
) -> list:
    return explain(document, version=version, profile=profile)


def _case_id(case: Case) -> str:
    return case.name


def _with_versions(cases: list[tuple[Case, str]]) -> list[object]:
    return [pytest.param(case, version, id=case.name) for case, version in cases]


@pytest.mark.parametrize("case", VALID, ids=_case_id)
def test_valid_document_passes_ours(case: Case) -> None:
    versions = ["2.0", "2.1"] if case.version == "2.0" else ["2.1"]
    for version in versions:
        assert _ours(case.document(), version) == [], version
        assert _ours(case.document(), version, "plum") == [], version


@skip_without_reference
@pytest.mark.parametrize("case", VALID, ids=_case_id)
def test_valid_document_passes_w3c(case: Case) -> None:
    versions = ["2.0", "2.1"] if case.version == "2.0" else ["2.1"]
    root = etree.fromstring(case.document())
    for version in versions:
        schema = w3c_schema(version)
        assert schema.validate(root), (version, schema.error_log)


@pytest.mark.parametrize(("case", "version"), _with_versions(INVALID))
def test_invalid_document_fails_ours(case: Case, version: str) -> None:
    problems = _ours(case.document(), version)
    assert problems
    assert all(problem.line is not None for problem in problems), problems
    # These break the schema itself, so at least one problem is not a stricter rule.
    assert any(problem.rule is None for problem in problems), problems


@skip_without_reference
@pytest.mark.parametrize(("case", "version"), _with_versions(INVALID))
def test_invalid_document_fails_w3c(case: Case, version: str) -> None:
    assert not w3c_schema(version).validate(etree.fromstring(case.document()))


@pytest.mark.parametrize(("case", "version"), _with_versions(STRICTER))
def test_stricter_rule_rejects(case: Case, version: str) -> None:
    problems = _ours(case.document(), version)
    assert case.rule in {problem.rule for problem in problems}, problems
    assert all(problem.rule in STRICTER_THAN_W3C for problem in problems), problems


@skip_without_reference
@pytest.mark.parametrize(("case", "version"), _with_versions(STRICTER))
def test_stricter_rule_document_passes_w3c(case: Case, version: str) -> None:
    root = etree.fromstring(case.document())
    schema = w3c_schema(version)
    assert schema.validate(root), schema.error_log


@skip_without_reference
def test_document_root_rule_against_w3c() -> None:
    """The W3C schema accepts a lone dialog element as a document; vxmlkit does not."""
    fragment = f'<form xmlns="{VXML_NAMESPACE}"><block/></form>'.encode()
    assert w3c_schema("2.0").validate(etree.fromstring(fragment))
    assert [problem.rule for problem in _ours(fragment, "2.0")] == ["document-root"]


def test_every_rule_is_shown_by_a_document() -> None:
    shown = {case.rule for case, _ in STRICTER} | {"document-root"}
    plum_only = {name for name in STRICTER_THAN_W3C if name.startswith("plum-")}
    assert set(STRICTER_THAN_W3C) - plum_only <= shown


def _declared_elements() -> set[str]:
    names: set[str] = set()
    for path in SCHEMA_DIR.glob("*.xsd"):
        tree = etree.parse(str(path))
        names.update(tree.xpath("//xs:element/@name", namespaces={"xs": XS}))
    return names


def test_corpus_uses_every_declared_element() -> None:
    used: set[str] = set()
    for case in VALID:
        root = etree.fromstring(case.document())
        used.update(
            etree.QName(element).localname
            for element in root.iter()
            if isinstance(element.tag, str)
            and etree.QName(element).namespace == VXML_NAMESPACE
        )
    declared = _declared_elements()
    assert "vxml" in declared and "foreach" in declared
    assert declared - used == set()


@skip_without_reference
def test_oracle_helper_gives_both_verdicts() -> None:
    """tests.w3c_oracle.agrees_with_w3c, which other test modules use on rendered documents."""
    assert all(agrees_with_w3c(case.document()) == (True, True) for case in VALID)
    assert all(
        agrees_with_w3c(case.document(), version) == (False, False)
        for case, version in INVALID
    )
    assert all(
        agrees_with_w3c(case.document(), version) == (True, False)
        for case, version in STRICTER
    )
