"""``vxmlkit emulate``: run the emulator on loopback until interrupted."""

from __future__ import annotations

import logging
import os

import click

from vxmlkit.emulator.callees import RulesError, load_rules
from vxmlkit.emulator.clock import Clock, TimeTextError, read_time
from vxmlkit.emulator.server import Emulator, client_settings
from vxmlkit.emulator.state import Settings

__all__ = ["emulate_command"]


@click.command("emulate")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep it on loopback).")
@click.option("--port", default=8950, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(min=0.001),
              help="How much faster than real time the platform's clock runs (60: a minute per second).")
@click.option("--callees", "callees_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Callee rules: a YAML or CSV file of number patterns and how they answer.")
@click.option("--seed", default=None, type=int, help="Seed of the callee rules' random choices.")
@click.option("--start", "start_text", default=None, metavar="WHEN",
              help='Platform time at start: a UNIX time or text such as "2026-12-01 09:00" (Eastern). Default: now.')
@click.option("--lines", default=8, show_default=True, type=click.IntRange(1, 256), help="Calls in progress at once.")
@click.option("--login", envvar="VXMLKIT_EMULATOR_LOGIN", default="emulator", show_default=True,
              help="Outbound API login (and SMS API login).")
@click.option("--pin", envvar="VXMLKIT_EMULATOR_PIN", default="12345678", show_default=True,
              help="Outbound API PIN (and SMS API password).")
@click.option("--token", envvar="VXMLKIT_EMULATOR_TOKEN", default="emulator-token", show_default=True,
              help="Bearer token of the scheduler API.")
@click.option("--sms-number", "sms_numbers", multiple=True, metavar="NUMBER",
              help="An SMS-enabled sender number of the account (repeatable; default: any number).")
def emulate_command(host: str, port: int, speed: float, callees_path: str | None, seed: int | None,
                    start_text: str | None, lines: int, login: str, pin: str, token: str,
                    sms_numbers: tuple[str, ...]) -> None:
    """Run a local stand-in for Plum's outbound, scheduler and SMS services, which dials the
    queued calls itself against your start URLs.

    Point vxmlkit at it with VXMLKIT_PLUM_OUTBOUND_URL, VXMLKIT_PLUM_SCHEDULER_URL (…/api)
    and VXMLKIT_PLUM_SMS_URL; GET / shows every call.
    """
    try:
        callees = load_rules(callees_path, seed)
    except RulesError as exc:
        raise click.BadParameter(str(exc), param_hint="--callees") from None
    start = None
    if start_text is not None:
        try:
            start = read_time(start_text, Clock().now())
        except TimeTextError as exc:
            raise click.BadParameter(str(exc), param_hint="--start") from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}, beyond this machine; the emulator has no protection for that",
                   err=True)
    logging.basicConfig(level=os.environ.get("VXMLKIT_EMULATOR_LOG", "INFO"), format="%(asctime)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    settings = Settings(login=login, pin=pin, token=token, sms_numbers=sms_numbers, lines=lines)
    emulator = Emulator(settings, clock=Clock(speed, start), callees=callees)
    base = f"http://{host}:{port}"
    click.echo(f"Plum emulator at {base} (clock x{speed:g}, {len(callees.rules)} callee rule(s), {lines} lines)")
    click.echo("Point vxmlkit at it with (credentials shown as ...):")
    for name, value in client_settings(base, settings).items():
        secret = name.endswith(("_PIN", "_PASSWORD", "_TOKEN"))
        click.echo(f"  export {name}={'...' if secret else value}")
    click.echo(f"Status page: {base}/")
    try:
        emulator.serve_forever(host, port)
    except KeyboardInterrupt:
        pass
