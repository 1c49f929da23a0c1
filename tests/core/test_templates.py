"""Templates: compiled once with their includes written in place, still overridable by name."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from lxml import etree

from vxmlkit import hangup, menu, say
from vxmlkit.components import Component
from vxmlkit.documents import Node, plan_document
from vxmlkit.templating import DocumentError, Renderer

V = "{http://www.w3.org/2001/vxml}"


def greet_plan():
    components = [say("Hello", "there."), menu("Press 1.", choices={"1": "next"}, on_failure="next")]
    return plan_document(components, lambda name: f"/s/{name}?t=x", where="test")


def test_an_app_overrides_a_component_template_and_a_shared_piece_by_name(tmp_path):
    (tmp_path / "vxml").mkdir()
    (tmp_path / "vxml" / "say.vxml").write_text(
        '<block><log expr="\'said\'"/>{% with parts = item.prompt, bargein = false %}'
        '{% include "vxml/prompt.vxml" %}{% endwith %}</block>\n')
    (tmp_path / "vxml" / "prompt_parts.vxml").write_text(
        '{% for part in parts %}{{ part.text | upper }}{% endfor %}\n')
    root = etree.fromstring(Renderer(extra_template_folders=[tmp_path]).render(
        "vxml/document.vxml", greet_plan().context()).text.encode())
    block = root.find(f"{V}form/{V}block")
    assert block.find(f"{V}log") is not None
    assert block.find(f"{V}prompt").get("bargein") == "false"
    assert block.findtext(f"{V}prompt") == "HELLO THERE."
    # The override of a shared piece reaches every template that includes it: the menu too.
    assert root.findtext(f"{V}menu/{V}prompt") == "PRESS 1."


def test_without_overrides_the_document_is_the_built_in_one():
    root = etree.fromstring(Renderer().render("vxml/document.vxml", greet_plan().context()).text.encode())
    assert root.findtext(f"{V}form/{V}block/{V}prompt") == "Hello there."
    assert [c.get("next") for c in root.iter(f"{V}choice")] == ["/s/next?t=x"]


@dataclass(frozen=True)
class Beep(Component):
    """An app's own component: rendered by the app's own template, named by its plan item."""

    version = "2.1"

    def plan_item(self, step_url):
        return {"template": "beep.vxml", "sound": {"src": "beep.wav"}, "then": step_url("next")}


def test_an_apps_own_component_kind_is_included_by_the_name_its_item_gives(tmp_path):
    (tmp_path / "beep.vxml").write_text(
        '<block><foreach item="x" array="[1]"><audio src="{{ item.sound.src }}"/></foreach>'
        '<goto next="{{ item.then }}"/></block>\n')
    plan = plan_document([Beep(), hangup()], lambda name: f"/s/{name}", where="test")
    assert isinstance(plan.items[0]["sound"], Node)
    assert plan.version == "2.1"  # the component says it needs 2.1 (foreach); nothing searches the tree
    rendered = Renderer(extra_template_folders=[tmp_path]).render("vxml/document.vxml", plan.context())
    assert rendered.version == "2.1"
    root = etree.fromstring(rendered.text.encode())
    assert root.find(f".//{V}foreach/{V}audio").get("src") == "beep.wav"


def test_the_plan_version_is_trusted_so_a_2_1_element_in_a_2_0_plan_is_refused(tmp_path):
    (tmp_path / "beep.vxml").write_text('<block><foreach item="x" array="[1]"/></block>\n')

    class Old(Beep):
        version = "2.0"

    plan = plan_document([Old(), hangup()], lambda name: f"/s/{name}", where="test")
    with pytest.raises(DocumentError, match="foreach"):
        Renderer(extra_template_folders=[tmp_path]).render("vxml/document.vxml", plan.context())


def test_each_step_url_is_signed_once_per_document():
    signed: list[str] = []

    def step_url(name: str) -> str:
        signed.append(name)
        return f"/s/{name}"

    plan_document([menu("Pick.", choices={"1": "a", "2": "b", "3": "a"}, on_failure="b")], step_url, where="test")
    assert sorted(signed) == ["a", "b"]


def test_control_characters_from_values_are_dropped_and_markup_stays_text():
    plan = plan_document([say("a\x00b <c> \x1b& d\ufffe"), hangup()], lambda name: name, where="test")
    rendered = Renderer().render("vxml/document.vxml", plan.context())
    assert "\x00" not in rendered.text and "&lt;c&gt;" in rendered.text
    assert etree.fromstring(rendered.text.encode()).findtext(f".//{V}prompt") == "ab <c> & d"


def test_an_undefined_value_still_names_the_template(tmp_path):
    (tmp_path / "broken.vxml").write_text('<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">{{ nope }}</vxml>')
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="nope"):
        Renderer(extra_template_folders=[tmp_path]).render("broken.vxml", {})

