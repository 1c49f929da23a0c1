"""The ``vxmlkit`` command: serve flows, list them, render and validate documents, run calls.

Every command that reads an app or its store takes ``--app`` (see :mod:`vxmlkit.discovery`:
``--app``, then ``VXMLKIT_APP``, then ``FLASK_APP``, then the example flows).
"""

from __future__ import annotations

import json
import sys
import tempfile
from contextlib import contextmanager
from collections.abc import Iterator
from typing import Any

import click

from .discovery import app_option, cli_app, existing_store

__all__ = ["main", "cli", "temporary_store"]


class _Commands(click.Group):
    """The ``vxmlkit`` group. Commands that live beside the parts they drive are imported only
    when they run (or when the help lists them), so ``vxmlkit validate`` loads neither Flask
    nor an app."""

    lazy: dict[str, str] = {
        "validate": "vxmlkit.validation:validate_command",
        "sms": "vxmlkit.sms.cli:sms_group",
        "outbox": "vxmlkit.sms.cli:outbox_command",
        "db": "vxmlkit.store.cli:db_group",
        "purge": "vxmlkit.store.cli:purge_command",
        "simulate": "vxmlkit.testing.cli:simulate_command",
        "explore": "vxmlkit.explore.cli:explore_command",
        "emulate": "vxmlkit.emulator.cli:emulate_command",
        "diagram": "vxmlkit.diagram.cli:diagram_command",
        "call": "vxmlkit.plum.cli:call_command",
        "campaign": "vxmlkit.plum.cli:campaign_command",
        "run": "vxmlkit.browser.cli:run_command",
        "conformance": "vxmlkit.browser.cli:conformance_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = self.lazy.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        import importlib

        module, _, name = where.partition(":")
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vxmlkit")
def cli() -> None:
    """Write, serve and test outbound IVR call flows."""


@contextmanager
def temporary_store(kit: Any) -> Iterator[None]:
    """Run with ``kit`` keeping sessions and messages in a throwaway SQLite file (never the app's store)."""
    from .store import open_store

    with tempfile.TemporaryDirectory(prefix="vxmlkit-") as folder:
        store = open_store(f"sqlite:///{folder}/vxmlkit.sqlite3")
        try:
            with kit.borrowed_store(store):
                yield
        finally:
            store.close()


@cli.command()
@app_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--console", is_flag=True, help="Mount the development console (on by default in debug mode).")
def serve(app_spec: str | None, host: str, port: int, console: bool) -> None:
    """Serve the flows over HTTP (development server; use gunicorn in production)."""
    from .console import console_url, init_console
    from .extension import get_kit

    from .urls import flow_urls

    app = cli_app(app_spec).app
    kit = get_kit(app)
    kit.store  # noqa: B018 - opened now: a store that is out of date or down is reported at start-up
    if not app.config.get("VXMLKIT_PUBLIC_URL"):
        app.config["VXMLKIT_PUBLIC_URL"] = f"http://{host}:{port}"
    examples = app_spec is None and not app.config["VXMLKIT_ALLOW_UNQUEUED_CALLS"]
    if examples:
        app.config["VXMLKIT_ALLOW_UNQUEUED_CALLS"] = frozenset({"*"})
    if console and "vxmlkit_console" not in app.blueprints:
        init_console(app, kit)
    click.echo(f"Serving {len(kit.flows)} flow(s) at http://{host}:{port} (start URLs, signed):")
    for name in sorted(kit.flows):
        click.echo(f"  {name}: {flow_urls(app, name).start_url}")
    if examples:
        click.echo(
            "The example flows accept these URLs for calls vxmlkit did not queue, so you can POST them by hand\n"
            "(VXMLKIT_ALLOW_UNQUEUED_CALLS=*). A production app starts only the calls it queued itself\n"
            "(vxmlkit call, vxmlkit campaign: each gets a start URL bound to that call), from the platform's\n"
            "addresses (VXMLKIT_TRUSTED_NETWORKS)."
        )
    if "vxmlkit_console" in app.blueprints:
        click.echo(f"Development console (keep this link to yourself): {console_url(app, kit, f'http://{host}:{port}')}")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@cli.command()
@app_option
@click.option("--urls", is_flag=True,
              help="Print each flow's signed, absolute start and result URLs for VXMLKIT_PUBLIC_URL (to paste into Plum).")
def flows(app_spec: str | None, urls: bool) -> None:
    """List the flows with their start URL paths (or, with --urls, their signed URLs)."""
    from .extension import get_kit
    from .urls import flow_urls

    found = cli_app(app_spec, ephemeral=True)
    app, kit = found.app, get_kit(found.app)
    if urls:
        if not app.config.get("VXMLKIT_PUBLIC_URL"):
            raise click.UsageError("--urls needs VXMLKIT_PUBLIC_URL: the base URL at which Plum reaches this app "
                                   "(such as https://ivr.example.com)")
        if found.throwaway_key:
            click.echo("vxmlkit: these URLs are signed with a key of the moment, which no server knows: "
                       "set VXMLKIT_SECRET_KEY (or run vxmlkit serve once) first", err=True)
        for name in sorted(kit.flows):
            both = flow_urls(app, name)
            click.echo(f"{name}\n  start_url:  {both.start_url}\n  result_url: {both.result_url}")
            if not kit.accepts_unqueued_calls(name):
                click.echo(f"vxmlkit: {name} starts only the calls vxmlkit queues (vxmlkit call, vxmlkit campaign, "
                           "each with its own start URL); list it in VXMLKIT_ALLOW_UNQUEUED_CALLS for this one "
                           "to start calls queued elsewhere", err=True)
        return
    for name in sorted(kit.flows):
        doc = (kit.flows[name].__doc__ or "").strip().splitlines()
        click.echo(f"{name}\t{kit.start_path(name)}\t{doc[0] if doc else ''}")


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=what)
        out[key] = val
    return out


def _state(values: tuple[str, ...]) -> dict[str, Any]:
    """``--state``: ``key=value`` (the value read as JSON when it is JSON, else as text) or a JSON object."""
    state: dict[str, Any] = {}
    for value in values:
        if value.lstrip().startswith("{"):
            try:
                given = json.loads(value)
            except ValueError as exc:
                raise click.BadParameter(f"{value!r} is not a JSON object: {exc}", param_hint="--state") from None
            if not isinstance(given, dict):
                raise click.BadParameter(f"{value!r} is not a JSON object", param_hint="--state")
            state.update(given)
            continue
        for key, text in _pairs((value,), "--state").items():
            try:
                state[key] = json.loads(text)
            except ValueError:
                state[key] = text
    return state


@cli.command()
@app_option
@click.argument("flow")
@click.option("--step", "step_name", default=None, help="The step to render (default: the start step).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A call parameter (repeatable).")
@click.option("--input", "inputs", multiple=True, metavar="NAME=VALUE", help="An input the step receives (repeatable).")
@click.option("--state", "states", multiple=True, metavar="KEY=VALUE|JSON",
              help="call.state before the step: key=value (value read as JSON when it is JSON) or a JSON object (repeatable).")
@click.option("--phone", default="+15555550100", show_default=True, help="The called number.")
def render(app_spec: str | None, flow: str, step_name: str | None, params: tuple[str, ...],
           inputs: tuple[str, ...], states: tuple[str, ...], phone: str) -> None:
    """Print the document a flow's step answers with.

    Exits 1 when the step raised or the call was refused (a bad call parameter), with the
    reason on stderr. Nothing is written to the app's store.
    """
    from urllib.parse import urlencode

    from .extension import get_kit
    from .queueing import record_call
    from .tokens import StepToken

    state = _state(states)
    given_inputs = _pairs(inputs, "--input")
    app = cli_app(app_spec, ephemeral=True).app
    kit = get_kit(app)
    flow_cls = kit.flow(flow)
    if flow_cls is None:
        raise click.UsageError(f"no flow {flow!r}; known: {', '.join(sorted(kit.flows)) or 'none'}")
    if step_name is not None and step_name not in flow_cls.steps:
        raise click.UsageError(f"flow {flow!r} has no step {step_name!r}; steps: {', '.join(sorted(flow_cls.steps))}")
    with temporary_store(kit):
        client = app.test_client()
        form = {"phone_number": phone, "message_reference": "render", "call_id": "render",
                "call_parameters": urlencode(_pairs(params, "--param"))}
        # a call recorded as vxmlkit queues one, so the app starts it as it would in production
        with app.test_request_context():
            start_url = record_call(app, flow, phone, message_reference="render",
                                    call_parameters=form["call_parameters"]).start_url
        response = client.post(kit.start_path(flow), query_string={"t": start_url.rsplit("t=", 1)[1]}, data=form)
        session = kit.sessions.recent(flow=flow, limit=1)[0]
        again = (step_name is not None and step_name != flow_cls.start_step) or bool(state) or bool(given_inputs)
        if again and response.status_code == 200 and session.status not in ("error", "refused"):
            session.state.update(state)
            kit.sessions.save(session)
            step = step_name or flow_cls.start_step
            token = kit.signer.sign(StepToken(flow, session.id, step, session.internal["document"]))
            path = kit.start_path(flow).rsplit("/", 1)[0] + f"/step/{step}"
            response = client.post(path, query_string={"t": token}, data=given_inputs)
            session = kit.sessions.get(session.id) or session
    click.echo(response.get_data(as_text=True), nl=False)
    if session.status == "refused":
        click.echo(f"vxmlkit render: the call was refused: {session.error}", err=True)
        sys.exit(1)
    if session.status == "error":
        click.echo(f"vxmlkit render: {session.error}", err=True)
        sys.exit(1)
    if response.status_code != 200:
        click.echo(f"(HTTP {response.status_code})", err=True)
        sys.exit(1)


def _since(value: str | None) -> float | None:
    """``--since``: an ISO date/time, or a duration back from now such as 2h, 30m, 7d."""
    import datetime as dt
    import re
    import time

    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", value)
    if match:
        seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
        return time.time() - seconds
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither an ISO date/time nor a duration like 2h", param_hint="--since") from None
    if when.tzinfo is None:
        when = when.astimezone()
    return when.timestamp()


@cli.command()
@app_option
@click.option("--flow", default=None, help="Only this flow's results.")
@click.option("--since", default=None, metavar="WHEN", help="Received since an ISO date/time or a duration back (2h, 7d).")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV with a header instead of aligned text.")
@click.option("--limit", default=None, type=click.IntRange(1), help="At most this many, newest first.")
@click.option("--retry-hooks", is_flag=True,
              help="Instead, run again the on_result hooks that raised or never finished.")
def results(app_spec: str | None, flow: str | None, since: str | None, as_csv: bool, limit: int | None,
            retry_hooks: bool) -> None:
    """List how calls ended, as Plum reported them to the result URLs (newest first)."""
    import csv
    import datetime as dt

    from .extension import get_kit
    from .results import FIELDS, run_pending_hooks

    found = cli_app(app_spec)
    existing_store(found)
    kit = get_kit(found.app)
    if retry_hooks:
        # One pass: a hook that raises again is not retried again until the next run.
        ran = run_pending_hooks(kit.results, kit.flows, include_errors=True, limit=1000)
        click.echo(f"{ran} on_result hook(s) run again")
        return
    rows = kit.results.list(flow=flow, since=_since(since), limit=limit)
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["received_at", "flow", *FIELDS])
        for r in rows:
            received = dt.datetime.fromtimestamp(r.received_at, dt.UTC).isoformat(timespec="seconds")
            writer.writerow([received, r.flow, *(getattr(r, name) if getattr(r, name) is not None else "" for name in FIELDS)])
        return
    if not rows:
        click.echo("no results")
        return
    for r in rows:
        received = dt.datetime.fromtimestamp(r.received_at).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{received}  {r.flow}  {r.message_reference or '-'}  {r.call_id or '-'}  {r.result or '-'}"
                   f"  {r.callee_type or '-'}  attempts={r.attempts if r.attempts is not None else '-'}"
                   f"  duration={r.duration if r.duration is not None else '-'}")


def main() -> None:
    """Entry point of the ``vxmlkit`` console script."""
    cli(prog_name="vxmlkit")
