"""The Jinja environment that renders VoiceXML, and the check every rendered document passes.

One environment per :class:`~vxmlkit.VxmlKit`: XML autoescaping on, ``StrictUndefined`` (a
missing value is an error, never an empty string), and a ``finalize`` hook that drops the
characters XML 1.0 cannot carry at all (control characters), so no user value can break a
document. Templates live under ``templates/vxml/``; an app overrides one by putting a file of
the same name in its own template folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from lxml import etree
from markupsafe import Markup

from .validation import VoiceXMLValidationError, check_document

__all__ = ["TEMPLATE_DIR", "Renderer", "Rendered", "DocumentError", "xml_safe"]


def _find_template_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "vxml" / "document.vxml").is_file():
            return candidate
    raise RuntimeError(f"vxmlkit's templates are missing (looked in {here / 'templates'} and {here.parent / 'templates'})")


#: The folder holding ``vxml/*.vxml`` (inside the installed package, or the source checkout).
TEMPLATE_DIR = _find_template_dir()

# Characters XML 1.0 forbids even as references: C0 controls but tab/LF/CR, lone surrogates,
# U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")



def xml_safe(value: Any) -> Any:
    """Drop characters that XML cannot represent from a value about to be written out."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    return value


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


def needs_v21(root: etree._Element) -> bool:
    """True when the document uses an element or attribute that exists only in VoiceXML 2.1."""
    # lxml filters by tag in C: a few quick walks beat one Python loop over every element.
    if next(root.iter(*_V21_ELEMENTS), None) is not None:
        return True
    return any(element.get(attribute) is not None
               for tag, attribute in _V21_ATTRIBUTES for element in root.iter(tag))


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
        self.environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            finalize=xml_safe,
            trim_blocks=False,
            lstrip_blocks=False,
            auto_reload=False,
        )
        self.text_environment = jinja2.Environment(
            loader=self.environment.loader, autoescape=False, undefined=jinja2.StrictUndefined, auto_reload=False
        )
        self.lang = lang
        self.version = version

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

        ``version`` pins the document's version; otherwise the renderer's, otherwise 2.0, or 2.1
        when the document uses a 2.1 element.
        """
        pinned = version or self.version
        text = self.environment.get_template(template).render(
            {"lang": self.lang, "version": pinned or "2.0", **context}
        )
        try:
            root = etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise DocumentError(flow=flow, step=step, template=template, problems=[f"not well-formed XML: {exc}"]) from exc
        if etree.QName(root).localname == "vxml" and pinned is None and root.get("version") == "2.0" and needs_v21(root):
            root.set("version", "2.1")
            text = '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")
        try:
            check_document(root)
        except VoiceXMLValidationError as exc:
            raise DocumentError(flow=flow, step=step, template=template, problems=exc.problems) from exc
        return Rendered(text=text, version=root.get("version") or "", template=template)
