"""A diagram as Graphviz DOT text, and as SVG or PNG through Graphviz's ``dot`` command.

Nodes and edges carry classes (``step-<name>``, ``edge-<from>--<to>``) that survive into the
SVG, so that a page can highlight the steps a call walked.
"""

from __future__ import annotations

import shutil
import subprocess

from .model import Diagram, Node

__all__ = ["to_dot", "render_with_graphviz", "graphviz_available", "DiagramError"]


class DiagramError(RuntimeError):
    """The diagram cannot be drawn (Graphviz missing or failing, an unknown format)."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = 34) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    if len(lines) > 3:
        lines = [*lines[:3][:-1], lines[2] + " …"]
    return "\n".join(lines)


def _attributes(node: Node, start: bool) -> dict[str, str]:
    label = node.name if not node.caption else f"{node.name}\n{_wrap(node.caption)}"
    # A class per node lets a page find it in the SVG (the console highlights walked steps).
    attrs = {"label": label, "class": f"step-{node.name}" if node.kind == "step" else node.id}
    if node.kind == "ending":
        attrs.update(shape="box", style="rounded,filled", fillcolor="#e6f0e6", color="#2e6b30")
    elif node.kind == "problem":
        attrs.update(shape="octagon", style="filled", fillcolor="#fde2e1", color="#b3261e")
    else:
        attrs.update(shape="box", style="filled", fillcolor="#ffffff")
    if node.problem:
        attrs["label"] += f"\n⚠ {_wrap(node.problem)}"
        attrs.update(color="#b3261e", fillcolor="#fde2e1", penwidth="2")
    if start:
        attrs["penwidth"] = "2.5"
    return attrs


def to_dot(diagram: Diagram) -> str:
    """The DOT text of ``diagram``."""
    lines = [
        f"digraph {_quote(diagram.flow)} {{",
        "  graph [rankdir=TB, fontname=\"Helvetica\", nodesep=0.35, ranksep=0.5];",
        "  node [fontname=\"Helvetica\", fontsize=10];",
        "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];",
    ]
    for key, node in diagram.nodes.items():
        attrs = _attributes(node, start=key == f"step:{diagram.start}")
        rendered = ", ".join(f"{name}={_quote(value)}" for name, value in attrs.items())
        lines.append(f"  {node.id} [{rendered}];")
    for edge in diagram.edges.values():
        source, target = diagram.nodes[edge.source], diagram.nodes[edge.target]
        attrs = {"label": edge.label, "class": f"edge-{source.name}--{target.name}"}
        rendered = ", ".join(f"{name}={_quote(value)}" for name, value in attrs.items())
        lines.append(f"  {source.id} -> {target.id} [{rendered}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` command is installed."""
    return shutil.which("dot") is not None


def render_with_graphviz(dot_text: str, fmt: str) -> bytes:
    """``dot_text`` drawn as ``svg`` or ``png`` by Graphviz."""
    if fmt not in ("svg", "png"):
        raise DiagramError(f"Graphviz draws svg or png here, not {fmt!r}")
    command = shutil.which("dot")
    if command is None:
        raise DiagramError(
            "drawing SVG or PNG needs Graphviz's dot command: install it (apt-get install graphviz, "
            "brew install graphviz) or use --format mermaid or dot"
        )
    try:
        done = subprocess.run([command, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=60, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DiagramError("Graphviz took more than 60 s to draw the diagram") from exc
    if done.returncode != 0:
        raise DiagramError(f"Graphviz failed: {done.stderr.decode('utf-8', 'replace').strip()[:500]}")
    return done.stdout
