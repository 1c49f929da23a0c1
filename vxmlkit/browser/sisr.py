"""Semantic interpretation of SRGS matches (SISR 1.0) in QuickJS.

A match is handed over as one JSON parse tree: each rule instance with the text it covered and,
in order, its tags (by number) and the rule instances it referenced. A small driver defined once
per QuickJS context walks that tree: each rule gets a fresh rule variable ``out`` (an empty
object), ``rules.NAME`` / ``rules.latest()`` hold the values of the rules it referenced so far,
``meta.NAME.text`` / ``meta.current().text`` / ``meta.latest().text`` their text. A rule whose
``out`` is left untouched (not assigned, no properties) takes the text it matched.

Tag scripts are registered in the context once each, as functions, the first time a grammar is
used there. Three tag forms are understood:

* ``semantics/1.0``: ECMAScript statements over ``out``, ``rules`` and ``meta``;
* ``semantics/1.0-literals``: the tag text is the rule's value;
* no ``tag-format`` (older VoiceXML 2.0 grammars): a script that may assign ``$`` (an alias of
  ``out``); when it leaves ``out`` untouched, top-level ``var`` declarations become properties of
  the value (``var city='x'`` -> ``{"city": "x"}``) or else the value of its last expression is
  taken (``'alpha'``).

Tags at the top level of a grammar (outside any rule) hold declarations, such as lookup tables,
that the grammar's rule tags use; they run before each of those tags.

Values cross back to Python as JSON. Matches whose tags are all plain assignments never get
here: :mod:`vxmlkit.browser.simple_tags` interprets those in Python with the same result.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import quickjs

from vxmlkit.browser.grammar_base import GrammarError, TagError
from vxmlkit.browser.scripting import script_declarations

__all__ = ["LEGACY", "LITERAL", "SCRIPT", "TagEvaluator", "TagScript", "check_tag_syntax", "private_evaluator"]

SCRIPT = "semantics/1.0"
LITERAL = "semantics/1.0-literals"
LEGACY = "legacy"

_TIME_LIMIT_SECONDS = 1.0
_MEMORY_LIMIT_BYTES = 32 * 1024 * 1024
_TAG_NUMBERS: dict[tuple[str, str, str], int] = {}
_TAG_NUMBERS_LOCK = threading.Lock()

_DRIVER = r"""
var __vxk_tags = {};
var __vxk_sisr = (function () {
  var LATEST = Symbol("latest"), CURRENT = Symbol("current");
  var rulesPrototype = {latest: function () { return this[LATEST]; }};
  var metaPrototype = {
    latest: function () { return this[LATEST]; },
    current: function () { return this[CURRENT]; }
  };
  function untouched(s, initial) {
    if (s.out !== initial) return false;
    for (var key in initial) if (Object.prototype.hasOwnProperty.call(initial, key)) return false;
    return true;
  }
  function runRule(node) {
    var initial = {};
    var rules = Object.create(rulesPrototype), meta = Object.create(metaPrototype);
    meta[CURRENT] = {text: node.t, score: 1.0};
    // v: the variables the rule's tags declare, one scope for all the tags of this rule instance
    var s = {out: initial, rules: rules, meta: meta, completion: undefined, vars: null, v: Object.create(null)};
    var children = node.c;
    for (var i = 0; i < children.length; i++) {
      var child = children[i];
      if (typeof child === "number") {
        __vxk_tags[child](s);
      } else {
        var value = ("v" in child) ? child.v : runRule(child);
        rules[LATEST] = rules[child.r] = value;
        meta[LATEST] = meta[child.r] = {text: child.t, score: 1.0};
      }
    }
    if (untouched(s, initial)) {
      if (s.vars !== null) return s.vars;
      if (s.completion !== undefined) return s.completion;
      return node.t;
    }
    return s.out;
  }
  return function (treeJson) {
    var value = runRule(JSON.parse(treeJson));
    return JSON.stringify(value === undefined ? null : value);
  };
})();
"""


@dataclass(frozen=True, slots=True)
class TagScript:
    """One ``<tag>``: its text, its format, where it stands (grammar and line), and its number in every context."""

    source: str
    tag_format: str
    place: str
    prologue: str = ""
    """The grammar's own top-level tags (declarations every tag of the grammar can use)."""
    number: int = field(init=False)

    def __post_init__(self) -> None:
        # Numbered by content, so compiling the same grammar again reuses the functions
        # already registered in a context instead of adding new ones.
        key = (self.tag_format, self.prologue, self.source)
        with _TAG_NUMBERS_LOCK:
            number = _TAG_NUMBERS.get(key)
            if number is None:
                number = _TAG_NUMBERS[key] = len(_TAG_NUMBERS) + 1
        object.__setattr__(self, "number", number)

    def function_source(self) -> str:
        """The tag as a JS function of the rule state ``s``.

        The tags of one rule instance share one scope (SISR 1.0 section 3.3): the names a tag
        declares with ``var`` are made properties of ``s.v`` before it runs, and the tag runs
        inside ``with (s.v)``, so its ``var x = ...`` lands there and later tags read it.
        """
        if self.tag_format == LITERAL:
            return f"function (s) {{ s.out = {json.dumps(self.source)}; }}"
        names = sorted(set(script_declarations(self.source)[0]) - {"out", "rules", "meta", "$"})
        shared = "".join(f"if (!({json.dumps(name)} in s.v)) s.v[{json.dumps(name)}] = undefined;" for name in names)
        if self.tag_format == SCRIPT:
            return (
                f"function (s) {{ var rules = s.rules, meta = s.meta, out = s.out; {shared}\n"
                f"with (s.v) {{\n{self.prologue}\n;{self.source}\n;}} s.out = out; }}"
            )
        collect = ", ".join(
            f"{json.dumps(name)}: (typeof {name} === 'undefined' ? undefined : {name})" for name in names
        )
        collect_vars = f"s.vars = Object.assign(s.vars || {{}}, {{{collect}}});" if names else ""
        return (
            f"function (s) {{ var rules = s.rules, meta = s.meta, out = s.out, $ = s.out, __vxk_completion; {shared}\n"
            f"with (s.v) {{ eval({json.dumps(self.prologue)});\n"
            f"__vxk_completion = eval({json.dumps(self.source)});\n"
            f"{collect_vars} }}\n"
            "if ($ !== s.out && out === s.out) out = $;\n"
            "s.out = out; s.completion = __vxk_completion; }"
        )

    def where(self) -> str:
        return f"{self.place}: <tag>"


class TagEvaluator:
    """Runs the semantic tags of matches in one QuickJS context (one thread at a time).

    Pass the call's own context so tags run where the call's scripts run; without one a private
    context is made, with a time limit so an endless tag loop fails instead of hanging.
    """

    def __init__(self, context: quickjs.Context | None = None) -> None:
        if context is None:
            context = quickjs.Context()
            context.set_time_limit(_TIME_LIMIT_SECONDS)
            context.set_memory_limit(_MEMORY_LIMIT_BYTES)
        self.context = context
        self._registered: set[int] = set()
        self._run: quickjs.Object | None = None

    def prepare(self) -> None:
        """Load the driver into the context (done on first use otherwise)."""
        if self._run is None:
            self.context.eval(_DRIVER)
            self._run = self.context.get("__vxk_sisr")

    def interpret(self, tags: dict[int, TagScript], tree: dict[str, object]) -> object:
        """Evaluate a parse tree (``{"r": rule, "t": text, "c": [tag numbers and child trees]}``)."""
        self.prepare()
        missing = [number for number in tags if number not in self._registered]
        if missing:
            self._register([tags[number] for number in missing])
        try:
            result = self._run(json.dumps(tree))
        except quickjs.JSException as error:
            raise TagError(f"semantic tag failed in rule {tree.get('r')!r}: {_first_line(error)}") from error
        return json.loads(result)

    def _register(self, scripts: list[TagScript]) -> None:
        for script in scripts:
            try:
                self.context.eval(f"__vxk_tags[{script.number}] = {script.function_source()};")
            except quickjs.JSException as error:
                raise GrammarError(f"{script.where()}: not valid ECMAScript: {_first_line(error)}") from error
            self._registered.add(script.number)


def _first_line(error: Exception) -> str:
    """The message of a QuickJS error without its stack trace (out of memory has no message)."""
    lines = str(error).splitlines()
    return lines[0] if lines and lines[0] != "null" else "out of memory or interrupted"


_private = threading.local()


def private_evaluator() -> TagEvaluator:
    """This thread's own evaluator, made on first use."""
    evaluator = getattr(_private, "evaluator", None)
    if evaluator is None:
        evaluator = _private.evaluator = TagEvaluator()
    return evaluator


def check_tag_syntax(script: TagScript) -> None:
    """Raise :class:`GrammarError` when the tag's script does not parse (checked at compile time)."""
    if script.tag_format == LITERAL:
        return
    context = private_evaluator().context
    try:
        context.eval(f"new Function('s', {json.dumps(script.prologue + chr(10) + ';' + script.source)});")
    except quickjs.JSException as error:
        raise GrammarError(f"{script.where()}: not valid ECMAScript: {_first_line(error)}") from error
