"""The document model: a parsed VoiceXML document and the static structure of its dialogs.

Parsing keeps lxml elements (with their source lines) and precomputes, once per document,
what the interpreter needs at run time: the dialogs by id, the declarations in document order,
the handlers, links and properties of each scope, and each form's items and ``<filled>`` actions.
A :class:`Document` holds no run-time state, so a cached one can serve many calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .events import VxmlEvent
from .fetching import resolve_url

__all__ = [
    "FORM_ITEM_TAGS",
    "HANDLER_TAGS",
    "INPUT_ITEM_TAGS",
    "VXML_NS",
    "Document",
    "FilledAction",
    "FormItem",
    "FormModel",
    "element_children",
    "local_name",
    "parse_document",
]

VXML_NS = "http://www.w3.org/2001/vxml"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
HANDLER_TAGS = frozenset(("catch", "error", "noinput", "nomatch", "help"))
FORM_ITEM_TAGS = frozenset(("block", "field", "record", "transfer", "subdialog", "initial", "object"))
INPUT_ITEM_TAGS = frozenset(("field", "record", "transfer", "subdialog", "object"))

_PARSER = etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False, no_network=True, huge_tree=False)


def local_name(element: Any) -> str:
    """The tag without its namespace ('' for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def element_children(element: Any) -> list[Any]:
    """The element children (no comments or processing instructions)."""
    return [child for child in element if isinstance(child.tag, str)]


@dataclass
class FormItem:
    """One form item: its element, tag and form item variable name."""

    element: Any
    tag: str
    name: str
    index: int


@dataclass
class FilledAction:
    """A ``<filled>``: the item it belongs to (None at form level), its namelist and mode."""

    element: Any
    owner: FormItem | None
    names: tuple[str, ...]
    mode: str


@dataclass
class FormModel:
    """The static structure of one ``<form>`` or ``<menu>``."""

    element: Any
    tag: str
    id: str
    items: list[FormItem] = field(default_factory=list)
    by_name: dict[str, FormItem] = field(default_factory=dict)
    declarations: list[Any] = field(default_factory=list)  # var, script, data and form items in order
    filled: list[FilledAction] = field(default_factory=list)
    handlers: list[Any] = field(default_factory=list)
    links: list[Any] = field(default_factory=list)
    grammars: list[Any] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    scope: str = "dialog"
    built: bool = False


class Document:
    """A parsed VoiceXML document (immutable once built)."""

    def __init__(self, root: Any, url: str) -> None:
        if local_name(root) != "vxml":
            raise VxmlEvent("error.badfetch", f"the document element is <{local_name(root)}>, not <vxml>", url=url)
        namespace = etree.QName(root).namespace
        if namespace not in (None, VXML_NS):
            # Documents without a namespace are common and platforms load them; another
            # namespace means this is not a VoiceXML document.
            raise VxmlEvent("error.badfetch",
                            f"the <vxml> element is in the namespace {namespace!r}, not {VXML_NS!r}", url=url)
        self.root = root
        self.url = url
        self.base = resolve_url(url, root.get(XML_BASE)) if root.get(XML_BASE) else url
        self.version = root.get("version", "2.0")
        application = root.get("application")
        self.application: str | None = resolve_url(self.base, application).split("#", 1)[0] if application else None
        self.declarations: list[Any] = []
        self.handlers: list[Any] = []
        self.links: list[Any] = []
        self.properties: dict[str, str] = {}
        self.dialogs: dict[str, Any] = {}
        self.dialog_order: list[Any] = []
        self._forms: dict[int, FormModel] = {}
        self.cache: dict[Any, Any] = {}  # compiled grammars and other per-document derived data
        anonymous = 0
        for child in element_children(root):
            tag = local_name(child)
            if tag in ("form", "menu"):
                dialog_id = child.get("id")
                if not dialog_id:
                    anonymous += 1
                    dialog_id = f"_dialog{anonymous}"
                if dialog_id in self.dialogs:
                    raise VxmlEvent("error.badfetch", f"two dialogs have the id {dialog_id!r}", line=child.sourceline, url=url)
                self.dialogs[dialog_id] = child
                self.dialog_order.append(child)
                self._forms[id(child)] = FormModel(element=child, tag=tag, id=dialog_id)
            elif tag in ("var", "script", "data"):
                self.declarations.append(child)
            elif tag in HANDLER_TAGS:
                self.handlers.append(child)
            elif tag == "link":
                self.links.append(child)
            elif tag == "property":
                self.properties[child.get("name", "")] = child.get("value", "")
            elif tag in ("meta", "metadata", "catch", "help"):
                continue
            else:
                raise misplaced(tag, "vxml", child.sourceline, url)

    def line(self, element: Any) -> int | None:
        """The source line of an element."""
        return element.sourceline

    def form(self, element: Any) -> FormModel:
        """The model of a ``<form>`` or ``<menu>`` of this document (built on first use)."""
        model = self._forms[id(element)]
        if not model.built:
            if model.tag == "form":
                _build_form(model, self.url)
            else:
                _build_menu(model, self.url)
            model.built = True
        return model

    def dialog_by_id(self, dialog_id: str | None) -> Any:
        """The dialog element with that id (the first dialog for None); error.badfetch if missing."""
        if not dialog_id:
            if not self.dialog_order:
                raise VxmlEvent("error.badfetch", "the document has no <form> or <menu>", url=self.url)
            return self.dialog_order[0]
        dialog = self.dialogs.get(dialog_id)
        if dialog is None:
            raise VxmlEvent("error.badfetch", f"no dialog with id {dialog_id!r}", url=self.url)
        return dialog

    def id_of(self, dialog: Any) -> str:
        """The id of one of this document's dialogs."""
        return self._forms[id(dialog)].id


# Every element of VoiceXML 2.1 (with the SSML and SRGS elements a document may hold)
VOICEXML_ELEMENTS = frozenset(
    (
        "assign", "audio", "block", "catch", "choice", "clear", "data", "disconnect", "else", "elseif",
        "enumerate", "error", "exit", "field", "filled", "foreach", "form", "goto", "grammar", "help", "if",
        "initial", "link", "log", "mark", "menu", "meta", "metadata", "noinput", "nomatch", "object",
        "option", "param", "prompt", "property", "record", "reprompt", "return", "script", "subdialog",
        "submit", "throw", "transfer", "value", "var", "vxml",
        "break", "desc", "emphasis", "lexicon", "p", "phoneme", "prosody", "s", "say-as", "sub", "voice",
        "item", "one-of", "rule", "ruleref", "tag", "token", "example",
    )
)  # fmt: skip


def misplaced(tag: str, parent: str, line: int | None, url: str) -> VxmlEvent:
    """The event for an element where it may not appear: error.badfetch for a VoiceXML element in
    the wrong place (an invalid document), error.unsupported.<tag> for an element VoiceXML lacks."""
    if tag in VOICEXML_ELEMENTS:
        return VxmlEvent("error.badfetch", f"<{tag}> may not appear inside <{parent}>", line=line, url=url)
    return VxmlEvent(f"error.unsupported.{tag}", f"<{tag}> is not a VoiceXML element the vxmlkit browser knows (inside <{parent}>)", line=line, url=url)


_PROMPTING = frozenset(("prompt", "audio", "value", "enumerate", "property")) | HANDLER_TAGS
_ITEM_CHILDREN: dict[str, frozenset[str]] = {
    "field": _PROMPTING | {"grammar", "option", "filled", "link"},
    "record": _PROMPTING | {"grammar", "filled"},
    "transfer": _PROMPTING | {"grammar", "filled"},
    "subdialog": _PROMPTING | {"param", "filled"},
    "initial": _PROMPTING | {"link"},
    "object": _PROMPTING | {"param", "filled"},
}


_MENU_CHILDREN = _PROMPTING | {"choice", "link"}


def _build_menu(model: FormModel, url: str) -> None:
    for child in element_children(model.element):
        tag = local_name(child)
        if tag not in _MENU_CHILDREN:
            raise misplaced(tag, "menu", child.sourceline, url)
        if tag in HANDLER_TAGS:
            model.handlers.append(child)
        elif tag == "property":
            model.properties[child.get("name", "")] = child.get("value", "")
        elif tag == "link":
            model.links.append(child)
    model.scope = model.element.get("scope", "dialog")


def _build_form(model: FormModel, url: str) -> None:
    anonymous = 0
    model.scope = model.element.get("scope", "dialog")
    for child in element_children(model.element):
        tag = local_name(child)
        if tag in FORM_ITEM_TAGS:
            name = child.get("name")
            if not name:
                anonymous += 1
                name = f"_item{anonymous}_{tag}"
            if name in model.by_name:
                raise VxmlEvent("error.badfetch", f"two form items are named {name!r}", line=child.sourceline, url=url)
            item = FormItem(element=child, tag=tag, name=name, index=len(model.items))
            model.items.append(item)
            model.by_name[name] = item
            model.declarations.append(child)
            allowed = _ITEM_CHILDREN.get(tag)
            for sub in element_children(child):
                sub_tag = local_name(sub)
                if allowed is not None and sub_tag not in allowed:
                    raise misplaced(sub_tag, tag, sub.sourceline, url)
                if sub_tag == "filled":
                    names = tuple((sub.get("namelist") or "").split()) or (name,)
                    model.filled.append(FilledAction(sub, item, names, sub.get("mode", "all")))
        elif tag in ("var", "script", "data"):
            model.declarations.append(child)
        elif tag == "filled":
            model.filled.append(FilledAction(child, None, tuple((child.get("namelist") or "").split()), child.get("mode", "all")))
        elif tag in HANDLER_TAGS:
            model.handlers.append(child)
        elif tag == "link":
            model.links.append(child)
        elif tag == "grammar":
            model.grammars.append(child)
        elif tag == "property":
            model.properties[child.get("name", "")] = child.get("value", "")
        else:
            raise misplaced(tag, "form", child.sourceline, url)
    # form-level <filled> without a namelist applies to every input item of the form
    input_names = tuple(item.name for item in model.items if item.tag in INPUT_ITEM_TAGS)
    for action in model.filled:
        if action.owner is None and not action.names:
            action.names = input_names
    position = {id(element): index for index, element in enumerate(model.element.iter())}
    model.filled.sort(key=lambda action: position[id(action.element)])


def parse_document(body: bytes, url: str) -> Document:
    """Parse a VoiceXML document; error.badfetch when it is not well-formed or breaks an
    either/or attribute rule of the specification."""
    try:
        root = etree.fromstring(body, _PARSER, base_url=url)
    except etree.XMLSyntaxError as exc:
        raise VxmlEvent("error.badfetch", f"the document is not well-formed XML: {exc}", url=url) from None
    check_attribute_rules(root, url)
    return Document(root, url)


# (element, attributes of which exactly one / at most one may appear); "#content" is inline content
_EXACTLY_ONE: dict[str, tuple[str, ...]] = {
    "goto": ("next", "expr", "nextitem", "expritem"),
    "submit": ("next", "expr"),
    "throw": ("event", "eventexpr"),
    "data": ("src", "srcexpr"),
    "subdialog": ("src", "srcexpr"),
    "mark": ("name", "nameexpr"),
    "audio": ("src", "expr"),
    "grammar": ("src", "srcexpr", "#content"),
}
_AT_MOST_ONE: dict[str, tuple[tuple[str, ...], ...]] = {
    "script": (("src", "srcexpr", "#content"),),
    "transfer": (("dest", "destexpr"), ("aai", "aaiexpr")),
    "choice": (("next", "expr", "event", "eventexpr"), ("message", "messageexpr")),
    "link": (("next", "expr", "event", "eventexpr"), ("message", "messageexpr")),
    "throw": (("message", "messageexpr"),),
    "return": (("event", "eventexpr", "namelist"), ("message", "messageexpr")),
    "exit": (("expr", "namelist"),),
    "param": (("expr", "value"),),
    "log": (),
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "var": ("name",),
    "assign": ("name", "expr"),
    "value": ("expr",),
    "foreach": ("array", "item"),
    "param": ("name",),
    "if": ("cond",),
    "elseif": ("cond",),
    "property": ("name", "value"),
}


def _present(element: Any, attributes: list[str], names: tuple[str, ...]) -> int:
    """How many of ``names`` the element has ("#content": non-blank text or child elements)."""
    count = 0
    for name in names:
        if name == "#content":
            count += bool((element.text or "").strip()) or any(isinstance(child.tag, str) for child in element)
        elif name in attributes:
            count += 1
    return count


# the elements check_attribute_rules looks at: lxml's name -> the local name (a document
# without the VoiceXML namespace is held to the same rules)
_RULED_TAGS = {
    name: tag
    for tag in set(_EXACTLY_ONE) | set(_AT_MOST_ONE) | set(_REQUIRED)
    for name in (f"{{{VXML_NS}}}{tag}", tag)
}


def check_attribute_rules(root: Any, url: str) -> None:
    """The rules the schema cannot express: ``src`` or ``srcexpr``, ``next`` or ``expr`` ..."""
    for element in root.iter():
        tag = _RULED_TAGS.get(element.tag)
        if tag is None:
            continue
        attributes = element.keys()
        exactly = _EXACTLY_ONE.get(tag)
        if exactly is not None and _present(element, attributes, exactly) != 1:
            raise VxmlEvent(
                "error.badfetch",
                f"<{tag}> needs exactly one of {', '.join(exactly)}",
                line=element.sourceline,
                url=url,
            )
        for group in _AT_MOST_ONE.get(tag, ()):
            if _present(element, attributes, group) > 1:
                names = ", ".join("inline content" if name == "#content" else name for name in group)
                raise VxmlEvent("error.badfetch", f"<{tag}> may have only one of {names}", line=element.sourceline, url=url)
        for name in _REQUIRED.get(tag, ()):
            if name not in attributes:
                raise VxmlEvent("error.badfetch", f"<{tag}> needs a {name} attribute", line=element.sourceline, url=url)


def xml_to_json_tree(body: bytes, url: str) -> list[Any]:
    """An XML answer (for ``<data>``) as nested lists for the read-only DOM.

    An element is ``[qualified name, namespace URI or None, [[attribute qualified name,
    namespace URI or None, value], ...], [children]]``; text is a plain string.
    """
    try:
        root = etree.fromstring(body, _PARSER, base_url=url)
    except etree.XMLSyntaxError as exc:
        raise VxmlEvent("error.badfetch", f"the data at {url} is not well-formed XML: {exc}", url=url) from None

    def convert(element: Any) -> list[Any]:
        children: list[Any] = []
        if element.text:
            children.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                children.append(convert(child))
            if child.tail:
                children.append(child.tail)
        attributes = [[_qualified(element, name), _namespace(name), value] for name, value in element.attrib.items()]
        # namespace declarations are attributes in the DOM too (xmlns, xmlns:prefix)
        parent_map = element.getparent().nsmap if element.getparent() is not None else {}
        for prefix, uri in element.nsmap.items():
            if parent_map.get(prefix) != uri:
                attributes.append([f"xmlns:{prefix}" if prefix else "xmlns", XMLNS_NS, uri])
        return [_qualified(element, element.tag), _namespace(element.tag), attributes, children]

    return convert(root)


XMLNS_NS = "http://www.w3.org/2000/xmlns/"


def _namespace(tag: str) -> str | None:
    return tag[1:].partition("}")[0] if tag.startswith("{") else None


def _qualified(element: Any, tag: str) -> str:
    if not tag.startswith("{"):
        return tag
    namespace, _, local = tag[1:].partition("}")
    if namespace == "http://www.w3.org/XML/1998/namespace":
        return f"xml:{local}"
    for prefix, uri in (element.nsmap or {}).items():
        if uri == namespace and prefix:
            return f"{prefix}:{local}"
    return local
