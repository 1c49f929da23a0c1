"""From the components a step returns to the plan one VoiceXML document is rendered from.

The plan is plain data (dicts and lists) that the Jinja templates under ``templates/vxml/``
turn into markup; every decision (what goes in the form, which dialog a menu becomes, which
URL a branch goes to) is made here, so the templates stay simple to override.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .components import (
    AnsweringMachine,
    Ask,
    Audio,
    Component,
    Goto,
    Hangup,
    Menu,
    Pause,
    Properties,
    Record,
    Retry,
    Say,
    SayAs,
    Template,
    Transfer,
)

__all__ = ["DocumentPlan", "Node", "plan_document", "StepUrl", "ComponentError"]

#: Gives the signed URL of a step of the current call.
StepUrl = Callable[[str], str]


class ComponentError(TypeError):
    """A step returned something that cannot become a document."""


class Node(dict):  # type: ignore[type-arg]
    """A part of a plan: a dict that vxmlkit's templates read by attribute (``item.name``).

    The renderer's environment looks a Node's keys up first (see
    :class:`vxmlkit.templating.Renderer`), so the plan renders as it is, without an
    attribute-style copy and without a failed attribute lookup per value.
    """

    __slots__ = ()


def as_node(value: Any) -> Any:
    """``value`` with every dict in it made a :class:`Node` (for plan items an app's component gives)."""
    if isinstance(value, dict):
        return Node((key, as_node(item)) for key, item in value.items())
    if isinstance(value, list):
        return [as_node(item) for item in value]
    return value


@dataclass
class DocumentPlan:
    """Everything the document template needs.

    ``version`` is the VoiceXML version the document needs: "2.0", or "2.1" when one of its
    components needs 2.1 (its ``version``).
    """

    items: list[Node] = field(default_factory=list)
    menu: Node | None = None
    properties: list[tuple[str, str]] = field(default_factory=list)
    counters: list[str] = field(default_factory=list)
    template: Template | None = None
    version: str = "2.0"

    def context(self) -> dict[str, Any]:
        """The template context (the plan's own lists and nodes, not copies)."""
        return {
            "items": self.items,
            "menu": self.menu,
            "properties": self.properties,
            "counters": self.counters,
            "version": self.version,
        }


#: Text that ends the sentence before it ("." or ", then"), as opposed to text that merely starts
#: with a punctuation mark ("????1203", "...and more" stays a word of its own).
_PUNCTUATION = re.compile(r"^[.,;:!?]+(\s|$)")
_TEXT = "text"


def prompt_view(parts: Sequence[Any]) -> list[Node]:
    """Prompt parts as nodes for the ``prompt`` macro; ``sep`` is what is written after each."""
    out: list[Node] = []
    for part in parts:
        if isinstance(part, str):
            if out and out[-1]["kind"] == _TEXT:
                # Adjacent text parts read as one sentence: "due on", "." -> "due on."
                joined = out[-1]["text"].rstrip() + ("" if _PUNCTUATION.match(part) else " ") + part.lstrip()
                out[-1] = Node(kind=_TEXT, text=joined, sep=" ")
                continue
            if out and _PUNCTUATION.match(part):
                out[-1]["sep"] = ""  # no space before punctuation that follows a say-as
            out.append(Node(kind=_TEXT, text=part, sep=" "))
        elif isinstance(part, SayAs):
            out.append(Node(kind="say_as", text=part.text, interpret_as=part.interpret_as, format=part.format, sep=" "))
        elif isinstance(part, Audio):
            out.append(Node(kind="audio", src=part.src, fallback=part.fallback, sep=" "))
        elif isinstance(part, Pause):
            out.append(Node(kind="break", time=part.time, sep=" "))
        else:  # pragma: no cover - components.py only builds the four kinds
            raise ComponentError(f"unknown prompt part {part!r}")
    if out:
        out[-1]["sep"] = ""
    return out


def _retry_view(
    name: str, retry: Retry, step_url: StepUrl, counters: list[str], *, nomatch: bool = True
) -> Node:
    """The catch handlers of one input: escalating prompts by count, one shared tries counter."""
    counter = f"vxmlkit_tries_{name}"
    counters.append(counter)
    handlers: list[Node] = []
    for event, prompts in (("noinput", retry.noinput), ("nomatch", retry.nomatch if nomatch else None)):
        if prompts is None:
            continue
        if not prompts:  # the template's default words, whatever the count
            handlers.append(Node(event=event, count=None, prompt=None))
        for count, parts in enumerate(prompts, start=1):
            handlers.append(Node(event=event, count=count, prompt=prompt_view(parts)))
    return Node(
        counter=counter,
        tries=retry.tries,
        handlers=handlers,
        failure_url=step_url(retry.on_failure) if retry.on_failure else None,
    )


_VXML_NS = "http://www.w3.org/2001/vxml"
_SRGS_NS = "http://www.w3.org/2001/06/grammar"


def _in_vxml_namespace(element: etree._Element) -> etree._Element:
    """A copy of an SRGS grammar with its elements in the VoiceXML namespace, where VoiceXML
    expects inline grammars (SRGS elements embedded in a VoiceXML document live there)."""
    qname = etree.QName(element)
    tag = f"{{{_VXML_NS}}}{qname.localname}" if qname.namespace in (None, _SRGS_NS) else element.tag
    copy = etree.Element(tag, dict(element.attrib), nsmap={None: _VXML_NS})
    copy.text = element.text
    for child in element:
        if isinstance(child.tag, str):
            new = _in_vxml_namespace(child)
        else:  # comments and processing instructions are dropped
            new = None
        if new is not None:
            copy.append(new)
            new.tail = child.tail
        elif child.tail:
            last = copy[-1] if len(copy) else None
            if last is not None:
                last.tail = (last.tail or "") + child.tail
            else:
                copy.text = (copy.text or "") + child.tail
    return copy


def as_components(result: Any, where: str) -> list[Component]:
    """Normalise what a step returned (a component or a list of them)."""
    if isinstance(result, Component):
        return [result]
    if isinstance(result, (list, tuple)):
        items = list(result)
        for item in items:
            if not isinstance(item, Component):
                raise ComponentError(
                    f"{where} returned {item!r} in its list: a step returns components such as say(), ask(), menu()"
                )
        if not items:
            raise ComponentError(f"{where} returned an empty list: return hangup() to end the call")
        return items
    raise ComponentError(f"{where} returned {result!r}: a step returns a component or a list of components")


#: Seals an SMS component into the document: gives the route URL and the sealed message.
SmsLink = Callable[[Any], tuple[str, str]]


def plan_document(
    components: Sequence[Component], given_step_url: StepUrl, *, where: str, sms_link: SmsLink | None = None
) -> DocumentPlan:
    """Lay out ``components`` as one document: form items in order, then at most one menu.

    Each step URL is signed once per document, however many times the document names it.
    """
    from .sms.step import Sms

    signed: dict[str, str] = {}

    def step_url(step: str) -> str:
        url = signed.get(step)
        if url is None:
            url = signed[step] = sign(step)
        return url

    sign = given_step_url
    plan = DocumentPlan()
    fields: list[str] = []
    ended_by: Component | None = None
    for component in components:
        if ended_by is not None:
            raise ComponentError(
                f"{where}: nothing can follow {type(ended_by).__name__.lower()}() in one document "
                f"(found {type(component).__name__.lower()}() after it)"
            )
        if isinstance(component, Template):
            if len(components) != 1:
                raise ComponentError(f"{where}: template() is a whole document and must be returned alone")
            plan.template = component
            return plan
        if isinstance(component, Say):
            plan.items.append(Node(template="vxml/say.vxml", prompt=prompt_view(component.parts),
                                   bargein=component.bargein))
        elif isinstance(component, Ask):
            fields.append(component.name)
            if component.name in fields[:-1]:
                raise ComponentError(f"{where}: two inputs are named {component.name!r}")
            grammar = component.grammar
            srgs_xml = None
            if grammar.srgs_xml is not None:
                root = _in_vxml_namespace(etree.fromstring(grammar.srgs_xml.encode()))
                root.set("mode", grammar.srgs_mode)
                srgs_xml = etree.tostring(root, encoding="unicode")
            plan.items.append(Node({
                "template": "vxml/ask.vxml",
                "name": component.name,
                "type": grammar.type_attribute(),
                "grammar_src": grammar.srgs_src,
                "grammar_mode": grammar.srgs_mode,
                "grammar_xml": srgs_xml,
                "prompt": prompt_view(component.prompt),
                "private": component.private,
                "inputmodes": " ".join(component.modes) if set(component.modes) != {"dtmf", "voice"} else None,
                "timeout": component.timeout,
                "interdigittimeout": component.interdigittimeout,
                "termchar": component.termchar,
                "retry": _retry_view(component.name, component.retry, step_url, plan.counters),
                "then_url": step_url(component.then) if component.then else None,
                "namelist": " ".join(fields),
            }))
        elif isinstance(component, Menu):
            plan.menu = Node({
                "id": "menu",
                "prompt": prompt_view(component.prompt),
                "choices": [
                    Node(url=step_url(choice.step), dtmf=choice.dtmf, phrase=choice.phrase)
                    for choice in component.choices
                ],
                "retry": _retry_view("menu", component.retry, step_url, plan.counters),
            })
        elif isinstance(component, Record):
            plan.items.append(Node({
                "template": "vxml/record.vxml",
                "name": component.name,
                "prompt": prompt_view(component.prompt),
                "then_url": step_url(component.then),
                "maxtime": component.max_time,
                "finalsilence": component.final_silence,
                "beep": component.beep,
                "dtmfterm": component.dtmf_term,
                "retry": _retry_view(component.name, component.retry, step_url, plan.counters, nomatch=False),
            }))
        elif isinstance(component, Transfer):
            then_url = step_url(component.then) if component.then else None
            plan.items.append(Node({
                "template": "vxml/transfer.vxml",
                "name": "transfer",
                "dest": component.destination,
                "prompt": prompt_view(component.prompt),
                "bridge": component.bridge,
                "connecttimeout": component.connect_timeout,
                "maxtime": component.max_time,
                "then_url": then_url,
                "busy_url": step_url(component.on_busy) if component.on_busy else then_url,
                "noanswer_url": step_url(component.on_noanswer) if component.on_noanswer else then_url,
                "failure_url": step_url(component.on_network_failure) if component.on_network_failure else then_url,
            }))
        elif isinstance(component, Goto):
            plan.items.append(Node(template="vxml/goto.vxml", url=step_url(component.step)))
        elif isinstance(component, Hangup):
            plan.items.append(Node(template="vxml/hangup.vxml"))
        elif isinstance(component, Sms):
            if sms_link is None:
                raise ComponentError(f"{where}: sms() is not available here")
            url, sealed = sms_link(component)
            plan.items.append(Node({
                "template": "vxml/sms.vxml",
                "url": url,
                "sealed": sealed,
                "fetchtimeout": f"{component.timeout}s",
                "hold_audio": component.hold_audio,
                "failure_url": step_url(component.on_error or component.then),
            }))
        elif isinstance(component, Properties):
            plan.properties.extend(component.values)
        elif isinstance(component, AnsweringMachine):
            plan.items.append(Node({
                "template": "vxml/answering_machine.vxml",
                "prompt": prompt_view(component.prompt),
                "voice_url": step_url(component.voice),
                "machine_url": step_url(component.machine),
            }))
        else:
            render = getattr(component, "plan_item", None)
            if render is None:
                raise ComponentError(f"{where}: cannot render {component!r}")
            plan.items.append(as_node(render(step_url)))
        if component.version == "2.1":
            plan.version = "2.1"
        if component.terminal:
            ended_by = component
    if fields and not any(item.get("then_url") for item in plan.items if item["template"] == "vxml/ask.vxml"):
        raise ComponentError(f"{where}: the last ask() of a document needs then= (the step that gets the answers)")
    if ended_by is None:
        # A document that runs out of components ends the call, explicitly.
        plan.items.append(Node(template="vxml/hangup.vxml"))
    return plan
