"""What a diagram shows: steps, endings and problems as nodes, what moves the call as edges.

The model is small and independent of any drawing format; :mod:`.build` fills it from an
explored flow, and one module per format draws it (:mod:`.mermaid`, :mod:`.dot`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Node", "Edge", "Diagram", "node_id"]


def node_id(name: str) -> str:
    """An identifier every format accepts (letters, digits and underscores) for ``name``."""
    cleaned = re.sub(r"[^0-9A-Za-z_]", "_", name)
    return cleaned if cleaned[:1].isalpha() else f"n_{cleaned}"


@dataclass
class Node:
    """A step of the flow, an ending of the call, or a problem found on the way."""

    name: str
    kind: str  # "step", "ending" or "problem"
    caption: str = ""
    #: What went wrong here, for a step where exploring found a problem.
    problem: str | None = None

    @property
    def id(self) -> str:
        return node_id(f"{self.kind}_{self.name}")


@dataclass
class Edge:
    """What takes the call from one node to another; several causes share one edge."""

    source: str
    target: str
    labels: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        # Causes that end the same way read once: "silence, nomatch · no more tries".
        by_outcome: dict[str, list[str]] = {}
        for label in self.labels:
            cause, _, outcome = label.partition(" · ")
            by_outcome.setdefault(outcome, []).append(cause)
        return ", ".join(
            f"{', '.join(causes)} · {outcome}" if outcome and any(causes) else (outcome or ", ".join(causes))
            for outcome, causes in by_outcome.items()
        )


@dataclass
class Diagram:
    """A flow's nodes and edges, in the order they were found."""

    flow: str
    start: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], Edge] = field(default_factory=dict)

    def node(self, key: str, kind: str, caption: str = "") -> Node:
        found = self.nodes.get(key)
        if found is None:
            found = self.nodes[key] = Node(key.split(":", 1)[-1], kind, caption)
        elif caption and not found.caption:
            found.caption = caption
        return found

    def edge(self, source: str, target: str, label: str) -> None:
        edge = self.edges.setdefault((source, target), Edge(source, target))
        if label and label not in edge.labels:
            edge.labels.append(label)
