"""``vxmlkit conformance``: one line per test, the counts line, exit 0 unless the runner fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vxmlkit.browser.cli import conformance_command
from vxmlkit.browser.conformance import CONF_NS

HEAD = f'<?xml version="1.0"?>\n<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml" xmlns:conf="{CONF_NS}">\n'


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "good.txml").write_text(HEAD + "<form><block><conf:pass/></block></form></vxml>", encoding="utf-8")
    (tmp_path / "bad.txml").write_text(
        HEAD + "<form><block><conf:fail reason='on purpose'/></block></form></vxml>", encoding="utf-8"
    )
    (tmp_path / "lost.txml").write_text(
        HEAD + "<form><block><goto next='elsewhere.vxml'/></block></form></vxml>", encoding="utf-8"
    )
    return tmp_path


def invoke(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(conformance_command, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def test_one_line_per_test_then_the_counts(suite: Path) -> None:
    code, out, _ = invoke(str(suite))
    assert code == 0  # failing tests are results, not errors
    lines = out.splitlines()
    assert lines == [
        f"bad {suite / 'bad.txml'}: failed: heard fail: on purpose",
        f"good {suite / 'good.txml'}: passed",
        (
            f"lost {suite / 'lost.txml'}: skipped: needs elsewhere.vxml (the document its <goto> goes to, "
            "lost.txml line 3), which is not in the partial copy of the suite"
        ),
        "1 passed, 1 failed, 1 skipped",
    ]


def test_verbose_shows_the_transcript_of_failures(suite: Path) -> None:
    code, out, _ = invoke(str(suite / "bad.txml"), str(suite / "good.txml"), "--verbose")
    assert code == 0
    lines = out.splitlines()
    failed_at = next(i for i, line in enumerate(lines) if ": failed: " in line)
    assert lines[failed_at + 1].startswith("    ")
    assert "on purpose" in "\n".join(lines[failed_at + 1 :])
    assert lines[-1] == "1 passed, 1 failed, 0 skipped"


def test_json_is_one_object_with_counts_and_outcomes(suite: Path) -> None:
    code, out, _ = invoke(str(suite), "--json")
    assert code == 0
    answer = json.loads(out)
    assert (answer["passed"], answer["failed"], answer["skipped"]) == (1, 1, 1)
    assert answer["summary"] == "1 passed, 1 failed, 1 skipped"
    assert {test["id"]: test["status"] for test in answer["tests"]} == {
        "bad": "failed",
        "good": "passed",
        "lost": "skipped",
    }


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke(str(tmp_path / "absent"))
    assert code == 2
    assert "does not exist" in err


def test_a_runner_crash_exits_one(suite: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vxmlkit.browser import conformance

    def broken(paths: object) -> list[object]:
        raise RuntimeError("cannot list tests")

    monkeypatch.setattr(conformance, "discover_tests", broken)
    code, _, err = invoke(str(suite))
    assert code == 1
    assert "RuntimeError: cannot list tests" in err
