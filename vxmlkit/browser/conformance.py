"""Run the W3C VoiceXML Implementation Report tests against vxmlkit's interpreter.

A test is a ``.txml`` file: VoiceXML with elements in the conformance namespace
(``http://www.w3.org/2002/vxml-conformance``) that stand for the verdict (``conf:pass``,
``conf:fail``), for what the caller must do (``conf:speech``, ``conf:dtmf``, ``conf:noinput`` ...)
and for the grammars that recognise it (``conf:grammar``). :func:`transform` turns such a file
into plain VoiceXML the way the Implementation Report's transformation does: a pass becomes a
"pass" prompt and an exit, a failure a "fail" prompt (with the reason) and an exit, and each input
indicator a prompt that tells the caller what to say or press.

:func:`run_test` plays a test the way a human tester would: it dials the entry document, listens,
obeys the last instruction heard whenever the call waits for input, and reads the verdict from
what it heard. Documents a test loads (``next=``, ``src=``, ``application=``) are transformed as
they are fetched, so ``X.vxml`` and ``X.txml`` both name the transformed sibling ``X.txml``.
:func:`run_suite` finds the entry documents under files and folders, runs each one guarded, and
closes with ``N passed, N failed, N skipped``.
"""

from __future__ import annotations

import csv
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias
from urllib.parse import unquote, urlsplit

from lxml import etree

from vxmlkit.browser import (
    Browser,
    FetchError,
    FetchRequest,
    FetchResponse,
    FileFetcher,
    Input,
)

if TYPE_CHECKING:
    from vxmlkit.browser import InputRequest, Session

__all__ = [
    "CONF_NS",
    "ConformanceError",
    "SuiteResult",
    "TestCase",
    "TestOutcome",
    "case_id",
    "derive_inputs",
    "discover_tests",
    "instruction_input",
    "run_suite",
    "run_test",
    "skip_reason",
    "transform",
    "transform_file",
]

CONF_NS = "http://www.w3.org/2002/vxml-conformance"
"""The namespace of the conformance elements in ``.txml`` files."""

VXML_NS = "http://www.w3.org/2001/vxml"

TestStatus = Literal["passed", "failed", "skipped"]

# The tokens a test uses for speech, and the city names that stand for them: the name is what
# prompts say (conf:phrase, conf:speech) and its lower-case form is what grammars recognise.
TOKEN_NAMES: dict[str, str] = {
    "alpha": "Chicago",
    "bravo": "San Francisco",
    "charlie": "New York",
    "delta": "London",
    "echo": "Tokyo",
    "foxtrot": "Truth or Consequences",
    "golf": "Hackensack",
    "hotel": "Standardsville",
    "help": "help",
    "cancel": "cancel",
    "exit": "exit",
    "yes": "yes",
}

_TAPER_SUFFIXES = ("", " again", " one more time")


class ConformanceError(ValueError):
    """A ``.txml`` file that cannot be transformed: an unknown conformance element or token."""


# ---------------------------------------------------------------------------------------------
# The conf: transformation
# ---------------------------------------------------------------------------------------------


def transform(source: bytes | str, *, name: str = "<test>") -> bytes:
    """Turn the text of a ``.txml`` test into plain VoiceXML (UTF-8 bytes with a declaration).

    XML comments are dropped and every ``conf:`` element is replaced by the VoiceXML it stands
    for; everything else is copied unchanged. ``name`` only labels error messages.
    Raises :class:`ConformanceError` for an unknown conformance element or token, and
    ``lxml.etree.XMLSyntaxError`` for text that is not well-formed XML.
    """
    data = source.encode("utf-8") if isinstance(source, str) else source
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(data, parser)
    for comment in list(root.iter(etree.Comment)):
        _replace(comment, [])
    grammar_counter = iter(range(1, 1_000_000))
    # Last first, so a conf: element's conf: children are already expanded when it is.
    for element in reversed(list(root.iter(f"{{{CONF_NS}}}*"))):
        parent = element.getparent()
        if etree.QName(element).localname == "key" and parent is not None and parent.tag in (
            f"{{{CONF_NS}}}grammar",
            f"{{{CONF_NS}}}key",
        ):
            continue  # expanded by the grammar that holds it
        _replace(element, _expand(element, name, grammar_counter))
    etree.cleanup_namespaces(root)
    # The root alone: the comments around it (the copyright notice) are dropped like the rest.
    output: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return output


def transform_file(path: str | Path) -> bytes:
    """Transform the ``.txml`` file at ``path`` (see :func:`transform`)."""
    path = Path(path)
    return transform(path.read_bytes(), name=str(path))


_Item: TypeAlias = "etree._Element | str"


def _expand(element: etree._Element, name: str, counter: Iterator[int]) -> list[_Item]:
    """The VoiceXML nodes (elements and text) that stand for one conf: element."""
    local = etree.QName(element).localname
    parent = element.getparent()
    namespace = etree.QName(parent).namespace if parent is not None else VXML_NS
    make = _Maker(namespace)
    where = f"{name}, line {element.sourceline}"
    if local == "pass":
        return [make("prompt", "pass"), make("exit")]
    if local == "fail":
        return _expand_fail(element, make)
    if local == "comment":
        log = make("log")
        log.text = element.text
        for child in list(element):
            log.append(child)  # moving keeps the child's tail with it
        return [log]
    if local in ("speech", "dtmf"):
        value = _required(element, "value", where)
        if local == "speech":
            sentence = f"Say '{_token_name(value, where)}'"
        else:
            sentence = f"Press '{value}'"
        parent_name = etree.QName(parent).localname if parent is not None else ""
        tapered = parent_name not in ("nomatch", "noinput", "block")
        return _prompts(make, sentence, tapered)
    if local == "noinput":
        return _prompts(make, "No input expected. Say nothing", True, _duration(element))
    if local == "nomatch":
        return _prompts(make, "Say something unrecognizable", True, _duration(element))
    if local == "hangup":
        return [make("prompt", "Hang up now.")]
    if local == "recording":
        value = _required(element, "value", where)
        if value == "nonspeech":
            return _prompts(make, "Recite your favorite nursery rhyme", True)
        sentence = f"Recite a sentence containing the word '{_token_name(value, where)}'"
        return _prompts(make, sentence, True)
    if local == "phrase":
        return [_token_name(_required(element, "utterance", where), where)]
    if local == "grammar":
        return [_expand_grammar(element, make, next(counter), where)]
    if local == "key":
        raise ConformanceError(f"{where}: conf:key is only allowed inside conf:grammar")
    raise ConformanceError(f"{where}: unknown conformance element conf:{local}")


def _expand_fail(element: etree._Element, make: _Maker) -> list[_Item]:
    """conf:fail: a "fail" prompt, then the reason and the expression (logged and spoken), then exit.

    A reason given as the element's text (some tests write ``<conf:fail>why</conf:fail>``) counts
    as the ``reason`` attribute.
    """
    nodes: list[_Item] = [make("prompt", "fail")]
    reason = element.get("reason") or " ".join((element.text or "").split())
    if reason:
        nodes += [make("log", f"failure reason: {reason}"), make("prompt", reason)]
    expr = element.get("expr")
    if expr:
        log = make("log", "failure expression: ")
        log.append(make("value", expr=expr))
        prompt = make("prompt")
        prompt.append(make("value", expr=expr))
        nodes += [log, prompt]
    nodes.append(make("exit"))
    return nodes


def _expand_grammar(element: etree._Element, make: _Maker, number: int, where: str) -> etree._Element:
    """conf:grammar: a one-rule SRGS grammar that recognises the utterance of one token.

    The interpretation is the recognised text, or the ``interp`` literal, or the object the
    nested conf:key elements describe (each key a property, keys within keys nested objects).
    Tags use the SISR script format, so the result is assigned to ``out``.
    """
    utterance = _token_name(_required(element, "utterance", where), where).lower()
    rule_id = f"CityName{number}"
    grammar = make(
        "grammar",
        type="application/srgs+xml",
        root=rule_id,
        version="1.0",
        **{"tag-format": "semantics/1.0"},
    )
    rule = make("rule", id=rule_id, scope="public")
    one_of = make("one-of")
    item = make("item", utterance)
    keys = element.findall(f"{{{CONF_NS}}}key")
    script = ""
    if keys:
        script = "out = new Object(); " + "".join(_key_script(key, "out", where) for key in keys)
    elif element.get("interp") is not None:
        script = f"out = {_js_string(element.get('interp', ''))};"
    if script:
        item.append(make("tag", script))
    one_of.append(item)
    rule.append(one_of)
    grammar.append(rule)
    return grammar


def _key_script(key: etree._Element, path: str, where: str) -> str:
    """The SISR statements that set one conf:key (and its nested keys) under ``path``."""
    key_name = key.get("name")
    if not key_name or not re.fullmatch(r"[A-Za-z_$][\w$]*", key_name):
        raise ConformanceError(f"{where}: conf:key needs a name that is an ECMAScript identifier")
    target = f"{path}.{key_name}"
    if key.get("value") is not None:
        return f"{target} = {_js_string(key.get('value', ''))}; "
    nested = "".join(_key_script(child, target, where) for child in key.findall(f"{{{CONF_NS}}}key"))
    return f"{target} = new Object(); {nested}"


def _js_string(text: str) -> str:
    """An ECMAScript string literal for ``text``."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"


def _prompts(make: _Maker, sentence: str, tapered: bool, detail: str = "") -> list[_Item]:
    """The instruction prompt: once, or three times tapered by ``count`` (again, one more time)."""
    if not tapered:
        return [make("prompt", f"{sentence}{detail}.")]
    return [
        make("prompt", f"{sentence}{suffix}{detail}.", count=str(count))
        for count, suffix in enumerate(_TAPER_SUFFIXES, start=1)
    ]


def _duration(element: etree._Element) -> str:
    duration = element.get("duration")
    return f" for {duration} seconds" if duration else ""


def _required(element: etree._Element, attribute: str, where: str) -> str:
    value = element.get(attribute)
    if value is None:
        local = etree.QName(element).localname
        raise ConformanceError(f"{where}: conf:{local} needs the {attribute!r} attribute")
    return str(value)


def _token_name(token: str, where: str) -> str:
    try:
        return TOKEN_NAMES[token]
    except KeyError:
        known = ", ".join(TOKEN_NAMES)
        raise ConformanceError(f"{where}: unknown utterance token {token!r} (known: {known})") from None


class _Maker:
    """Creates elements in one namespace (the namespace of the element being replaced)."""

    def __init__(self, namespace: str | None) -> None:
        self.namespace = namespace

    def __call__(self, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
        qualified = f"{{{self.namespace}}}{tag}" if self.namespace else tag
        element = etree.Element(qualified, attrib=attributes)
        element.text = text
        return element


def _replace(node: etree._Element, items: Sequence[_Item]) -> None:
    """Put ``items`` (elements and text) where ``node`` is, keeping the text that follows it."""
    parent = node.getparent()
    if parent is None:
        raise ConformanceError("the root element cannot be a conformance element")
    index = parent.index(node)
    tail = node.tail
    parent.remove(node)  # lxml moves the tail with the node, so it is re-added below
    previous = parent[index - 1] if index > 0 else None
    for item in [*items, tail or ""]:
        if isinstance(item, str):
            if not item:
                continue
            if previous is None:
                parent.text = (parent.text or "") + item
            else:
                previous.tail = (previous.tail or "") + item
        else:
            parent.insert(index, item)
            index += 1
            previous = item


# ---------------------------------------------------------------------------------------------
# Fetching: .txml transformed on the way in
# ---------------------------------------------------------------------------------------------

SUITE_BASE_URL = "http://localhost/vxml/"
"""Where the Implementation Report expects its documents to be served; mapped to the test's folder."""


class ConformanceFetcher:
    """Reads test documents from disk and transforms ``.txml`` ones as they are fetched.

    ``X.vxml`` that does not exist names the transformed ``X.txml`` beside it (the suite refers to
    its documents by their published ``.vxml`` names). URLs under :data:`SUITE_BASE_URL` are read
    from ``folder``, the folder the suite is deployed from. Any other HTTP(S) URL fails at once
    with error.badfetch: the suite runs offline.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._files = FileFetcher()
        self._cache: dict[Path, bytes] = {}

    def fetch(self, request: FetchRequest) -> FetchResponse:
        """Answer one request (see the class docstring)."""
        path = self._local_path(request.url)
        if path is None:
            raise FetchError(f"{request.url} is not part of the test suite, which runs offline", url=request.url)
        if path.suffix == ".vxml" and not path.exists() and path.with_suffix(".txml").exists():
            path = path.with_suffix(".txml")
        if not path.is_file():
            # As the web server the suite was written for would answer (some tests expect
            # error.badfetch.http.404).
            raise FetchError(f"HTTP 404 Not Found: {path}", url=request.url, status=404)
        if path.suffix != ".txml":
            answer = self._files.fetch(FetchRequest(url=str(path)))
            return FetchResponse(url=request.url, status=answer.status, content_type=answer.content_type, body=answer.body)
        body = self._cache.get(path)
        if body is None:
            try:
                body = transform_file(path)
            except OSError as exc:
                raise FetchError(f"cannot read {path}: {exc.strerror or exc}", url=request.url) from exc
            except (etree.XMLSyntaxError, ConformanceError) as exc:
                raise FetchError(f"cannot transform {path}: {exc}", url=request.url) from exc
            self._cache[path] = body
        return FetchResponse(url=request.url, status=200, content_type="application/voicexml+xml", body=body)

    def _local_path(self, url: str) -> Path | None:
        url = url.split("#", 1)[0].split("?", 1)[0]
        if url.startswith(SUITE_BASE_URL):
            return self.folder / unquote(url[len(SUITE_BASE_URL):])
        if url.startswith("file:"):
            return Path(unquote(urlsplit(url).path))
        if "://" in url:
            return None
        return Path(url)


# ---------------------------------------------------------------------------------------------
# Finding the tests and what they need
# ---------------------------------------------------------------------------------------------

# Tests whose verdict is what a listener heard from a real audio file.
LISTENER_VERDICTS: dict[str, str] = {
    "vxml-2.0/369": "real audio needed: the verdict is whether the caller heard the recording 369.wav "
    "say 'this is a test', which takes a listener and audio playback",
    "vxml-2.0/371": "real audio needed: the verdict is whether the caller heard the recording 371.wav "
    "say 'this is a test' (371.wav is not in the partial copy either)",
}

# Test files in this copy of the suite that are broken as copied.
DEFECTIVE_TESTS: dict[str, str] = {
    "vxml-2.0/a59leaf": "defective test file: its root element is in the namespace "
    "http://www.w3.org/2001/txml (a typo for http://www.w3.org/2001/vxml), so it is not a "
    "VoiceXML document and no conforming interpreter loads it; _index.tsv marks it invalid too",
    "vxml-2.0/assert163": "defective test file: line 85 has a stray <log> directly inside <field>, "
    "where VoiceXML does not allow it (_index.tsv marks the file invalid after transformation), so "
    "a conforming interpreter rejects the document with error.badfetch before the test begins",
}

# Absent documents a test refers to on purpose, or whose absence leaves the verdict unchanged.
EXPECTED_MISSING: dict[str, str] = {
    "notExist.vxml": "named to be absent: the test expects error.badfetch",
    "1001NextAndNextItem.vxml": "the test expects error.badfetch from this goto (the original is a "
    "malformed document); an absent document raises the same event",
}

# How a transfer ends, from each test's "Test environment requirements" comment.
TRANSFER_SCRIPTS: dict[str, str] = {
    "vxml-2.0/288": "transfer:far_end_disconnect",  # the destination answers, then hangs up first
    "vxml-2.0/290": "say:chicago",  # the originator says Chicago to disconnect the callee
    "vxml-2.0/295": "transfer:noanswer",
    "vxml-2.0/296": "transfer:maxtime_disconnect",
    "vxml-2.0/300": "hangup",  # the originator hangs up during the bridged call
    "vxml-2.0/301": "transfer:busy",
    "vxml-2.0/302": "transfer:network_busy",
}

_DOCUMENT_REFERENCE = re.compile(r"^[\w./:%~+-]+\.(?:txml|vxml)(?:#[\w.-]*)?$")
_REFERENCE_ATTRIBUTES = ("next", "src", "application")
_LITERAL = re.compile(r"^\s*(['\"])(.*)\1\s*$", re.DOTALL)


@dataclass(frozen=True)
class TestCase:
    """One entry document of the suite, with what the index says about it."""

    __test__ = False  # not a pytest test class, whatever its name

    id: str
    path: Path
    assertion: str = ""
    input_kind: str = ""


@dataclass
class TestOutcome:
    """The result of one test: ``passed``, ``failed`` (with its cause) or ``skipped`` (with the reason)."""

    __test__ = False

    id: str
    path: Path
    status: TestStatus
    reason: str = ""
    transcript_text: str = ""
    seconds: float = 0.0
    assertion: str = ""
    input_kind: str = ""

    def line(self) -> str:
        """``ID PATH: passed``, ``ID PATH: failed: CAUSE`` or ``ID PATH: skipped: REASON``."""
        text = f"{self.id} {self.path}: {self.status}"
        return f"{text}: {self.reason}" if self.reason and self.status != "passed" else text

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "path": str(self.path),
            "status": self.status,
            "reason": self.reason,
            "assertion": self.assertion,
            "input_kind": self.input_kind,
            "seconds": round(self.seconds, 4),
        }


@dataclass
class SuiteResult:
    """All outcomes of a run, in the order the tests ran."""

    outcomes: list[TestOutcome] = field(default_factory=list)

    def count(self, status: TestStatus) -> int:
        """How many tests ended with ``status``."""
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    def summary_line(self) -> str:
        """``N passed, N failed, N skipped``."""
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict: the counts and every outcome."""
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "summary": self.summary_line(),
            "tests": [outcome.to_json() for outcome in self.outcomes],
        }


def case_id(path: Path) -> str:
    """``vxml-2.0/1001`` for a test under a ``vxml-2.0`` folder, else the file's stem."""
    for parent in path.resolve().parents:
        if re.fullmatch(r"vxml-\d+\.\d+", parent.name):
            return f"{parent.name}/{path.stem}"
    return path.stem


def discover_tests(paths: Iterable[str | Path]) -> list[TestCase]:
    """The tests under ``paths``: files as given, folders searched recursively for ``.txml``.

    In a folder, only entry documents are tests: a ``.txml`` that a sibling loads (``next=``,
    ``src=``, ``application=``, or a document name in an ``expr``) is part of that sibling's test.
    A file named on its own is run even when it is such a part. Raises FileNotFoundError for a
    path that does not exist.
    """
    cases: list[TestCase] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        if path.is_file():
            found = [path]
        else:
            candidates = sorted(path.rglob("*.txml"), key=_natural_key)
            loaded = _loaded_by_siblings(candidates)
            found = [candidate for candidate in candidates if candidate.resolve() not in loaded]
        for test_path in found:
            resolved = test_path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            row = _index_row(resolved)
            cases.append(
                TestCase(
                    id=case_id(test_path),
                    path=test_path,
                    assertion=row.get("inferred_assertion", ""),
                    input_kind=row.get("input_kind", ""),
                )
            )
    return cases


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", str(path))]


@dataclass(frozen=True)
class _Reference:
    """A document one test file names: where, how, and the file it resolves to."""

    source: Path
    text: str
    attribute: str
    element: str
    line: int | None
    target: Path | None  # None for a URL outside the suite


def _references(path: Path) -> list[_Reference]:
    """The documents (``.vxml``/``.txml``) that the file at ``path`` names literally."""
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return []
    found: list[_Reference] = []
    for element in root.iter(etree.Element):
        for attribute, value in element.attrib.items():
            if attribute in _REFERENCE_ATTRIBUTES:
                text = value.strip()
            elif attribute in ("expr", "srcexpr"):
                literal = _LITERAL.match(value)
                if literal is None:
                    continue
                text = literal.group(2).strip()
            else:
                continue
            if not _DOCUMENT_REFERENCE.match(text):
                continue
            target = _reference_target(path, text)
            if target is not None and target == path.resolve():
                continue  # a jump within the same document
            found.append(
                _Reference(path, text, attribute, etree.QName(element).localname, element.sourceline, target)
            )
    return found


def _reference_target(source: Path, text: str) -> Path | None:
    """The file a reference names (``X.vxml`` read as ``X.txml`` when only that exists)."""
    location = text.split("#", 1)[0]
    if location.startswith(SUITE_BASE_URL):
        location = location[len(SUITE_BASE_URL):]
    elif "://" in location:
        return None
    target = (source.parent / unquote(location)).resolve()
    if target.suffix == ".vxml" and not target.exists() and target.with_suffix(".txml").exists():
        return target.with_suffix(".txml")
    return target


def _loaded_by_siblings(paths: Sequence[Path]) -> set[Path]:
    loaded: set[Path] = set()
    for path in paths:
        loaded.update(ref.target for ref in _references(path) if ref.target is not None)
    return loaded


def _closure(entry: Path) -> tuple[list[Path], list[_Reference]]:
    """The documents a test reaches (entry first) and the references to documents that are absent."""
    order = [entry.resolve()]
    missing: list[_Reference] = []
    index = 0
    while index < len(order):
        for ref in _references(order[index]):
            if ref.target is None:
                continue
            if not ref.target.exists():
                missing.append(ref)
            elif ref.target.suffix == ".txml" and ref.target not in order:
                order.append(ref.target)
        index += 1
    return order, missing


_INDEX_CACHE: dict[Path, dict[Path, dict[str, str]]] = {}


def _index_row(path: Path) -> dict[str, str]:
    """The ``_index.tsv`` row for a test file, from the nearest folder above it that has one."""
    for folder in path.parents:
        index_file = folder / "_index.tsv"
        if index_file.is_file():
            rows = _INDEX_CACHE.get(index_file)
            if rows is None:
                with index_file.open(newline="", encoding="utf-8") as handle:
                    rows = {
                        (folder / row["file"]).resolve(): row
                        for row in csv.DictReader(handle, delimiter="\t")
                        if row.get("file")
                    }
                _INDEX_CACHE[index_file] = rows
            return rows.get(path, {})
    return {}


def skip_reason(case: TestCase) -> str | None:
    """Why ``case`` cannot run here, or None when it can."""
    if case.id in LISTENER_VERDICTS:
        return LISTENER_VERDICTS[case.id]
    if case.id in DEFECTIVE_TESTS:
        return DEFECTIVE_TESTS[case.id]
    _, missing = _closure(case.path)
    for ref in missing:
        name = ref.text.split("#", 1)[0].rsplit("/", 1)[-1]
        if name in EXPECTED_MISSING:
            continue
        role = {
            "application": "its application root document",
            "src": f"the document its <{ref.element}> loads",
            "next": f"the document its <{ref.element}> goes to",
        }.get(ref.attribute, f"the document named by <{ref.element} {ref.attribute}>")
        return (
            f"needs {ref.text} ({role}, {ref.source.name} line {ref.line}), "
            "which is not in the partial copy of the suite"
        )
    return None


def derive_inputs(case: TestCase | str | Path) -> list[Input]:
    """What the caller must do, in document order over the test's documents (entry first).

    From conf:speech (say the city the token stands for), conf:dtmf (press the keys),
    conf:noinput, conf:nomatch, conf:hangup and conf:recording, plus the transfer outcome that a
    transfer test's environment requirements describe.
    """
    if not isinstance(case, TestCase):
        case = TestCase(id=case_id(Path(case)), path=Path(case))
    inputs: list[Input] = []
    documents, _ = _closure(case.path)
    for document in documents:
        try:
            root = etree.parse(str(document), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        except (OSError, etree.XMLSyntaxError):
            continue  # the interpreter reports an unreadable document when it fetches it
        for element in root.iter(f"{{{CONF_NS}}}*"):
            local = etree.QName(element).localname
            value = element.get("value", "")
            if local == "speech" and value in TOKEN_NAMES:
                inputs.append(Input.speech(TOKEN_NAMES[value].lower()))
            elif local == "dtmf" and value:
                inputs.append(Input.dtmf(value))
            elif local == "noinput":
                inputs.append(Input.noinput())
            elif local == "nomatch":
                inputs.append(Input.nomatch())
            elif local == "hangup":
                inputs.append(Input.hangup())
            elif local == "recording":
                inputs.append(Input.recording(5.0))
    if case.id in TRANSFER_SCRIPTS:
        inputs.append(Input.parse(TRANSFER_SCRIPTS[case.id]))
    return inputs


# ---------------------------------------------------------------------------------------------
# The caller: obeys what it hears, else follows the script
# ---------------------------------------------------------------------------------------------

_CITY = "|".join(re.escape(name) for name in sorted(set(TOKEN_NAMES.values()), key=len, reverse=True))
_INSTRUCTION = re.compile(
    rf"Say '(?P<say>[^']+)'"
    rf"|Press '(?P<press>[^']+)'"
    rf"|(?P<noinput>No input expected|Say nothing)"
    rf"|(?P<nomatch>Say something unrecognizable)"
    rf"|(?P<hangup>Hang up now)"
    rf"|(?P<recite>Recite (?:a sentence|your favorite nursery rhyme))"
    # a few tests ask in their own words: "Say New York."
    rf"|\bSay (?P<city>{_CITY})\b"
)

_SILENCES_BEFORE_HANGING_UP = 3


def instruction_input(heard: Iterable[str]) -> Input | None:
    """The input that the last instruction prompt in ``heard`` asks for, or None.

    Instructions are the prompts :func:`transform` writes: "Say 'Chicago'.", "Press '1'.",
    "No input expected ...", "Say something unrecognizable ...", "Hang up now.", "Recite ...",
    and the ones some tests write themselves: "Say nothing.", "Say New York.".
    """
    matches = list(_INSTRUCTION.finditer(" ".join(heard)))
    if not matches:
        return None
    last = matches[-1]
    if last.group("say") or last.group("city"):
        return Input.speech((last.group("say") or last.group("city")).lower())
    if last.group("press"):
        return Input.dtmf(last.group("press"))
    if last.group("noinput"):
        return Input.noinput()
    if last.group("nomatch"):
        return Input.nomatch()
    if last.group("hangup"):
        return Input.hangup()
    return Input.recording(5.0)


class ScriptedCaller:
    """Plays the tester's part: what to do each time the call waits.

    The last instruction heard since the previous input wins (it is also crossed off the
    script); with none, the next input of the script; with the script used up, the defaults:
    a recording for ``<record>``, a callee that answers and later hangs up for ``<transfer>``,
    and silence for anything else, until the caller hangs up after three silences in a row.
    """

    def __init__(self, script: Sequence[Input]) -> None:
        self.script = list(script)
        self.silences = 0

    def respond(self, waiting: InputRequest, heard: Sequence[str]) -> Input:
        """The input for a call that waits for ``waiting``, having heard ``heard`` since the last input."""
        action = instruction_input(heard)
        if action is not None:
            if action in self.script:
                self.script.remove(action)
        elif self.script:
            action = self.script.pop(0)
        else:
            kind = waiting.kind
            if kind == "record":
                action = Input.recording(2.0)
            elif kind == "transfer":
                action = Input.transfer("far_end_disconnect")
            elif self.silences < _SILENCES_BEFORE_HANGING_UP:
                action = Input.noinput()
            else:
                action = Input.hangup()
        self.silences = self.silences + 1 if action.kind == "noinput" else 0
        return action


# ---------------------------------------------------------------------------------------------
# Running tests
# ---------------------------------------------------------------------------------------------

_WORDS = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def _in_order(heard: str, phrases: Sequence[str]) -> str | None:
    """None when every phrase occurs in ``heard`` in order (word by word), else what is missing."""
    words = _words(heard)
    position = 0
    for phrase in phrases:
        wanted = _words(phrase)
        for start in range(position, len(words) - len(wanted) + 1):
            if words[start : start + len(wanted)] == wanted:
                position = start + len(wanted)
                break
        else:
            return f"did not hear {phrase!r} (in order) in {' '.join(words)!r}"
    return None


_CHOICES = ("alpha", "bravo", "charlie", "delta")

# Tests without conf:pass whose comment tells the tester how to judge them: the check reads the
# session and answers None for a pass, or what was wrong. The call must also end by exit with no
# "fail" heard.
MANUAL_VERDICTS: dict[str, tuple[str, Callable[[Session], str | None]]] = {
    "vxml-2.0/216": (
        "the caller hears the choices alpha, bravo, charlie, delta in document order",
        lambda session: _in_order(" ".join(session.prompts), _CHOICES),
    ),
    "vxml-2.0/217": (
        "the caller hears each choice with its key through the <enumerate> template",
        lambda session: _in_order(
            " ".join(session.prompts), [f"for {choice} press {key}" for key, choice in enumerate(_CHOICES, 1)]
        ),
    ),
    "vxml-2.0/218": (
        "the caller hears the choices alpha, bravo, charlie, delta in document order",
        lambda session: _in_order(" ".join(session.prompts), _CHOICES),
    ),
    "vxml-2.0/219": (
        "after the first noinput, the caller hears alpha, bravo, charlie, delta in document order",
        lambda session: _in_order(" ".join(session.prompts), ["no input expected", *_CHOICES]),
    ),
    "vxml-2.0/assert113": ("the call ends by <exit>, not a disconnect", lambda session: None),
    "vxml-2.0/assert165": ("the call ends by the implicit exit, not a disconnect", lambda session: None),
}


def run_test(
    case: TestCase | str | Path,
    *,
    max_steps: int = 10_000,
    eval_timeout: float = 1.0,
    max_inputs: int = 50,
    time_limit: float | None = 30.0,
) -> TestOutcome:
    """Run one test and judge it.

    The test passes when the first verdict the caller hears is "pass" and the call then ends by
    exit (for the few tests judged by ear, see :data:`MANUAL_VERDICTS`). It fails otherwise, with
    the cause: the failure reason heard, the error event, how the call ended, or the
    interpreter's exception. It is skipped, with the reason, when it cannot run here.
    ``time_limit`` (seconds of wall-clock time, enforced in the main thread on POSIX) stops a
    test that hangs; ``max_inputs`` bounds how often the caller answers.
    """
    if not isinstance(case, TestCase):
        path = Path(case)
        row = _index_row(path.resolve())
        case = TestCase(case_id(path), path, row.get("inferred_assertion", ""), row.get("input_kind", ""))
    started = time.perf_counter()
    reason = skip_reason(case)
    if reason is not None:
        return TestOutcome(
            case.id, case.path, "skipped", reason, assertion=case.assertion, input_kind=case.input_kind
        )
    session: Session | None = None
    try:
        with _time_limit(time_limit):
            browser = Browser(ConformanceFetcher(case.path.parent), max_steps=max_steps, eval_timeout=eval_timeout)
            caller = ScriptedCaller(derive_inputs(case))
            session = browser.dial(str(case.path))
            heard_before = 0
            inputs = 0
            while session.ended is None and session.waiting is not None:
                if inputs >= max_inputs:
                    session.hang_up()
                    break
                heard = session.prompts[heard_before:]
                heard_before = len(session.prompts)
                action = caller.respond(session.waiting, heard)
                try:
                    session.send(action)
                except ValueError as exc:
                    raise _CallerMismatch(f"the caller's {action.describe()} does not fit the wait: {exc}") from exc
                inputs += 1
            status, cause = _judge(case, session)
    except _CallerMismatch as exc:
        status, cause = "failed", str(exc)
    except _TestTimeout as exc:
        status, cause = "failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash of the interpreter fails this test, not the run
        status, cause = "failed", f"interpreter crashed: {_last_traceback_line(exc)}"
    transcript = ""
    if session is not None:
        try:
            transcript = session.transcript_text()
        except Exception as exc:  # noqa: BLE001 - the outcome matters more than its transcript
            transcript = f"(transcript unavailable: {_last_traceback_line(exc)})"
    seconds = time.perf_counter() - started
    return TestOutcome(
        case.id, case.path, status, cause, transcript, seconds, assertion=case.assertion, input_kind=case.input_kind
    )


class _CallerMismatch(Exception):
    """The scripted caller's input cannot answer what the call waits for."""


class _TestTimeout(BaseException):
    """A test ran past its wall-clock limit (a BaseException, so no handler inside swallows it)."""


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise _TestTimeout in the block after ``seconds`` (main thread on POSIX only; else no limit)."""
    if seconds is None or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _TestTimeout(f"the test ran longer than {seconds:g} s and was stopped")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _judge(case: TestCase, session: Session) -> tuple[TestStatus, str]:
    """The verdict of a finished (or abandoned) call, from what the document said."""
    # "unheard" prompts were played after the caller had gone (a handler of
    # connection.disconnect.*): the document still reached them, so they count for the verdict.
    said = [
        (entry.kind, " ".join(entry.text.split()))
        for entry in session.transcript
        if entry.kind in ("heard", "unheard")
    ]
    verdict_at = next((i for i, (_, text) in enumerate(said) if text.lower() in ("pass", "fail")), None)
    ended = session.ended
    if verdict_at is not None:
        kind, verdict = said[verdict_at]
        if verdict.lower() == "fail":
            details = "; ".join(text for _, text in said[verdict_at + 1 : verdict_at + 3] if text)
            return "failed", f"heard fail: {details}" if details else "heard fail"
        if ended == "exit" or (kind == "unheard" and ended in ("hangup", "disconnect", "transfer")):
            return "passed", ""
    manual = MANUAL_VERDICTS.get(case.id)
    if manual is not None and verdict_at is None and ended == "exit":
        problem = manual[1](session)
        return ("passed", "") if problem is None else ("failed", f"{manual[0]}: {problem}")
    if session.error:
        message = f": {session.error_message}" if session.error_message else ""
        return "failed", f"ended by {session.error}{message}"
    last = _last_heard([text for _, text in said])
    if verdict_at is not None:
        return "failed", f"heard pass, but the call ended by {ended} instead of exit"
    if ended is None:
        return "failed", f"the call did not end (waiting for {getattr(session.waiting, 'kind', 'nothing')}); {last}"
    return "failed", f"ended by {ended} without a verdict; {last}"


def _last_heard(prompts: Sequence[str]) -> str:
    if not prompts:
        return "heard nothing"
    return f"last heard {prompts[-1][:120]!r}"


def _last_traceback_line(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    text = lines[-1].strip() if lines else repr(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        frame = frames[-1]
        text += f" (at {Path(frame.filename).name}:{frame.lineno} in {frame.name})"
    return text


def run_suite(
    paths: Iterable[str | Path],
    *,
    on_outcome: Callable[[TestOutcome], None] | None = None,
    max_steps: int = 10_000,
    eval_timeout: float = 1.0,
    time_limit: float | None = 30.0,
) -> SuiteResult:
    """Run every test under ``paths`` (files, or folders searched recursively for ``.txml``).

    Each test is guarded: an exception in the interpreter fails that test and the run goes on.
    ``on_outcome`` is called after each test (to print progress). The other options are
    :func:`run_test`'s.
    """
    result = SuiteResult()
    for case in discover_tests(paths):
        try:
            outcome = run_test(case, max_steps=max_steps, eval_timeout=eval_timeout, time_limit=time_limit)
        except Exception as exc:  # noqa: BLE001 - the guard of last resort: one test never stops the run
            cause = f"runner error: {_last_traceback_line(exc)}"
            outcome = TestOutcome(
                case.id, case.path, "failed", cause, assertion=case.assertion, input_kind=case.input_kind
            )
        result.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return result
