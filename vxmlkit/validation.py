"""Checking VoiceXML documents against vxmlkit's own schemas for VoiceXML 2.0 and 2.1.

A check has two stages:

1. the XML Schema for the document's version (``schemas/``), compiled once per process
   with lxml: fast enough to run on every document vxmlkit serves;
2. the rules of the Recommendations that XML Schema 1.0 cannot state, such as "exactly
   one of ``src`` or ``expr``" (:data:`ATTRIBUTE_RULES`), checked in Python.

Only when a document fails is it checked again with xmlschema, which names the element
path and gives a readable reason; that is about a hundred times slower, so the success
path never touches it.

Profiles: ``"plum"`` (the default) accepts Plum DEV's extensions of ``<data>`` in
VoiceXML 2.1; ``"standard"`` accepts the W3C language only. For VoiceXML 2.0 both
profiles are the same schema.
"""

from __future__ import annotations

import json
import re
import threading
import time
from itertools import islice
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click
from lxml import etree

if TYPE_CHECKING:  # pragma: no cover
    import xmlschema

__all__ = [
    "ATTRIBUTE_RULES",
    "READABLE_MAX_ELEMENTS",
    "READABLE_MAX_SECONDS",
    "PROFILES",
    "SCHEMA_DIR",
    "STRICTER_THAN_W3C",
    "VERSIONS",
    "VXML_NAMESPACE",
    "AttributeRule",
    "FileVerdict",
    "Problem",
    "VoiceXMLValidationError",
    "check_document",
    "document_parser",
    "explain",
    "schema_for",
    "validate_command",
    "validate_file",
]

VXML_NAMESPACE = "http://www.w3.org/2001/vxml"
VERSIONS: tuple[str, ...] = ("2.0", "2.1")
PROFILES: tuple[str, ...] = ("plum", "standard")

_VXML_ROOT = f"{{{VXML_NAMESPACE}}}vxml"


def _find_schema_dir() -> Path:
    """The schemas ship inside the wheel as ``vxmlkit/schemas``; a checkout has ``<repo>/schemas``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schemas", here.parent / "schemas"):
        if (candidate / "vxml-2.0.xsd").is_file():
            return candidate
    return here.parent / "schemas"


SCHEMA_DIR: Path = _find_schema_dir()

_SCHEMA_FILES: dict[tuple[str, str], str] = {
    ("2.0", "standard"): "vxml-2.0.xsd",
    ("2.0", "plum"): "vxml-2.0.xsd",
    ("2.1", "standard"): "vxml-2.1.xsd",
    ("2.1", "plum"): "vxml-2.1-plum.xsd",
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One reason a document is not valid VoiceXML.

    ``line`` is the document line (None when unknown), ``path`` the element path such as
    ``/vxml/form[1]/block[1]`` (None when unknown), ``rule`` the name of the
    :data:`ATTRIBUTE_RULES` entry that found it (None for schema and parse problems).
    """

    line: int | None
    path: str | None
    reason: str
    rule: str | None = None

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        line = self.line if self.line is not None else "?"
        return f"{line}: {self.reason}{where}"


class VoiceXMLValidationError(ValueError):
    """A document is not valid VoiceXML; ``problems`` says why, first problem first."""

    def __init__(
        self, problems: Sequence[Problem], *, version: str | None = None
    ) -> None:
        self.problems: list[Problem] = list(problems)
        self.version = version
        label = f"VoiceXML {version}" if version else "VoiceXML"
        first = str(self.problems[0]) if self.problems else "unknown problem"
        more = len(self.problems) - 1
        suffix = (
            f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        )
        super().__init__(f"not valid {label}: {first}{suffix}")


@dataclass(frozen=True)
class FileVerdict:
    """The outcome of :func:`validate_file`: ``error`` is set when the file could not be read."""

    path: Path
    valid: bool
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None


# --------------------------------------------------------------------------- schemas

_schema_lock = threading.Lock()
_compiled: dict[str, etree.XMLSchema] = {}
_readable: dict[str, xmlschema.XMLSchema10] = {}
# lxml records the last error log on the schema object; reading it is serialised.
_error_log_lock = threading.Lock()


def _schema_file(version: str, profile: str) -> str:
    if version not in VERSIONS:
        raise ValueError(
            f"unknown VoiceXML version {version!r}; expected one of {', '.join(VERSIONS)}"
        )
    if profile not in PROFILES:
        raise ValueError(
            f"unknown schema profile {profile!r}; expected one of {', '.join(PROFILES)}"
        )
    return _SCHEMA_FILES[(version, profile)]


def schema_for(version: str, profile: str = "plum") -> etree.XMLSchema:
    """The compiled lxml schema for VoiceXML ``version`` ("2.0" or "2.1") and ``profile``.

    Compiled once per process; validating with it from several threads at once is safe.
    """
    name = _schema_file(version, profile)
    schema = _compiled.get(name)
    if schema is None:
        with _schema_lock:
            schema = _compiled.get(name)
            if schema is None:
                parser = etree.XMLParser(no_network=True, resolve_entities=False)
                tree = etree.parse(str(SCHEMA_DIR / name), parser)
                schema = etree.XMLSchema(tree)
                _compiled[name] = schema
    return schema


def _readable_schema(version: str, profile: str) -> xmlschema.XMLSchema10:
    """The same schema loaded by xmlschema, for readable messages (slow: failures only)."""
    import xmlschema

    name = _schema_file(version, profile)
    schema = _readable.get(name)
    if schema is None:
        with _schema_lock:
            schema = _readable.get(name)
            if schema is None:
                schema = xmlschema.XMLSchema10(
                    str(SCHEMA_DIR / name), base_url=str(SCHEMA_DIR), allow="sandbox"
                )
                _readable[name] = schema
    return schema


# --------------------------------------------------------------------------- rules

_ONE = "exactly-one"
_AT_MOST = "at-most-one"
_CUSTOM = "custom"


@dataclass(frozen=True)
class AttributeRule:
    """A rule of the VoiceXML prose that XML Schema 1.0 cannot express.

    ``kind`` is ``"exactly-one"`` or ``"at-most-one"`` of ``choices`` (attribute names,
    plus the element's inline content when ``inline`` is set), or ``"custom"``, where
    ``check`` returns a message or None. ``reason`` says where the rule comes from.
    """

    name: str
    element: str
    versions: frozenset[str]
    kind: str
    reason: str
    choices: tuple[str, ...] = ()
    inline: bool = False
    check: Callable[[etree._Element], str | None] | None = None
    profiles: frozenset[str] = frozenset(PROFILES)

    def violation(self, element: etree._Element) -> str | None:
        """The message for ``element`` when it breaks this rule, else None."""
        if self.check is not None:
            return self.check(element)
        # Counted without building lists: this runs for every document served.
        get = element.get
        count = 0
        for name in self.choices:
            if get(name) is not None:
                count += 1
        if self.inline and _has_inline_content(element):
            count += 1
        if count == 1 or (count == 0 and self.kind == _AT_MOST):
            return None
        return self._message(element)

    def _message(self, element: etree._Element) -> str:
        present = [name for name in self.choices if element.get(name) is not None]
        if self.inline and _has_inline_content(element):
            present.append("inline content")
        tag = etree.QName(element).localname
        options = list(self.choices) + (["inline content"] if self.inline else [])
        wording = (
            f"{', '.join(options[:-1])} or {options[-1]}"
            if len(options) > 1
            else options[0]
        )
        if self.kind == _AT_MOST:
            return f"<{tag}> may have only one of {wording}; it has {' and '.join(present)}"
        found = " and ".join(present) if present else "none"
        return f"<{tag}> needs exactly one of {wording}; it has {found}"


def _has_inline_content(element: etree._Element) -> bool:
    """True when the element holds a child element or non-blank text (CDATA included)."""
    if element.text and element.text.strip():
        return True
    for child in element:
        if isinstance(child.tag, str):
            return True
        if child.tail and child.tail.strip():
            return True
    return False


_RAW_ENCTYPES = ("application/json", "application/xml")


def _plum_raw_body(element: etree._Element) -> str | None:
    if element.get("rawexpr") is None:
        return None
    method = (element.get("method") or "get").strip()
    enctype = (element.get("enctype") or "").strip()
    if method == "raw" and enctype in _RAW_ENCTYPES:
        return None
    return (
        f'<data rawexpr> needs method="raw" and enctype {" or ".join(_RAW_ENCTYPES)}; '
        f"it has method={method!r} and enctype={enctype!r}"
    )


def _plum_headers(element: etree._Element) -> str | None:
    headers = element.get("headers")
    if headers is None:
        return None
    try:
        value = json.loads(headers)
    except ValueError as error:
        return (
            f"<data headers> must be a JSON object of header names and values: {error}"
        )
    if not isinstance(value, dict) or not all(
        isinstance(v, str) for v in value.values()
    ):
        return "<data headers> must be a JSON object whose values are strings"
    return None


def _grammar_root_defined(element: etree._Element) -> str | None:
    root_rule = element.get("root")
    if root_rule is None:
        return None
    rule_tag = f"{{{VXML_NAMESPACE}}}rule"
    if any(rule.get("id") == root_rule for rule in element.iterchildren(rule_tag)):
        return None
    return f'<grammar root="{root_rule}"> names no rule of this grammar'


def _mark_named(element: etree._Element) -> str | None:
    return None if element.get("name") is not None else "<mark> needs a name attribute"


_BOTH = frozenset(VERSIONS)
_V20 = frozenset({"2.0"})
_V21 = frozenset({"2.1"})

#: The either/or rules of the VoiceXML 2.0 and 2.1 prose, checked after the schema.
#: Section numbers refer to VoiceXML 2.0 unless marked 2.1.
ATTRIBUTE_RULES: tuple[AttributeRule, ...] = (
    AttributeRule(
        "goto-target",
        "goto",
        _BOTH,
        _ONE,
        "5.3.7: a goto names exactly one target, else error.badfetch",
        ("next", "expr", "nextitem", "expritem"),
    ),
    AttributeRule(
        "submit-target",
        "submit",
        _BOTH,
        _ONE,
        "5.3.8: a submit names exactly one URI, else error.badfetch",
        ("next", "expr"),
    ),
    AttributeRule(
        "link-target",
        "link",
        _BOTH,
        _ONE,
        "2.5: a link either goes to one URI or throws one event, else error.badfetch",
        ("next", "expr", "event", "eventexpr"),
    ),
    AttributeRule(
        "choice-target",
        "choice",
        _BOTH,
        _ONE,
        "2.2.2: a menu choice either goes to one URI or throws one event, else error.badfetch",
        ("next", "expr", "event", "eventexpr"),
    ),
    AttributeRule(
        "throw-event",
        "throw",
        _BOTH,
        _ONE,
        "5.2.1: a throw names exactly one event, else error.badfetch",
        ("event", "eventexpr"),
    ),
    AttributeRule(
        "throw-message",
        "throw",
        _BOTH,
        _AT_MOST,
        "5.2.1: at most one of message or messageexpr",
        ("message", "messageexpr"),
    ),
    AttributeRule(
        "link-message",
        "link",
        _BOTH,
        _AT_MOST,
        "2.5: at most one of message or messageexpr",
        ("message", "messageexpr"),
    ),
    AttributeRule(
        "choice-message",
        "choice",
        _BOTH,
        _AT_MOST,
        "2.2.2: at most one of message or messageexpr",
        ("message", "messageexpr"),
    ),
    AttributeRule(
        "return-result",
        "return",
        _BOTH,
        _AT_MOST,
        "5.3.10: a return either throws one event or returns a namelist, else error.badfetch",
        ("event", "eventexpr", "namelist"),
    ),
    AttributeRule(
        "return-message",
        "return",
        _BOTH,
        _AT_MOST,
        "5.3.10: at most one of message or messageexpr",
        ("message", "messageexpr"),
    ),
    AttributeRule(
        "exit-result",
        "exit",
        _BOTH,
        _AT_MOST,
        "5.3.9: an exit returns either an expression or a namelist, else error.badfetch",
        ("expr", "namelist"),
    ),
    AttributeRule(
        "audio-source",
        "audio",
        _BOTH,
        _ONE,
        "4.1.3: an audio element plays exactly one source, else error.badfetch",
        ("src", "expr"),
    ),
    AttributeRule(
        "subdialog-source",
        "subdialog",
        _BOTH,
        _ONE,
        "2.3.4: a subdialog calls exactly one URI, else error.badfetch",
        ("src", "srcexpr"),
    ),
    AttributeRule(
        "script-source",
        "script",
        _V20,
        _ONE,
        "5.3.12: a script is either fetched from src or written inline, not both",
        ("src",),
        inline=True,
    ),
    AttributeRule(
        "script-source",
        "script",
        _V21,
        _ONE,
        "2.1 section 3: a script has exactly one of src, srcexpr or inline content",
        ("src", "srcexpr"),
        inline=True,
    ),
    AttributeRule(
        "grammar-source",
        "grammar",
        _V20,
        _ONE,
        "3.1.1: a grammar is either referenced by src or written inline, not both",
        ("src",),
        inline=True,
    ),
    AttributeRule(
        "grammar-source",
        "grammar",
        _V21,
        _ONE,
        "2.1 section 2: a grammar has exactly one of src, srcexpr or inline content",
        ("src", "srcexpr"),
        inline=True,
    ),
    AttributeRule(
        "grammar-root",
        "grammar",
        _BOTH,
        _CUSTOM,
        "SRGS 1.0, 4.7: the root attribute names a rule defined in the same grammar",
        check=_grammar_root_defined,
    ),
    AttributeRule(
        "transfer-destination",
        "transfer",
        _BOTH,
        _AT_MOST,
        "2.3.7: at most one of dest or destexpr, else error.badfetch",
        ("dest", "destexpr"),
    ),
    AttributeRule(
        "transfer-aai",
        "transfer",
        _BOTH,
        _AT_MOST,
        "2.3.7: at most one of aai or aaiexpr, else error.badfetch",
        ("aai", "aaiexpr"),
    ),
    AttributeRule(
        "transfer-kind",
        "transfer",
        _V21,
        _AT_MOST,
        "2.1 section 8: type replaces bridge; a transfer may not give both",
        ("bridge", "type"),
    ),
    AttributeRule(
        "param-value",
        "param",
        _BOTH,
        _ONE,
        "6.4: a param has exactly one of expr or value, else error.badfetch",
        ("expr", "value"),
    ),
    AttributeRule(
        "meta-kind",
        "meta",
        _BOTH,
        _ONE,
        "6.2.1: a meta element is exactly one of a name or an http-equiv header",
        ("name", "http-equiv"),
    ),
    AttributeRule(
        "mark-name",
        "mark",
        _V20,
        _CUSTOM,
        "SSML 1.0, 3.3.2: a mark is named (the W3C VoiceXML 2.0 schema leaves name optional)",
        check=_mark_named,
    ),
    AttributeRule(
        "mark-name",
        "mark",
        _V21,
        _ONE,
        "2.1 section 4: a mark has exactly one of name or nameexpr, else error.badfetch",
        ("name", "nameexpr"),
    ),
    AttributeRule(
        "data-source",
        "data",
        _V21,
        _ONE,
        "2.1 section 5: data fetches exactly one URI, else error.badfetch",
        ("src", "srcexpr"),
    ),
    AttributeRule(
        "plum-data-raw-body",
        "data",
        _V21,
        _CUSTOM,
        'Plum DEV: rawexpr is sent only with method="raw" and a JSON or XML enctype',
        check=_plum_raw_body,
        profiles=frozenset({"plum"}),
    ),
    AttributeRule(
        "plum-data-headers",
        "data",
        _V21,
        _CUSTOM,
        "Plum DEV: headers is a JSON object of extra HTTP headers",
        check=_plum_headers,
        profiles=frozenset({"plum"}),
    ),
)

#: Names of the rules above plus the two checks that the schemas and the root test make
#: stricter than the W3C schema: ``version`` and ``document-root``.
STRICTER_THAN_W3C: dict[str, str] = {
    "version": "the vxml element's version must be 2.0 (2.0 schema) or 2.0/2.1 (2.1 schema); "
    "the W3C schema takes any string",
    "document-root": "a VoiceXML document's root is <vxml>; the W3C schema declares its elements "
    "globally and so also accepts fragments such as a lone <block>",
    **{rule.name: rule.reason for rule in ATTRIBUTE_RULES},
}

_RuleTable = dict[str, tuple[AttributeRule, ...]]
_rule_tables: dict[tuple[str, str], tuple[tuple[str, ...], _RuleTable]] = {}


def _rules_for(version: str, profile: str) -> tuple[tuple[str, ...], _RuleTable]:
    key = (version, profile)
    found = _rule_tables.get(key)
    if found is None:
        grouped: dict[str, list[AttributeRule]] = {}
        for rule in ATTRIBUTE_RULES:
            if version in rule.versions and profile in rule.profiles:
                grouped.setdefault(f"{{{VXML_NAMESPACE}}}{rule.element}", []).append(
                    rule
                )
        table = {tag: tuple(rules) for tag, rules in grouped.items()}
        found = (tuple(table), table)
        _rule_tables[key] = found
    return found


class _Paths:
    """XPath-like paths with positions, such as /vxml/form[1]/block[2], for problem elements.

    The positions among same-named siblings are counted once per parent and kept, so naming
    every one of many problems costs time linear in the document's size.
    """

    def __init__(self) -> None:
        self._positions: dict[etree._Element, dict[etree._Element, int]] = {}

    def _position(self, parent: etree._Element, node: etree._Element) -> int:
        positions = self._positions.get(parent)
        if positions is None:
            counts: dict[object, int] = {}
            positions = {}
            for child in parent:
                counts[child.tag] = positions[child] = counts.get(child.tag, 0) + 1
            self._positions[parent] = positions
        return positions[node]

    def __call__(self, element: etree._Element) -> str:
        steps: list[str] = []
        node: etree._Element | None = element
        while node is not None:
            parent = node.getparent()
            name = etree.QName(node).localname
            steps.append(name if parent is None else f"{name}[{self._position(parent, node)}]")
            node = parent
        return "/" + "/".join(reversed(steps))


def _rule_problems(root: etree._Element, version: str, profile: str) -> list[Problem]:
    tags, table = _rules_for(version, profile)
    problems: list[Problem] = []
    path: _Paths | None = None
    for element in root.iter(*tags):
        for rule in table[element.tag]:
            message = rule.violation(element)
            if message is not None:
                path = path or _Paths()
                problems.append(Problem(element.sourceline, path(element), message, rule.name))
    return problems


# --------------------------------------------------------------------------- parsing

_parsers = threading.local()


def document_parser(*, force_utf8: bool = False) -> etree.XMLParser:
    """A per-thread parser that never fetches anything and never reads external entities.

    Internal entities (declared with their text in the document) are expanded; a
    reference to an external one is a parse error ("Entity ... not defined").
    """
    key = "utf8" if force_utf8 else "plain"
    parser = getattr(_parsers, key, None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities="internal",
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            encoding="utf-8" if force_utf8 else None,
        )
        setattr(_parsers, key, parser)
    return parser


def _parse(doc: bytes | str, base_url: str | None = None) -> etree._Element:
    """Parse a document, raising VoiceXMLValidationError (with the line) when not well-formed."""
    try:
        if isinstance(doc, str):
            # lxml refuses a str that carries an encoding declaration; as UTF-8 bytes
            # read by a parser told the encoding, any declaration is fine.
            return etree.fromstring(
                doc.encode("utf-8"), document_parser(force_utf8=True), base_url=base_url
            )
        return etree.fromstring(doc, document_parser(), base_url=base_url)
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else None
        # The line is reported on its own; keep the message itself.
        message = re.sub(r",? line \d+, column \d+$", "", error.msg or str(error))
        raise VoiceXMLValidationError(
            [Problem(line, None, f"not well-formed XML: {message}")]
        ) from None


def _as_root(doc: bytes | str | etree._Element | etree._ElementTree) -> etree._Element:
    if isinstance(doc, etree._ElementTree):
        return doc.getroot()
    if isinstance(doc, etree._Element):
        return doc
    if isinstance(doc, (bytes, bytearray, str)):
        return _parse(bytes(doc) if isinstance(doc, bytearray) else doc)
    raise TypeError(f"expected bytes, str or an lxml element, not {type(doc).__name__}")


def _schema_version(root: etree._Element, version: str | None) -> str:
    """The version whose schema applies: the one asked for, else the document's own.

    A document without a usable version is checked against 2.1, whose schema then
    reports the missing or unknown version.
    """
    if version is not None:
        _schema_file(version, "standard")
        return version
    declared = root.get("version")
    return declared if declared in VERSIONS else VERSIONS[-1]


def _root_problem(root: etree._Element) -> Problem | None:
    if root.tag == _VXML_ROOT:
        return None
    name = root.tag if isinstance(root.tag, str) else repr(root.tag)
    if etree.QName(root).localname == "vxml":
        reason = (
            f"the root element {name} is not in the VoiceXML namespace: "
            f'add xmlns="{VXML_NAMESPACE}" to <vxml>'
        )
    else:
        reason = (
            f"the root element must be <vxml> in namespace {VXML_NAMESPACE}, not {name}"
        )
    return Problem(root.sourceline, None, reason, "document-root")


# --------------------------------------------------------------------------- public checks


def check_document(
    doc: bytes | str | etree._Element,
    *,
    version: str | None = None,
    profile: str = "plum",
) -> None:
    """Raise :class:`VoiceXMLValidationError` unless ``doc`` is valid VoiceXML.

    ``version`` ("2.0" or "2.1") defaults to the document's own version attribute; a
    document without one is invalid. The fast path (a valid document) uses only the
    compiled lxml schema and the Python rules; the readable problems are worked out
    only when the document fails.
    """
    root = _as_root(doc)
    schema_version = _schema_version(root, version)
    if (
        root.tag == _VXML_ROOT
        and _schema_accepts(schema_for(schema_version, profile), root)
        and not _rule_problems(root, schema_version, profile)
    ):
        return
    problems = explain(root, version=version, profile=profile) or [
        Problem(
            root.sourceline, None, f"rejected by the VoiceXML {schema_version} schema"
        )
    ]
    raise VoiceXMLValidationError(problems, version=schema_version)


def explain(
    doc: bytes | str | etree._Element,
    *,
    version: str | None = None,
    profile: str = "plum",
) -> list[Problem]:
    """Every problem found in ``doc`` (an empty list when it is valid VoiceXML)."""
    try:
        root = _as_root(doc)
    except VoiceXMLValidationError as error:
        return error.problems
    schema_version = _schema_version(root, version)
    problems: list[Problem] = []
    root_problem = _root_problem(root)
    if root_problem is not None:
        # Nothing below a foreign root is VoiceXML; the schema would only repeat this.
        return [root_problem]
    in_lxml_words = _lxml_problems(root, schema_version, profile)
    if in_lxml_words:
        problems.extend(_schema_problems(root, schema_version, profile, in_lxml_words))
    problems.extend(_rule_problems(root, schema_version, profile))
    problems.sort(key=lambda problem: (problem.line is None, problem.line or 0))
    return problems


def _schema_accepts(schema: etree.XMLSchema, root: etree._Element) -> bool:
    """lxml's verdict; a tree libxml2 cannot validate (an unexpanded entity, say) fails."""
    try:
        return bool(schema.validate(root))
    except etree.XMLSchemaValidateError:
        return False


#: The readable pass (xmlschema) takes time that grows faster than the document; past this many
#: elements, or this many seconds, the problems are given in lxml's words instead (linear).
READABLE_MAX_ELEMENTS = 2000
READABLE_MAX_SECONDS = 2.0


def _schema_problems(
    root: etree._Element, version: str, profile: str, in_lxml_words: list[Problem]
) -> list[Problem]:
    """Readable schema problems: xmlschema's path and reason, else ``in_lxml_words``.

    lxml's words also serve large documents and a readable pass that runs out of time, so that
    explaining a document stays linear in its size.
    """
    problems: list[Problem] = []
    if next(islice(root.iter(), READABLE_MAX_ELEMENTS, None), None) is None:
        try:
            readable = _readable_schema(version, profile)  # built once per process, not timed
            deadline = time.monotonic() + READABLE_MAX_SECONDS
            for error in readable.iter_errors(root):
                problems.append(_readable_problem(error))
                if time.monotonic() > deadline:
                    problems = []
                    break
        except Exception:  # noqa: BLE001 - the lxml messages below still explain the failure
            problems = []
    return [_tag_version_problem(problem) for problem in problems or in_lxml_words]


def _tag_version_problem(problem: Problem) -> Problem:
    """Mark the schema's complaint about the value of vxml/@version with the rule it enforces."""
    reason = problem.reason
    if reason.startswith("<vxml>: attribute version=") or (
        "'vxml', attribute 'version'" in reason and "enumeration" in reason
    ):
        return replace(problem, rule="version")
    return problem


def _lxml_problems(root: etree._Element, version: str, profile: str) -> list[Problem]:
    """The schema's problems with ``root`` in lxml's words (none when it is valid), in one pass."""
    schema = schema_for(version, profile)
    with _error_log_lock:
        try:
            if schema.validate(root):
                return []
        except etree.XMLSchemaValidateError as error:
            return [Problem(root.sourceline, None, f"the schema validator could not check this tree: {error}")]
        entries = list(schema.error_log)
    return [Problem(entry.line or None, None, _without_namespace(entry.message)) for entry in entries] or [
        Problem(root.sourceline, None, f"rejected by the VoiceXML {version} schema")
    ]


#: What a value of each pattern-restricted type looks like, for messages.
_TYPE_DESCRIPTIONS: dict[str, str] = {
    "declared-name": "a variable name (2.0: an XML name token; 2.1: an ECMAScript identifier without dots)",
    "variable-reference": "a variable name",
    "dtmf-sequence": "a DTMF sequence of 0-9, * and # keys",
    "time": "a time such as 3s or 250ms",
    "rule-name": "a rule name (an XML name without '.', ':' or '-')",
    "rule-reference": "the id of a rule (an XML name without '.', ':' or '-')",
    "ssml-percent": "a percentage such as +10%",
    "ssml-relative": "a signed number such as +2",
    "ssml-semitones": "a semitone change such as -2st",
    "ssml-hertz": "a frequency such as 120Hz",
}


_ADDED_IN_2_1 = frozenset({"data", "foreach"})


_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"


def _without_namespace(text: str) -> str:
    """Element names as a VoiceXML author writes them: <item>, xml:lang."""
    text = text.replace(f"{{{VXML_NAMESPACE}}}", "").replace(
        f"{{{_XML_NAMESPACE}}}", "xml:"
    )
    return re.sub(r"'v:([\w.-]+)'", r"<\1>", text)


def _readable_problem(error: xmlschema.XMLSchemaValidationError) -> Problem:
    reason = _without_namespace(str(error.reason or error.message)).rstrip(".")
    child = getattr(error, "invalid_child", None)
    elem = error.elem
    if child is not None and elem is not None:
        # Point at the misplaced child, not at its parent.
        child_name = (
            etree.QName(child).localname if isinstance(child.tag, str) else "node"
        )
        parent_name = etree.QName(elem).localname if isinstance(elem.tag, str) else "?"
        path = f"{error.path}/{child_name}" if error.path else None
        reason = f"<{child_name}> is not allowed here inside <{parent_name}>"
        if (
            child_name in _ADDED_IN_2_1
            and error.root is not None
            and error.root.get("version") != "2.1"
        ):
            reason += f'; <{child_name}> is VoiceXML 2.1: declare version="2.1"'
        return Problem(child.sourceline, path, reason)
    if "doesn't match any pattern" in reason:
        owner = getattr(getattr(error.validator, "parent", None), "name", None) or ""
        description = _TYPE_DESCRIPTIONS.get(
            etree.QName(owner).localname if owner else ""
        )
        if description:
            reason = (
                reason.split(": value doesn't match", 1)[0] + f" is not {description}"
            )
    if reason.startswith("attribute xml:lang="):
        reason = reason.split(": ", 1)[0] + " is not a language tag such as en-US"
    if elem is not None and isinstance(elem.tag, str):
        reason = f"<{etree.QName(elem).localname}>: {reason}"
    return Problem(getattr(error, "sourceline", None), error.path, reason)


def validate_file(
    path: str | Path,
    *,
    version: str | None = None,
    profile: str = "plum",
) -> FileVerdict:
    """Check one VoiceXML file; an unreadable file gives ``valid=False`` with ``error`` set."""
    file_path = Path(path)
    try:
        data = file_path.read_bytes()
    except OSError as error:
        return FileVerdict(
            file_path, False, [], f"cannot read: {error.strerror or error}"
        )
    try:
        root = _parse(data, base_url=str(file_path))
    except VoiceXMLValidationError as error:
        return FileVerdict(file_path, False, error.problems)
    # One pass: a file is more often checked once than served many times.
    problems = explain(root, version=version, profile=profile)
    return FileVerdict(file_path, not problems, problems)


# --------------------------------------------------------------------------- command line


@click.command("validate")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--version",
    "version",
    type=click.Choice(list(VERSIONS)),
    default=None,
    help="Check against this VoiceXML version instead of each file's version attribute.",
)
@click.option(
    "--profile",
    type=click.Choice(list(PROFILES)),
    default="plum",
    show_default=True,
    help="plum also accepts Plum DEV's <data> extensions; standard is the W3C language only.",
)
def validate_command(files: Iterable[Path], version: str | None, profile: str) -> None:
    """Check VoiceXML FILES against VoiceXML 2.0 or 2.1.

    One line per file: "PATH: valid" or "PATH: invalid: LINE: REASON". Exit status 0
    when every file is valid, 1 when any is invalid (including files that are not
    well-formed XML), 2 for usage errors and files that cannot be read.
    """
    invalid = unreadable = False
    for path in files:
        verdict = validate_file(path, version=version, profile=profile)
        if verdict.error is not None:
            unreadable = True
            click.echo(f"{path}: unreadable: {verdict.error}")
        elif verdict.valid:
            click.echo(f"{path}: valid")
        else:
            invalid = True
            first = verdict.problems[0]
            more = len(verdict.problems) - 1
            suffix = f" (and {more} more)" if more > 0 else ""
            click.echo(f"{path}: invalid: {first}{suffix}")
    if unreadable or invalid:
        click.get_current_context().exit(2 if unreadable else 1)
