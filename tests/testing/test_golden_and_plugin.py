"""Golden transcripts and the pytest plugin, run in a separate pytest (pytester)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from vxmlkit.testing import assert_transcript, golden

REPO = Path(__file__).resolve().parents[2]


def test_golden_is_written_when_updating_and_compared_otherwise(simulator, tmp_path, monkeypatch):
    path = tmp_path / "golden" / "code.txt"
    call = simulator.dial("desk").press("1").press("1234")
    monkeypatch.setattr(golden, "update_golden", True)
    assert_transcript(call, path)
    assert path.read_text().startswith("fetched: POST /vxml/desk/start\n")
    monkeypatch.setattr(golden, "update_golden", False)
    assert_transcript(simulator.dial("desk").press("1").press("1234"), path)
    other = simulator.dial("desk").press("3")
    with pytest.raises(AssertionError) as info:
        assert_transcript(other, path)
    message = str(info.value)
    assert "differs from the golden transcript" in message
    assert "-pressed: 1\n" in message and "+pressed: 3\n" in message and "--vxml-update-golden" in message


def test_missing_golden_file_says_how_to_write_it(simulator, tmp_path, monkeypatch):
    monkeypatch.setattr(golden, "update_golden", False)
    monkeypatch.delenv("VXMLKIT_UPDATE_GOLDEN", raising=False)
    with pytest.raises(AssertionError, match="--vxml-update-golden"):
        assert_transcript(simulator.dial("desk"), tmp_path / "none.txt")


PLUGIN_TEST = """
    from vxmlkit.testing import assert_transcript

    def test_fresh_store_and_outbox(simulator, vxml_app):
        call = simulator.dial("desk").press("1").press("1234")
        assert len(call.sms) == 1 and len(simulator.outbox.sent) == 1
        from vxmlkit.extension import get_kit
        assert len(get_kit(vxml_app).sessions.recent()) == 1

    def test_again_fresh(simulator, vxml_app):
        from vxmlkit.extension import get_kit
        assert get_kit(vxml_app).sessions.recent() == [] and simulator.outbox.sent == []

    def test_golden(simulator):
        assert_transcript(simulator.dial("desk").press("3").record(1), "golden/message.txt")
"""


def _project(pytester):
    pytester.makeini(f"""
        [pytest]
        vxml_app = tests.testing.flows:create_test_app
        pythonpath = {REPO}
    """)
    pytester.makepyfile(test_desk=textwrap.dedent(PLUGIN_TEST))


def test_plugin_fixtures_from_the_ini_option(pytester):
    _project(pytester)
    first = pytester.runpytest_subprocess("--vxml-update-golden")
    first.assert_outcomes(passed=3)
    written = (pytester.path / "golden" / "message.txt").read_text()
    assert "heard: Leave a message after the beep." in written
    pytester.runpytest_subprocess().assert_outcomes(passed=3)
    (pytester.path / "golden" / "message.txt").write_text(written.replace("beep", "tone"))
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*differs from the golden transcript*", "*-heard: Leave a message after the tone.*"])


def test_plugin_without_an_app_says_what_to_do(pytester):
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_x="def test_x(simulator):\n    pass\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*set the ini option vxml_app = module:factory*"])
