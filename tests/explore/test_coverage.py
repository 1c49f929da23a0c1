"""pytest --vxml-coverage: a deliberately incomplete suite, and exactly what it misses."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

INCOMPLETE_SUITE = """
    def test_hours(simulator):
        simulator.dial("orphan").hears("Press 1").press("1").hears("nine to five").hangs_up()


    def test_hours_after_a_silence(simulator):
        call = simulator.dial("orphan").silence()
        call.press("1").hangs_up()
"""


def _project(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"""
        [pytest]
        vxml_app = tests.explore.flows:create_defects_app
        pythonpath = {REPO}
    """)
    pytester.makepyfile(test_orphan=textwrap.dedent(INCOMPLETE_SUITE))


def test_coverage_reports_exactly_what_the_suite_missed(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_subprocess("--vxml-coverage", "--vxml-coverage-report=coverage.json")
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "*vxmlkit coverage*",
        "flow * steps * transitions * events * endings * cover",
        "orphan * 2/4 * 1/2 * 1/5 * 1/3 * 35.7%",
        "TOTAL * 35.7%",
        "orphan: missing step bye  <- explore: silence, silence, silence",
        "orphan: missing step forgotten  <- explore: (not reachable)",
        "orphan: missing transition hello --on_failure--> bye  <- explore: silence, silence, silence",
    ])
    report = json.loads((pytester.path / "coverage.json").read_text())
    orphan = report["flows"]["orphan"]
    assert orphan["steps"]["covered"] == ["hello", "hours"]
    assert [m["name"] for m in orphan["steps"]["missing"]] == ["bye", "forgotten"]
    assert orphan["transitions"]["covered"] == ["hello --choice 1--> hours"]
    assert orphan["events"]["covered"] == ["hello: silence"]
    assert sorted(m["name"] for m in orphan["events"]["missing"]) == [
        "hello: nomatch", "hello: nomatch, nomatch", "hello: nomatch, silence", "hello: silence, silence"]
    assert orphan["endings"]["covered"] == ["the app hangs up (after hours)"]
    assert {m["name"]: m["path"] for m in orphan["endings"]["missing"]} == {
        "the caller hangs up": "hang up", "the app hangs up (after bye)": "silence, silence, silence"}
    assert (report["covered"], report["total"], report["percent"]) == (5, 14, 35.71)


def test_fail_under_fails_a_passing_run_below_the_threshold(pytester: pytest.Pytester) -> None:
    _project(pytester)
    low = pytester.runpytest_subprocess("--vxml-coverage-fail-under=50")
    low.assert_outcomes(passed=2)
    assert low.ret == 1
    low.stdout.fnmatch_lines(["call-flow coverage 35.7% (required 50%): FAIL"])
    enough = pytester.runpytest_subprocess("--vxml-coverage-fail-under=35")
    assert enough.ret == 0
    enough.stdout.fnmatch_lines(["call-flow coverage 35.7% (required 35%): ok"])


def test_no_report_without_the_option(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2)
    assert "vxmlkit coverage" not in result.stdout.str()
