"""The interpreter's commands: ``vxmlkit run`` (one call with a scripted caller) and
``vxmlkit conformance`` (the W3C Implementation Report tests).

``parse_inputs`` and ``session_json`` hold the input syntax and the JSON shape of a call, so
other commands that run calls speak the same language.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vxmlkit.browser.platform import CALLEE_TYPES

if TYPE_CHECKING:
    from vxmlkit.browser import Input, Session
    from vxmlkit.browser.fetching import FetchLimits
    from vxmlkit.browser.conformance import TestOutcome

__all__ = ["conformance_command", "parse_inputs", "plum_start_fields", "run_command", "session_json"]

INPUT_SYNTAX = "dtmf:KEYS, say:WORDS, noinput, nomatch, hangup, transfer:OUTCOME or record:SECONDS"


def parse_inputs(texts: Sequence[str]) -> list[Input]:
    """Parse ``--input`` values (``dtmf:1234``, ``say:yes please``, ``noinput`` ...) in order.

    Raises ValueError naming the first bad value and its position.
    """
    from vxmlkit.browser import Input

    inputs: list[Input] = []
    for position, text in enumerate(texts, start=1):
        try:
            inputs.append(Input.parse(text))
        except ValueError as exc:
            raise ValueError(f"input {position} ({text!r}): {exc}") from None
    return inputs


def session_json(session: Session) -> dict[str, Any]:
    """The JSON shape of a finished call.

    ``{"prompts": [heard text, whitespace-normalised], "transcript": [{"kind", "text", "data"}],
    "ended": "exit" | "disconnect" | "hangup" | "transfer" | "error", "exit": {"expr", "namelist"}
    or null, "error": event name or null}``.
    """
    return {
        "prompts": [" ".join(str(prompt).split()) for prompt in session.prompts],
        "transcript": [entry.to_json() for entry in session.transcript],
        "ended": session.ended,
        "exit": session.exit,
        "error": session.error,
    }


def _is_local(target: str) -> bool:
    return "://" not in target or target.startswith("file:")


def _local_path(target: str) -> Path:
    if target.startswith("file:"):
        from urllib.parse import unquote, urlsplit

        return Path(unquote(urlsplit(target).path))
    return Path(target.split("#", 1)[0].split("?", 1)[0])


# How ``vxmlkit run`` exits: the call ended as calls end, or in an error event / failed fetch.
EXIT_CALL_ENDED = 0
EXIT_CALL_ERROR = 3
_NORMAL_ENDS = ("exit", "disconnect", "hangup", "transfer")


def plum_start_fields(
    phone: str | None, params: Sequence[str], message_reference: str | None, call_id: str | None
) -> dict[str, str]:
    """The fields Plum POSTs to a start_url: ``phone_number``, ``message_reference``,
    ``call_parameters`` (``k=v&k2=v2``) and ``call_id`` (a fresh id when not given).

    Raises ValueError for a ``--param`` that is not ``key=value``.
    """
    from urllib.parse import urlencode

    pairs = []
    for position, text in enumerate(params, start=1):
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"param {position} ({text!r}) is not key=value")
        pairs.append((key.strip(), value))
    return {
        "phone_number": phone or "",
        "message_reference": message_reference or "",
        "call_parameters": urlencode(pairs),
        "call_id": call_id or uuid.uuid4().hex,
    }


def _fetch_limits(max_bytes: int | None, time_limit: float | None) -> FetchLimits:
    """The options, else the settings (environment), else the defaults."""
    from vxmlkit.browser.fetching import FetchLimits
    from vxmlkit.settings import SettingError, Settings

    try:
        settings = Settings()
        return FetchLimits(
            max_bytes=max_bytes if max_bytes is not None else settings["VXMLKIT_FETCH_MAX_BYTES"],
            time_limit=time_limit if time_limit is not None else settings["VXMLKIT_FETCH_TIME_LIMIT"],
        )
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


@click.command("run")
@click.argument("target", metavar="URL_OR_FILE")
@click.option(
    "--input",
    "input_texts",
    multiple=True,
    metavar="INPUT",
    help=f"What the caller does the next time the call waits: {INPUT_SYNTAX}. Repeat in order.",
)
@click.option("--phone", default=None, help="Start the call as Plum does: the number dialled, POSTed as phone_number "
              "(also session.telephone.dnis unless --dnis says otherwise).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A call parameter, POSTed in call_parameters as key=value&... Repeat.")
@click.option("--message-reference", default=None, help="POSTed as message_reference.")
@click.option("--call-id", default=None, help="POSTed as call_id (default: a fresh id).")
@click.option("--callee-type", type=click.Choice(CALLEE_TYPES), default="voice", show_default=True,
              help="Who answered (session.connection.callee_type).")
@click.option("--ani", default="", help="The caller's number (session.telephone.ani).")
@click.option("--dnis", default=None, help="The number called (session.telephone.dnis).")
@click.option("--allow-errors", is_flag=True, help="Exit 0 also when the call ends in an error event or a failed fetch.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the transcript.")
@click.option(
    "--fetch-max-bytes", type=click.IntRange(min=1), default=None, metavar="BYTES",
    help="The largest answer one fetch accepts (default: VXMLKIT_FETCH_MAX_BYTES, or 16 MiB); past it: error.badfetch.",
)
@click.option(
    "--fetch-time-limit", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
    help="The longest one fetch may take, to its last byte (default: VXMLKIT_FETCH_TIME_LIMIT, or 30); past it: error.badfetch.",
)
def run_command(
    target: str,
    input_texts: tuple[str, ...],
    phone: str | None,
    params: tuple[str, ...],
    message_reference: str | None,
    call_id: str | None,
    callee_type: str,
    ani: str,
    dnis: str | None,
    allow_errors: bool,
    as_json: bool,
    fetch_max_bytes: int | None,
    fetch_time_limit: float | None,
) -> None:
    """Run a VoiceXML application with a scripted caller and show what happened.

    With --phone, --param, --message-reference or --call-id the call starts as Plum starts it:
    a POST of phone_number, message_reference, call_parameters and call_id to the start URL;
    otherwise the first document is fetched with a GET. The inputs are given in order, each the
    next time the document waits for input; when they run out while the call waits, the caller
    hangs up; inputs left when the call ended are reported.

    Exit status: 0 when the call ended as calls end (exit, disconnect, hangup, transfer), 3 when
    it ended in an error event or on a failed fetch (a 403, a refused connection; 0 with
    --allow-errors), 2 for a usage error (a bad --input or --param, a missing file, an input
    that cannot answer what the call waits for), 1 when the interpreter itself failed.

    A document fetched over HTTP(S) reads no local file (error.badfetch); every fetch is
    bounded in size (--fetch-max-bytes) and in time (--fetch-time-limit).
    """
    try:
        inputs = parse_inputs(input_texts)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--input'") from None
    plum = phone is not None or bool(params) or message_reference is not None or call_id is not None
    try:
        fields = plum_start_fields(phone, params, message_reference, call_id) if plum else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--param'") from None
    if _is_local(target):
        if plum:
            raise click.BadParameter("Plum's start POST needs an http(s) URL, not a file", param_hint="'URL_OR_FILE'")
        if not _local_path(target).is_file():
            raise click.BadParameter(f"no such file: {_local_path(target)}", param_hint="'URL_OR_FILE'")
    from vxmlkit.browser import Browser

    limits = _fetch_limits(fetch_max_bytes, fetch_time_limit)
    dial = {"ani": ani, "dnis": dnis if dnis is not None else (phone or ""), "callee_type": callee_type}
    if fields is not None:
        dial.update(method="POST", data=fields)
    try:
        session = Browser(fetch_limits=limits).run(target, inputs, **dial)
    except ValueError as exc:
        # The session refuses an input that cannot answer what the call waits for
        # (a recording for a field, say): the script does not fit the document.
        raise click.UsageError(f"the inputs do not fit the call: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any other exception is an interpreter failure: exit 1
        click.echo(f"vxmlkit run: the interpreter failed: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    if session.ended is None:
        click.echo("vxmlkit run: the interpreter stopped before the call ended", err=True)
        sys.exit(1)
    unused = [given.command_line() for given in session.unused_inputs]
    if as_json:
        click.echo(json.dumps({**session_json(session), "unused_inputs": unused}, ensure_ascii=False, default=str))
    else:
        click.echo(session.transcript_text().rstrip("\n"))
        if unused:
            click.echo(f"{'unused':>10}: {len(unused)} input{'s' if len(unused) != 1 else ''} left when the call ended: {', '.join(unused)}")
    if session.ended not in _NORMAL_ENDS and not allow_errors:
        sys.exit(EXIT_CALL_ERROR)


@click.command("conformance")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--verbose", is_flag=True, help="Show the call transcript under each failed test.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the counts and every outcome.")
def conformance_command(paths: tuple[Path, ...], verbose: bool, as_json: bool) -> None:
    """Run W3C VoiceXML conformance tests (.txml files, or folders searched recursively).

    Prints one line per test (ID PATH: passed | failed: CAUSE | skipped: REASON) and closes
    with "N passed, N failed, N skipped". Exit status 0 unless the runner itself failed;
    failing tests are results, not errors.
    """
    from vxmlkit.browser.conformance import run_suite

    def report(outcome: TestOutcome) -> None:
        click.echo(outcome.line())
        if verbose and outcome.status == "failed" and outcome.transcript_text:
            for line in outcome.transcript_text.rstrip("\n").splitlines():
                click.echo(f"    {line}")

    try:
        result = run_suite(paths, on_outcome=None if as_json else report)
    except Exception as exc:  # noqa: BLE001 - the runner itself failed: exit 1
        click.echo(f"vxmlkit conformance: the runner failed: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        click.echo(result.summary_line())
