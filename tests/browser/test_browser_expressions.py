"""Expressions the script engine answers without compiling (literals, names, dotted paths)
give what compiling them gives: each is checked against the same expression in parentheses,
which always takes the compiled route."""

from __future__ import annotations

import pytest

from vxmlkit.browser.events import VxmlEvent
from vxmlkit.browser.scripting import UNDEFINED, ScriptEngine


@pytest.fixture
def engine() -> ScriptEngine:
    js = ScriptEngine()
    session, application = js.new_scope("session"), js.new_scope("application", alias="document")
    dialog, anonymous = js.new_scope("dialog"), js.new_scope(None)
    js.use((session, application, dialog, anonymous))
    js.set_value("telephone", {"ani": "6175551234"}, depth=0)
    js.declare("x", "'document'", depth=1)
    js.declare("n", "0", depth=1)
    js.declare("x", "'dialog'", depth=2)
    js.declare("nothing", None, depth=2)
    js.declare("empty", "null", depth=2)
    js.declare("text", "'abc'", depth=3)
    return js


PATHS = [
    "x", "document.x", "application.x", "dialog.x", "session.telephone.ani", "telephone.ani",
    "text.length", "n", "nothing", "empty", "Math.PI", "JSON", "lastresult$",
]
LITERALS = ["0", "-3", "12.50", "1.0", "9007199254740993", "'a \"quoted\" word'", "''", "true", "false", "null"]


@pytest.mark.parametrize("expr", PATHS + LITERALS)
def test_simple_expressions_match_compiled_ones(engine: ScriptEngine, expr: str) -> None:
    compiled = f"({expr})"
    assert engine.eval_json(expr) == engine.eval_json(compiled)
    assert engine.eval_str(expr) == engine.eval_str(compiled)
    assert engine.eval_bool(expr) is engine.eval_bool(compiled)


def test_undefined_names_give_the_same_error(engine: ScriptEngine) -> None:
    messages = []
    for expr in ("missing", "(missing)", "missing.deeper", "(missing.deeper)"):
        with pytest.raises(VxmlEvent) as caught:
            engine.eval_str(expr)
        assert caught.value.name == "error.semantic"
        messages.append(caught.value.message.split(": ", 1)[1])
    assert messages == ["ReferenceError: missing is not defined"] * 4


def test_a_path_through_undefined_gives_the_compiled_error(engine: ScriptEngine) -> None:
    with pytest.raises(VxmlEvent) as caught:
        engine.eval_str("nothing.inner")
    assert "cannot read property 'inner' of undefined" in caught.value.message


def test_literal_declarations_keep_their_js_values(engine: ScriptEngine) -> None:
    engine.declare("negative_zero", "-0")
    engine.declare("big", "12345678901")
    engine.declare("fraction", "0.1")
    assert engine.eval_json("1 / negative_zero") is None  # -Infinity has no JSON: null
    assert engine.eval_bool("1 / negative_zero < 0")
    assert engine.eval_json("big + 1") == 12345678902
    assert engine.eval_bool("fraction + 0.2 !== 0.3")


def test_values_set_from_python_arrive_unchanged(engine: ScriptEngine) -> None:
    values = {
        "flag": True, "none": None, "small": -(2**31), "large": 2**31, "huge": 2**53, "real": 2.5,
        "ascii": "plain", "accented": "café", "lone": "\ud800", "nested": {"a": [1, "b"]},
    }
    for name, value in values.items():
        engine.set_value(name, value)
    assert engine.eval_json("[flag, none, small, large, huge, real, ascii, accented, nested]") == [
        True, None, -(2**31), 2**31, 2**53, 2.5, "plain", "café", {"a": [1, "b"]},
    ]
    assert engine.eval_json("lone.length") == 1
    engine.set_value("flag", UNDEFINED)
    assert engine.eval_str("typeof flag") == "undefined"


def test_scopes_are_made_on_first_use_and_named_scopes_see_themselves(engine: ScriptEngine) -> None:
    later = engine.new_scope("dialog")
    chain = engine.chain[:2] + (later,)
    engine.use(chain)
    assert engine.eval_json("typeof dialog.x") == "undefined"
    assert engine.eval_json("document.x") == "document"
    assert engine.eval_json("'lastresult$' in application") is True
    assert engine.eval_json("Object.keys(document)") == ["lastresult$", "x", "n"]
