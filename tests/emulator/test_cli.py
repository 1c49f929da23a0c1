"""``vxmlkit emulate``'s mistakes are caught before it listens (the running command is
exercised end to end in test_end_to_end.py)."""

from __future__ import annotations

from click.testing import CliRunner

from vxmlkit.cli import cli


def test_a_broken_rules_file_is_a_usage_error_naming_the_rule(tmp_path) -> None:
    rules = tmp_path / "callees.yaml"
    rules.write_text("- {pattern: '1617*', answer: ringing}\n")
    result = CliRunner().invoke(cli, ["emulate", "--callees", str(rules)])
    assert result.exit_code == 2
    assert "rule 1: unknown answer 'ringing'" in result.output


def test_an_unreadable_start_time_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["emulate", "--start", "when pigs fly"])
    assert result.exit_code == 2 and "--start" in result.output and "cannot read" in result.output


def test_a_missing_rules_file_and_a_zero_speed_are_refused(tmp_path) -> None:
    assert CliRunner().invoke(cli, ["emulate", "--callees", str(tmp_path / "nope.yaml")]).exit_code == 2
    result = CliRunner().invoke(cli, ["emulate", "--speed", "0"])
    assert result.exit_code == 2 and "--speed" in result.output
