"""``vxmlkit db upgrade``, ``vxmlkit db status`` and ``vxmlkit purge``.

The database is ``--database-url`` (or ``VXMLKIT_DATABASE_URL``), else the store of the app
named by ``--app`` (default: the example flows' app).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

from ..discovery import app_option
from ..settings import Settings
from . import Store, StoreError, StoreUnavailable, open_store, store_options
from .retention import DEFAULT_RETENTION_DAYS, purge
from ..settings import Settings
from .schema import LATEST, status, upgrade

__all__ = ["db_group", "purge_command", "parse_age"]

_APP = app_option
_URL = click.option("--database-url", envvar="VXMLKIT_DATABASE_URL", default=None, metavar="URL",
                    help="The database (default: VXMLKIT_DATABASE_URL, else the app's store).")


@contextmanager
def _opened(database_url: str | None, app_spec: str | None) -> Iterator[tuple[Store, Mapping[str, Any]]]:
    """The store and the settings it was opened with; closed at the end of the command."""
    store, settings = _open(database_url, app_spec)
    try:
        yield store, settings
    finally:
        store.close()


def _open(database_url: str | None, app_spec: str | None) -> tuple[Store, Mapping[str, Any]]:
    """The store and the settings it was opened with."""
    if database_url:
        settings = Settings()
        return open_store(database_url, **store_options(settings)), settings
    from ..discovery import cli_app
    from ..extension import get_kit

    # Opening the app's store checks its schema and says when it is old: that is why we are here.
    logger = logging.getLogger("vxmlkit")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        app = cli_app(app_spec).app
        store = get_kit(app).store
    finally:
        logger.setLevel(level)
    return store, app.config


@click.group("db")
def db_group() -> None:
    """The database's schema: where it stands, and its upgrade."""


@db_group.command("status")
@_URL
@_APP
def status_command(database_url: str | None, app_spec: str | None) -> None:
    """Print the schema version and what an upgrade would apply (exit 1 when one is due)."""
    with _opened(database_url, app_spec) as (store, _):
        try:
            now = status(store)
        except StoreUnavailable as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"database: {store!r}")
    found = "tables without a version (made before versions)" if now.unversioned_tables else f"version {now.version}"
    click.echo(f"schema: {found}; this vxmlkit: version {LATEST}")
    for version, description, applied_at in now.applied:
        when = dt.datetime.fromtimestamp(applied_at).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"  applied  {version}  {when}  {description}")
    for migration in now.pending:
        click.echo(f"  pending  {migration.version}  {migration.description}")
    if not now.current:
        click.echo("run `vxmlkit db upgrade` to apply the pending versions")
        raise SystemExit(1)
    click.echo("up to date")


@db_group.command("upgrade")
@_URL
@_APP
def upgrade_command(database_url: str | None, app_spec: str | None) -> None:
    """Bring the schema to the current version (safe to run again, and from several hosts)."""
    with _opened(database_url, app_spec) as (store, _):
        try:
            done = upgrade(store)
        except StoreUnavailable as exc:
            raise click.ClickException(str(exc)) from exc
    for migration in done:
        click.echo(f"applied {migration.version}: {migration.description}")
    click.echo(f"{store!r} is at schema version {LATEST}")


def parse_age(value: str) -> float:
    """``30d``, ``12h``, ``90m``, ``45s`` (or a bare number of days) as seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value)
    if not match:
        raise ValueError(f"{value!r} is not an age such as 30d, 12h, 90m or 45s")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 86400}[match.group(2)]
    return float(match.group(1)) * unit


@click.command("purge")
@click.option("--older-than", default=None, metavar="AGE",
              help="Delete what is older than this (30d, 12h ...; default: VXMLKIT_RETENTION_DAYS days, 30).")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@_URL
@_APP
def purge_command(older_than: str | None, dry_run: bool, database_url: str | None, app_spec: str | None) -> None:
    """Delete call sessions, results, SMS records and continuations past the retention period,
    in small batches that let serving go on."""
    with _opened(database_url, app_spec) as (store, settings):
        try:
            if older_than is None:
                days = settings.get("VXMLKIT_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS
                older_than = f"{days}d"
            age = parse_age(older_than)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--older-than / VXMLKIT_RETENTION_DAYS") from exc
        try:
            report = purge(store, older_than=age, dry_run=dry_run)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
    verb = "would delete" if dry_run else "deleted"
    cutoff = dt.datetime.fromtimestamp(report.cutoff).strftime("%Y-%m-%d %H:%M:%S")
    for table, count in report.counts.items():
        click.echo(f"{table}: {verb} {count}")
    click.echo(f"{verb} {report.total} row(s) older than {cutoff}")
