"""``vxmlkit sms send`` and ``vxmlkit outbox``: check a gateway set-up, read the outbox.

Both take ``--app`` (see :mod:`vxmlkit.discovery`): the store is the app's
(``VXMLKIT_DATABASE_URL``, by default ``vxmlkit.sqlite3`` in its instance folder), and the
gateway settings come from the environment, then the app's config.
"""

from __future__ import annotations

import datetime as dt

import click

from vxmlkit.discovery import app_option, cli_app, existing_store
from vxmlkit.sms.gateways.config import gateway_from_config, sms_settings
from vxmlkit.sms.models import (
    STATUSES,
    InvalidRecipientError,
    InvalidSenderError,
    SmsConfigurationError,
    SmsError,
    SmsMessage,
)
from vxmlkit.sms.phone import normalise_recipient
from vxmlkit.sms.records import list_messages
from vxmlkit.sms.segments import check_text
from vxmlkit.sms.send import send_and_record
from vxmlkit.settings import Settings
from vxmlkit.store import StoreError

__all__ = ["sms_group", "outbox_command"]


@click.group("sms")
def sms_group() -> None:
    """Send text messages through the configured gateway."""


@sms_group.command("send")
@app_option
@click.argument("to")
@click.argument("text")
@click.option("--sender", default=None, help="Sender number (default: VXMLKIT_SMS_SENDER).")
def send_command(app_spec: str | None, to: str, text: str, sender: str | None) -> None:
    """Send TEXT to the phone number TO and print the outcome: id, status, segments."""
    from vxmlkit.extension import get_kit

    try:
        app = cli_app(app_spec).app
        config = Settings(app.config)
        settings = sms_settings(config)
        store = get_kit(app).store
        gateway = gateway_from_config(config, store)
        recipient = normalise_recipient(to, settings.default_region)
        sender = sender or settings.sender
        if sender:
            try:
                sender = normalise_recipient(sender, settings.default_region)
            except InvalidRecipientError:
                raise InvalidSenderError(detail=f"the sender {sender!r} is not a phone number") from None
        message = SmsMessage(to=recipient, text=check_text(text, settings.max_length), sender=sender)
    except (SmsError, SmsConfigurationError, StoreError) as error:
        raise click.ClickException(str(error)) from None
    stored = send_and_record(store, gateway, message)
    if stored.status == "failed":
        click.echo(f"error: {stored.error} (gateway {gateway.name})", err=True)
        raise SystemExit(1)
    click.echo(f"id: {stored.provider_id or stored.id}")
    click.echo(f"status: {stored.status}")
    click.echo(f"segments: {stored.segments} ({stored.encoding})")
    click.echo(f"gateway: {gateway.name}")


@click.command("outbox")
@app_option
@click.option("--flow", default=None, help="Only this flow's messages.")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only messages in this status.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many.")
def outbox_command(app_spec: str | None, flow: str | None, status: str | None, limit: int) -> None:
    """List the text messages in the app's store, newest first, one line each."""
    messages = list_messages(existing_store(cli_app(app_spec)), flow=flow, status=status, limit=limit)
    if not messages:
        click.echo("no messages")
        return
    for message in messages:
        when = dt.datetime.fromtimestamp(message.created_at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        body = "<private>" if message.private else (message.body or "").replace("\n", " ")
        error = f" error={message.error}" if message.error else ""
        click.echo(
            f"{when} {message.id} {message.status} {message.gateway} to={message.recipient} "
            f"flow={message.flow or '-'} segments={message.segments}{error} {body!r}"
        )
