"""The readable summary of an exploration: coverage, endings, problems, and what was cut."""

from __future__ import annotations

from .graph import PROBLEM_KINDS, ExploredGraph, path_label

__all__ = ["text_report", "percent"]


def percent(part: int, whole: int) -> str:
    """``100%`` / ``87.5%``; a whole of nothing counts as complete."""
    if whole == 0:
        return "100%"
    value = 100.0 * part / whole
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def text_report(graph: ExploredGraph) -> str:
    """The summary ``vxmlkit explore`` prints."""
    lines: list[str] = []
    how = "explored completely" if graph.complete else "explored partly"
    lines.append(f"{graph.flow}: {how}: {graph.paths} paths, {len(graph.states)} states, "
                 f"{len(graph.endings)} endings, {len(graph.problems)} problems in {graph.seconds:.2f} s")
    if graph.call_parameters:
        shown = " ".join(f"{k}={v}" for k, v in graph.call_parameters.items())
        lines.append(f"  call parameters: {shown}; phone number {graph.phone_number}")
    steps, transitions = graph.all_steps, graph.all_transitions
    reached = [s for s in steps if s in graph.steps_reached]
    walked = [t for t in transitions if t in graph.transitions_walked]
    lines.append(f"  steps reached:      {len(reached)}/{len(steps)} ({percent(len(reached), len(steps))})")
    for step in steps:
        if step not in graph.steps_reached:
            lines.append(f"    not reached: {step}")
    lines.append(f"  transitions walked: {len(walked)}/{len(transitions)} ({percent(len(walked), len(transitions))})")
    for transition in transitions:
        if transition not in graph.transitions_walked:
            lines.append(f"    not walked: {transition}")
    lines.append("  endings, each with a shortest input path:")
    for ending in graph.endings:
        lines.append(f"    {ending.label}: {path_label(ending.path)}")
    if graph.problems:
        lines.append("  PROBLEMS:")
        for problem in graph.problems:
            where = f" [{problem.step}]" if problem.step else ""
            lines.append(f"    {PROBLEM_KINDS.get(problem.kind, problem.kind)}{where}: {problem.message}")
            if problem.path is not None:
                lines.append(f"      path: {path_label(problem.path)}")
            if problem.detail and problem.kind in ("step-raised", "schema"):
                for line in problem.detail.rstrip().splitlines()[-6:]:
                    lines.append(f"      | {line}")
    else:
        lines.append("  problems: none")
    for note in graph.cut:
        lines.append(f"  cut: {note}")
    return "\n".join(lines) + "\n"
