"""Each component rendered through a real app: valid VoiceXML with the expected structure."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from lxml import etree

from vxmlkit import (
    Flow,
    Money,
    answering_machine,
    ask,
    audio,
    boolean,
    currency,
    date,
    digits,
    goto,
    hangup,
    menu,
    number,
    pause,
    phone,
    properties,
    record,
    say,
    spell,
    srgs,
    step,
    template,
    time,
    transfer,
)
from vxmlkit.documents import ComponentError

NS = {"v": "http://www.w3.org/2001/vxml"}
_names = itertools.count()


def flow_with(build):
    """A flow whose start step returns ``build(self)``; it also has the steps next and other."""

    class Generated(Flow):
        name = f"generated-{next(_names)}"

        @step(start=True)
        def begin(self, call):
            return build(self)

        @step
        def next(self, call, **inputs):
            return [say("next"), hangup()]

        @step
        def other(self, call, **inputs):
            return hangup()

    return Generated


def render_start(make_app, build, **config):
    flow = flow_with(build)
    app = make_app([flow], **config)
    response = app.test_client().post(
        f"/vxml/{flow.name}/start", data={"phone_number": "+16175551234", "message_reference": "r1"}
    )
    assert response.status_code == 200, response.text
    assert response.content_type == "application/voicexml+xml; charset=utf-8"
    return etree.fromstring(response.data)


def test_say_reads_typed_values_with_say_as(make_app):
    root = render_start(make_app, lambda f: [
        say("Total", Money("42.1"), "for", 3, "items, due", dt.date(2026, 12, 1), "at", dt.time(14, 30), "."),
        say(spell("AB12"), pause(0.5), audio("https://example.com/a.wav", "fallback words")),
        hangup(),
    ])
    say_as = root.findall(".//v:say-as", NS)
    assert [(s.get("interpret-as"), s.text) for s in say_as] == [
        ("currency", "$42.10"), ("number", "3"), ("date", "2026-12-01"), ("time", "14:30"), ("characters", "AB12"),
    ]
    assert root.find(".//v:break", NS).get("time") == "500ms"
    audio_el = root.find(".//v:audio", NS)
    assert audio_el.get("src") == "https://example.com/a.wav" and audio_el.text == "fallback words"
    assert root.get("version") == "2.0"


@pytest.mark.parametrize(
    ("grammar", "type_attr"),
    [
        (digits(min=3, max=5), "digits?minlength=3;maxlength=5"),
        (digits(length=4), "digits?length=4"),
        (number(), "number"),
        (boolean(yes="7", no="9"), "boolean?y=7;n=9"),
        (currency(), "currency"),
        (date(), "date"),
        (phone(), "phone"),
        (time(), "time"),
    ],
)
def test_ask_builtin_grammars(make_app, grammar, type_attr):
    root = render_start(make_app, lambda f: ask("answer", grammar, "Say it.", then=f.next))
    field = root.find(".//v:field", NS)
    assert field.get("name") == "answer" and field.get("type") == type_attr
    submit = field.find("v:filled/v:submit", NS)
    assert submit.get("namelist") == "answer" and "/step/next?t=" in submit.get("next")


def test_ask_retries_compile_into_counted_handlers(make_app):
    root = render_start(make_app, lambda f: ask(
        "pin", digits(length=4), "Enter your PIN.", then=f.next, private=True, termchar="#", timeout=5,
        noinput=["First silence.", "Second silence."], nomatch="Not a PIN.", tries=3, on_failure=f.other,
    ))
    field = root.find(".//v:field", NS)
    assert [(n.get("count"), n.find("v:if/v:prompt", NS).text) for n in field.findall("v:noinput", NS)] == [
        ("1", "First silence."), ("2", "Second silence.")]
    assert [n.get("count") for n in field.findall("v:nomatch", NS)] == ["1"]
    condition = field.find("v:noinput/v:if", NS)
    assert condition.get("cond") == "vxmlkit_tries_pin >= 3"
    assert "/step/other?t=" in condition.find("v:goto", NS).get("next")
    assert field.find("v:noinput/v:if/v:reprompt", NS) is not None
    properties_set = {p.get("name"): p.get("value") for p in field.findall("v:property", NS)}
    assert properties_set == {"logging": "false", "termchar": "#", "timeout": "5s"}
    assert root.find("v:var", NS).get("name") == "vxmlkit_tries_pin"


def test_ask_without_on_failure_says_goodbye_and_hangs_up(make_app):
    root = render_start(make_app, lambda f: ask("x", digits(), "Go.", then=f.next, tries=2))
    handler = root.find(".//v:noinput", NS)
    assert handler.find("v:if/v:disconnect", NS) is not None
    assert handler.get("count") is None


def test_two_asks_submit_together(make_app):
    root = render_start(make_app, lambda f: [
        ask("month", digits(length=2), "Month?"), ask("year", digits(length=4), "Year?", then=f.next)])
    fields = root.findall(".//v:field", NS)
    assert [f.get("name") for f in fields] == ["month", "year"]
    assert fields[0].find("v:filled", NS) is None
    assert fields[1].find("v:filled/v:submit", NS).get("namelist") == "month year"


def test_ask_with_inline_srgs(make_app):
    grammar = srgs(
        '<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="yn">'
        '<rule id="yn"><one-of><item>yes</item><item>no</item></one-of></rule></grammar>'
    )
    root = render_start(make_app, lambda f: ask("answer", grammar, "Yes or no?", then=f.next, modes=["voice"]))
    g = root.find(".//v:field/v:grammar", NS)
    assert g.find("v:rule/v:one-of/v:item", NS).text == "yes"
    assert g is not None and g.get("mode") == "voice"
    assert root.find(".//v:field/v:property[@name='inputmodes']", NS).get("value") == "voice"


def test_ask_with_srgs_url(make_app):
    root = render_start(make_app, lambda f: ask("a", srgs("grammars/yesno.grxml", mode="dtmf"), "?", then=f.next))
    g = root.find(".//v:field/v:grammar", NS)
    assert (g.get("src"), g.get("mode")) == ("grammars/yesno.grxml", "dtmf")


def test_menu_with_keys_and_phrases(make_app):
    root = render_start(make_app, lambda f: [
        say("Welcome."),
        menu("Press 1 or say sales.", choices={("1", "sales"): f.next, "2": f.other, "support": f.other},
             nomatch=["Try again."], tries=2, on_failure=f.other),
    ])
    assert root.find("v:form/v:block/v:goto", NS).get("next") == "#menu"
    choices = root.findall("v:menu/v:choice", NS)
    assert [(c.get("dtmf"), (c.text or "")) for c in choices] == [("1", "sales"), ("2", ""), (None, "support")]
    assert all("/step/" in c.get("next") for c in choices)


def test_menu_alone_has_no_form(make_app):
    root = render_start(make_app, lambda f: menu("Press 1.", choices={"1": f.next}))
    assert root.find("v:form", NS) is None and root.find("v:menu", NS) is not None


def test_record(make_app):
    root = render_start(make_app, lambda f: record("comment", "After the beep.", then=f.next, max_time=30,
                                                   final_silence=2.5, beep=True, dtmf_term=False))
    rec = root.find(".//v:record", NS)
    assert (rec.get("maxtime"), rec.get("finalsilence"), rec.get("beep"), rec.get("dtmfterm")) == (
        "30s", "2500ms", "true", "false")
    submit = rec.find("v:filled/v:submit", NS)
    assert submit.get("enctype") == "multipart/form-data" and submit.get("namelist") == "comment"


def test_bridged_transfer_branches(make_app):
    root = render_start(make_app, lambda f: transfer("+16175550100", "Connecting you.", bridge=True,
                                                     then=f.next, on_busy=f.other, connect_timeout=20))
    xfer = root.find(".//v:transfer", NS)
    assert (xfer.get("dest"), xfer.get("bridge"), xfer.get("connecttimeout")) == ("tel:+16175550100", "true", "20s")
    branches = xfer.find("v:filled/v:if", NS)
    assert branches.get("cond") == "transfer == 'busy'"
    assert "/step/other?" in branches.find("v:submit", NS).get("next")


def test_blind_transfer(make_app):
    root = render_start(make_app, lambda f: transfer("sip:agent@example.com"))
    xfer = root.find(".//v:transfer", NS)
    assert xfer.get("bridge") == "false" and xfer.find("v:filled", NS) is None
    assert xfer.find("v:catch", NS).get("event") == "error.connection"


def test_goto_hangup_properties(make_app):
    root = render_start(make_app, lambda f: [
        properties(timeout=7, interdigittimeout="2s", termchar="#", bargein=False, fetchaudio="hold.wav",
                   fetchtimeout=20),
        say("One moment."), goto(f.next)])
    props = {p.get("name"): p.get("value") for p in root.findall("v:property", NS)}
    assert props == {"timeout": "7s", "interdigittimeout": "2s", "termchar": "#", "bargein": "false",
                     "fetchaudio": "hold.wav", "fetchtimeout": "20s"}
    assert "/step/next?" in root.find(".//v:goto", NS).get("next")
    root = render_start(make_app, lambda f: [say("Bye."), hangup()])
    assert root.find(".//v:disconnect", NS) is not None


def test_answering_machine_branch(make_app):
    root = render_start(make_app, lambda f: answering_machine("Hello there.", voice=f.next, machine=f.other))
    branch = root.find(".//v:if", NS)
    assert "session.connection.callee_type == 'answeringmachine'" in branch.get("cond")
    assert "/step/other?" in branch.find("v:goto", NS).get("next")
    assert "/step/next?" in branch.find("v:else/../v:goto[2]", NS).get("next")


def test_document_without_terminal_hangs_up(make_app):
    root = render_start(make_app, lambda f: say("Just this."))
    assert root.findall("v:form/v:block", NS)[-1].find("v:disconnect", NS) is not None


@pytest.mark.parametrize("hostile", ["</prompt><exit/>", "]]>", "{{ 7*7 }}", "a\x00b\x07c\x1bd", "x" * 10_000,
                                     "&amp; <!-- -->", "\ud800 lone surrogate"])
def test_hostile_text_is_escaped(make_app, hostile):
    root = render_start(make_app, lambda f: [say(hostile), hangup()])
    spoken = root.find(".//v:prompt", NS).text
    assert root.find(".//v:exit", NS) is None
    cleaned = "".join(ch for ch in hostile if ch in "\t\n\r" or (ch >= " " and not "\ud800" <= ch <= "\udfff"))
    assert spoken == cleaned


def test_template_escape_hatch(make_app, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "custom.vxml").write_text(
        '<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">'
        '<form><block><prompt>{{ greeting }}</prompt><goto next="{{ step_url(\'next\') }}"/></block></form></vxml>'
    )
    flow = flow_with(lambda f: template("custom.vxml", greeting="Hi <there>"))
    app = make_app([flow])
    app.template_folder = str(folder)
    from vxmlkit.extension import get_kit
    import jinja2
    get_kit(app).renderer.environment.loader.loaders.insert(0, jinja2.FileSystemLoader(str(folder)))
    response = app.test_client().post(f"/vxml/{flow.name}/start", data={"phone_number": "1"})
    root = etree.fromstring(response.data)
    assert root.find(".//v:prompt", NS).text == "Hi <there>"
    assert "/step/next?t=" in root.find(".//v:goto", NS).get("next")


def test_version_21_detected_from_elements(make_app, tmp_path):
    from vxmlkit.templating import Renderer

    renderer = Renderer(extra_template_folders=[tmp_path])
    (tmp_path / "data.vxml").write_text(
        '<vxml version="{{ version }}" xmlns="http://www.w3.org/2001/vxml"><form><data name="d" src="x.xml"/>'
        '<block><foreach item="i" array="[1]"><prompt><value expr="i"/></prompt></foreach></block></form></vxml>'
    )
    assert renderer.render("data.vxml", {}).version == "2.1"
    (tmp_path / "plain.vxml").write_text(
        '<vxml version="{{ version }}" xmlns="http://www.w3.org/2001/vxml"><form><block/></form></vxml>')
    assert renderer.render("plain.vxml", {}).version == "2.0"
    assert Renderer(extra_template_folders=[tmp_path], version="2.1").render("plain.vxml", {}).version == "2.1"


def test_invalid_template_raises_naming_flow_step_template_and_path(make_app, tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "broken.vxml").write_text(
        '<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml"><form><block><bogus/></block></form></vxml>')
    flow = flow_with(lambda f: template("broken.vxml"))
    app = make_app([flow])
    from vxmlkit.extension import get_kit
    import jinja2
    from vxmlkit.templating import DocumentError
    get_kit(app).renderer.environment.loader.loaders.insert(0, jinja2.FileSystemLoader(str(folder)))
    with pytest.raises(DocumentError) as info:
        app.test_client().post(f"/vxml/{flow.name}/start", data={"phone_number": "1"})
    message = str(info.value)
    assert flow.name in message and "'begin'" in message and "broken.vxml" in message and "bogus" in message


def test_invalid_template_in_production_serves_the_apology(make_app, tmp_path, caplog):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "broken.vxml").write_text(
        '<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml"><form><block><bogus/></block></form></vxml>')
    flow = flow_with(lambda f: template("broken.vxml"))
    app = make_app([flow], VXMLKIT_STRICT_DOCUMENTS=False)
    from vxmlkit.extension import get_kit
    import jinja2
    get_kit(app).renderer.environment.loader.loaders.insert(0, jinja2.FileSystemLoader(str(folder)))
    response = app.test_client().post(f"/vxml/{flow.name}/start", data={"phone_number": "1"})
    assert response.status_code == 200
    assert b"something went wrong" in response.data
    assert "broken.vxml" in caplog.text and "bogus" in caplog.text


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: digits(min=5, max=3), "greater than max"),
        (lambda: digits(length=4, min=2), "not both"),
        (lambda: boolean(yes="1", no="1"), "different keys"),
        (lambda: ask("9x", digits(), "?"), "must start with a letter"),
        (lambda: ask("x", "digits", "?"), "must be a grammar"),
        (lambda: ask("x", digits(), tries=0), "tries"),
        (lambda: menu("?", choices={}), "at least one choice"),
        (lambda: menu("?", choices={"1": "a", ("1", "x"): "b"}), "used twice"),
        (lambda: menu("?", choices={"1": print}), "is not a step"),
        (lambda: properties(colour="red"), "unknown property"),
        (lambda: properties(timeout=-1), "must not be negative"),
        (lambda: properties(bargein="yes"), "True or False"),
        (lambda: transfer("not a number"), "must be a phone number"),
        (lambda: transfer("+16175550100", then="next"), "need bridge=True"),
        (lambda: say(), "needs something"),
        (lambda: say(object()), "cannot read"),
        (lambda: srgs("<grammar><rule"), "not well-formed"),
        (lambda: pause("soon"), "500ms"),
        (lambda: Money("abc"), "not a number"),
    ],
)
def test_component_errors_are_clear(build, message):
    with pytest.raises((ValueError, TypeError)) as info:
        build()
    assert message in str(info.value)


def test_nothing_may_follow_a_terminal_component(make_app):
    flow = flow_with(lambda f: [hangup(), say("never heard")])
    app = make_app([flow], VXMLKIT_STRICT_DOCUMENTS=True)
    response = app.test_client().post(f"/vxml/{flow.name}/start", data={"phone_number": "1"})
    # A flow mistake is a step error: the caller hears the apology, the cause is in the session.
    assert response.status_code == 200 and b"something went wrong" in response.data
    from vxmlkit.extension import get_kit
    session = get_kit(app).sessions.recent(limit=1)[0]
    assert session.status == "error" and "nothing can follow hangup()" in session.error


def test_step_must_exist(make_app):
    flow = flow_with(lambda f: goto("missing"))
    app = make_app([flow])
    app.test_client().post(f"/vxml/{flow.name}/start", data={"phone_number": "1"})
    from vxmlkit.extension import get_kit
    assert "has no step 'missing'" in get_kit(app).sessions.recent(limit=1)[0].error


def test_component_error_type():
    assert issubclass(ComponentError, TypeError)
    assert Decimal  # the module imports what the table above uses
