"""``vxmlkit call`` and ``vxmlkit campaign``: queue Plum outbound calls from the shell.

Credentials come from the Flask app's config, then the environment (as every setting:
:mod:`vxmlkit.settings`):
``VXMLKIT_PLUM_LOGIN``, ``VXMLKIT_PLUM_PIN``, ``VXMLKIT_PLUM_OUTBOUND_URL`` (the host, or the webservice/
folder that holds queuecall.php), ``VXMLKIT_PLUM_RETRY_FIELD`` (max_retries or max_retry),
``VXMLKIT_PLUM_SCHEDULER_TOKEN`` and ``VXMLKIT_PUBLIC_URL`` (where Plum reaches this
deployment). They are never echoed or logged.

The click commands are thin: :func:`queue_one_call` and :func:`queue_campaign_file` do the
work and take the start/result URLs directly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from vxmlkit.plum import rules
from vxmlkit.plum.csvfile import BadRow, read_campaign_csv
from vxmlkit.plum.errors import CallListError, OutboundError, RuleViolation
from vxmlkit.plum.models import QueuedCall, QueuedCampaign
from vxmlkit.discovery import app_option
from vxmlkit.plum.outbound import DEFAULT_OUTBOUND_URL, OutboundClient
from vxmlkit.plum.scheduler import DEFAULT_SCHEDULER_URL, SchedulerClient
from vxmlkit.plum.transport import ProgressCallback
from vxmlkit.extension import get_kit
from vxmlkit.settings import SettingError, Settings

ENV_LOGIN = "VXMLKIT_PLUM_LOGIN"
ENV_PIN = "VXMLKIT_PLUM_PIN"
ENV_OUTBOUND_URL = "VXMLKIT_PLUM_OUTBOUND_URL"
ENV_RETRY_FIELD = "VXMLKIT_PLUM_RETRY_FIELD"
ENV_SCHEDULER_URL = "VXMLKIT_PLUM_SCHEDULER_URL"
ENV_SCHEDULER_TOKEN = "VXMLKIT_PLUM_SCHEDULER_TOKEN"
ENV_PUBLIC_URL = "VXMLKIT_PUBLIC_URL"
#: Uploads at least this large show a progress bar.
PROGRESS_THRESHOLD_BYTES = 256 * 1024


class MissingSetting(Exception):
    """A setting needed for the command is in neither the environment nor the app config."""


@dataclass(frozen=True)
class PlumSettings:
    """Plum account settings read from the environment and/or an app config."""

    login: str | None = field(default=None, repr=False)
    pin: str | None = field(default=None, repr=False)
    outbound_url: str = DEFAULT_OUTBOUND_URL
    retry_field: str = "max_retries"
    scheduler_url: str = DEFAULT_SCHEDULER_URL
    scheduler_token: str | None = field(default=None, repr=False)
    public_url: str | None = None

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, config: Mapping[str, Any] | None = None) -> PlumSettings:
        """Read the settings: the config key first, then the environment variable of the same name."""
        settings = Settings(config, environ)
        try:
            return cls(
                login=settings[ENV_LOGIN],
                pin=settings[ENV_PIN],
                outbound_url=settings[ENV_OUTBOUND_URL],
                retry_field=settings[ENV_RETRY_FIELD],
                scheduler_url=settings[ENV_SCHEDULER_URL],
                scheduler_token=settings[ENV_SCHEDULER_TOKEN],
                public_url=settings[ENV_PUBLIC_URL],
            )
        except SettingError as exc:
            raise MissingSetting(str(exc)) from None

    def outbound_client(self, timeout: float = 30.0) -> OutboundClient:
        """An OutboundClient for these settings; MissingSetting names what is absent."""
        missing = [name for name, value in ((ENV_LOGIN, self.login), (ENV_PIN, self.pin)) if not value]
        if missing:
            raise MissingSetting(f"{' and '.join(missing)} must be set (environment or app config)")
        assert self.login is not None and self.pin is not None
        return OutboundClient(
            self.login, self.pin, self.outbound_url, retry_field=self.retry_field, timeout=timeout
        )

    def scheduler_client(self, timeout: float = 30.0) -> SchedulerClient:
        """A SchedulerClient for these settings."""
        if not self.scheduler_token:
            raise MissingSetting(f"{ENV_SCHEDULER_TOKEN} must be set (environment or app config)")
        return SchedulerClient(self.scheduler_token, self.scheduler_url, timeout=timeout)


def parse_when(text: str | None) -> int | str | None:
    """A --at / --expires value: digits are a UNIX time, anything else natural text for Plum."""
    if text is None:
        return None
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() else stripped


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """--param k=v values as a mapping (urlencoded into call_parameters)."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RuleViolation("--param", f"{pair!r} must look like name=value")
        params[key.strip()] = value
    return params


def queue_one_call(
    client: OutboundClient,
    start_url: str,
    result_url: str | None,
    phone: str,
    *,
    params: Mapping[str, str] | None = None,
    ani: str | None = None,
    retries: int | None = None,
    retry_interval: int | None = None,
    at: str | None = None,
    expires: str | None = None,
    message_reference: str | None = None,
) -> QueuedCall:
    """What ``vxmlkit call`` does once the flow's URLs are known."""
    return client.queue_call(
        rules.with_caller_id(phone, ani),
        start_url,
        result_url,
        message_reference=message_reference,
        call_parameters=dict(params) if params else None,
        max_retries=retries,
        retry_interval=retry_interval,
        scheduled=parse_when(at),
        expires=parse_when(expires),
    )


class BadRowsError(Exception):
    """The campaign file has bad rows and --skip-bad was not given: nothing was sent."""

    def __init__(self, path: Path, bad_rows: Sequence[BadRow]) -> None:
        super().__init__(f"{len(bad_rows)} bad row(s) in {path}; nothing was sent (--skip-bad sends the good rows)")
        self.bad_rows = list(bad_rows)


def queue_campaign_file(
    client: OutboundClient,
    start_url: str,
    result_url: str | None,
    csv_path: str | Path,
    *,
    name: str,
    skip_bad: bool = False,
    params: Mapping[str, str] | None = None,
    retries: int | None = None,
    retry_interval: int | None = None,
    at: str | None = None,
    expires: str | None = None,
    report: Callable[[str], None] = lambda line: None,
    on_progress: ProgressCallback | None = None,
    dry_run: bool = False,
) -> QueuedCampaign | None:
    """What ``vxmlkit campaign`` does once the flow's URLs are known.

    Every bad row is passed to ``report`` as ``path:line: message``. With bad rows and no
    ``skip_bad``, BadRowsError is raised and nothing is sent. ``dry_run`` checks everything,
    including the request's fields, and returns None without sending.
    """
    path = Path(csv_path)
    parsed = read_campaign_csv(path)
    for bad in parsed.bad_rows:
        report(f"{path}:{bad.line}: {bad.message}")
    if parsed.bad_rows and not skip_bad:
        raise BadRowsError(path, parsed.bad_rows)
    if not parsed.calls:
        raise RuleViolation(str(path), "holds no call to queue")
    arguments: dict[str, Any] = dict(
        name=name,
        calls=parsed.calls,
        start_url=start_url,
        result_url=result_url,
        campaign_parameters=dict(params) if params else None,
        max_retries=retries,
        retry_interval=retry_interval,
        scheduled=parse_when(at),
        expires=parse_when(expires),
    )
    if dry_run:
        client.prepare_campaign(**arguments)
        return None
    return client.queue_campaign(**arguments, on_progress=on_progress)


class _UploadBar:
    """A click progress bar that appears once an upload is large enough."""

    def __init__(self, label: str, threshold: int) -> None:
        self.label = label
        self.threshold = threshold
        self._bar: Any = None
        self._sent = 0

    def __call__(self, sent: int, total: int) -> None:
        if total < self.threshold:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(sent - self._sent)
        self._sent = sent

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _load_app_and_settings(app_spec: str | None) -> tuple[Any, PlumSettings]:
    from vxmlkit.discovery import cli_app

    app = cli_app(app_spec).app
    return app, PlumSettings.load(os.environ, app.config)


def _flow_urls(app: Any, flow: str, message_reference: str | None) -> tuple[str, str | None]:
    from vxmlkit.urls import flow_urls

    try:
        urls = flow_urls(app, flow, message_reference=message_reference)
    except LookupError as error:
        raise click.UsageError(str(error).strip("'\"")) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    return urls.start_url, urls.result_url


def _queued_call_urls(app: Any, flow: str, phone: str, message_reference: str | None,
                      call_parameters: Mapping[str, str], expires: str | None) -> tuple[str, str, str]:
    """Record the call about to be queued: its bound start and result URLs and its record id."""
    from vxmlkit.queueing import record_call

    try:
        urls = record_call(app, flow, phone, message_reference=message_reference,
                           call_parameters=dict(call_parameters) or None, expires=parse_when(expires))
    except LookupError as error:
        raise click.UsageError(str(error).strip("'\"")) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    return urls.start_url, urls.result_url, urls.subject.split("-", 1)[1]


def _queued_campaign_urls(app: Any, flow: str, numbers: Path, campaign_parameters: Mapping[str, str],
                          expires: str | None) -> tuple[str, str, str]:
    """Record the good rows of a campaign file: the campaign's bound URLs and its key."""
    from vxmlkit.plum.models import CallSpec
    from vxmlkit.queueing import record_campaign

    calls = [CallSpec(call.phone_number, call.message_reference, call.call_parameters or dict(campaign_parameters) or None)
             for call in read_campaign_csv(numbers).calls]
    try:
        urls, key = record_campaign(app, flow, calls, expires=parse_when(expires))
    except LookupError as error:
        raise click.UsageError(str(error).strip("'\"")) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    return urls.start_url, urls.result_url, key


def _check_options(
    retries: int | None, retry_interval: int | None, at: str | None, expires: str | None
) -> None:
    """Check the retry and timing options up front, before the app is even loaded."""
    rules.timing_fields(
        max_retries=retries,
        retry_interval=retry_interval,
        scheduled=parse_when(at),
        expires=parse_when(expires),
        retry_field="max_retries",
    )


_OPTION_OF_FIELD = {
    "max_retries": "--retries",
    "retry_interval": "--retry-interval",
    "scheduled": "--at",
    "expires": "--expires",
}


def _fail(error: Exception) -> click.ClickException:
    if isinstance(error, RuleViolation) and error.field in _OPTION_OF_FIELD:
        return click.UsageError(f"{_OPTION_OF_FIELD[error.field]} ({error.field}): {error.rule}")
    if isinstance(error, (RuleViolation, CallListError)):
        return click.UsageError(str(error))
    if isinstance(error, OutboundError):
        status = f" (HTTP {error.status_code})" if error.status_code else ""
        return click.ClickException(f"Plum did not queue it{status}: {error.message}")
    return click.ClickException(str(error))


_app_option = app_option
_retries_option = click.option("--retries", type=int, default=None, help="Retries after a failed attempt (0-10).")
_interval_option = click.option("--retry-interval", type=int, default=None, help="Seconds between retries (60-172800).")
_at_option = click.option("--at", default=None, help='When to start: a UNIX time or Plum natural text ("+1 hour").')
_expires_option = click.option("--expires", default=None, help="When to give up: a UNIX time or natural text.")
_param_option = click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
                             help="A call parameter for the flow (repeatable).")
_timeout_option = click.option("--timeout", type=float, default=30.0, show_default=True,
                               help="Seconds to wait for Plum's answer.")


@click.command("call")
@click.argument("flow")
@click.argument("phone")
@_param_option
@click.option("--ani", default=None, help="Caller id: 10 digits without the leading 1.")
@click.option("--ref", "message_reference", default=None, help="message_reference for this call.")
@_retries_option
@_interval_option
@_at_option
@_expires_option
@_app_option
@_timeout_option
def call_command(
    flow: str,
    phone: str,
    params: tuple[str, ...],
    ani: str | None,
    message_reference: str | None,
    retries: int | None,
    retry_interval: int | None,
    at: str | None,
    expires: str | None,
    app_spec: str | None,
    timeout: float,
) -> None:
    """Queue one outbound call of FLOW to PHONE on Plum."""
    try:
        call_parameters = parse_params(params)
        _check_options(retries, retry_interval, at, expires)
        rules.with_caller_id(phone, ani)
        app, settings = _load_app_and_settings(app_spec)
        client = settings.outbound_client(timeout)
        # Recorded first, so that the app starts this call, and only this one, from its start URL.
        start_url, result_url, record = _queued_call_urls(app, flow, phone, message_reference, call_parameters, expires)
        try:
            queued = queue_one_call(
                client, start_url, result_url, phone, params=call_parameters, ani=ani, retries=retries,
                retry_interval=retry_interval, at=at, expires=expires, message_reference=message_reference,
            )
        except BaseException:
            get_kit(app).queued_calls.cancel([record])
            raise
    except (RuleViolation, CallListError, OutboundError, MissingSetting) as error:
        raise _fail(error) from None
    click.echo(f"Queued call {queued.call_id} ({flow} to {phone}).")


@click.command("campaign")
@click.argument("flow")
@click.argument("numbers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Campaign name (default: FLOW and the current UTC time).")
@click.option("--skip-bad", is_flag=True, help="Send the good rows even if some rows are bad.")
@click.option("--dry-run", is_flag=True, help="Check the file and the options; send nothing.")
@_param_option
@_retries_option
@_interval_option
@_at_option
@_expires_option
@_app_option
@_timeout_option
def campaign_command(
    flow: str,
    numbers: Path,
    name: str | None,
    skip_bad: bool,
    dry_run: bool,
    params: tuple[str, ...],
    retries: int | None,
    retry_interval: int | None,
    at: str | None,
    expires: str | None,
    app_spec: str | None,
    timeout: float,
) -> None:
    """Queue a campaign of FLOW calls to the numbers in a CSV file.

    The file is either positional (phone[,message_reference][,call_parameters]) or Plum's
    contacts CSV (a header starting with 'destination'; other columns become call parameters).
    """
    campaign_name = name or f"{flow}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    bar = _UploadBar("Uploading phone list", PROGRESS_THRESHOLD_BYTES)
    try:
        campaign_parameters = parse_params(params)
        _check_options(retries, retry_interval, at, expires)
        app, settings = _load_app_and_settings(app_spec)
        client = settings.outbound_client(timeout)
        if dry_run:
            start_url, result_url = _flow_urls(app, flow, None)
            key = None
        else:
            # Recorded first, so that the app starts these calls, and only these, from its start URL.
            start_url, result_url, key = _queued_campaign_urls(app, flow, numbers, campaign_parameters, expires)
        try:
            queued = queue_campaign_file(
                client, start_url, result_url, numbers, name=campaign_name, skip_bad=skip_bad,
                params=campaign_parameters, retries=retries, retry_interval=retry_interval, at=at, expires=expires,
                report=lambda line: click.echo(line, err=True), on_progress=bar, dry_run=dry_run,
            )
        except BaseException:
            if key is not None:
                get_kit(app).queued_calls.cancel_campaign(key)
            raise
    except BadRowsError as error:
        raise click.ClickException(str(error)) from None
    except (RuleViolation, CallListError, OutboundError, MissingSetting) as error:
        raise _fail(error) from None
    finally:
        bar.close()
    if queued is None:
        click.echo(f"Dry run: {numbers} is ready to send as campaign {campaign_name!r}; nothing was sent.")
        return
    campaign_id = f" (id {queued.campaign_id})" if queued.campaign_id else ""
    click.echo(f"Queued campaign {queued.name!r}{campaign_id} with {queued.calls} call(s).")
