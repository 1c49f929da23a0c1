"""Every Python snippet of the docs runs, in order, so the tutorials cannot rot."""

from __future__ import annotations

import contextlib
import io
import linecache
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def snippets(path: Path) -> list[tuple[str, str]]:
    return [(lang, body) for lang, body in FENCE.findall(path.read_text())]


@pytest.mark.parametrize("page", ["testing.md"])
def test_python_snippets_run_in_order(page):
    namespace: dict[str, object] = {"__name__": f"docs_{page.replace('.', '_')}"}
    blocks = snippets(DOCS / page)
    python = [body for lang, body in blocks if lang == "python"]
    assert len(python) >= 8
    printed = io.StringIO()
    for number, body in enumerate(python, start=1):
        filename = f"{page} snippet {number}"
        # Flows defined in a snippet keep their source readable, as flows in modules do.
        linecache.cache[filename] = (len(body), None, body.splitlines(keepends=True), filename)
        with contextlib.redirect_stdout(printed):
            exec(compile(body, filename, "exec"), namespace)  # noqa: S102 - our own docs
    # The transcript the page shows is the one the snippet printed.
    shown = next(body for lang, body in blocks if lang == "text" and body.startswith("fetched:"))
    assert shown in printed.getvalue()
