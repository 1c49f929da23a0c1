"""A diagram as Mermaid flowchart text, which GitHub and GitLab render in Markdown as it is."""

from __future__ import annotations

from .model import Diagram, Node

__all__ = ["to_mermaid"]


def _text(text: str) -> str:
    # Mermaid reads entity codes inside quoted labels; quotes and angle brackets would end them.
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("\n", " "))


def _node(node: Node) -> str:
    label = node.name if not node.caption else f"{node.name}: {node.caption}"
    if node.problem:
        label += f" ⚠ {node.problem}"
    label = _text(label)
    if node.kind == "ending":
        return f'    {node.id}(["{label}"])'
    if node.kind == "problem":
        return f'    {node.id}{{{{"{label}"}}}}'
    return f'    {node.id}["{label}"]'


def to_mermaid(diagram: Diagram) -> str:
    """The Mermaid text of ``diagram`` (top to bottom, problems in red, endings rounded)."""
    lines = ["flowchart TD"]
    lines += [_node(node) for node in diagram.nodes.values()]
    for edge in diagram.edges.values():
        source, target = diagram.nodes[edge.source].id, diagram.nodes[edge.target].id
        label = edge.label
        lines.append(f'    {source} -->|"{_text(label)}"| {target}' if label else f"    {source} --> {target}")
    problems = [node.id for node in diagram.nodes.values() if node.kind == "problem" or node.problem]
    endings = [node.id for node in diagram.nodes.values() if node.kind == "ending"]
    lines.append("    classDef problem fill:#fde2e1,stroke:#b3261e,color:#5c0b07")
    lines.append("    classDef ending fill:#e6f0e6,stroke:#2e6b30")
    if endings:
        lines.append(f"    class {','.join(endings)} ending")
    if problems:
        lines.append(f"    class {','.join(problems)} problem")
    start = diagram.nodes.get(f"step:{diagram.start}")
    if start is not None:
        lines.append(f"    style {start.id} stroke-width:3px")
    return "\n".join(lines) + "\n"
