"""The W3C VoiceXML Implementation Report tests, run through the conformance runner.

Individual conformance failures are measured and reported, not asserted: this module checks
that every test is classified, that the skips are the expected ones, that the command prints
its counts line, and that the tests known to pass keep passing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vxmlkit.browser import Input
from vxmlkit.browser.cli import conformance_command
from vxmlkit.browser.conformance import (
    SuiteResult,
    derive_inputs,
    discover_tests,
    run_suite,
)

SUITE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "w3c-ir"

# The tests that cannot run here, each for a reason the runner states.
EXPECTED_SKIPS = {
    "vxml-2.0/369",  # real audio, judged by ear
    "vxml-2.0/371",  # real audio, judged by ear (file absent too)
    "vxml-2.0/397",  # application root appRootDoc.vxml absent
    "vxml-2.0/a59leaf",  # defective copy: wrong namespace
    "vxml-2.0/a655",  # a655b.txml absent
    "vxml-2.0/assert163",  # defective copy: <log> inside <field>
    "vxml-2.0/assert185",  # assert185-b.vxml absent
}

# The tests that passed when this list was last refreshed: a regression guard.
KNOWN_PASSING: set[str] = set(
    """
    vxml-2.0/42 vxml-2.0/216 vxml-2.0/217 vxml-2.0/218 vxml-2.0/219 vxml-2.0/232 vxml-2.0/234
    vxml-2.0/235 vxml-2.0/236 vxml-2.0/241 vxml-2.0/259 vxml-2.0/260 vxml-2.0/261 vxml-2.0/262
    vxml-2.0/263 vxml-2.0/288 vxml-2.0/289 vxml-2.0/290 vxml-2.0/293 vxml-2.0/294 vxml-2.0/295
    vxml-2.0/296 vxml-2.0/298 vxml-2.0/300 vxml-2.0/301 vxml-2.0/302 vxml-2.0/370 vxml-2.0/373
    vxml-2.0/374 vxml-2.0/377 vxml-2.0/378 vxml-2.0/394 vxml-2.0/399main vxml-2.0/400
    vxml-2.0/404 vxml-2.0/405 vxml-2.0/406 vxml-2.0/408 vxml-2.0/431 vxml-2.0/436 vxml-2.0/510
    vxml-2.0/511 vxml-2.0/512 vxml-2.0/513 vxml-2.0/514 vxml-2.0/515 vxml-2.0/516 vxml-2.0/517
    vxml-2.0/518 vxml-2.0/519 vxml-2.0/523 vxml-2.0/524 vxml-2.0/525 vxml-2.0/526 vxml-2.0/527a1
    vxml-2.0/528a1 vxml-2.0/529a1 vxml-2.0/530a1 vxml-2.0/530a2 vxml-2.0/531a1 vxml-2.0/532a1
    vxml-2.0/533 vxml-2.0/534 vxml-2.0/535 vxml-2.0/543 vxml-2.0/545m vxml-2.0/551 vxml-2.0/552
    vxml-2.0/553a vxml-2.0/555 vxml-2.0/556 vxml-2.0/558 vxml-2.0/559 vxml-2.0/560 vxml-2.0/562
    vxml-2.0/612 vxml-2.0/614 vxml-2.0/623 vxml-2.0/1001 vxml-2.0/1002 vxml-2.0/1003a1
    vxml-2.0/1004 vxml-2.0/1005 vxml-2.0/1006 vxml-2.0/1008 vxml-2.0/1026 vxml-2.0/1037
    vxml-2.0/1038 vxml-2.0/1135 vxml-2.0/1161 vxml-2.0/1162 vxml-2.0/1179 vxml-2.0/a002
    vxml-2.0/a11 vxml-2.0/a12a vxml-2.0/a18 vxml-2.0/a19 vxml-2.0/a24 vxml-2.0/a25a
    vxml-2.0/a26a vxml-2.0/a32 vxml-2.0/a56-leaf vxml-2.0/a58-leaf vxml-2.0/a61leaf
    vxml-2.0/a62-leaf vxml-2.0/a72-var-driver vxml-2.0/a73-var-driver vxml-2.0/a74-var-driver
    vxml-2.0/a75-var-driver vxml-2.0/a76-var-driver vxml-2.0/a82-driver vxml-2.0/a84-driver
    vxml-2.0/a85-driver vxml-2.0/a86-driver vxml-2.0/a87-driver vxml-2.0/a88-driver
    vxml-2.0/a626 vxml-2.0/a654-driver vxml-2.0/a656 vxml-2.0/assert93 vxml-2.0/assert96
    vxml-2.0/assert111 vxml-2.0/assert112 vxml-2.0/assert113 vxml-2.0/assert114
    vxml-2.0/assert143 vxml-2.0/assert153 vxml-2.0/assert154 vxml-2.0/assert165
    vxml-2.0/assert1148 vxml-2.0/assert_43_1 vxml-2.0/assert_44_1 vxml-2.0/assert_45_1
    vxml-2.0/assert_48_1 vxml-2.0/assert_638_2 vxml-2.0/assertion390 vxml-2.0/assertion391
    vxml-2.0/assertion-398 vxml-2.0/assertion-561a vxml-2.0/assertion-1007
    vxml-2.0/subdialog267amain vxml-2.0/subdialog268 vxml-2.0/subdialog271 vxml-2.0/subdialog621
    vxml-2.0/subdialog1156 vxml-2.0/subdialog1158main vxml-2.0/332 vxml-2.0/333 vxml-2.0/334
    vxml-2.0/336 vxml-2.0/337 vxml-2.0/338 vxml-2.1/1 vxml-2.1/2a vxml-2.1/3a vxml-2.1/4a
    vxml-2.1/5 vxml-2.1/7 vxml-2.1/8a vxml-2.1/9 vxml-2.1/10
    """.split()
)


@pytest.fixture(scope="module")
def suite_result() -> SuiteResult:
    if not SUITE.is_dir():
        pytest.skip(f"the W3C conformance tests are not in {SUITE}")
    return run_suite([SUITE])


def test_every_test_is_classified(suite_result: SuiteResult) -> None:
    discovered = discover_tests([SUITE])
    assert len(discovered) >= 160
    assert [outcome.id for outcome in suite_result.outcomes] == [case.id for case in discovered]
    assert all(outcome.status in ("passed", "failed", "skipped") for outcome in suite_result.outcomes)
    assert all(outcome.reason for outcome in suite_result.outcomes if outcome.status != "passed")
    assert suite_result.passed + suite_result.failed + suite_result.skipped == len(discovered)


def test_only_the_tests_that_cannot_run_here_are_skipped(suite_result: SuiteResult) -> None:
    skipped = {outcome.id for outcome in suite_result.outcomes if outcome.status == "skipped"}
    assert skipped == EXPECTED_SKIPS


def test_outcomes_carry_what_the_index_says(suite_result: SuiteResult) -> None:
    by_id = {outcome.id: outcome for outcome in suite_result.outcomes}
    assert (by_id["vxml-2.0/1037"].assertion, by_id["vxml-2.0/1037"].input_kind) == ("1037", "speech")
    assert (by_id["vxml-2.1/5"].assertion, by_id["vxml-2.1/5"].input_kind) == ("5", "dtmf")


def test_inputs_derived_from_suite_tests() -> None:
    if not SUITE.is_dir():
        pytest.skip(f"the W3C conformance tests are not in {SUITE}")
    cudl = SUITE / "vxml-2.0" / "cudl-w3c"
    assert derive_inputs(cudl / "518.txml") == [Input.speech(city) for city in ("chicago", "new york", "tokyo")]
    assert derive_inputs(cudl / "219.txml") == [Input.noinput()]
    assert derive_inputs(SUITE / "vxml-2.1" / "jvoicexml" / "irp_vxml21" / "8" / "8a.txml") == [Input.dtmf("5")]
    assert derive_inputs(cudl / "1001.txml") == []


def test_known_passing_tests_keep_passing(suite_result: SuiteResult) -> None:
    status = {outcome.id: outcome for outcome in suite_result.outcomes}
    regressions = {
        test_id: status[test_id].reason if test_id in status else "not found"
        for test_id in sorted(KNOWN_PASSING)
        if test_id not in status or status[test_id].status != "passed"
    }
    assert regressions == {}


def test_the_command_closes_with_the_counts_line(suite_result: SuiteResult) -> None:
    folder = SUITE / "vxml-2.1"
    result = CliRunner().invoke(conformance_command, [str(folder)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    tests = discover_tests([folder])
    assert len(lines) == len(tests) + 1
    counts = lines[-1]
    assert counts.endswith(" skipped") and " passed, " in counts and " failed, " in counts
    numbers = [int(part.split()[0]) for part in counts.split(", ")]
    assert sum(numbers) == len(tests)
    print(f"\nW3C conformance: {suite_result.summary_line()}")
