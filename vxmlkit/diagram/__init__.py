"""Diagrams of call flows, drawn from what exploring the flow found it really does.

``vxmlkit diagram FLOW --format mermaid|dot|svg|png`` draws one; the console shows the same
picture with the steps a call walked highlighted. The pipeline reads in the file names:
:mod:`.build` turns an explored flow into a :class:`~.model.Diagram`, then one module per
format draws it: :mod:`.mermaid` (text that GitHub and GitLab render) and :mod:`.dot`
(Graphviz's DOT, and SVG or PNG through Graphviz's ``dot`` command).
"""

from __future__ import annotations

from typing import Any

from .dot import DiagramError, graphviz_available, render_with_graphviz, to_dot
from .mermaid import to_mermaid
from .model import Diagram, Edge, Node

__all__ = ["Diagram", "DiagramError", "Edge", "Node", "FORMATS", "diagram_available", "draw", "flow_diagram"]

#: The formats :func:`draw` writes.
FORMATS = ("mermaid", "dot", "svg", "png")


def diagram_available() -> bool:
    """Whether pictures (SVG, PNG) can be drawn here: Mermaid and DOT text always can."""
    return graphviz_available()


def draw(diagram: Diagram, fmt: str) -> bytes:
    """``diagram`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "mermaid":
        return to_mermaid(diagram).encode("utf-8")
    if fmt == "dot":
        return to_dot(diagram).encode("utf-8")
    if fmt in ("svg", "png"):
        return render_with_graphviz(to_dot(diagram), fmt)
    raise DiagramError(f"unknown diagram format {fmt!r}; one of {', '.join(FORMATS)}")


def flow_diagram(app: Any, flow: str, *, fmt: str = "mermaid", **explore_options: Any) -> bytes:
    """Explore ``flow`` of ``app`` and draw it in ``fmt``."""
    from .build import explored_diagram

    return draw(explored_diagram(app, flow, **explore_options), fmt)
