"""Fixtures for the serving tests: the app on a SQLite file, and the same app under gunicorn."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hosts import ROOT, Host
from vxmlkit.extension import get_kit

HERE = Path(__file__).resolve().parent
SECRET = "serving-secret"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'vxmlkit.sqlite3'}"


@pytest.fixture
def make_app(database_url: str):
    """The serving app (the ``counter`` flow) in production mode on a fresh SQLite file."""
    sys.path.insert(0, str(HERE))
    from serving_app import create_app

    made = []

    def make(**config):
        # The tests post the flow's own start URL, for calls vxmlkit did not queue.
        app = create_app({"VXMLKIT_DATABASE_URL": database_url, "VXMLKIT_SECRET_KEY": SECRET,
                          "VXMLKIT_STRICT_DOCUMENTS": True, "VXMLKIT_ALLOW_UNQUEUED_CALLS": "*", **config})
        made.append(app)
        return app

    yield make
    sys.path.remove(str(HERE))
    for app in made:  # a PostgreSQL pool is closed here, not by the garbage collector later
        get_kit(app).store.close()


@pytest.fixture
def gunicorn(tmp_path: Path, database_url: str) -> Iterator:
    """Start the serving app under gunicorn (sync workers) with extra environment; stopped at the end."""
    started: list[Host] = []

    def start(*, workers: int = 1, **env: str) -> Host:
        environment = {"PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]), "VXMLKIT_DATABASE_URL": database_url,
                       "VXMLKIT_SECRET_KEY": SECRET, "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"),
                       "VXMLKIT_ALLOW_UNQUEUED_CALLS": "*", **env}
        host = Host("serving_app:create_app()", environment, workers=workers, threads=1,
                    log=tmp_path / f"gunicorn-{len(started)}.log")
        started.append(host)
        host.start("/vxml/_health")
        deadline = time.monotonic() + 30
        while len(host.worker_pids()) < workers and time.monotonic() < deadline:
            time.sleep(0.05)
        return host

    yield start
    for host in started:
        host.stop()
