"""SRGS 1.0 grammars in XML form: parsing, compiling to a backtracking matcher, matching.

A grammar is compiled once into nested Python closures in continuation-passing style: each
expansion is a function ``(tokens, position, trace, then)`` that tries its ways of matching
from ``position`` in order and calls ``then`` with the new position for each, returning the
first complete parse. Alternatives are tried in document order, repeats greedily (most
repetitions first), so the first complete parse wins. The trace is an immutable linked list of
what the parse went through (tokens, tags, rule entries and exits), turned into a parse tree for
semantic interpretation only once a parse is complete.

Supported: ``root``, ``mode``, ``tag-format``, ``xml:base``; rules with public/private scope;
``<ruleref>`` to local rules (``#id``), to other grammars (``other.grxml#id`` or the root of
``other.grxml``, fetched through ``load``), to builtin grammars (``builtin:dtmf/digits``) and
the special rules NULL, VOID and GARBAGE; ``<one-of>``, ``<item repeat>`` (``n``, ``n-m``,
``n-``), ``<token>``, ``<tag>``; weights, ``repeat-prob``, ``xml:lang``, ``<example>``,
``<meta>``, ``<metadata>`` and ``<lexicon>`` are accepted and ignored. Grammars in the ABNF
form are translated to this XML form first (:mod:`vxmlkit.browser.abnf`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin

from lxml import etree

from vxmlkit.browser import simple_tags
from vxmlkit.browser.abnf import is_abnf, parse_abnf
from vxmlkit.browser.builtins import BuiltinGrammar, builtin_grammar
from vxmlkit.browser.grammar_base import (
    DTMF_KEYS,
    Grammar,
    GrammarError,
    Match,
    UnsupportedFormatError,
    dtmf_tokens,
    voice_tokens,
)
from vxmlkit.browser.sisr import (
    LEGACY,
    LITERAL,
    SCRIPT,
    TagEvaluator,
    TagScript,
    check_tag_syntax,
    private_evaluator,
)

__all__ = ["SRGS_NAMESPACE", "SrgsGrammar", "check_grammar_type", "srgs_grammar"]

SRGS_NAMESPACE = "http://www.w3.org/2001/06/grammar"
VXML_NAMESPACE = "http://www.w3.org/2001/vxml"
_GRAMMAR_NAMESPACES = frozenset({SRGS_NAMESPACE, VXML_NAMESPACE, ""})
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_IGNORED_ELEMENTS = frozenset({"example", "meta", "metadata", "lexicon"})
_REPEAT = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d+)?)?\s*$")
_NON_NEGATIVE_NUMBER = re.compile(r"\s*(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
_SRGS_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_QUOTED_STRING = re.compile(r"""\s*(['"])([^'"\\]*)\1\s*;?\s*""")
_TAG_FORMATS = {"semantics/1.0": SCRIPT, "semantics/1.0-literals": LITERAL, "semantics/1.0.2006": SCRIPT}

# Trace events, kept as (kind, payload, previous) cells.
_TOKEN, _TAG, _OPEN, _CLOSE, _VALUE = range(5)

# Matching sentinels appended after the input tokens.
_END = object()  # plain matching: nothing matches past the input
_MORE = object()  # prefix test: reaching here means more input could continue the parse
_PREFIX = ("prefix",)

Trace = tuple[int, Any, Any] | None
Then = Callable[[int, Trace], Any]
Matcher = Callable[[tuple[Any, ...], int, Trace, Then], Any]

# The media types of SRGS (XML and ABNF forms) and the older names documents still use
_SRGS_TYPES = frozenset(
    (
        "application/srgs+xml", "application/srgs", "application/grammar+xml", "application/x-srgs+xml",
        "application/grammar-xml", "application/xml", "text/xml",
    )
)  # fmt: skip

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)


@dataclass(slots=True)
class _Document:
    """One SRGS grammar document: where it came from and its rule elements by id."""

    url: str | None
    mode: str
    root: str | None
    tag_format: str
    rules: dict[str, etree._Element]
    prologue: str = ""
    """The grammar-level tags, run before each rule tag of this grammar."""

    def where(self, element: etree._Element | None = None) -> str:
        place = f"grammar {self.url}" if self.url else "grammar"
        line = getattr(element, "sourceline", None)
        return f"{place} line {line}" if line else place


_LOCAL_NAMES: dict[str, str] = {}


def _localname(element: etree._Element) -> str:
    """The element's name: the local name in the SRGS or VoiceXML namespace, else ``{ns}name``."""
    tag = element.tag
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        name = local if namespace in _GRAMMAR_NAMESPACES else tag
        if len(_LOCAL_NAMES) < 1024:
            _LOCAL_NAMES[tag] = name
    return name


def check_grammar_type(media_type: str | None, where: str = "grammar") -> None:
    """Raise :class:`UnsupportedFormatError` for a ``type`` naming a format other than SRGS."""
    if media_type is None:
        return
    name = media_type.split(";", 1)[0].strip().lower()
    if name and name not in _SRGS_TYPES:
        raise UnsupportedFormatError(f"{where}: type {media_type!r} is not an SRGS grammar format (application/srgs+xml or application/srgs)")


def _grammar_element(content: bytes | str, where: str) -> etree._Element:
    """The ``<grammar>`` element of a grammar document in either SRGS form (XML or ABNF)."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    if is_abnf(text):
        return parse_abnf(text)
    if not text.lstrip("\ufeff \t\r\n").startswith("<"):
        first = text.strip().splitlines()[0][:40] if text.strip() else ""
        raise UnsupportedFormatError(f"{where}: neither SRGS XML nor SRGS ABNF (it starts {first!r})")
    try:
        return etree.fromstring(content.encode() if isinstance(content, str) else content, _PARSER)
    except etree.XMLSyntaxError as error:
        raise GrammarError(f"{where}: not well-formed XML: {error}") from error


def _inline_abnf(element: etree._Element) -> etree._Element | None:
    """An inline ``<grammar type="application/srgs">`` (or one whose text is ABNF), read as XML."""
    text = "".join(element.itertext())
    if element.get("type", "").strip() != "application/srgs" and not is_abnf(text):
        return None
    converted = parse_abnf(text)
    if element.get("mode") and converted.get("mode") is None:
        converted.set("mode", element.get("mode", ""))
    return converted


class _Compiler:
    """Compiles the rules of one grammar and of the grammars it references."""

    def __init__(self, mode: str | None, load: Callable[[str], bytes] | None) -> None:
        self.mode = mode
        self.load = load
        self.documents: dict[str, _Document] = {}
        self.cells: dict[tuple[int, str], list[Matcher | None]] = {}
        self.compiled: set[tuple[int, str]] = set()
        self.tags: dict[int, TagScript] = {}
        self.programs: dict[int, simple_tags.Program] = {}

    # -- documents ------------------------------------------------------------------------

    def read_document(self, element: etree._Element, url: str | None, mode: str | None) -> _Document:
        if _localname(element) == "grammar":
            converted = _inline_abnf(element)
            if converted is not None:
                element = converted
        if _localname(element) != "grammar":
            raise GrammarError(
                f"grammar line {element.sourceline}: expected a <grammar> element, found <{_localname(element)}>"
            )
        base = element.get(_XML_BASE)
        if base:
            url = urljoin(url or "", base)
        where = f"grammar {url}" if url else "grammar"
        resolved_mode = mode or element.get("mode", "voice").strip()
        if resolved_mode not in ("voice", "dtmf"):
            raise GrammarError(f"{where} line {element.sourceline}: mode {resolved_mode!r} is not voice or dtmf")
        tag_format_name = element.get("tag-format", "").strip()
        # Without a known tag-format, tags are read as the older VoiceXML 2.0 scripts (see sisr).
        tag_format = _TAG_FORMATS.get(tag_format_name, LEGACY)
        rules: dict[str, etree._Element] = {}
        declarations: list[str] = []
        document = _Document(url, resolved_mode, (element.get("root") or "").strip() or None, tag_format, rules)
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = _localname(child)
            if name == "rule":
                rule_id = (child.get("id") or "").strip()
                if not rule_id:
                    raise GrammarError(f"{document.where(child)}: <rule> without an id")
                if rule_id in ("NULL", "VOID", "GARBAGE"):
                    raise GrammarError(f"{document.where(child)}: rule id {rule_id!r} is reserved for a special rule")
                if rule_id in rules:
                    raise GrammarError(f"{document.where(child)}: rule {rule_id!r} is defined twice")
                scope = child.get("scope", "private")
                if scope not in ("public", "private"):
                    raise GrammarError(
                        f"{document.where(child)}: rule {rule_id!r} has scope {scope!r} (public or private)"
                    )
                rules[rule_id] = child
            elif name == "tag":
                declarations.append("".join(child.itertext()).strip())
            elif name in _IGNORED_ELEMENTS:
                continue
            else:
                raise GrammarError(f"{document.where(child)}: <{name}> is not allowed in <grammar>")
        if not rules and (element.text or "").strip():
            raise UnsupportedFormatError(
                f"{document.where(element)}: the grammar holds text but no <rule>: only SRGS XML grammars are supported"
            )
        if document.tag_format != LITERAL:
            document.prologue = ";\n".join(declarations)
        if document.root is not None and document.root not in rules:
            raise GrammarError(f"{document.where(element)}: root rule {document.root!r} is not defined")
        return document

    def fetch_document(self, url: str, where: str) -> _Document:
        if url in self.documents:
            return self.documents[url]
        if self.load is None:
            raise GrammarError(f"{where}: cannot fetch external grammar {url!r}: no loader given")
        element = _grammar_element(self.load(url), f"grammar {url}")
        document = self.read_document(element, url, None)
        if self.mode is not None and document.mode != self.mode:
            raise GrammarError(
                f"{where}: grammar {url} is {document.mode} mode, the referencing grammar is {self.mode}"
            )
        self.documents[url] = document
        return document

    # -- rules ----------------------------------------------------------------------------

    def rule_matcher(self, document: _Document, rule_id: str) -> Matcher:
        """A matcher that enters the rule (recording it in the trace), compiling it once."""
        key = (id(document), rule_id)
        cell = self.cells.setdefault(key, [None])
        if key not in self.compiled:
            self.compiled.add(key)
            element = document.rules[rule_id]
            body = self.sequence(document, element, rule_id)
            if body is None:
                raise GrammarError(f"{document.where(element)}: rule {rule_id!r} is empty")
            cell[0] = body

        def enter(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
            matcher = cell[0]
            assert matcher is not None
            return matcher(tokens, pos, (_OPEN, rule_id, trace), lambda end, inner: then(end, (_CLOSE, None, inner)))

        return enter

    def sequence(self, document: _Document, element: etree._Element, rule_id: str) -> Matcher | None:
        """The expansion of an element's content (text and children, in order), None when empty."""
        parts: list[Matcher] = []
        self.text_tokens(document, element.text, element, parts)
        for child in element:
            if isinstance(child.tag, str):
                matcher = self.expansion(document, child, rule_id)
                if matcher is not None:
                    parts.append(matcher)
            self.text_tokens(document, child.tail, element, parts)
        return _sequence(parts) if parts else None

    def text_tokens(self, document: _Document, text: str | None, element: etree._Element, parts: list[Matcher]) -> None:
        if not text or text.isspace():
            return
        if document.mode == "voice" and '"' not in text:
            # without quoted tokens the words are the tokens' words: one pass over the text
            words = voice_tokens(text)
            parts.extend(_token(word) for word in words) if words else parts.append(_null)
            return
        for quoted, bare in _SRGS_TOKEN.findall(text):
            self.token(document, quoted or bare, element, parts)

    def token(self, document: _Document, token: str, element: etree._Element, parts: list[Matcher]) -> None:
        if document.mode == "dtmf":
            for key in token.replace(" ", "").upper():
                if key not in DTMF_KEYS:
                    raise GrammarError(
                        f"{document.where(element)}: {token!r} is not a DTMF key sequence in a dtmf grammar"
                    )
                parts.append(_token(key))
            return
        # Speech tokens are matched, and reported, in their normalised (lower-case) form, so
        # "Chicago" in one grammar and "chicago" in another give the same utterance.
        words = voice_tokens(token)
        if not words:
            # Punctuation ("-", "?", "#"): spoken input carries none, so the token matches
            # where it stands without consuming a word.
            parts.append(_null)
        for word in words:
            parts.append(_token(word))

    def expansion(self, document: _Document, element: etree._Element, rule_id: str) -> Matcher | None:
        name = _localname(element)
        if name == "item":
            for attribute in ("weight", "repeat-prob"):
                value = element.get(attribute)
                if value is not None and not _NON_NEGATIVE_NUMBER.fullmatch(value):
                    raise GrammarError(f"{document.where(element)}: {attribute}={value!r} is not a non-negative number")
            body = self.sequence(document, element, rule_id)
            repeat = element.get("repeat")
            if body is None:
                body = _null
            if repeat is None:
                return body
            low, high = _parse_repeat(repeat, document.where(element))
            if high == 0:
                return _null
            if (low, high) == (1, 1):
                return body
            return _repeat(body, low, high)
        if name == "one-of":
            options: list[Matcher] = []
            for child in element:
                if not isinstance(child.tag, str):
                    continue
                if _localname(child) != "item":
                    raise GrammarError(
                        f"{document.where(child)}: <one-of> may hold only <item>, found <{_localname(child)}>"
                    )
                option = self.expansion(document, child, rule_id)
                options.append(option if option is not None else _null)
            if (element.text or "").strip() or any((child.tail or "").strip() for child in element):
                raise GrammarError(f"{document.where(element)}: text directly inside <one-of> must be wrapped in <item>")
            if not options:
                raise GrammarError(f"{document.where(element)}: <one-of> without any <item>")
            return options[0] if len(options) == 1 else _alternatives(options)
        if name == "token":
            parts: list[Matcher] = []
            text = " ".join((element.text or "").split())
            if not text:
                raise GrammarError(f"{document.where(element)}: empty <token>")
            self.token(document, text, element, parts)
            return _sequence(parts)
        if name == "tag":
            source = ("".join(element.itertext()) if len(element) else element.text or "").strip()
            tag_format = document.tag_format
            quoted = _QUOTED_STRING.fullmatch(source) if tag_format == LEGACY else None
            if quoted is not None:  # an older-style tag that is just a string: its value is the string
                source, tag_format = quoted.group(2), LITERAL
            script = TagScript(source, tag_format, document.where(element), document.prologue if tag_format != LITERAL else "")
            program = simple_tags.compile_tag(script)
            if program is not None:
                self.programs[script.number] = program
            else:  # a tag Python reads is valid ECMAScript already; others are checked in QuickJS
                check_tag_syntax(script)
            self.tags[script.number] = script
            return _tag(script.number)
        if name == "ruleref":
            return self.rule_reference(document, element, document.where(element))
        if name in _IGNORED_ELEMENTS:
            return None
        raise GrammarError(f"{document.where(element)}: <{name}> is not allowed inside rule {rule_id!r}")

    def rule_reference(self, document: _Document, element: etree._Element, where: str) -> Matcher:
        special = element.get("special")
        uri = element.get("uri")
        if (special is None) == (uri is None):
            raise GrammarError(f"{where}: <ruleref> needs exactly one of uri and special")
        if special is not None:
            special = special.strip()
            if special == "NULL":
                return _null
            if special == "VOID":
                return _void
            if special == "GARBAGE":
                return _garbage
            raise GrammarError(f"{where}: unknown special rule {special!r} (NULL, VOID or GARBAGE)")
        assert uri is not None
        uri = uri.strip()
        if uri.startswith("builtin:"):
            try:
                builtin = builtin_grammar(uri, mode=document.mode)
            except GrammarError as error:
                raise GrammarError(f"{where}: {error}") from error
            return _builtin_reference(builtin, document.mode)
        if uri.startswith("#"):
            target, rule_id = document, uri[1:]
            if rule_id not in target.rules:
                raise GrammarError(f"{where}: <ruleref uri={uri!r}> names an undefined rule")
            return self.rule_matcher(target, rule_id)
        address, fragment = urldefrag(urljoin(document.url or "", uri))
        if not address:
            raise GrammarError(f"{where}: cannot resolve grammar reference {uri!r}")
        target = self.fetch_document(address, where)
        if fragment:
            if fragment not in target.rules:
                raise GrammarError(f"{where}: rule {fragment!r} is not defined in grammar {address}")
            if target.rules[fragment].get("scope", "private") != "public":
                raise GrammarError(f"{where}: rule {fragment!r} of grammar {address} is private")
            return self.rule_matcher(target, fragment)
        if target.root is None:
            raise GrammarError(f"{where}: grammar {address} has no root rule to reference")
        return self.rule_matcher(target, target.root)


def _parse_repeat(value: str, where: str) -> tuple[int, int | None]:
    found = _REPEAT.match(value)
    if found is None:
        raise GrammarError(f"{where}: repeat={value!r} is not n, n-m or n-")
    low = int(found.group(1))
    if found.group(2) is None:
        return low, low
    if found.group(3) is None:
        return low, None
    high = int(found.group(3))
    if high < low:
        raise GrammarError(f"{where}: repeat={value!r} has its maximum below its minimum")
    return low, high


# -- matcher building blocks -------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _token(word: str) -> Matcher:
    """The matcher of one token (stateless: one per word, shared by every grammar)."""

    def match_token(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
        current = tokens[pos]
        if current == word:
            return then(pos + 1, (_TOKEN, word, trace))
        if current is _MORE:
            return _PREFIX
        return None

    match_token.first = frozenset({word})  # type: ignore[attr-defined]
    match_token.step = (_TOKEN, word)  # type: ignore[attr-defined]
    return match_token


def _flat(steps: tuple[tuple[int, Any], ...]) -> Matcher:
    """A run of tokens and tags (the usual ``<item>``): one matcher walking the steps, rather
    than a chain of closures."""

    def match_flat(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
        for kind, payload in steps:
            if kind == _TOKEN:
                current = tokens[pos]
                if current != payload:
                    return _PREFIX if current is _MORE else None
                pos += 1
            trace = (kind, payload, trace)
        return then(pos, trace)

    words = [payload for kind, payload in steps if kind == _TOKEN]
    if words:
        match_flat.first = frozenset((words[0],))  # type: ignore[attr-defined]
    return match_flat


def _sequence(parts: list[Matcher]) -> Matcher:
    if len(parts) > 1 and _null in parts:
        parts = [part for part in parts if part is not _null] or [_null]
    if len(parts) == 1:
        return parts[0]
    steps = [getattr(part, "step", None) for part in parts]
    if None not in steps:
        return _flat(tuple(steps))  # type: ignore[arg-type]
    first, rest = parts[0], _sequence(parts[1:])

    def match_sequence(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
        return first(tokens, pos, trace, lambda end, inner: rest(tokens, end, inner, then))

    _inherit_first(match_sequence, first)
    return match_sequence


def _first_tokens(matcher: Matcher) -> frozenset[str] | None:
    """The tokens a matcher must start with; None when unknown or when it can match nothing."""
    return getattr(matcher, "first", None)


def _inherit_first(matcher: Matcher, source: Matcher) -> None:
    first = _first_tokens(source)
    if first is not None:
        matcher.first = first  # type: ignore[attr-defined]


def _alternatives(options: list[Matcher]) -> Matcher:
    # Index the options by the token they start with, so a long <one-of> is not tried item by
    # item; options with unknown first tokens stay in every list, all in document order. Built
    # in one pass over the options (linear in the grammar's size, not words x options).
    firsts = [_first_tokens(option) for option in options]
    positions: dict[str, list[int]] = {}
    unknown_positions: list[int] = []
    for position, first in enumerate(firsts):
        if first is None:
            unknown_positions.append(position)
        else:
            for word in first:
                positions.setdefault(word, []).append(position)
    unknown = tuple(options[position] for position in unknown_positions)
    if unknown_positions:
        index = {word: tuple(options[p] for p in sorted(found + unknown_positions)) for word, found in positions.items()}
    else:
        index = {word: tuple(options[p] for p in found) for word, found in positions.items()}
    words = positions.keys()
    every = tuple(options)

    def match_one_of(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
        current = tokens[pos]
        candidates = every if current is _MORE else index.get(current, unknown)
        for option in candidates:
            result = option(tokens, pos, trace, then)
            if result is not None:
                return result
        return None

    if all(first is not None for first in firsts):
        match_one_of.first = frozenset(words)  # type: ignore[attr-defined]
    return match_one_of


def _repeat(body: Matcher, low: int, high: int | None) -> Matcher:
    def match_repeat(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
        def more(count: int, start: int, so_far: Trace) -> Any:
            if high is None or count < high:

                def after_one(end: int, inner: Trace) -> Any:
                    if end == start:  # an empty repetition: further ones would loop forever
                        return then(end, inner) if count + 1 >= low else more(count + 1, end, inner)
                    return more(count + 1, end, inner)

                result = body(tokens, start, so_far, after_one)
                if result is not None:
                    return result
            if count >= low:
                return then(start, so_far)
            return None

        return more(0, pos, trace)

    if low >= 1:
        _inherit_first(match_repeat, body)
    return match_repeat


@functools.lru_cache(maxsize=8192)
def _tag(number: int) -> Matcher:
    """The matcher of one tag (stateless: one per tag number)."""

    def match_tag(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
        return then(pos, (_TAG, number, trace))

    match_tag.step = (_TAG, number)  # type: ignore[attr-defined]
    return match_tag


def _null(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
    return then(pos, trace)


def _void(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
    return None


def _garbage(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
    last = len(tokens) - 1
    for end in range(pos, last + 1):
        result = then(end, _record_input(tokens, pos, end, trace))
        if result is not None:
            return result
    return _PREFIX if tokens[last] is _MORE else None


def _record_input(tokens: tuple[Any, ...], start: int, end: int, trace: Trace) -> Trace:
    for index in range(start, end):
        trace = (_TOKEN, tokens[index], trace)
    return trace


def _builtin_reference(builtin: BuiltinGrammar, mode: str) -> Matcher:
    joiner = "" if mode == "dtmf" else " "

    def match_builtin(tokens: tuple[Any, ...], pos: int, trace: Trace, then: Then) -> Any:
        last = len(tokens) - 1
        for end in range(last, pos, -1):
            found = builtin.match(joiner.join(tokens[pos:end]))
            if found is None:
                continue
            inner = _record_input(tokens, pos, end, (_OPEN, builtin.type_name, trace))
            result = then(end, (_CLOSE, None, (_VALUE, found.interpretation, inner)))
            if result is not None:
                return result
        if tokens[last] is _MORE and builtin.is_prefix(joiner.join(tokens[pos:last])):
            return _PREFIX
        return None

    return match_builtin


# -- the compiled grammar -----------------------------------------------------------------------


class SrgsGrammar(Grammar):
    """A compiled SRGS grammar; matching is thread-safe.

    Plain assignment tags run in Python (:mod:`vxmlkit.browser.simple_tags`); other tags run in
    QuickJS, in the context given to :meth:`match`, else the one given when compiling, else a
    private one per thread.
    """

    def __init__(
        self,
        mode: str,
        root: Matcher,
        tags: dict[int, TagScript],
        programs: dict[int, simple_tags.Program],
        tag_context: TagEvaluator | None,
    ) -> None:
        self.mode = mode
        self._root = root
        self._tags = tags
        self._programs = programs
        self._tag_context = tag_context

    def _tokens(self, text: str) -> tuple[str, ...] | None:
        if self.mode == "dtmf":
            return dtmf_tokens(text)
        return voice_tokens(text)

    def _run(self, tokens: tuple[Any, ...], then: Then) -> Any:
        try:
            return self._root(tokens, 0, None, then)
        except RecursionError as error:
            raise GrammarError(
                f"grammar recursion too deep at {len(tokens) - 1} input tokens: a left-recursive rule,"
                " or an input far longer than the grammar is meant for"
            ) from error

    def match(self, text: str, *, tag_context: TagEvaluator | None = None) -> Match | None:
        """Match the whole input; the first complete parse gives the interpretation (SISR)."""
        tokens = self._tokens(text)
        if not tokens:
            return None
        length = len(tokens)
        found = self._run(tokens + (_END,), lambda end, trace: (trace,) if end == length else None)
        if found is None:
            return None
        words: list[str] = []
        tags: list[int] = []
        has_values = False
        trace = found[0]
        while trace is not None:
            kind, payload, trace = trace
            if kind == _TOKEN:
                words.append(payload)
            elif kind == _TAG:
                tags.append(payload)
            elif kind == _VALUE:
                has_values = True
        words.reverse()
        utterance = ("" if self.mode == "dtmf" else " ").join(words)
        if not tags and not has_values:
            return Match(utterance, utterance)
        tree = _parse_tree(found[0], self.mode)
        if all(number in self._programs for number in tags):
            try:
                return Match(utterance, simple_tags.evaluate(tree, self._programs))
            except simple_tags.NotSimple:
                pass  # QuickJS gives the answer below
        evaluator = tag_context or self._tag_context or private_evaluator()
        return Match(utterance, evaluator.interpret(self._tags, tree))

    def is_prefix(self, text: str) -> bool:
        """Whether more input after ``text`` could still complete a match (DTMF interdigit logic)."""
        tokens = self._tokens(text)
        if tokens is None:
            return False
        return self._run(tokens + (_MORE,), lambda end, trace: None) is _PREFIX


def _parse_tree(trace: Trace, mode: str) -> dict[str, Any]:
    """A complete parse's trace -> nested ``{"r", "t", "c"}`` rule nodes (children: tag numbers and rule nodes)."""
    cells: list[tuple[int, Any, Any]] = []
    while trace is not None:
        cells.append(trace)
        trace = trace[2]
    joiner = "" if mode == "dtmf" else " "
    top: list[Any] = []
    children = top
    open_rules: list[tuple[dict[str, Any], int, list[Any]]] = []
    words: list[str] = []
    for kind, payload, _ in reversed(cells):
        if kind == _TOKEN:
            words.append(payload)
        elif kind == _TAG:
            children.append(payload)
        elif kind == _OPEN:
            node: dict[str, Any] = {"r": payload, "t": "", "c": []}
            children.append(node)
            open_rules.append((node, len(words), children))
            children = node["c"]
        elif kind == _CLOSE:
            node, start, children = open_rules.pop()
            node["t"] = joiner.join(words[start:])
        else:
            open_rules[-1][0]["v"] = payload
    root: dict[str, Any] = top[0]
    return root


def srgs_grammar(
    source: etree._Element | bytes | str,
    *,
    base_url: str | None = None,
    mode: str | None = None,
    load: Callable[[str], bytes] | None = None,
    tag_context: TagEvaluator | None = None,
    rule: str | None = None,
) -> SrgsGrammar:
    """Compile an SRGS grammar (XML form, or ABNF form read through :mod:`vxmlkit.browser.abnf`).

    ``source`` is a ``<grammar>`` element (SRGS namespace, or the VoiceXML namespace for a
    grammar written inline in a VoiceXML document; ``type="application/srgs"`` or text starting
    ``#ABNF`` is read as ABNF) or the bytes/text of an SRGS document in either form.
    ``mode`` overrides the grammar's own ``mode``. External rule references are resolved
    against ``base_url`` (or ``xml:base``) and fetched with ``load`` (each document once; the
    loader's own exceptions pass through). ``rule`` selects a public rule other than the root
    (a ``grammar.grxml#rule`` reference). ``tag_context`` runs tags in the caller's QuickJS
    context. Raises :class:`GrammarError` naming the problem and the line.
    """
    if mode not in (None, "dtmf", "voice"):
        raise GrammarError(f"grammar mode {mode!r} is not voice or dtmf")
    if isinstance(source, (bytes, str)):
        element = _grammar_element(source, f"grammar {base_url}" if base_url else "grammar")
    else:
        element = source
    compiler = _Compiler(mode, load)
    document = compiler.read_document(element, base_url, mode)
    compiler.mode = document.mode
    if base_url:
        compiler.documents[urldefrag(base_url)[0]] = document
    start = rule or document.root
    if start is None:
        raise GrammarError(f"{document.where(element)}: the grammar has no root attribute naming the rule to match")
    if start not in document.rules:
        raise GrammarError(f"{document.where(element)}: rule {start!r} is not defined")
    if rule is not None and rule != document.root and document.rules[rule].get("scope", "private") != "public":
        raise GrammarError(f"{document.where(element)}: rule {rule!r} is private")
    root = compiler.rule_matcher(document, start)
    for rule_id in document.rules:
        compiler.rule_matcher(document, rule_id)
    return SrgsGrammar(document.mode, root, compiler.tags, compiler.programs, tag_context)
