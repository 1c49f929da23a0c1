"""ECMAScript for VoiceXML through QuickJS-ng: scopes, expressions, scripts.

The scope chain of VoiceXML 2.0 section 5.1 (session -> application -> document -> dialog ->
anonymous) is a list of plain JS objects. Each named scope holds a reference to itself under
its own name, so ``document.x`` resolves from any depth. Expressions run inside nested ``with``
blocks over the chain (one evaluator per chain depth, compiled once per context), so a plain
assignment to an outer variable changes that variable (prototype-chained scopes would shadow it).
``<var>`` is declared by the host in the current scope object; a ``<script>``'s top-level ``var``
names are declared there first and its top-level functions copied there afterwards, so both land
in the current scope. Values cross the Python/JS boundary as JSON text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import quickjs

from .events import VxmlEvent

__all__ = ["UNDEFINED", "Scope", "ScriptEngine", "is_identifier", "script_declarations"]

MAX_DEPTH = 8


class _Undefined:
    """The JS ``undefined`` value on the Python side (``None`` stands for ``null``); use :data:`UNDEFINED`."""

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED = _Undefined()

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def is_identifier(name: str) -> bool:
    """True for a plain ECMAScript identifier (ASCII)."""
    return bool(_IDENTIFIER.match(name))


# One evaluator over a fixed-depth chain: shorter chains are padded with an empty object that
# has no prototype, so padding adds no names. Scope objects have no prototype either, so names
# such as "constructor" or "toString" never resolve to Object.prototype members.
_CORE = r"""
var __vx_pad = Object.create(null), __vx_c = [];
function __vx_setc() {
  __vx_c = Array.prototype.slice.call(arguments);
  __vx_n = __vx_c.length;
  while (__vx_c.length < MAXDEPTH) __vx_c.push(__vx_pad);
}
var __vx_n = 0;
function __vx_run(__vx_s, __vx_f) {
  var __vx_g = function(__vx_k) { return eval(__vx_k); };
  WITHS{ if (__vx_f === undefined) return eval(__vx_s); eval(__vx_s); }
  var __vx_t = __vx_c[__vx_n - 1];
  for (var __vx_i = 0; __vx_i < __vx_f.length; __vx_i++) __vx_t[__vx_f[__vx_i]] = __vx_g(__vx_f[__vx_i]);
}
function __vx_alias(k, name) {
  Object.defineProperty(__vx_c[k], name, {value: __vx_c[k], writable: true, enumerable: false, configurable: true});
}
function __vx_scope(name) {
  var o = Object.create(null);
  if (name) Object.defineProperty(o, name, {value: o, writable: true, enumerable: false, configurable: true});
  return o;
}
function __vx_ev(s) { return __vx_run(s); }
function __vx_expr(s) {
  try { return __vx_run('(' + s + '\n)'); }
  catch (e) { if (e instanceof SyntaxError) return __vx_run(s); throw e; }
}
function __vx_script(s, names) { __vx_run(s, names ? names.split(',') : []); }
function __vx_predeclare(names) {
  var t = __vx_c[__vx_n - 1], list = names.split(',');
  for (var i = 0; i < list.length; i++) if (!(list[i] in t)) t[list[i]] = undefined;
}
function __vx_bool(s) { return !!__vx_expr(s); }
function __vx_str(s) { var v = __vx_expr(s); return v === undefined ? 'undefined' : (v === null ? 'null' : String(v)); }
function __vx_tojson(v) {
  if (v === undefined || typeof v === 'function') return undefined;
  if (v && v.__vx_dom) return JSON.stringify(v.__vx_xml());
  return JSON.stringify(v);
}
function __vx_json(s) { return __vx_tojson(__vx_expr(s)); }
function __vx_declare(k, name, s) { __vx_c[k][name] = (s === null ? undefined : __vx_expr(s)); }
function __vx_setjson(k, name, j) { __vx_c[k][name] = (j === null ? undefined : JSON.parse(j)); }
function __vx_isset(k, name) { return __vx_c[k][name] !== undefined; }
function __vx_has(k, name) { return name in __vx_c[k]; }
var __vx_v;
function __vx_assign(name, s, isjson) {
  var head = name.split('.')[0], k = -1;
  for (var i = __vx_n - 1; i >= 0; i--) if (head in __vx_c[i]) { k = i; break; }
  if (k < 0) throw new ReferenceError(head + ' is not declared (use <var> before <assign>)');
  var value = isjson ? (s === null ? undefined : JSON.parse(s)) : __vx_expr(s);
  if (head === name) { __vx_c[k][name] = value; return; }
  __vx_v = value;
  __vx_run(name + ' = __vx_v');
  __vx_v = undefined;
}
function __vx_setresult(k, j) {
  var a = JSON.parse(j), r = [a];
  for (var p in a) r[p] = a[p];
  __vx_c[k]['lastresult$'] = r;
}
function __vx_audio(s) {
  var v = __vx_expr(s);
  if (v === undefined || v === null) return null;
  if (typeof v === 'object' && typeof v['$recording'] === 'number') return JSON.stringify(v);
  return String(v);
}
""".replace("WITHS", "with(__vx_c[0]) with(__vx_c[1]) with(__vx_c[2]) with(__vx_c[3]) with(__vx_c[4]) with(__vx_c[5]) with(__vx_c[6]) with(__vx_c[7]) ").replace("MAXDEPTH", str(MAX_DEPTH))

# Helpers few calls need (<foreach>), loaded on first use.
_EXTRA = r"""
var __vx_arrays = [];
function __vx_push_array(s) {
  var v = __vx_expr(s);
  if (v === null || v === undefined || typeof v.length !== 'number') throw new TypeError('foreach array is not an array: ' + s);
  __vx_arrays.push(v);
  return v.length;
}
function __vx_item(k, name, i) { __vx_c[k][name] = __vx_arrays[__vx_arrays.length - 1][i]; }
function __vx_pop_array() { __vx_arrays.pop(); }
"""

# The read-only DOM for <data>, loaded the first time a call uses <data>.
_DOM = r"""
function __vx_Node(type, name, doc) {
  this.nodeType = type; this.nodeName = name; this.nodeValue = null;
  this.parentNode = null; this.childNodes = []; this.ownerDocument = doc;
  this.childNodes.item = function(i) { return this[i] === undefined ? null : this[i]; };
}
__vx_Node.prototype = {
  __vx_dom: true,
  ELEMENT_NODE: 1, TEXT_NODE: 3, DOCUMENT_NODE: 9,
  get firstChild() { return this.childNodes.length ? this.childNodes[0] : null; },
  get lastChild() { return this.childNodes.length ? this.childNodes[this.childNodes.length - 1] : null; },
  get nextSibling() {
    if (!this.parentNode) return null;
    var c = this.parentNode.childNodes, i = c.indexOf(this);
    return i >= 0 && i + 1 < c.length ? c[i + 1] : null;
  },
  get previousSibling() {
    if (!this.parentNode) return null;
    var c = this.parentNode.childNodes, i = c.indexOf(this);
    return i > 0 ? c[i - 1] : null;
  },
  get textContent() {
    if (this.nodeType === 3) return this.nodeValue;
    var s = '';
    for (var i = 0; i < this.childNodes.length; i++) s += this.childNodes[i].textContent;
    return s;
  },
  hasChildNodes: function() { return this.childNodes.length > 0; },
  hasAttributes: function() { return !!this.attributes && this.attributes.length > 0; },
  getAttribute: function(n) { return this.__vx_attrs && Object.prototype.hasOwnProperty.call(this.__vx_attrs, n) ? this.__vx_attrs[n] : ''; },
  hasAttribute: function(n) { return !!this.__vx_attrs && Object.prototype.hasOwnProperty.call(this.__vx_attrs, n); },
  getAttributeNode: function(n) {
    if (!this.attributes) return null;
    for (var i = 0; i < this.attributes.length; i++) if (this.attributes[i].name === n) return this.attributes[i];
    return null;
  },
  getElementsByTagName: function(name) {
    var out = [];
    out.item = function(i) { return this[i] === undefined ? null : this[i]; };
    (function walk(node) {
      for (var i = 0; i < node.childNodes.length; i++) {
        var c = node.childNodes[i];
        if (c.nodeType === 1) {
          if (name === '*' || c.nodeName === name) out.push(c);
          walk(c);
        }
      }
    })(this);
    return out;
  },
  __vx_xml: function() {
    if (this.nodeType === 3) return this.nodeValue;
    var kids = [];
    for (var i = 0; i < this.childNodes.length; i++) kids.push(this.childNodes[i].__vx_xml());
    return this.nodeType === 9 ? {document: kids} : {tag: this.nodeName, attributes: this.__vx_attrs, children: kids};
  }
};
function __vx_build(j, parent, doc) {
  var n;
  if (typeof j === 'string') {
    n = new __vx_Node(3, '#text', doc); n.nodeValue = j; n.data = j;
  } else {
    n = new __vx_Node(1, j[0], doc); n.tagName = j[0]; n.localName = j[0].split(':').pop();
    n.__vx_attrs = j[1]; n.attributes = [];
    for (var a in j[1]) n.attributes.push({nodeType: 2, name: a, nodeName: a, value: j[1][a], nodeValue: j[1][a]});
    n.attributes.item = function(i) { return this[i] === undefined ? null : this[i]; };
    for (var i = 0; i < j[2].length; i++) n.childNodes.push(__vx_build(j[2][i], n, doc));
  }
  n.parentNode = parent;
  return n;
}
function __vx_document(text) {
  var doc = new __vx_Node(9, '#document', null);
  doc.ownerDocument = null;
  var root = __vx_build(JSON.parse(text), doc, doc);
  doc.childNodes.push(root);
  doc.documentElement = root;
  return doc;
}
function __vx_setresult(k, j) {
  var a = JSON.parse(j), r = [a];
  for (var p in a) r[p] = a[p];
  __vx_c[k]['lastresult$'] = r;
}
function __vx_recording(v) { return !!v && typeof v === 'object' && typeof v['$recording'] === 'number'; }
function __vx_audio(s) {
  var v = __vx_expr(s);
  if (v === undefined || v === null) return null;
  if (__vx_recording(v)) return JSON.stringify(v);
  return String(v);
}
function __vx_alias(k, name) {
  Object.defineProperty(__vx_c[k], name, {value: __vx_c[k], writable: true, enumerable: false, configurable: true});
}
function __vx_setdom(k, name, text) { __vx_c[k][name] = __vx_document(text); }
"""


class Scope:
    """One VoiceXML variable scope: a JS object (``name`` is None for anonymous scopes)."""

    __slots__ = ("name", "obj")

    def __init__(self, obj: Any, name: str | None) -> None:
        self.obj = obj
        self.name = name

    def __repr__(self) -> str:
        return f"Scope({self.name or 'anonymous'})"


class ScriptEngine:
    """One QuickJS context for one call: scopes, expressions and scripts with time and memory limits."""

    def __init__(self, *, time_limit: float = 1.0, memory_limit: int = 64 * 1024 * 1024) -> None:
        self.context = quickjs.Context()
        self.context.set_memory_limit(memory_limit)
        self.context.eval(_CORE)
        self._dom_loaded = False
        self.time_limit = time_limit
        self.context.set_time_limit(time_limit)
        get = self.context.get
        self._setc = get("__vx_setc")
        self._new_scope = get("__vx_scope")
        self._expr = get("__vx_expr")
        self._bool = get("__vx_bool")
        self._str = get("__vx_str")
        self._json = get("__vx_json")
        self._declare = get("__vx_declare")
        self._setjson = get("__vx_setjson")
        self._isset = get("__vx_isset")
        self._has = get("__vx_has")
        self._assign = get("__vx_assign")
        self._script = get("__vx_script")
        self._predeclare = get("__vx_predeclare")
        self._alias = get("__vx_alias")
        self._extra_loaded = False
        self._setdom: Any = None
        self._setresult = get("__vx_setresult")
        self._audio = get("__vx_audio")
        self._chain: tuple[Scope, ...] = ()

    # -- scopes -----------------------------------------------------------------------------

    def new_scope(self, name: str | None = None) -> Scope:
        """A fresh empty scope object (named scopes refer to themselves under their name)."""
        return Scope(self._new_scope(name or ""), name)

    def use(self, chain: tuple[Scope, ...]) -> None:
        """Make ``chain`` (outermost first) the current scope chain."""
        if chain is not self._chain:
            if len(chain) > MAX_DEPTH:
                raise VxmlEvent("error.semantic", f"scope chain deeper than {MAX_DEPTH}")
            self._setc(*[scope.obj for scope in chain])
            self._chain = chain

    @property
    def chain(self) -> tuple[Scope, ...]:
        """The current scope chain."""
        return self._chain

    # -- evaluation -----------------------------------------------------------------------

    def _call(self, function: Any, *args: Any, what: str) -> Any:
        try:
            return function(*args)
        except quickjs.JSException as exc:
            raise VxmlEvent("error.semantic", f"{what}: {_js_message(exc, self.time_limit)}") from None

    def eval(self, expr: str) -> Any:
        """Evaluate an expression; primitives come back as Python values (objects as handles)."""
        value = self._call(self._expr, expr, what=f"cannot evaluate {expr!r}")
        return value

    def eval_bool(self, expr: str) -> bool:
        """Evaluate an expression converted to boolean (guard conditions)."""
        return bool(self._call(self._bool, expr, what=f"cannot evaluate condition {expr!r}"))

    def eval_str(self, expr: str) -> str:
        """Evaluate an expression converted to a string with JS ``String()``."""
        return self._call(self._str, expr, what=f"cannot evaluate {expr!r}")

    def eval_json(self, expr: str) -> Any:
        """Evaluate an expression and bring the value over as JSON (UNDEFINED for undefined)."""
        text = self._call(self._json, expr, what=f"cannot evaluate {expr!r}")
        return UNDEFINED if text is None else json.loads(text)

    def declare(self, name: str, expr: str | None, *, depth: int | None = None) -> None:
        """``<var>``: declare ``name`` in the current (or ``depth``-th) scope, set to ``expr``."""
        if not is_identifier(name):
            raise VxmlEvent("error.semantic", f"{name!r} is not a valid variable name")
        k = len(self._chain) - 1 if depth is None else depth
        self._call(self._declare, k, name, expr, what=f"cannot declare {name}")

    def set_value(self, name: str, value: Any, *, depth: int | None = None) -> None:
        """Set ``name`` in the current (or ``depth``-th) scope to a JSON-compatible Python value."""
        k = len(self._chain) - 1 if depth is None else depth
        payload = None if value is UNDEFINED else json.dumps(value)
        self._call(self._setjson, k, name, payload, what=f"cannot set {name}")

    def is_set(self, name: str, *, depth: int) -> bool:
        """True when ``name`` in the ``depth``-th scope is not undefined."""
        return bool(self._isset(depth, name))

    def has(self, name: str, *, depth: int) -> bool:
        """True when ``name`` is declared in the ``depth``-th scope."""
        return bool(self._has(depth, name))

    def assign(self, name: str, expr: str) -> None:
        """``<assign>``: the variable must be declared somewhere in the chain."""
        self._call(self._assign, name, expr, False, what=f"cannot assign {name}")

    def assign_value(self, name: str, value: Any) -> None:
        """Assign a JSON-compatible Python value to a declared variable (dotted names allowed)."""
        payload = None if value is UNDEFINED else json.dumps(value)
        self._call(self._assign, name, payload, True, what=f"cannot assign {name}")

    def run_script(self, source: str) -> None:
        """Run a ``<script>`` in the current scope: its top-level vars and functions land there."""
        variables, functions = script_declarations(source)
        if variables:
            self._call(self._predeclare, ",".join(variables), what="cannot run script")
        self._call(self._script, source, ",".join(functions), what="error in script")

    def set_dom(self, name: str, xml_json: str, *, depth: int | None = None) -> None:
        """Set ``name`` to a read-only DOM document built from the JSON tree of an XML answer."""
        if self._setdom is None:
            self.context.eval(_DOM)
            self._setdom = self.context.get("__vx_setdom")
        k = len(self._chain) - 1 if depth is None else depth
        self._call(self._setdom, k, name, xml_json, what=f"cannot build the DOM for {name}")

    def alias(self, name: str, *, depth: int) -> None:
        """Make the ``depth``-th scope also visible under ``name`` (a root document's
        document scope is the application scope)."""
        self._alias(depth, name)

    def _load_extra(self) -> None:
        if not self._extra_loaded:
            self.context.eval(_EXTRA)
            get = self.context.get
            self._push_array = get("__vx_push_array")
            self._pop_array = get("__vx_pop_array")
            self._item = get("__vx_item")
            self._extra_loaded = True

    def set_lastresult(self, result: dict[str, Any], *, depth: int) -> None:
        """Set ``lastresult$`` in the ``depth``-th scope: an array of one result with its fields copied."""
        self._call(self._setresult, depth, json.dumps(result), what="cannot set lastresult$")

    def eval_audio(self, expr: str) -> str | dict[str, Any] | None:
        """An ``<audio expr>``: None for undefined/null, a recording as a dict, else the URI string."""
        value = self._call(self._audio, expr, what=f"cannot evaluate audio expr {expr!r}")
        if value is None:
            return None
        if value.startswith("{"):
            try:
                decoded = json.loads(value)
            except ValueError:
                return value
            if isinstance(decoded, dict) and "$recording" in decoded:
                return decoded
        return value

    def push_array(self, expr: str) -> int:
        """Evaluate a ``<foreach>`` array and keep it for :meth:`set_item`; returns its length."""
        self._load_extra()
        return int(self._call(self._push_array, expr, what=f"cannot iterate over {expr!r}"))

    def set_item(self, name: str, index: int) -> None:
        """Set ``name`` in the current scope to element ``index`` of the innermost foreach array."""
        if not is_identifier(name):
            raise VxmlEvent("error.semantic", f"{name!r} is not a valid variable name")
        self._call(self._item, len(self._chain) - 1, name, index, what=f"cannot set {name}")

    def pop_array(self) -> None:
        """Forget the innermost foreach array."""
        self._pop_array()


def _js_message(exc: Exception, time_limit: float) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "interrupted" in text:
        return f"script ran longer than {time_limit:g} s and was stopped"
    if "out of memory" in text:
        return "script ran out of memory"
    return text


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<comment>//[^\n]*|/\*.*?\*/)
    | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)
    | (?P<word>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<number>\d[\w.]*)
    | (?P<punct>[{}()\[\];,=]|[^\s\w])
    """,
    re.VERBOSE | re.DOTALL,
)


_STATEMENT_WORDS = frozenset(
    ("var", "let", "const", "if", "for", "while", "do", "function", "return", "switch", "try", "throw", "with")
)
_EXPRESSION_BEFORE = frozenset(("=", "(", ",", ":", "?", "|", "&", "!", "[", "return"))


def script_declarations(source: str) -> tuple[list[str], list[str]]:
    """The names a script declares at its top level: (var names, function names).

    Function bodies are skipped; ``var`` inside blocks and ``for`` heads counts (it is
    hoisted to the script's scope).
    """
    variables: list[str] = []
    functions: list[str] = []
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(source) if m.lastgroup not in ("space", "comment")]
    i = 0
    function_depth = 0
    braces: list[bool] = []  # True for a brace that opens a function body
    pending_function = False
    n = len(tokens)
    while i < n:
        kind, text = tokens[i]
        if kind == "word" and text == "function":
            if function_depth == 0 and i + 1 < n and tokens[i + 1][0] == "word":
                previous = tokens[i - 1][1] if i else ";"
                if previous in (";", "{", "}", ")") or i == 0:
                    functions.append(tokens[i + 1][1])
            pending_function = True
        elif kind == "punct" and text == "{":
            braces.append(pending_function)
            if pending_function:
                function_depth += 1
            pending_function = False
        elif kind == "punct" and text == "}":
            if braces and braces.pop():
                function_depth -= 1
        elif kind == "punct" and text == "=" and i + 1 < n and tokens[i + 1][1] == ">":
            pending_function = True
        elif kind == "word" and text == "var" and function_depth == 0:
            i += 1
            nesting = 0
            expect_name = True
            while i < n:
                kind, text = tokens[i]
                if expect_name and kind == "word":
                    variables.append(text)
                    expect_name = False
                elif text in ("(", "[", "{"):
                    nesting += 1
                elif text in (")", "]", "}"):
                    if nesting == 0:
                        i -= 1
                        break
                    nesting -= 1
                elif text == "," and nesting == 0:
                    expect_name = True
                elif text == ";" and nesting == 0 or kind == "word" and text in ("in", "of") and nesting == 0:
                    break
                elif kind == "word" and text in _STATEMENT_WORDS and nesting == 0 and not expect_name:
                    if text != "function" or tokens[i - 1][1] not in _EXPRESSION_BEFORE:
                        i -= 1  # a new statement after automatic semicolon insertion
                        break
                    depth_before = nesting  # a function expression in an initializer: skip its body
                    while i < n and tokens[i][1] != "{":
                        i += 1
                    nesting = depth_before + 1
                elif kind == "word" and text == "function":
                    depth_before = nesting
                    while i < n and tokens[i][1] != "{":
                        i += 1
                    nesting = depth_before + 1
                i += 1
        i += 1
    return list(dict.fromkeys(variables)), list(dict.fromkeys(functions))
