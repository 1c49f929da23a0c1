"""The ABNF form of SRGS 1.0 (``application/srgs``), read into the equivalent SRGS XML.

An ABNF grammar is translated once into a ``<grammar>`` element that the XML compiler then
handles like any other, so both forms match and interpret identically. Understood: the
``#ABNF 1.0`` header, the ``mode``, ``root``, ``tag-format``, ``base`` and ``language``
declarations (``lexicon``, ``meta`` and ``http-equiv`` are accepted and ignored), rule
definitions with ``public``/``private`` scope, tokens (bare or ``"quoted"``), ``$rule``,
``$<uri>`` and ``$<uri#rule>`` references, ``$NULL``/``$VOID``/``$GARBAGE``, alternatives with
``|`` (weights ``/w/`` ignored), ``( )`` groups, ``[ ]`` optional groups, repeats ``<n>``,
``<n-m>``, ``<n->`` (probabilities ignored), ``{tag}`` and ``{! tag !}``, language
attachments (``!en-US``, ignored) and ``//`` or ``/* */`` comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from vxmlkit.browser.grammar_base import GrammarError

__all__ = ["is_abnf", "parse_abnf"]

SRGS_NAMESPACE = "http://www.w3.org/2001/06/grammar"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_SPECIAL_RULES = ("NULL", "VOID", "GARBAGE")
_BARE_TOKEN = re.compile(r"[^\s;|()\[\]<>{}\"$/=!]+")
_RULE_NAME = re.compile(r"[^\s;|()\[\]<>{}\"$/=!.:\-]+")
_REPEAT = re.compile(r"<\s*(\d+)\s*(-\s*(\d*))?\s*(?:/[^/>]*/)?\s*>")
_WEIGHT = re.compile(r"/\s*[0-9]*\.?[0-9]+(?:[eE][+-]?\d+)?\s*/")
_LANGUAGE = re.compile(r"![A-Za-z][A-Za-z0-9\-]*")


def is_abnf(text: str) -> bool:
    """Whether a grammar text starts with the ABNF self-identifying header."""
    return text.lstrip("\ufeff \t\r\n").startswith("#ABNF")


@dataclass(slots=True)
class _Lexeme:
    kind: str  # token, quoted, ruleref, tag, repeat, uri, weight, punct
    text: str
    line: int


class _Lexer:
    """Splits ABNF text into lexemes, dropping whitespace, comments and language attachments."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.at = 0
        self.line = first_line

    def fail(self, message: str) -> GrammarError:
        return GrammarError(f"ABNF grammar line {self.line}: {message}")

    def _skip(self) -> None:
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char.isspace():
                self.line += char == "\n"
                self.at += 1
            elif text.startswith("//", self.at):
                end = text.find("\n", self.at)
                self.at = len(text) if end < 0 else end
            elif text.startswith("/*", self.at):
                end = text.find("*/", self.at + 2)
                if end < 0:
                    raise self.fail("unterminated /* comment")
                self.line += text.count("\n", self.at, end)
                self.at = end + 2
            else:
                return

    def lexemes(self) -> list[_Lexeme]:
        found: list[_Lexeme] = []
        text = self.text
        while True:
            self._skip()
            if self.at >= len(text):
                return found
            char, line = text[self.at], self.line
            if char == '"':
                end = text.find('"', self.at + 1)
                if end < 0:
                    raise self.fail("unterminated quoted token")
                found.append(_Lexeme("quoted", text[self.at + 1 : end], line))
                self.line += text.count("\n", self.at, end)
                self.at = end + 1
            elif char == "$":
                found.append(self._rule_reference(line))
            elif char == "{":
                found.append(_Lexeme("tag", self._tag(), line))
            elif char == "<":
                repeat = _REPEAT.match(text, self.at)
                if repeat is not None:
                    found.append(_Lexeme("repeat", repeat.group(0), line))
                    self.at = repeat.end()
                    continue
                end = text.find(">", self.at)
                if end < 0 or text[self.at + 1 : self.at + 2].isdigit():
                    raise self.fail("a repeat is written <n>, <n-m> or <n->")
                found.append(_Lexeme("uri", text[self.at + 1 : end].strip(), line))
                self.at = end + 1
            elif char == "/":
                weight = _WEIGHT.match(text, self.at)
                if weight is None:
                    raise self.fail("a weight is written /number/")
                found.append(_Lexeme("weight", weight.group(0), line))
                self.at = weight.end()
            elif char == "!":
                language = _LANGUAGE.match(text, self.at)
                if language is None:
                    raise self.fail("'!' must start a language attachment such as !en-US")
                self.at = language.end()
            elif char in ";|()[]=":
                found.append(_Lexeme("punct", char, line))
                self.at += 1
            else:
                bare = _BARE_TOKEN.match(text, self.at)
                if bare is None:
                    raise self.fail(f"unexpected {char!r}")
                found.append(_Lexeme("token", bare.group(0), line))
                self.at = bare.end()

    def _rule_reference(self, line: int) -> _Lexeme:
        text = self.text
        self.at += 1
        if text.startswith("<", self.at):
            end = text.find(">", self.at)
            if end < 0:
                raise self.fail("unterminated $<uri> reference")
            uri = text[self.at + 1 : end].strip()
            self.at = end + 1
            if text.startswith("~<", self.at):  # a media type for the reference: not needed here
                close = text.find(">", self.at)
                self.at = len(text) if close < 0 else close + 1
            return _Lexeme("ruleref", "<" + uri, line)
        name = _RULE_NAME.match(text, self.at)
        if name is None:
            raise self.fail("'$' must be followed by a rule name or <uri>")
        self.at = name.end()
        return _Lexeme("ruleref", name.group(0), line)

    def _tag(self) -> str:
        text = self.text
        if text.startswith("{!{", self.at):
            end = text.find("}!}", self.at + 3)
            if end < 0:
                raise self.fail("unterminated {!{ tag }!}")
            body, self.at = text[self.at + 3 : end], end + 3
        else:
            depth, position = 0, self.at
            while position < len(text):
                if text[position] == "{":
                    depth += 1
                elif text[position] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                position += 1
            else:
                raise self.fail("unterminated {tag}")
            body, self.at = text[self.at + 1 : position], position + 1
        self.line += body.count("\n")
        return body.strip()


class _Parser:
    """Rule expansions -> SRGS XML elements."""

    def __init__(self, lexemes: list[_Lexeme]) -> None:
        self.lexemes = lexemes
        self.at = 0

    def peek(self) -> _Lexeme | None:
        return self.lexemes[self.at] if self.at < len(self.lexemes) else None

    def fail(self, message: str, lexeme: _Lexeme | None = None) -> GrammarError:
        lexeme = lexeme or self.peek() or (self.lexemes[-1] if self.lexemes else None)
        where = f"ABNF grammar line {lexeme.line}" if lexeme else "ABNF grammar"
        return GrammarError(f"{where}: {message}")

    def take(self, kind: str, text: str | None = None) -> _Lexeme | None:
        lexeme = self.peek()
        if lexeme is not None and lexeme.kind == kind and (text is None or lexeme.text == text):
            self.at += 1
            return lexeme
        return None

    def statement_words(self) -> list[_Lexeme]:
        """The lexemes up to the next ``;`` (consumed)."""
        words: list[_Lexeme] = []
        while self.take("punct", ";") is None:
            lexeme = self.peek()
            if lexeme is None:
                raise self.fail("missing ';' at the end of a declaration")
            words.append(lexeme)
            self.at += 1
        return words

    def alternatives(self, line: int) -> etree._Element:
        """``a b | c`` -> an ``<item>`` holding a sequence, or a ``<one-of>`` of items."""
        options = [self.sequence()]
        while self.take("punct", "|"):
            options.append(self.sequence())
        if len(options) == 1:
            return options[0]
        one_of = _element("one-of", line)
        for option in options:
            one_of.append(option)
        return one_of

    def sequence(self) -> etree._Element:
        first = self.peek()
        item = _element("item", first.line if first else 0)
        self.take("weight")
        while True:
            lexeme = self.peek()
            if lexeme is None or (lexeme.kind == "punct" and lexeme.text in ";|)]"):
                break
            unit = self.unit()
            repeat = self.take("repeat")
            if repeat is not None:
                found = _REPEAT.match(repeat.text)
                assert found is not None
                low, dash, high = found.group(1), found.group(2), found.group(3)
                wrapper = _element("item", repeat.line)
                wrapper.set("repeat", f"{low}-{high}" if dash and high else f"{low}-" if dash else low)
                wrapper.append(unit)
                unit = wrapper
            item.append(unit)
        if len(item) == 0:
            raise self.fail("an empty alternative (use $NULL for nothing)")
        return item

    def unit(self) -> etree._Element:
        lexeme = self.peek()
        assert lexeme is not None
        self.at += 1
        if lexeme.kind in ("token", "quoted"):
            token = _element("token", lexeme.line)
            token.text = lexeme.text
            return token
        if lexeme.kind == "tag":
            tag = _element("tag", lexeme.line)
            tag.text = lexeme.text
            return tag
        if lexeme.kind == "ruleref":
            ruleref = _element("ruleref", lexeme.line)
            if lexeme.text.startswith("<"):
                ruleref.set("uri", lexeme.text[1:])
            elif lexeme.text in _SPECIAL_RULES:
                ruleref.set("special", lexeme.text)
            else:
                ruleref.set("uri", "#" + lexeme.text)
            return ruleref
        if lexeme.kind == "punct" and lexeme.text in "([":
            closing = ")" if lexeme.text == "(" else "]"
            inner = self.alternatives(lexeme.line)
            if self.take("punct", closing) is None:
                raise self.fail(f"missing {closing!r} for the {lexeme.text!r} on line {lexeme.line}")
            group = _element("item", lexeme.line)
            if closing == "]":
                group.set("repeat", "0-1")
            group.append(inner)
            return group
        if lexeme.kind == "uri":
            raise self.fail(f"<{lexeme.text}> is not a repeat (<n>, <n-m> or <n->)", lexeme)
        raise self.fail(f"unexpected {lexeme.text!r}", lexeme)


def _element(name: str, line: int) -> etree._Element:
    element = etree.Element(f"{{{SRGS_NAMESPACE}}}{name}")
    if line:
        element.sourceline = line
    return element


def parse_abnf(text: str) -> etree._Element:
    """Read an ABNF grammar into the equivalent SRGS XML ``<grammar>`` element.

    Raises :class:`GrammarError` naming the ABNF line for anything malformed.
    """
    body = text.lstrip("\ufeff")
    if not is_abnf(body):
        raise GrammarError("ABNF grammar: it must start with the header '#ABNF 1.0;'")
    header_end = body.find(";")
    if header_end < 0:
        raise GrammarError("ABNF grammar line 1: the '#ABNF 1.0' header must end with ';'")
    header = body[:header_end].split()
    if len(header) < 2 or header[1] != "1.0":
        raise GrammarError(f"ABNF grammar line 1: unsupported header {' '.join(header)!r} (expected #ABNF 1.0)")
    first_line = 1 + body.count("\n", 0, header_end)
    parser = _Parser(_Lexer(body[header_end + 1 :], first_line).lexemes())
    grammar = _element("grammar", 1)
    grammar.set("version", "1.0")
    rule_ids: set[str] = set()
    while parser.peek() is not None:
        lexeme = parser.peek()
        assert lexeme is not None
        if lexeme.kind == "token" and lexeme.text in ("public", "private"):
            parser.at += 1
            name = parser.take("ruleref")
            if name is None:
                raise parser.fail(f"'{lexeme.text}' must be followed by a $rule definition")
            _define_rule(parser, grammar, name, lexeme.text, rule_ids)
        elif lexeme.kind == "ruleref":
            parser.at += 1
            _define_rule(parser, grammar, lexeme, "private", rule_ids)
        elif lexeme.kind == "tag":
            parser.at += 1  # a grammar-level tag runs in no rule: ignored, as in the XML form
            parser.take("punct", ";")
        elif lexeme.kind == "token":
            parser.at += 1
            _declare(parser, grammar, lexeme)
        else:
            raise parser.fail(f"unexpected {lexeme.text!r} (expected a declaration or a rule definition)")
    return grammar


def _declare(parser: _Parser, grammar: etree._Element, keyword: _Lexeme) -> None:
    words = parser.statement_words()
    values = [word.text for word in words]
    if keyword.text == "mode" and len(values) == 1:
        grammar.set("mode", values[0])
    elif keyword.text == "root" and len(words) == 1 and words[0].kind == "ruleref" and not values[0].startswith("<"):
        grammar.set("root", values[0])
    elif keyword.text == "tag-format" and len(words) == 1 and words[0].kind in ("uri", "token"):
        grammar.set("tag-format", values[0])
    elif keyword.text == "base" and len(words) == 1 and words[0].kind == "uri":
        grammar.set(_XML_BASE, values[0])
    elif keyword.text in ("language", "lexicon", "meta", "http-equiv"):
        return
    else:
        raise parser.fail(f"unknown or malformed declaration {keyword.text!r}", keyword)


def _define_rule(parser: _Parser, grammar: etree._Element, name: _Lexeme, scope: str, rule_ids: set[str]) -> None:
    rule_id = name.text
    if rule_id.startswith("<") or rule_id in _SPECIAL_RULES:
        raise parser.fail(f"cannot define rule {rule_id!r}", name)
    if parser.take("punct", "=") is None:
        raise parser.fail(f"expected '=' after ${rule_id}")
    rule = _element("rule", name.line)
    rule.set("id", rule_id)
    rule.set("scope", scope)
    rule.append(parser.alternatives(name.line))
    if parser.take("punct", ";") is None:
        raise parser.fail(f"expected ';' at the end of rule ${rule_id}")
    rule_ids.add(rule_id)
    grammar.append(rule)
