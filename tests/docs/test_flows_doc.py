"""docs/flows.md: its snippets run, and its table names every builtin grammar."""

from __future__ import annotations

from pathlib import Path

from tests.docs.test_docs_snippets import snippets
from vxmlkit.browser.builtins import BUILTIN_TYPES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "flows.md"


def test_python_snippets_run() -> None:
    namespace: dict[str, object] = {"__name__": "docs_flows"}
    python = [body for lang, body in snippets(PAGE) if lang == "python"]
    assert python
    for number, body in enumerate(python, start=1):
        exec(compile(body, f"flows.md snippet {number}", "exec"), namespace)  # noqa: S102 - our own docs


def test_the_table_names_every_grammar() -> None:
    text = PAGE.read_text()
    for grammar in (*BUILTIN_TYPES, "record", "srgs"):
        assert f"| `{grammar}(" in text, grammar
