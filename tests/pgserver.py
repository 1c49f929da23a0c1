"""A throwaway PostgreSQL server for tests and benchmarks: initdb + pg_ctl in a temporary
folder, on a free loopback port, run as the ``postgres`` user when we are root. The binaries
are the newest in /usr/lib/postgresql/*/bin, else on PATH, or in ``VXMLKIT_TEST_POSTGRES_BIN``.

    server = PgServer.create()      # raises PgUnavailable with the reason when it cannot
    server.start()
    url = server.new_schema_url()   # a fresh schema, as a URL whose search_path selects it
    server.restart()                # the fault tests: a restart in the middle of load
    server.destroy()
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

__all__ = ["PgServer", "PgUnavailable", "schema_url"]


class PgUnavailable(RuntimeError):
    """No PostgreSQL server can be started here (the reason is the message)."""


def _binaries() -> Path:
    chosen = os.environ.get("VXMLKIT_TEST_POSTGRES_BIN")
    if chosen:
        if (Path(chosen) / "initdb").is_file():
            return Path(chosen)
        raise PgUnavailable(f"no initdb in {chosen} (VXMLKIT_TEST_POSTGRES_BIN)")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PgUnavailable("no PostgreSQL binaries (initdb) in /usr/lib/postgresql/*/bin or on PATH")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def schema_url(url: str, schema: str) -> str:
    """``url`` with the connection option that makes ``schema`` the search path."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


class PgServer:
    """One PostgreSQL cluster in its own folder; ``start``/``stop``/``restart`` it at will."""

    def __init__(self, folder: Path, bindir: Path, user: str | None, port: int) -> None:
        self.folder, self.bindir, self.user, self.port = folder, bindir, user, port
        self.data = folder / "data"
        self.log = folder / "server.log"

    @classmethod
    def create(cls, *, fast: bool = True) -> PgServer:
        """A new cluster (not started). ``fast``: no fsync (tests); off for realistic figures."""
        bindir = _binaries()
        user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no 'postgres' user to run the server") from None
            if shutil.which("runuser") is None:
                raise PgUnavailable("running as root and runuser is missing")
            user = "postgres"
        folder = Path(tempfile.mkdtemp(prefix="vxmlkit-pg-"))
        server = cls(folder, bindir, user, _free_port())
        if user is not None:
            shutil.chown(folder, user, user)
        try:
            server._run("initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--no-locale", "--no-sync")
        except PgUnavailable:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {server.port}",
            f"unix_socket_directories = '{folder}'",
            "max_connections = 300",
            "shared_buffers = 64MB",
        ]
        if fast:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(server.data / "postgresql.conf", "a") as conf:
            conf.write("\n".join(settings) + "\n")
        return server

    def _run(self, tool: str, *args: str) -> str:
        command = [str(self.bindir / tool), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PgUnavailable(f"{tool} failed: {exc}") from exc
        if done.returncode != 0:
            raise PgUnavailable(f"{tool} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}")
        return done.stdout

    @property
    def url(self) -> str:
        """The URL of the ``postgres`` database as the ``postgres`` user."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``fast`` ends open connections, ``immediate`` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def running(self) -> bool:
        try:
            self._run("pg_ctl", "-D", str(self.data), "status")
        except PgUnavailable:
            return False
        return True

    def new_schema_url(self) -> str:
        """A URL on a new, empty schema of its own."""
        return new_schema(self.url)

    def destroy(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def new_schema(url: str) -> str:
    """Make a new empty schema in the database at ``url``; a URL that uses it."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return schema_url(url, name)


def drop_schema(url: str, schema_url_: str) -> None:
    """Drop the schema that ``schema_url_`` selects (made by :func:`new_schema`)."""
    import psycopg
    from urllib.parse import parse_qs, urlsplit

    options = parse_qs(urlsplit(schema_url_).query).get("options", [""])[0]
    name = options.removeprefix("-csearch_path=")
    if name.startswith("t_"):
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
