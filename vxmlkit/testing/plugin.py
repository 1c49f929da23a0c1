"""The pytest plugin (registered as ``vxmlkit`` through the ``pytest11`` entry point).

Fixtures:

``vxml_app``
    The app under test: override the fixture in a ``conftest.py``, or set the ini option
    ``vxml_app = module:factory``. Each test gets a fresh store (a SQLite file in the test's
    temporary folder), and strict documents (an invalid document raises).
``simulator``
    A :class:`~vxmlkit.testing.Simulator` on ``vxml_app`` with a fresh SMS outbox.

Option ``--vxml-update-golden`` writes golden transcripts instead of comparing them.

Call-flow coverage (see :mod:`vxmlkit.testing.coverage`): ``--vxml-coverage`` prints which
steps, transitions, events and endings of each flow the tests walked;
``--vxml-coverage-fail-under=PCT`` fails the run below PCT percent;
``--vxml-coverage-report=FILE.json`` writes the report as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import coverage, golden

__all__ = ["pytest_addoption", "pytest_configure", "pytest_runtest_teardown", "pytest_sessionfinish",
           "pytest_terminal_summary", "vxml_app", "simulator"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vxmlkit")
    group.addoption("--vxml-update-golden", action="store_true", default=False,
                    help="write vxmlkit golden transcripts instead of comparing them")
    group.addoption("--vxml-coverage", action="store_true", default=False,
                    help="report the steps, transitions, events and endings of each flow the tests walked")
    group.addoption("--vxml-coverage-fail-under", type=float, default=None, metavar="PCT",
                    help="fail the run when call-flow coverage is below PCT percent (implies --vxml-coverage)")
    group.addoption("--vxml-coverage-report", default=None, metavar="FILE.json",
                    help="write the call-flow coverage report as JSON (implies --vxml-coverage)")
    parser.addini("vxml_app", "the vxmlkit app under test, as module:factory", default="")


def _coverage_on(config: pytest.Config) -> bool:
    return bool(config.getoption("--vxml-coverage", default=False)
                or config.getoption("--vxml-coverage-fail-under", default=None) is not None
                or config.getoption("--vxml-coverage-report", default=None))


def pytest_configure(config: pytest.Config) -> None:
    golden.update_golden = bool(config.getoption("--vxml-update-golden", default=False))
    golden.base_folder = Path(str(config.rootpath))
    if _coverage_on(config):
        coverage.recorder = coverage.CoverageRecorder()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # Read the test's calls before its fixtures close the store they live in.
    if coverage.recorder is not None:
        coverage.recorder.collect()
    yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    recorder = coverage.recorder
    if recorder is None:
        return
    recorder.collect()
    recorder.finish()
    config = session.config
    target = config.getoption("--vxml-coverage-report", default=None)
    if target:
        Path(target).write_text(json.dumps(recorder.to_json(), indent=2) + "\n", encoding="utf-8")
    threshold = config.getoption("--vxml-coverage-fail-under", default=None)
    if threshold is not None and recorder.percent() < threshold and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    recorder = coverage.recorder
    if recorder is None:
        return
    terminalreporter.write_sep("-", "vxmlkit coverage")
    terminalreporter.write_line(recorder.report())
    threshold = config.getoption("--vxml-coverage-fail-under", default=None)
    if threshold is not None:
        verdict = "FAIL" if recorder.percent() < threshold else "ok"
        terminalreporter.write_line(f"call-flow coverage {recorder.percent():.1f}% (required {threshold:g}%): {verdict}")


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
    store = open_store(f"sqlite:///{tmp_path / 'vxmlkit-simulator.sqlite3'}")
    try:
        with kit.borrowed_store(store):
            yield Simulator(vxml_app)
    finally:
        store.close()
