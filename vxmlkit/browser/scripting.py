"""ECMAScript for VoiceXML through QuickJS-ng: scopes, expressions, scripts.

The scope chain of VoiceXML 2.0 section 5.1 (session -> application -> document -> dialog ->
anonymous) is a list of plain JS objects. Each named scope holds a reference to itself under
its own name, so ``document.x`` resolves from any depth. Expressions run inside nested ``with``
blocks over the chain (one evaluator per chain depth, compiled once per context), so a plain
assignment to an outer variable changes that variable (prototype-chained scopes would shadow it).
``<var>`` is declared by the host in the current scope object; a ``<script>``'s top-level ``var``
names are declared there first and its top-level functions copied there afterwards, so both land
in the current scope. Strings, booleans and numbers cross the Python/JS boundary as they are,
other values as JSON text.
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
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
# such as "constructor" or "toString" never resolve to Object.prototype members. Scope objects
# are made on first use (numbered, in __vx_objs), so a scope nothing ever reads costs nothing.
# Compiling JS is the costly part of starting a call, so only what nearly every call needs is here.
_CORE = r"""
var __vx_pad = Object.create(null), __vx_c = [], __vx_n = 0, __vx_objs = [], __vx_miss = {};
function __vx_self(o, name) { Object.defineProperty(o, name, {value: o, writable: true, enumerable: false, configurable: true}); }
function __vx_setc() {
  var c = [], a, p, o;
  for (var i = 0; i < arguments.length; i++) {
    a = arguments[i];
    if (typeof a === 'string') {  // "number:name:alias": a scope to make now
      p = a.split(':'); a = +p[0]; o = __vx_objs[a] = Object.create(null);
      if (p[1]) __vx_self(o, p[1]);
      if (p[1] === 'application') o['lastresult$'] = undefined;
      if (p[2]) __vx_self(o, p[2]);
    }
    c.push(__vx_objs[a]);
  }
  __vx_n = c.length;
  while (c.length < MAXDEPTH) c.push(__vx_pad);
  __vx_c = c;
}
function __vx_run(__vx_s, __vx_f) {
  WITHS{ if (__vx_f === undefined) return eval(__vx_s); eval(__vx_s); }
  var __vx_t = __vx_c[__vx_n - 1];
  for (var __vx_i = 0; __vx_i < __vx_f.length; __vx_i++) __vx_t[__vx_f[__vx_i]] = eval(__vx_f[__vx_i]);
}
function __vx_script(s, functions, vars) {
  var t = __vx_c[__vx_n - 1], list = vars ? vars.split(',') : [];
  for (var i = 0; i < list.length; i++) if (!(list[i] in t)) t[list[i]] = undefined;
  __vx_run(s, functions ? functions.split(',') : []);
}
function __vx_get(s) {
  var n = s.split('.'), k = __vx_n, v;
  while (k-- && !(n[0] in __vx_c[k]));
  v = k >= 0 ? __vx_c[k][n[0]] : (n[0] in globalThis ? globalThis[n[0]] : __vx_miss);
  for (var i = 1; i < n.length && v !== __vx_miss; i++) v = v == null ? __vx_miss : v[n[i]];
  return v;
}
function __vx_expr(s, path) {
  if (path) { var v = __vx_get(s); if (v !== __vx_miss) return v; }
  try { return __vx_run('(' + s + '\n)'); }
  catch (e) { if (e instanceof SyntaxError) return __vx_run(s); throw e; }
}
function __vx_bool(s, p) { return !!__vx_expr(s, p); }
function __vx_str(s, p) { return String(__vx_expr(s, p)); }
function __vx_json(s, p) {
  var v = __vx_expr(s, p);
  return v === undefined || typeof v === 'function' ? undefined : JSON.stringify(v && v.__vx_dom ? v.__vx_xml() : v);
}
function __vx_audio(s, p) {
  var v = __vx_expr(s, p);
  return v == null ? null : typeof v === 'object' && typeof v['$recording'] === 'number' ? JSON.stringify(v) : String(v);
}
function __vx_declare(k, name, s, p) { __vx_c[k][name] = (s === null ? undefined : __vx_expr(s, p)); }
function __vx_set(k, name, v, isjson) { __vx_c[k][name] = isjson ? (v === null ? undefined : JSON.parse(v)) : v; }
function __vx_isset(k, name) { return __vx_c[k][name] !== undefined; }
function __vx_first_unset(k, names, start) {
  var list = names.split(','), o = __vx_c[k];
  for (var i = start; i < list.length; i++) if (o[list[i]] === undefined) return i;
  return -1;
}
function __vx_count_set(k, names) {
  var list = names.split(','), o = __vx_c[k], n = 0;
  for (var i = 0; i < list.length; i++) if (o[list[i]] !== undefined) n++;
  return n;
}
function __vx_declare_all(k, names) { var list = names.split(','); for (var i = 0; i < list.length; i++) __vx_c[k][list[i]] = undefined; }
function __vx_has(k, name) { return name in __vx_c[k]; }
function __vx_setresult(k, j) { var a = JSON.parse(j); __vx_c[k]['lastresult$'] = Object.assign([a], a); }
// Reuse of the context by the next call: what the global object holds (names and values) and
// what the builtins and their prototypes hold (every property, as its descriptor) are recorded
// once the helpers are loaded; a call that changed any of it leaves the context unusable.
var __vx_base = null, __vx_state = {__vx_c: 1, __vx_n: 1, __vx_objs: 1, __vx_v: 1, __vx_arrays: 1, __vx_base: 1};
var __vx_builtins = [Object, Array, String, Number, Boolean, Function, Date, RegExp, Math, JSON, Error, Symbol, Promise,
                     Map, Set, Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype,
                     Function.prototype, Date.prototype, RegExp.prototype, Error.prototype, Promise.prototype,
                     Map.prototype, Set.prototype];
function __vx_snapshot() {
  var out = [], names = Object.getOwnPropertyNames(globalThis);
  for (var i = 0; i < names.length; i++) if (__vx_state[names[i]] !== 1) out.push(names[i], globalThis[names[i]]);
  // Each builtin property as a descriptor (value, accessors, writability): a method replaced in
  // place (Math.random = ...) changes the record as much as one added or removed.
  for (var b = 0; b < __vx_builtins.length; b++) {
    var keys = Reflect.ownKeys(__vx_builtins[b]);
    out.push(keys.length, Object.isExtensible(__vx_builtins[b]));
    for (var k = 0; k < keys.length; k++) {
      var d = Object.getOwnPropertyDescriptor(__vx_builtins[b], keys[k]);
      out.push(keys[k], d.value, d.get, d.set, d.writable, d.configurable);
    }
  }
  return out;
}
function __vx_rebase() { __vx_base = __vx_snapshot(); }
function __vx_reset() {
  __vx_c = []; __vx_n = 0; __vx_objs = [];
  if (typeof __vx_arrays !== 'undefined') __vx_arrays = [];
  if (typeof __vx_v !== 'undefined') __vx_v = undefined;
  var now = __vx_snapshot(), base = __vx_base;
  if (base === null || now.length !== base.length) return false;
  for (var i = 0; i < now.length; i++) if (now[i] !== base[i] && (now[i] === now[i] || base[i] === base[i])) return false;
  return true;
}
""".replace("WITHS", "with(__vx_c[0]) with(__vx_c[1]) with(__vx_c[2]) with(__vx_c[3]) with(__vx_c[4]) with(__vx_c[5]) with(__vx_c[6]) with(__vx_c[7]) ").replace("MAXDEPTH", str(MAX_DEPTH))

# <assign> and <clear>: a dotted name is assigned through the scope chain.
_ASSIGN = r"""
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
"""

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

# The read-only DOM for <data> (the DOM Level 2 Core subset of VoiceXML 2.1 Appendix D: Node,
# NodeList, NamedNodeMap, Document, Element, Attr, CharacterData/Text), loaded the first time a
# call uses <data>.
_DOM = r"""
function __vx_list(a) { a.item = function(i) { return this[i] === undefined ? null : this[i]; }; return a; }
function __vx_Node(type, name, doc) {
  this.nodeType = type; this.nodeName = name; this.nodeValue = null;
  this.parentNode = null; this.childNodes = __vx_list([]); this.ownerDocument = doc;
  this.namespaceURI = null; this.prefix = null; this.localName = null; this.attributes = null;
}
function __vx_matches(node, ns, local) {
  return node.nodeType === 1 && (ns === '*' || node.namespaceURI === (ns === '' ? null : ns)) &&
    (local === '*' || node.localName === local);
}
__vx_Node.prototype = {
  __vx_dom: true,
  ELEMENT_NODE: 1, ATTRIBUTE_NODE: 2, TEXT_NODE: 3, DOCUMENT_NODE: 9,
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
  getAttributeNode: function(n) { return this.attributes ? this.attributes.getNamedItem(n) : null; },
  getAttributeNodeNS: function(ns, local) { return this.attributes ? this.attributes.getNamedItemNS(ns, local) : null; },
  getAttribute: function(n) { var a = this.getAttributeNode(n); return a ? a.value : ''; },
  getAttributeNS: function(ns, local) { var a = this.getAttributeNodeNS(ns, local); return a ? a.value : ''; },
  hasAttribute: function(n) { return this.getAttributeNode(n) !== null; },
  hasAttributeNS: function(ns, local) { return this.getAttributeNodeNS(ns, local) !== null; },
  __vx_find: function(test, first) {
    var out = __vx_list([]);
    (function walk(node) {
      for (var i = 0; i < node.childNodes.length && !(first && out.length); i++) {
        var c = node.childNodes[i];
        if (c.nodeType === 1) { if (test(c)) out.push(c); walk(c); }
      }
    })(this);
    return out;
  },
  getElementsByTagName: function(name) {
    return this.__vx_find(function(c) { return name === '*' || c.nodeName === name; });
  },
  getElementsByTagNameNS: function(ns, local) {
    return this.__vx_find(function(c) { return __vx_matches(c, ns, local); });
  },
  __vx_xml: function() {
    if (this.nodeType === 3) return this.nodeValue;
    var kids = [];
    for (var i = 0; i < this.childNodes.length; i++) kids.push(this.childNodes[i].__vx_xml());
    if (this.nodeType === 9) return {document: kids};
    var attrs = {};
    for (var j = 0; j < this.attributes.length; j++) attrs[this.attributes[j].name] = this.attributes[j].value;
    return {tag: this.nodeName, attributes: attrs, children: kids};
  }
};
function __vx_attrs(list, owner) {
  var map = __vx_list([]);
  for (var i = 0; i < list.length; i++) {
    var q = list[i][0], colon = q.indexOf(':');
    map.push({nodeType: 2, name: q, nodeName: q, value: list[i][2], nodeValue: list[i][2], specified: true,
              ownerElement: owner, namespaceURI: list[i][1], prefix: colon < 0 ? null : q.slice(0, colon),
              localName: q.slice(colon + 1), parentNode: null, childNodes: __vx_list([])});
  }
  map.getNamedItem = function(n) {
    for (var i = 0; i < this.length; i++) if (this[i].name === n) return this[i];
    return null;
  };
  map.getNamedItemNS = function(ns, local) {
    for (var i = 0; i < this.length; i++) {
      var a = this[i];
      if ((ns === '*' || a.namespaceURI === (ns === '' ? null : ns)) && a.localName === local) return a;
    }
    return null;
  };
  return map;
}
function __vx_build(j, parent, doc) {
  var n;
  if (typeof j === 'string') {
    n = new __vx_Node(3, '#text', doc); n.nodeValue = j; n.data = j; n.length = j.length;
    n.substringData = function(offset, count) { return this.data.substr(offset, count); };
  } else {
    var colon = j[0].indexOf(':');
    n = new __vx_Node(1, j[0], doc); n.tagName = j[0];
    n.namespaceURI = j[1]; n.prefix = colon < 0 ? null : j[0].slice(0, colon); n.localName = j[0].slice(colon + 1);
    n.attributes = __vx_attrs(j[2], n);
    for (var i = 0; i < j[3].length; i++) n.childNodes.push(__vx_build(j[3][i], n, doc));
  }
  n.parentNode = parent;
  return n;
}
function __vx_document(text) {
  var doc = new __vx_Node(9, '#document', null);
  var root = __vx_build(JSON.parse(text), doc, doc);
  doc.childNodes.push(root);
  doc.documentElement = root;
  doc.getElementById = function(id) {
    var found = this.__vx_find(function(c) {
      var a = c.getAttributeNode('xml:id') || c.getAttributeNode('id');
      return a !== null && a.value === id;
    }, true);
    return found.length ? found[0] : null;
  };
  return doc;
}
function __vx_setdom(k, name, text) { __vx_c[k][name] = __vx_document(text); }
"""


# Expressions simple enough to need no compiling: a literal is read in Python, a name or a
# dotted path is looked up through the scope chain by a JS helper (what ``with`` would do).
_PATH = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*\Z")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")
_QUOTED = re.compile(r"'[^'\\\n\r\u2028\u2029]*'\Z")
_NOT_NAMES = frozenset(
    """break case catch class const continue debugger default delete do else enum export extends
    false finally for function if import in instanceof new null return super switch this throw true
    try typeof var void while with yield let static implements interface package private protected
    public await arguments eval undefined NaN Infinity""".split()
)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_NO_LITERAL = object()


@functools.lru_cache(maxsize=4096)
def _literal(expr: str) -> Any:
    """The value of a literal expression (as JSON would bring it over), or ``_NO_LITERAL``."""
    if expr in _LITERALS:
        return _LITERALS[expr]
    if _QUOTED.match(expr):
        return expr[1:-1]
    if _NUMBER.match(expr):
        number = float(expr)
        if number == 0 and expr.startswith("-"):
            return _NO_LITERAL  # -0 keeps its sign only in JS
        return int(number) if number.is_integer() else number
    return _NO_LITERAL


@functools.lru_cache(maxsize=4096)
def _is_path(expr: str) -> bool:
    """True for a variable name or a dotted path such as ``session.telephone.ani``."""
    if not _PATH.match(expr):
        return False
    head = expr.split(".", 1)[0]
    return head not in _NOT_NAMES and not head.startswith("__vx_")


class Scope:
    """One VoiceXML variable scope (``name`` is None for anonymous scopes).

    The JS object behind it is made the first time a chain holding it is used.
    """

    __slots__ = ("name", "number", "spec")

    def __init__(self, number: int, name: str | None, alias: str | None = None) -> None:
        self.number = number
        self.name = name
        # what a scope chain switch sends: "number:name:alias" until the object exists, then the number
        self.spec: int | str = f"{number}:{name or ''}:{alias or ''}"

    def __repr__(self) -> str:
        return f"Scope({self.name or 'anonymous'})"


def _direct(value: Any) -> bool:
    """True for a value the QuickJS binding carries across unchanged (no JSON needed)."""
    kind = type(value)
    if kind is bool or value is None:
        return True
    if kind is str:
        return value.isascii()  # the binding turns a lone surrogate into undefined
    if kind is int:
        return -(2**31) <= value < 2**31  # the binding wraps larger ints
    return kind is float and math.isfinite(value)


class _Runtime:
    """A QuickJS context with the vxmlkit helpers loaded, used by one call at a time and only by
    the thread that made it; reset between calls rather than rebuilt (compiling the helpers is
    the costly part of starting a call)."""

    __slots__ = ("context", "functions", "memory_limit", "tags", "thread")

    def __init__(self, memory_limit: int) -> None:
        self.context = quickjs.Context()
        self.context.set_memory_limit(memory_limit)
        self.context.eval(_CORE)
        self.memory_limit = memory_limit
        self.functions: dict[str, Any] = {}
        self.tags: Any = None  # the TagEvaluator of this context, made on first use
        self.thread = threading.get_ident()
        self.rebase()

    def function(self, name: str) -> Any:
        """A helper function of the context (looked up once)."""
        found = self.functions.get(name)
        if found is None:
            found = self.functions[name] = self.context.get(name)
        return found

    def rebase(self) -> None:
        """Record the global object and the builtins as they are now: the state a reset checks."""
        self.function("__vx_rebase")()

    def reset(self) -> bool:
        """Forget the call's scopes; True when the context is as it was (safe for the next call)."""
        try:
            return bool(self.function("__vx_reset")())
        except quickjs.JSException:
            return False


_POOL_SIZE = 4
_FUNCTION_NAMES = re.compile(r"^function (__vx_\w+)", re.MULTILINE)
_pool = threading.local()  # each thread's free runtimes: never shared between threads


def _acquire(memory_limit: int) -> _Runtime:
    free: list[_Runtime] = getattr(_pool, "free", None) or []
    while free:
        runtime = free.pop()
        if runtime.memory_limit == memory_limit:
            return runtime
    return _Runtime(memory_limit)


def _release(runtime: _Runtime) -> None:
    if runtime.thread != threading.get_ident() or not runtime.reset():
        return  # another thread's context, or one the call changed: dropped, not reused
    free = getattr(_pool, "free", None)
    if free is None:
        free = _pool.free = []
    if len(free) < _POOL_SIZE:
        free.append(runtime)


_HANDLES = ("_setc", "_expr", "_bool", "_str", "_json", "_declare", "_set", "_isset", "_has", "_setresult", "_audio",
            "_script", "_first_unset", "_declare_all", "_count_set")


def _closed(*args: Any) -> Any:
    raise VxmlEvent("error.semantic", "the call is over: its script context serves other calls now")


class ScriptEngine:
    """The QuickJS side of one call: scopes, expressions and scripts with time and memory limits.

    The context comes from this thread's pool of reset contexts (or is made), and goes back to
    it when :meth:`close` is called at the end of the call, if the call left the global object
    and the builtins as they were; otherwise it is dropped.
    """

    def __init__(self, *, time_limit: float = 1.0, memory_limit: int = 64 * 1024 * 1024) -> None:
        self._runtime: _Runtime | None = _acquire(memory_limit)
        runtime = self._runtime
        self.context = runtime.context
        self.time_limit = time_limit
        self.context.set_time_limit(time_limit)
        get = runtime.function
        self._setc = get("__vx_setc")
        self._expr = get("__vx_expr")
        self._bool = get("__vx_bool")
        self._str = get("__vx_str")
        self._json = get("__vx_json")
        self._declare = get("__vx_declare")
        self._set = get("__vx_set")
        self._isset = get("__vx_isset")
        self._has = get("__vx_has")
        self._setresult = get("__vx_setresult")
        self._audio = get("__vx_audio")
        self._script = get("__vx_script")
        self._first_unset = get("__vx_first_unset")
        self._declare_all = get("__vx_declare_all")
        self._count_set = get("__vx_count_set")
        self._chain: tuple[Scope, ...] = ()
        self._scopes = 0

    def close(self) -> None:
        """The call is over: give the context back for reuse (reset), or drop it. The engine
        evaluates nothing more (the context may be serving the next call)."""
        runtime, self._runtime = self._runtime, None
        if runtime is None:
            return
        for name in _HANDLES:
            setattr(self, name, _closed)
        _release(runtime)

    def tag_evaluator(self) -> Any:
        """The SISR tag evaluator of this context (tags registered once per context, not per call)."""
        runtime = self._runtime
        if runtime is None:
            raise VxmlEvent("error.semantic", "the call is over: its script context is closed")
        if runtime.tags is None:
            from .sisr import TagEvaluator

            runtime.tags = TagEvaluator(self.context)
            runtime.tags.prepare()
            runtime.rebase()
        return runtime.tags

    def _helper(self, name: str, source: str) -> Any:
        """A helper loaded on first use in this context (kept for the calls that reuse it)."""
        runtime = self._runtime
        assert runtime is not None, "the call is over: its script context is closed"
        if name not in runtime.functions:
            self._load(source)
            for defined in _FUNCTION_NAMES.findall(source):  # the whole group, loaded once
                runtime.function(defined)
            runtime.rebase()
        return runtime.functions[name]

    # -- scopes -----------------------------------------------------------------------------

    def new_scope(self, name: str | None = None, *, alias: str | None = None) -> Scope:
        """A fresh empty scope (named scopes refer to themselves under their name, and under
        ``alias`` too when given; an ``application`` scope starts with ``lastresult$`` declared)."""
        self._scopes += 1
        return Scope(self._scopes, name, alias)

    def use(self, chain: tuple[Scope, ...]) -> None:
        """Make ``chain`` (outermost first) the current scope chain."""
        if chain != self._chain:
            if len(chain) > MAX_DEPTH:
                raise VxmlEvent("error.semantic", f"scope chain deeper than {MAX_DEPTH}")
            self._setc(*[scope.spec for scope in chain])
            for scope in chain:
                scope.spec = scope.number
            self._chain = chain

    @property
    def chain(self) -> tuple[Scope, ...]:
        """The current scope chain."""
        return self._chain

    # -- evaluation -----------------------------------------------------------------------

    def _call(self, function: Any, args: tuple[Any, ...], what: str, subject: Any = None) -> Any:
        """Call a JS helper; a JS exception becomes error.semantic (``what`` formatted with
        ``subject`` only then: most calls succeed)."""
        try:
            return function(*args)
        except quickjs.JSException as exc:
            raise VxmlEvent("error.semantic", f"{what.format(subject)}: {_js_message(exc, self.time_limit)}") from None

    def eval(self, expr: str) -> Any:
        """Evaluate an expression; primitives come back as Python values (objects as handles)."""
        return self._call(self._expr, (expr, _is_path(expr)), "cannot evaluate {!r}", expr)

    def eval_bool(self, expr: str) -> bool:
        """Evaluate an expression converted to boolean (guard conditions)."""
        value = _literal(expr)
        if value is not _NO_LITERAL:
            return bool(value)
        return bool(self._call(self._bool, (expr, _is_path(expr)), "cannot evaluate condition {!r}", expr))

    def eval_str(self, expr: str) -> str:
        """Evaluate an expression converted to a string with JS ``String()``."""
        value = _literal(expr)
        if type(value) is str:
            return value
        return self._call(self._str, (expr, _is_path(expr)), "cannot evaluate {!r}", expr)  # type: ignore[no-any-return]

    def eval_json(self, expr: str) -> Any:
        """Evaluate an expression and bring the value over as JSON (UNDEFINED for undefined)."""
        value = _literal(expr)
        if value is not _NO_LITERAL:
            return value
        text = self._call(self._json, (expr, _is_path(expr)), "cannot evaluate {!r}", expr)
        return UNDEFINED if text is None else json.loads(text)

    def declare(self, name: str, expr: str | None, *, depth: int | None = None) -> None:
        """``<var>``: declare ``name`` in the current (or ``depth``-th) scope, set to ``expr``."""
        if not is_identifier(name):
            raise VxmlEvent("error.semantic", f"{name!r} is not a valid variable name")
        k = len(self._chain) - 1 if depth is None else depth
        if expr is not None:
            value = _literal(expr)
            if value is not _NO_LITERAL and _direct(value):
                self._call(self._set, (k, name, value, False), "cannot declare {}", name)
                return
        self._call(self._declare, (k, name, expr, expr is not None and _is_path(expr)), "cannot declare {}", name)

    def set_value(self, name: str, value: Any, *, depth: int | None = None) -> None:
        """Set ``name`` in the current (or ``depth``-th) scope to a JSON-compatible Python value."""
        k = len(self._chain) - 1 if depth is None else depth
        if value is UNDEFINED:
            args: tuple[Any, ...] = (k, name, None, True)
        elif _direct(value):
            args = (k, name, value, False)
        else:
            args = (k, name, json.dumps(value), True)
        self._call(self._set, args, "cannot set {}", name)

    def is_set(self, name: str, *, depth: int) -> bool:
        """True when ``name`` in the ``depth``-th scope is not undefined."""
        return bool(self._isset(depth, name))

    def has(self, name: str, *, depth: int) -> bool:
        """True when ``name`` is declared in the ``depth``-th scope."""
        return bool(self._has(depth, name))

    def _load(self, source: str) -> None:
        self._call(self.context.eval, (source,), "cannot load the vxmlkit scripting helpers")

    def assign(self, name: str, expr: str) -> None:
        """``<assign>``: the variable must be declared somewhere in the chain."""
        self._call(self._assigner(), (name, expr, False), "cannot assign {}", name)

    def assign_value(self, name: str, value: Any) -> None:
        """Assign a JSON-compatible Python value to a declared variable (dotted names allowed)."""
        payload = None if value is UNDEFINED else json.dumps(value)
        self._call(self._assigner(), (name, payload, True), "cannot assign {}", name)

    def _assigner(self) -> Any:
        return self._helper("__vx_assign", _ASSIGN)

    def run_script(self, source: str) -> None:
        """Run a ``<script>`` in the current scope: its top-level vars and functions land there."""
        variables, functions = _declarations(source)
        self._call(self._script, (source, ",".join(functions), ",".join(variables)), "error in script")

    def set_dom(self, name: str, xml_json: str, *, depth: int | None = None) -> None:
        """Set ``name`` to a read-only DOM document built from the JSON tree of an XML answer."""
        k = len(self._chain) - 1 if depth is None else depth
        self._call(self._helper("__vx_setdom", _DOM), (k, name, xml_json), "cannot build the DOM for {}", name)

    def set_lastresult(self, result: dict[str, Any], *, depth: int) -> None:
        """Set ``lastresult$`` in the ``depth``-th scope: an array of one result with its fields copied."""
        self._call(self._setresult, (depth, json.dumps(result)), "cannot set lastresult$")

    def eval_audio(self, expr: str) -> str | dict[str, Any] | None:
        """An ``<audio expr>``: None for undefined/null, a recording as a dict, else the URI string."""
        value = self._call(self._audio, (expr, _is_path(expr)), "cannot evaluate audio expr {!r}", expr)
        if value is None:
            return None
        if value.startswith("{"):
            try:
                decoded = json.loads(value)
            except ValueError:
                return value  # type: ignore[no-any-return]
            if isinstance(decoded, dict) and "$recording" in decoded:
                return decoded
        return value  # type: ignore[no-any-return]

    def push_array(self, expr: str) -> int:
        """Evaluate a ``<foreach>`` array and keep it for :meth:`set_item`; returns its length."""
        return int(self._call(self._helper("__vx_push_array", _EXTRA), (expr,), "cannot iterate over {!r}", expr))

    def set_item(self, name: str, index: int) -> None:
        """Set ``name`` in the current scope to element ``index`` of the innermost foreach array."""
        if not is_identifier(name):
            raise VxmlEvent("error.semantic", f"{name!r} is not a valid variable name")
        self._call(self._helper("__vx_item", _EXTRA), (len(self._chain) - 1, name, index), "cannot set {}", name)

    def pop_array(self) -> None:
        """Forget the innermost foreach array."""
        self._helper("__vx_pop_array", _EXTRA)()

    # -- several crossings in one ---------------------------------------------------------------

    def declare_unset(self, names: list[str], *, depth: int) -> None:
        """Declare each of ``names`` in the ``depth``-th scope, undefined (one crossing)."""
        if names:
            self._call(self._declare_all, (depth, ",".join(names)), "cannot declare {}", names)

    def first_unset(self, names: list[str], start: int, *, depth: int) -> int:
        """The index of the first of ``names`` from ``start`` that is undefined in the
        ``depth``-th scope, or -1 (one crossing for the FIA's select phase)."""
        return int(self._first_unset(depth, ",".join(names), start))

    def count_set(self, names: list[str], *, depth: int) -> int:
        """How many of ``names`` are declared and not undefined in the ``depth``-th scope (one crossing)."""
        return int(self._count_set(depth, ",".join(names))) if names else 0


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
    variables, functions = _declarations(source)
    return list(variables), list(functions)


@functools.lru_cache(maxsize=1024)
def _declarations(source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
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
    return tuple(dict.fromkeys(variables)), tuple(dict.fromkeys(functions))
