"""The pytest plugin (registered as ``vxmlkit`` through the ``pytest11`` entry point).

Fixtures:

``vxml_app``
    The app under test: override the fixture in a ``conftest.py``, or set the ini option
    ``vxml_app = module:factory``. Each test gets a fresh store (a SQLite file in the test's
    temporary folder), and strict documents (an invalid document raises).
``simulator``
    A :class:`~vxmlkit.testing.Simulator` on ``vxml_app`` with a fresh SMS outbox.

Option ``--vxml-update-golden`` writes golden transcripts instead of comparing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import golden

__all__ = ["pytest_addoption", "pytest_configure", "vxml_app", "simulator"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vxmlkit")
    group.addoption("--vxml-update-golden", action="store_true", default=False,
                    help="write vxmlkit golden transcripts instead of comparing them")
    parser.addini("vxml_app", "the vxmlkit app under test, as module:factory", default="")


def pytest_configure(config: pytest.Config) -> None:
    golden.update_golden = bool(config.getoption("--vxml-update-golden", default=False))
    golden.base_folder = Path(str(config.rootpath))


@pytest.fixture
def vxml_app(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app named by the ``vxml_app`` ini option, built on a fresh store."""
    spec = request.config.getini("vxml_app")
    if not spec:
        raise pytest.UsageError(
            "vxmlkit: set the ini option vxml_app = module:factory, or override the vxml_app fixture in a conftest.py"
        )
    from ..app import load_app

    monkeypatch.setenv("VXMLKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'vxmlkit.sqlite3'}")
    monkeypatch.setenv("VXMLKIT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("VXMLKIT_STRICT_DOCUMENTS", "1")
    return load_app(spec)


@pytest.fixture
def simulator(vxml_app: Any, tmp_path: Path) -> Iterator[Any]:
    """A simulator with a fresh store and a fresh SMS outbox for this test."""
    from ..extension import get_kit
    from ..store import open_store
    from .simulator import Simulator

    kit = get_kit(vxml_app)
    previous = kit.store
    kit.use_store(open_store(f"sqlite:///{tmp_path / 'vxmlkit-simulator.sqlite3'}"))
    try:
        yield Simulator(vxml_app)
    finally:
        kit.store.close()
        kit.use_store(previous)
