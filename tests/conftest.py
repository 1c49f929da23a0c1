"""Fixtures for the whole suite.

Every document vxmlkit renders during any test is valid under the project's schema (the
renderer checks it) and must also be valid under the W3C schema when ../shared/reference is
present: the project's schema is stricter, never looser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from lxml import etree

from tests.pgserver import PgServer, PgUnavailable, drop_schema, new_schema
from tests.w3c_oracle import W3C_SCHEMAS, w3c_schema
from vxmlkit.templating import Renderer


@pytest.fixture(autouse=True)
def rendered_documents(monkeypatch: pytest.MonkeyPatch):
    """Every document rendered during the test; each must also satisfy the W3C schema."""
    documents: list[str] = []
    original = Renderer.render

    def recording_render(self, *args, **kwargs):
        rendered = original(self, *args, **kwargs)
        documents.append(rendered.text)
        return rendered

    monkeypatch.setattr(Renderer, "render", recording_render)
    yield documents
    for text in documents:
        root = etree.fromstring(text.encode())
        if not W3C_SCHEMAS.is_dir():
            continue
        schema = w3c_schema(root.get("version", "2.0"))
        assert schema.validate(root), f"W3C schema rejects a rendered document: {schema.error_log}\n{text}"




# -- the stores: a SQLite file, and a real PostgreSQL server ------------------------------


def _postgres_missing(reason: str) -> None:
    """Skip with ``reason``, or fail when VXMLKIT_REQUIRE_POSTGRES makes PostgreSQL mandatory."""
    if os.environ.get("VXMLKIT_REQUIRE_POSTGRES", "").strip() not in ("", "0"):
        pytest.fail(f"PostgreSQL is required (VXMLKIT_REQUIRE_POSTGRES) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL server: {reason}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresForTests]:
    """A real PostgreSQL server for the session: ``VXMLKIT_TEST_DATABASE_URL``, or a throwaway
    cluster started here (and stopped at the end)."""
    given = os.environ.get("VXMLKIT_TEST_DATABASE_URL")
    if given:
        yield PostgresForTests(given, None)
        return
    try:
        server = PgServer.create()
    except PgUnavailable as exc:
        _postgres_missing(str(exc))
    try:
        server.start()
    except PgUnavailable as exc:
        server.destroy()
        _postgres_missing(str(exc))
    try:
        yield PostgresForTests(server.url, server)
    finally:
        server.destroy()


class PostgresForTests:
    """The session's PostgreSQL: its URL, a fresh schema per test, and the server itself
    (None when given by URL, so that a test which restarts it skips)."""

    def __init__(self, url: str, server: PgServer | None) -> None:
        self.url, self.server = url, server

    def new_store_url(self) -> str:
        return new_schema(self.url)

    def drop(self, url: str) -> None:
        drop_schema(self.url, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of a fresh, empty store: a SQLite file, then a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    pg = request.getfixturevalue("postgres")
    url = pg.new_store_url()
    yield url
    pg.drop(url)


@pytest.fixture
def pg_server(postgres: PostgresForTests) -> PgServer:
    """The throwaway PostgreSQL server itself, for tests that stop and start it."""
    if postgres.server is None:
        pytest.skip("PostgreSQL is given by VXMLKIT_TEST_DATABASE_URL: this test must restart it")
    return postgres.server
