"""Fixtures for the serving tests: the app on a SQLite file, and the same app under gunicorn."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

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

    def make(**config):
        return create_app({"VXMLKIT_DATABASE_URL": database_url, "VXMLKIT_SECRET_KEY": SECRET,
                           "VXMLKIT_STRICT_DOCUMENTS": True, **config})

    yield make
    sys.path.remove(str(HERE))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Gunicorn:
    """A gunicorn master serving ``serving_app`` on a loopback port."""

    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log
        self.base = f"http://127.0.0.1:{port}"

    def workers(self) -> list[int]:
        """The pids of the master's live worker processes."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid and fields[0] != "Z":
                    pids.append(int(entry.name))
        return pids


@pytest.fixture
def gunicorn(tmp_path: Path, database_url: str) -> Iterator:
    """Start gunicorn with ``workers`` and extra environment; stopped at the end of the test."""
    started: list[Gunicorn] = []

    def start(*, workers: int = 1, **env: str) -> Gunicorn:
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.getcwd()]),
                       "VXMLKIT_DATABASE_URL": database_url, "VXMLKIT_SECRET_KEY": SECRET,
                       "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"), **env}
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--timeout", "60", "serving_app:create_app()"],
            env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )
        server = Gunicorn(process, port, log)
        started.append(server)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{server.base}/vxml/_health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        while len(server.workers()) < workers and time.monotonic() < deadline:
            time.sleep(0.05)
        return server

    yield start
    for server in started:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
