"""Separate server processes sharing one store: gunicorn on loopback ports, started and
stopped by the tests (and by bench/load.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["Host", "free_port", "ROOT"]

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Host:
    """One gunicorn serving ``app`` (module:factory()) on 127.0.0.1 with ``env`` added."""

    def __init__(self, app: str, env: dict[str, str], *, workers: int = 2, threads: int = 8,
                 log: Path | None = None, port: int | None = None) -> None:
        self.app, self.workers, self.threads = app, workers, threads
        self.port = port or free_port()
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/vxml/") -> Host:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers",
                   str(self.workers), "--graceful-timeout", "5", "--timeout", "60"]
        if self.threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(self.threads)]
        self.process = subprocess.Popen([*command, self.app], cwd=ROOT, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn for {self.app} exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.base_url + ready_path, timeout=2).read()
                return self
            except urllib.error.HTTPError:
                return self  # it answers
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn for {self.app} did not answer within 30 s") from None
                time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (children of the gunicorn master)."""
        assert self.process is not None
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # the parent's id
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Host:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
