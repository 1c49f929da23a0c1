"""``vxmlkit diagram FLOW``: draw a flow as Mermaid, DOT, SVG or PNG."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..discovery import app_option, cli_app

__all__ = ["diagram_command"]


@click.command()
@app_option
@click.argument("flow")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg", "png"]), default=None,
              help="What to write (default: from the -o file's suffix, else mermaid).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A call parameter for exploring (repeatable).")
@click.option("--phone", default="+15555550100", show_default=True, help="The called number while exploring.")
def diagram_command(app_spec: str | None, flow: str, fmt: str | None, output: Path | None,
                    params: tuple[str, ...], phone: str) -> None:
    """Draw FLOW as a diagram: its steps, what leads from one to the next, its endings and problems.

    The flow is explored first (as `vxmlkit explore` does), so the picture shows what the flow
    really does. Mermaid text renders in GitHub and GitLab Markdown; SVG and PNG need Graphviz.
    """
    from ..cli import _pairs
    from . import DiagramError, draw
    from .build import explored_diagram

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = {"svg": "svg", "png": "png", "dot": "dot", "gv": "dot", "mmd": "mermaid", "md": "mermaid"}.get(suffix, "mermaid")
    if fmt == "png" and output is None and sys.stdout.isatty():
        raise click.UsageError("a PNG goes to a file: add -o FILE.png")
    call_parameters = _pairs(params, "--param")
    app = cli_app(app_spec, ephemeral=True).app
    from ..extension import get_kit

    if get_kit(app).flow(flow) is None:
        raise click.UsageError(f"no flow {flow!r}; known: {', '.join(sorted(get_kit(app).flows)) or 'none'}")
    try:
        picture = draw(explored_diagram(app, flow, call_parameters=call_parameters or None, phone_number=phone), fmt)
    except DiagramError as exc:
        raise click.ClickException(str(exc)) from exc
    if output is None:
        sys.stdout.buffer.write(picture)
    else:
        output.write_bytes(picture)
        click.echo(f"wrote {output} ({fmt}, {len(picture)} bytes)", err=True)
