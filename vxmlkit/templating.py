"""The Jinja environment that renders VoiceXML, and the check every rendered document passes.

One environment per :class:`~vxmlkit.VxmlKit`: XML autoescaping on (markupsafe's C escape) and
``StrictUndefined`` (a missing value is an error, never an empty string). Templates live under
``templates/vxml/``; an app overrides one by putting a file of the same name in its own template
folder.

Rendering is on every request's path, so the templates are put together once: a literal
``{% include "vxml/..." %}`` is written in place when a template is compiled (see
:class:`InlineIncludes`). Shared pieces (a prompt, an input's retry handlers) are templates
included inside ``{% with %}`` that sets their arguments, rather than macros; a document then
costs one call of one compiled function, with no macro call, include or context copy.
"""

from __future__ import annotations

import re
from copy import deepcopy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.ext import Extension
from lxml import etree

from .documents import Node
from .validation import VoiceXMLValidationError, check_document, document_parser

__all__ = ["TEMPLATE_DIR", "Renderer", "Rendered", "DocumentError", "InlineIncludes"]


def _find_template_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "vxml" / "document.vxml").is_file():
            return candidate
    raise RuntimeError(f"vxmlkit's templates are missing (looked in {here / 'templates'} and {here.parent / 'templates'})")


#: The folder holding ``vxml/*.vxml`` (inside the installed package, or the source checkout).
TEMPLATE_DIR = _find_template_dir()

# Characters XML 1.0 forbids even as references: C0 controls but tab/LF/CR, lone surrogates,
# U+FFFE/U+FFFF. Removed from the text of a document that does not parse because of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# ``{% include "name" %}`` with a literal name and no other option or whitespace control.
_LITERAL_INCLUDE = re.compile(r'\{%\s*include\s+"([^"{}%]+)"\s*%\}')


class InlineIncludes(Extension):
    """Writes each literal ``{% include "name" %}`` in place when a template is compiled.

    An include runs at every render (a template lookup and a copy of the context each time);
    written in place, the included text becomes part of the including template's compiled code.
    The included source comes from the environment's loader, so an app's own file of that name
    wins as it would at run time. It sits in a ``{% with %}`` block: its whitespace control and
    its ``set`` stay inside it, as in an included template.
    """

    _depth_limit = 10

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return self._inline(source, name, 0)

    def _inline(self, source: str, name: str | None, depth: int) -> str:
        if "include" not in source:
            return source
        loader = self.environment.loader
        assert loader is not None

        def replace(match: re.Match[str]) -> str:
            included = match.group(1)
            if depth >= self._depth_limit or included == name:
                return match.group(0)  # left to run time, which reports the recursion
            try:
                text = loader.get_source(self.environment, included)[0]
            except jinja2.TemplateNotFound:
                return match.group(0)  # reported at run time, where it belongs
            # Jinja drops one trailing newline of a template's source; so does an included one.
            text = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
            return "{% with %}" + self._inline(text, included, depth + 1) + "{% endwith %}"

        return _LITERAL_INCLUDE.sub(replace, source)


class DocumentError(RuntimeError):
    """A rendered document is not valid VoiceXML: names the flow, step, template and the problems."""

    def __init__(self, *, flow: str | None, step: str | None, template: str, problems: Iterable[Any]) -> None:
        self.flow, self.step, self.template = flow, step, template
        self.problems = list(problems)
        where = f"flow {flow!r}, step {step!r}, " if flow else ""
        listed = "; ".join(str(p) for p in self.problems) or "unknown problem"
        super().__init__(f"{where}template {template!r} rendered invalid VoiceXML: {listed}")


@dataclass(frozen=True)
class Rendered:
    """A checked document, ready to serve."""

    text: str
    version: str
    template: str


_VXML = "{http://www.w3.org/2001/vxml}"
_V21_ELEMENTS = tuple(_VXML + name for name in ("data", "foreach", "mark"))
_V21_ATTRIBUTES = ((_VXML + "transfer", "type"), (_VXML + "disconnect", "namelist"),
                   (_VXML + "script", "srcexpr"), (_VXML + "grammar", "srcexpr"))
_CATCH, _ERROR = _VXML + "catch", _VXML + "error"
#: Events whose document-level handler also handles error.badfetch.
_COVERS_BADFETCH = frozenset({"", ".", "error", "error.badfetch"})


def needs_v21(root: etree._Element) -> bool:
    """True when the document uses an element or attribute that exists only in VoiceXML 2.1.

    Only for documents whose version nobody knows: an app's whole-document template. A step's
    plan knows the version of the document it lays out.
    """
    if next(root.iter(*_V21_ELEMENTS), None) is not None:
        return True
    return any(element.get(attribute) is not None
               for tag, attribute in _V21_ATTRIBUTES for element in root.iter(tag))


def handles_badfetch(root: etree._Element) -> bool:
    """True when the document itself (not one of its dialogs) catches error.badfetch."""
    last = root[-1] if len(root) else None
    if last is not None and last.tag == _CATCH and last.get("event") == "error.badfetch":
        return True  # where vxmlkit's own documents have it
    for child in root.iterchildren(_CATCH, _ERROR):
        if child.tag == _ERROR or _COVERS_BADFETCH.intersection((child.get("event") or "").split() or [""]):
            return True
    return False


class _Environment(jinja2.Environment):
    """Jinja's environment, reading a plan :class:`~vxmlkit.documents.Node`'s keys as attributes."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is Node:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


class Renderer:
    """Renders documents from templates and checks each one against the project's schema."""

    def __init__(
        self,
        *,
        extra_template_folders: Iterable[str | Path] = (),
        lang: str = "en-US",
        version: str | None = None,
    ) -> None:
        if version not in (None, "2.0", "2.1"):
            raise ValueError(f"VoiceXML version must be '2.0' or '2.1', not {version!r}")
        loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(p)) for p in extra_template_folders]
        loaders.append(jinja2.FileSystemLoader(str(TEMPLATE_DIR)))
        self.environment = _Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=[InlineIncludes],
            trim_blocks=False,
            lstrip_blocks=False,
            auto_reload=False,
        )
        self.text_environment = jinja2.Environment(
            loader=self.environment.loader, autoescape=False, undefined=jinja2.StrictUndefined, auto_reload=False
        )
        self.lang = lang
        self.version = version
        self._fetch_failed: etree._Element | None = None
        self._compiled: dict[str, jinja2.Template] = {}

    def _compile(self, template: str) -> jinja2.Template:
        # Kept here as well as in Jinja's own cache, whose lookup costs more than a dict's.
        compiled = self._compiled[template] = self.environment.get_template(template)
        return compiled

    def render_text(self, template: str, context: Mapping[str, Any]) -> str:
        """Render a plain-text template (an SMS body) without XML escaping."""
        return self.text_environment.get_template(template).render(context)

    def render(
        self,
        template: str,
        context: Mapping[str, Any],
        *,
        version: str | None = None,
        flow: str | None = None,
        step: str | None = None,
    ) -> Rendered:
        """Render ``template`` and check the result; raises :class:`DocumentError` when invalid.

        ``version`` pins the document's version; otherwise the renderer's, otherwise the
        context's ``version`` (a step's plan knows it), otherwise 2.0, or 2.1 when the document
        uses a 2.1 element. A document that does not catch error.badfetch itself gets the
        handler of ``vxml/fetch_failed.vxml``.
        """
        pinned = version or self.version or context.get("version")
        compiled = self._compiled.get(template) or self._compile(template)
        values = {**self.environment.globals, "lang": self.lang, **context, "version": pinned or "2.0"}
        try:
            # Template.render would copy the values once more, merged with the template's
            # globals (a ChainMap, slow to copy); they are merged above already.
            text = "".join(compiled.root_render_func(compiled.new_context(values, shared=True)))
        except Exception:
            self.environment.handle_exception()
        root, text = self._parse(text, template, flow, step)
        if root.tag == _VXML + "vxml":  # (any other root: the check below names the problem)
            changed = False
            if pinned is None and root.get("version") == "2.0" and needs_v21(root):
                root.set("version", "2.1")
                changed = True
            if not handles_badfetch(root):
                root.append(self._fetch_failed_handler())
                changed = True
            if changed:
                text = '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")
        try:
            check_document(root)
        except VoiceXMLValidationError as exc:
            raise DocumentError(flow=flow, step=step, template=template, problems=exc.problems) from exc
        return Rendered(text=text, version=root.get("version") or "", template=template)

    def _parse(self, text: str, template: str, flow: str | None, step: str | None) -> tuple[etree._Element, str]:
        """The tree of ``text`` and the text; characters XML cannot carry (a value's) are dropped."""
        try:
            return etree.fromstring(text.encode("utf-8"), document_parser()), text
        except (etree.XMLSyntaxError, UnicodeEncodeError) as exc:
            first = exc
        # Rare: a value brought a control character or a lone surrogate. Markup never holds
        # one, so dropping them from the whole text drops exactly what the values brought.
        if _NOT_XML.search(text):
            text = _NOT_XML.sub("", text)
            try:
                return etree.fromstring(text.encode("utf-8"), document_parser()), text
            except etree.XMLSyntaxError as exc:
                first = exc
        raise DocumentError(flow=flow, step=step, template=template, problems=[f"not well-formed XML: {first}"]) from first

    def _fetch_failed_handler(self) -> etree._Element:
        """A copy of the handler ``vxml/fetch_failed.vxml`` writes, for a document without one."""
        if self._fetch_failed is None:
            fragment = self.environment.get_template("vxml/fetch_failed.vxml").render(lang=self.lang)
            wrapper = etree.fromstring(f'<vxml xmlns="http://www.w3.org/2001/vxml">{fragment}</vxml>'.encode(),
                                       document_parser())
            self._fetch_failed = wrapper[0]
        return deepcopy(self._fetch_failed)
