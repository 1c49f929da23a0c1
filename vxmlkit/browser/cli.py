"""The interpreter's commands: ``vxmlkit run`` (one call with a scripted caller) and
``vxmlkit conformance`` (the W3C Implementation Report tests).

``parse_inputs`` and ``session_json`` hold the input syntax and the JSON shape of a call, so
other commands that run calls speak the same language.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from vxmlkit.browser import Input, Session
    from vxmlkit.browser.fetching import FetchLimits
    from vxmlkit.browser.conformance import TestOutcome

__all__ = ["conformance_command", "parse_inputs", "run_command", "session_json"]

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
@click.option("--ani", default="", help="The caller's number (session.telephone.ani).")
@click.option("--dnis", default="", help="The number called (session.telephone.dnis).")
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
    target: str, input_texts: tuple[str, ...], ani: str, dnis: str, as_json: bool, fetch_max_bytes: int | None, fetch_time_limit: float | None
) -> None:
    """Run a VoiceXML application with a scripted caller and show what happened.

    The inputs are given in order, each the next time the document waits for input; when they
    run out while the call waits, the caller hangs up. Exit status: 0 when the call reached an
    end (whatever the end), 2 for a usage error (a bad --input, a missing file, an input that
    cannot answer what the call waits for), 1 when the interpreter itself failed.

    A document fetched over HTTP(S) reads no local file (error.badfetch); every fetch is
    bounded in size and time.
    """
    try:
        inputs = parse_inputs(input_texts)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--input'") from None
    if _is_local(target) and not _local_path(target).is_file():
        raise click.BadParameter(f"no such file: {_local_path(target)}", param_hint="'URL_OR_FILE'")
    from vxmlkit.browser import Browser

    limits = _fetch_limits(fetch_max_bytes, fetch_time_limit)
    try:
        session = Browser(fetch_limits=limits).run(target, inputs, ani=ani, dnis=dnis)
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
    if as_json:
        click.echo(json.dumps(session_json(session), ensure_ascii=False, default=str))
    else:
        click.echo(session.transcript_text().rstrip("\n"))


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
