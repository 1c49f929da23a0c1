"""``vxmlkit explore``: every path of a flow (or of a VoiceXML app at a URL), summarised."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..discovery import app_option, cli_app

__all__ = ["explore_command"]


@click.command("explore")
@click.argument("target", metavar="FLOW|URL")
@app_option
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A call parameter (repeatable); required ones not given get a sample value of their type.")
@click.option("--phone", default="+16175550142", show_default=True, help="The number called (phone_number).")
@click.option("--answer", "answers", multiple=True, metavar="NAME=VALUE",
              help="One more answer to try for the field NAME (repeatable), such as a PIN the flow checks.")
@click.option("--callee-type", "callee_types", multiple=True,
              type=click.Choice(["voice", "answeringmachine", "fax", "unknown"]),
              help="Callee types to branch on where a document reads them (default: voice, answeringmachine).")
@click.option("--max-paths", default=20_000, show_default=True, type=click.IntRange(1), help="Calls to make at most.")
@click.option("--max-depth", default=40, show_default=True, type=click.IntRange(1),
              help="Caller inputs per path at most.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole graph as JSON.")
@click.option("--write-tests", "tests_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a pytest module with one test per ending and problem path.")
def explore_command(target: str, app_spec: str | None, params: tuple[str, ...], phone: str, answers: tuple[str, ...],
                    callee_types: tuple[str, ...], max_paths: int, max_depth: int, as_json: bool,
                    tests_file: Path | None) -> None:
    """Explore every path of FLOW (served in-process) or of the VoiceXML app at URL.

    Exits with status 1 when a problem was found, 2 on a usage error.
    """
    from ..cli import _pairs
    from . import Bounds, explore_flow, explore_url, graph_json, text_report
    from .explorer import DEFAULT_CALLEE_TYPES

    parameters = _pairs(params, "--param")
    extra: dict[str, list[str]] = {}
    for name, value in _pairs(answers, "--answer").items():
        extra.setdefault(name, []).append(value)
    bounds = Bounds(max_paths=max_paths, max_depth=max_depth)
    kinds = callee_types or DEFAULT_CALLEE_TYPES
    app = None
    if "://" in target:
        if tests_file is not None:
            raise click.UsageError("--write-tests needs a flow served in-process, not a URL")
        graph = explore_url(target, call_parameters=parameters, phone_number=phone, bounds=bounds,
                            callee_types=kinds, answers=extra)
    else:
        app = cli_app(app_spec, ephemeral=True, quiet=as_json).app
        try:
            graph = explore_flow(app, target, call_parameters=parameters, phone_number=phone, bounds=bounds,
                                 callee_types=kinds, answers=extra)
        except LookupError as exc:
            raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(graph_json(graph), indent=2, ensure_ascii=False))
    else:
        click.echo(text_report(graph), nl=False)
    if tests_file is not None:
        from .testwriter import write_tests

        tests_file.parent.mkdir(parents=True, exist_ok=True)
        tests_file.write_text(write_tests(app, graph), encoding="utf-8")
        click.echo(f"wrote {tests_file}", err=True)
    if graph.problems:
        sys.exit(1)
