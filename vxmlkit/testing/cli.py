"""``vxmlkit simulate``: call a flow served in-process, scripted or as an interactive phone.

With ``--input`` the inputs are given in order, each when the call next waits (the syntax and
the ``--json`` shape are those of ``vxmlkit run``). With no ``--input`` on a terminal, it is a
phone: prompts are printed as they are heard; type keys (digits, ``*``, ``#``), ``s`` for
silence, ``:text`` to speak, ``q`` to hang up.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from ..browser.cli import INPUT_SYNTAX, parse_inputs, session_json
from ..discovery import app_option, cli_app

__all__ = ["simulate_command", "interpret_key_line"]


def interpret_key_line(line: str) -> tuple[str, str]:
    """What a line typed at the interactive phone means: (action, value).

    Actions: ``press`` (keys), ``say`` (words), ``silence``, ``nomatch``, ``hangup``; a line that
    is none of them is ``invalid`` with the reason.
    """
    text = line.strip()
    if text in ("q", "quit"):
        return "hangup", ""
    if text in ("s", ""):
        return "silence", ""
    if text == "?":
        return "nomatch", ""
    if text.startswith(":"):
        words = text[1:].strip()
        return ("say", words) if words else ("invalid", "type words after ':' to speak")
    keys = text.replace(" ", "")
    if keys and all(key in "0123456789*#" for key in keys):
        return "press", keys
    return "invalid", "type keys (0-9, *, #), s for silence, :words to speak, ? for nonsense, q to hang up"


#: The transcript lines the interactive phone shows: what the caller hears, texts, transfers.
_SHOWN = ("heard: ", "sms: ", "transfer: ", "record: ")


def _phone(call: Any, read_line: Callable[[], str | None], echo: Callable[[str], None]) -> None:
    """Play an interactive phone until the call ends or the input runs out."""
    shown = 0

    def show_new() -> None:
        nonlocal shown
        lines = call.transcript.lines
        for line in lines[shown:]:
            if line.startswith(_SHOWN):
                echo(f"  {line}")
        shown = len(lines)

    show_new()
    while call.ended is None:
        waiting = call.session.waiting
        echo(f"[{waiting.kind} {waiting.name or ''}] > " if waiting else "> ")
        line = read_line()
        if line is None:
            call.hang_up()
            break
        action, value = interpret_key_line(line)
        try:
            if action == "press":
                call.press(value)
            elif action == "say":
                call.say(value)
            elif action == "silence":
                call.silence()
            elif action == "nomatch":
                call.nomatch()
            elif action == "hangup":
                call.hang_up()
            else:
                echo(f"  ({value})")
        except AssertionError as exc:
            echo(f"  ({str(exc).splitlines()[0]})")
        show_new()
    echo(f"  ended: {call.ended}")
    failed = _failure_line(call)
    if failed:
        echo("  " + failed.removeprefix("vxmlkit simulate: "))


@click.command("simulate")
@click.argument("flow")
@app_option
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Keep the call's session and messages in this database (default: a temporary one, deleted after).")
@click.option("--phone", default="+15555550100", show_default=True, help="The number called (phone_number).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A call parameter (repeatable).")
@click.option("--callee-type", default="voice", show_default=True,
              type=click.Choice(["voice", "answeringmachine", "fax", "unknown"]),
              help="What answered (session.connection.callee_type).")
@click.option("--input", "input_texts", multiple=True, metavar="INPUT",
              help=f"What the caller does the next time the call waits: {INPUT_SYNTAX}. Repeat in order.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the shape of vxmlkit run --json).")
def simulate_command(app_spec: str | None, store_url: str | None, flow: str, phone: str, params: tuple[str, ...],
                     callee_type: str, input_texts: tuple[str, ...], as_json: bool) -> None:
    """Call FLOW, served in-process, with a scripted or interactive caller.

    Text messages go to an in-memory outbox (printed, never sent) and the call's session to a
    temporary store unless --store names one. Exits 1 when a step raised or the call was
    refused (a bad call parameter), 0 otherwise.
    """
    from ..cli import temporary_store
    from ..extension import get_kit
    from ..store import open_store

    try:
        inputs = parse_inputs(input_texts)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--input'") from None
    parameters: dict[str, str] = {}
    for value in params:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint="'--param'")
        parameters[key] = val
    app = cli_app(app_spec, ephemeral=True, quiet=as_json).app
    kit = get_kit(app)
    if kit.flow(flow) is None:
        raise click.UsageError(f"no flow {flow!r}; known: {', '.join(sorted(kit.flows))}")
    if store_url is not None:
        kit.use_store(open_store(store_url))
        _simulate(app, flow, phone, parameters, callee_type, inputs, bool(input_texts), as_json)
    else:
        with temporary_store(kit):
            _simulate(app, flow, phone, parameters, callee_type, inputs, bool(input_texts), as_json)


def _simulate(app: Any, flow: str, phone: str, parameters: dict[str, str], callee_type: str, inputs: list[Any],
              scripted: bool, as_json: bool) -> None:
    from .simulator import Simulator

    call = Simulator(app).dial(flow, phone_number=phone, call_parameters=parameters, callee_type=callee_type)
    interactive = not scripted and sys.stdin.isatty() and not as_json
    if interactive:
        click.echo(f"Calling {flow} ({phone}). Keys: 0-9 * #, s = silence, :words = speak, ? = nonsense, q = hang up")
        _phone(call, lambda: _read_line(), lambda text: click.echo(text, nl=not text.endswith("> ")))
    else:
        try:
            for given in inputs:
                if call.ended is not None:
                    break
                call.session.send(given)
            if call.ended is None:
                call.hang_up()
        except ValueError as exc:
            raise click.UsageError(f"the inputs do not fit the call: {exc}") from None
        if as_json:
            click.echo(json.dumps(session_json(call.session), ensure_ascii=False, default=str))
        else:
            click.echo(str(call.transcript).rstrip("\n"))
    failed = _failure_line(call)
    if failed:
        if not interactive:
            click.echo(failed, err=True)
        sys.exit(1)


def _failure_line(call: Any) -> str | None:
    """Why the call failed, for stderr: a refused call parameter, a step's error, an error event."""
    stored = call._stored_session()
    if stored is not None and stored.status == "refused":
        return f"vxmlkit simulate: the call was refused: {stored.error}"
    if call.failure:
        return "vxmlkit simulate: a " + call.failure.rstrip()
    if call.ended == "error":
        return f"vxmlkit simulate: the call ended in an error ({call.session.error}: {call.session.error_message or ''})"
    return None


def _read_line() -> str | None:
    line = sys.stdin.readline()
    return None if line == "" else line
