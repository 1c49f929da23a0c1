"""Semantic tags simple enough to run in Python, with the same result QuickJS would give.

Most grammars fill slots with plain assignments: ``out = "coke"``, ``out.size = rules.size``,
``out.city = rules.latest()``, ``out = new Object()``, ``out.text = meta.current().text``, and
literal tags. Running those through QuickJS costs a JSON round trip and a script call per tag;
here they are read once into small programs and run on the parse tree directly. Anything else
(any other expression, a ``var``, a function call) is left to QuickJS: :func:`compile_tag`
answers None for it, and :func:`evaluate` raises :class:`NotSimple` whenever a program meets a
case whose ECMAScript outcome it does not reproduce (a missing rule value, a property set on a
non-object), so the caller runs the whole interpretation in QuickJS instead. Nothing is changed
outside the evaluation, so falling back is always safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from vxmlkit.browser.sisr import LEGACY, LITERAL, TagScript

__all__ = ["NotSimple", "Program", "compile_tag", "evaluate"]

_LEXEME = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\\n]|\\['"\\])*'|"(?:[^"\\\n]|\\['"\\])*")
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_$][\w$]*)
    | (?P<punct>[.=;:,(){}\[\]-])
    )""",
    re.VERBOSE,
)
_UNESCAPE = re.compile(r"\\(['\"\\])")
_SAFE_INTEGER = 2**53
_UNSET = object()

Value = tuple[Any, ...]
"""How a statement's value is found: ("const", v), ("object", ((key, Value), ...)),
("array", (Value, ...)), ("rule", name), ("latest",), ("current_text",), ("latest_text",),
("rule_text", name)."""
Statement = tuple[tuple[str, ...], Value]
"""(target path starting with "out" or "$", value)."""


class NotSimple(Exception):
    """This interpretation needs QuickJS."""


@dataclass(frozen=True, slots=True)
class Program:
    """A tag read as assignments; ``legacy`` tags (no tag-format) also know ``$`` and a completion value."""

    statements: tuple[Statement, ...]
    legacy: bool


def _lex(source: str) -> list[tuple[str, str]] | None:
    lexemes: list[tuple[str, str]] = []
    position, end = 0, len(source.rstrip())
    while position < end:
        found = _LEXEME.match(source, position)
        if found is None or found.end() == position:
            return None
        kind = found.lastgroup
        assert kind is not None
        lexemes.append((kind, found.group(kind)))
        position = found.end()
    return lexemes


def _number(text: str, negative: bool) -> int | float | None:
    value = float(text)
    if abs(value) >= _SAFE_INTEGER:
        return None
    if value.is_integer():
        return -int(value) if negative else int(value)
    return -value if negative else value


class _Reader:
    def __init__(self, lexemes: list[tuple[str, str]]) -> None:
        self.lexemes = lexemes
        self.at = 0

    def take(self, *expected: str) -> bool:
        """Consume these lexeme texts in order if they are next."""
        texts = [text for _, text in self.lexemes[self.at : self.at + len(expected)]]
        if texts == list(expected):
            self.at += len(expected)
            return True
        return False

    def name(self) -> str | None:
        if self.at < len(self.lexemes) and self.lexemes[self.at][0] == "name":
            self.at += 1
            return self.lexemes[self.at - 1][1]
        return None

    def done(self) -> bool:
        return self.at >= len(self.lexemes)

    def value(self) -> Value | None:
        if self.done():
            return None
        kind, text = self.lexemes[self.at]
        if kind == "string":
            self.at += 1
            return ("const", _UNESCAPE.sub(r"\1", text[1:-1]))
        negative = self.take("-")
        if self.at < len(self.lexemes) and self.lexemes[self.at][0] == "number":
            number = _number(self.lexemes[self.at][1], negative)
            self.at += 1
            return None if number is None else ("const", number)
        if negative:
            return None
        for words, value in (
            (("true",), ("const", True)),
            (("false",), ("const", False)),
            (("null",), ("const", None)),
            (("new", "Object", "(", ")"), ("object", ())),
            (("new", "Array", "(", ")"), ("array", ())),
            (("rules", ".", "latest", "(", ")"), ("latest",)),
            (("meta", ".", "current", "(", ")", ".", "text"), ("current_text",)),
            (("meta", ".", "latest", "(", ")", ".", "text"), ("latest_text",)),
        ):
            if self.take(*words):
                return value
        if self.take("{"):
            return self.object_literal()
        if self.take("["):
            return self.array_literal()
        if self.take("rules", "."):
            rule = self.name()
            return None if rule in (None, "latest") else ("rule", rule)
        if self.take("meta", "."):
            rule = self.name()
            if rule in (None, "latest", "current") or not self.take(".", "text"):
                return None
            return ("rule_text", rule)
        return None

    def object_literal(self) -> Value | None:
        """``{key: value, "key": value}`` after its ``{``."""
        members: list[tuple[str, Value]] = []
        while not self.take("}"):
            if members and not self.take(","):
                return None
            if members and self.take("}"):  # a trailing comma
                break
            if self.done():
                return None
            kind, text = self.lexemes[self.at]
            if kind not in ("name", "string"):
                return None
            self.at += 1
            key = text if kind == "name" else _UNESCAPE.sub(r"\1", text[1:-1])
            value = self.value() if self.take(":") else None
            if value is None or key == "__proto__":
                return None
            members.append((key, value))
        return ("object", tuple(members))

    def array_literal(self) -> Value | None:
        """``[value, value]`` after its ``[``."""
        items: list[Value] = []
        while not self.take("]"):
            if items and not self.take(","):
                return None
            if items and self.take("]"):  # a trailing comma
                break
            value = self.value()
            if value is None:
                return None
            items.append(value)
        return ("array", tuple(items))


# The commonest tag of all, ``out = 7;`` or ``out = 'seven';``, read without the general reader
_CONSTANT_OUT = re.compile(r"""\s*out\s*=\s*(?:(-)?(\d+)|'([^'\\\n]*)'|"([^"\\\n]*)")\s*;?\s*\Z""")


def compile_tag(script: TagScript) -> Program | None:
    """The tag as a program of assignments, or None when it needs QuickJS."""
    if script.tag_format == LITERAL:
        return Program(((("out",), ("const", script.source)),), legacy=False)
    if script.prologue.strip():
        return None  # grammar-level declarations run in QuickJS, with the tags that use them
    legacy = script.tag_format == LEGACY
    constant = _CONSTANT_OUT.match(script.source)
    if constant is not None:
        negative, digits, single, double = constant.groups()
        value = (single if single is not None else double) if digits is None else _number(digits, negative is not None)
        if value is not None:
            return Program(((("out",), ("const", value)),), legacy=legacy)
    lexemes = _lex(script.source)
    if lexemes is None:
        return None
    reader = _Reader(lexemes)
    statements: list[Statement] = []
    while not reader.done():
        head = reader.name()
        if head not in ("out", "$") or (head == "$" and not legacy):
            return None
        path = [head]
        while reader.take("."):
            key = reader.name()
            if key is None:
                return None
            path.append(key)
        if not reader.take("="):
            return None
        value = reader.value()
        if value is None:
            return None
        statements.append((tuple(path), value))
        if not reader.take(";") and not reader.done():
            return None
    return Program(tuple(statements), legacy)


@dataclass(slots=True)
class _RuleState:
    text: str
    out: Any = None
    dollar: Any = None
    completion: Any = _UNSET
    rules: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    latest: Any = _UNSET
    latest_text: Any = _UNSET


def _value(how: Value, state: _RuleState) -> Any:
    kind = how[0]
    if kind == "const":
        return how[1]
    if kind == "object":
        return {key: _value(member, state) for key, member in how[1]}
    if kind == "array":
        return [_value(item, state) for item in how[1]]
    if kind == "rule":
        if how[1] not in state.rules:
            raise NotSimple(f"rules.{how[1]} is undefined")
        return state.rules[how[1]]
    if kind == "rule_text":
        if how[1] not in state.texts:
            raise NotSimple(f"meta.{how[1]} is undefined")
        return state.texts[how[1]]
    if kind == "current_text":
        return state.text
    found = state.latest if kind == "latest" else state.latest_text
    if found is _UNSET:
        raise NotSimple("no rule matched yet")
    return found


def _run(program: Program, state: _RuleState) -> None:
    entry = state.out
    out, dollar = entry, entry
    completion: Any = _UNSET
    for path, how in program.statements:
        value = _value(how, state)
        if len(path) == 1:
            if path[0] == "out":
                out = value
            else:
                dollar = value
        else:
            target = out if path[0] == "out" else dollar
            for key in path[1:-1]:
                if not isinstance(target, dict) or key not in target:
                    raise NotSimple(f"{'.'.join(path)}: no object to set a property on")
                target = target[key]
            if not isinstance(target, dict):
                raise NotSimple(f"{'.'.join(path)}: not an object")
            target[path[-1]] = value
        completion = value
    if program.legacy:
        if dollar is not entry and out is entry:
            out = dollar
        state.completion = completion
    state.out = out


def _run_rule(node: dict[str, Any], programs: dict[int, Program]) -> Any:
    initial: dict[str, Any] = {}
    state = _RuleState(node["t"], out=initial)
    for child in node["c"]:
        if isinstance(child, int):
            _run(programs[child], state)
            continue
        value = child["v"] if "v" in child else _run_rule(child, programs)
        state.rules[child["r"]] = state.latest = value
        state.texts[child["r"]] = state.latest_text = child["t"]
    if state.out is initial and not initial:
        return node["t"] if state.completion is _UNSET else state.completion
    return state.out


def evaluate(tree: dict[str, Any], programs: dict[int, Program]) -> object:
    """Interpret a parse tree whose tags all have programs; raises NotSimple to ask for QuickJS."""
    return _run_rule(tree, programs)
