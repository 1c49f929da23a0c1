"""`vxmlkit validate FILE...` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vxmlkit.validation import VXML_NAMESPACE, validate_command

VALID_21 = f"""<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.1" xmlns="{VXML_NAMESPACE}">
  <form>
    <block><prompt>Hello.</prompt></block>
  </form>
</vxml>
"""

INVALID_LINE_4 = f"""<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.0" xmlns="{VXML_NAMESPACE}">
  <form>
    <block><submit method="post"/></block>
  </form>
</vxml>
"""

NOT_WELL_FORMED = f"""<vxml version="2.0" xmlns="{VXML_NAMESPACE}">
  <form>
    <block>
  </form>
</vxml>
"""

PLUM_DATA = f"""<vxml version="2.1" xmlns="{VXML_NAMESPACE}">
  <form><block>
    <data src="https://example.com/api" method="raw" enctype="application/json" rawexpr="body"/>
  </block></form>
</vxml>
"""


def _run(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(validate_command, list(args))
    return result.exit_code, result.output.splitlines()


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "ok.vxml", VALID_21)
    assert _run(str(path)) == (0, [f"{path}: valid"])


def test_invalid_file_names_line_and_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.vxml", INVALID_LINE_4)
    code, lines = _run(str(path))
    assert code == 1
    assert lines == [
        (
            f"{path}: invalid: 4: <submit> needs exactly one of next or expr; it has none "
            "(at /vxml/form[1]/block[1]/submit[1])"
        )
    ]


def test_not_well_formed_is_invalid_with_parse_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.vxml", NOT_WELL_FORMED)
    code, lines = _run(str(path))
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}: invalid: 4: not well-formed XML: ")


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    good = _write(tmp_path, "ok.vxml", VALID_21)
    missing = tmp_path / "nope.vxml"
    code, lines = _run(str(good), str(missing))
    assert code == 2
    assert lines[0] == f"{good}: valid"
    assert lines[1].startswith(f"{missing}: unreadable: cannot read")


def test_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, _ = _run(str(tmp_path))
    assert code == 2


def test_no_files_is_a_usage_error() -> None:
    code, _ = _run()
    assert code == 2


def test_unknown_version_is_a_usage_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "ok.vxml", VALID_21)
    code, _ = _run("--version", "3.0", str(path))
    assert code == 2


def test_version_option_overrides_the_document(tmp_path: Path) -> None:
    path = _write(tmp_path, "ok.vxml", VALID_21)
    assert _run("--version", "2.1", str(path)) == (0, [f"{path}: valid"])
    code, lines = _run("--version", "2.0", str(path))
    assert code == 1
    assert lines == [
        f"{path}: invalid: 2: <vxml>: attribute version='2.1': value must be one of ['2.0'] (at /vxml)"
    ]


@pytest.mark.parametrize(("profile", "code"), [("plum", 0), ("standard", 1)])
def test_profile_option(tmp_path: Path, profile: str, code: int) -> None:
    path = _write(tmp_path, "plum.vxml", PLUM_DATA)
    exit_code, lines = _run("--profile", profile, str(path))
    assert exit_code == code
    assert lines[0].startswith(
        f"{path}: {'valid' if code == 0 else 'invalid: 3: <data>'}"
    )


def test_many_files_one_line_each(tmp_path: Path) -> None:
    paths = [_write(tmp_path, f"doc{index:03}.vxml", VALID_21) for index in range(300)]
    bad = _write(tmp_path, "zz-bad.vxml", INVALID_LINE_4)
    code, lines = _run(*(str(path) for path in [*paths, bad]))
    assert code == 1
    assert lines[:300] == [f"{path}: valid" for path in paths]
    assert lines[300].startswith(f"{bad}: invalid: 4: ")
    assert len(lines) == 301


def _large_invalid_document(blocks: int) -> str:
    """About 150 bytes per block: each block breaks the schema (an unknown element) and a rule
    (a goto without a target)."""
    body = "".join(
        f'<block name="b{i}"><prompt>Item {i} of the list.</prompt><bogus n="{i}"/></block>\n'
        f'<block name="g{i}"><prompt>Item {i}.</prompt><goto/></block>\n'
        for i in range(blocks)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<vxml version="2.0" xmlns="{VXML_NAMESPACE}">\n<form id="f">\n{body}</form>\n</vxml>\n'


def test_a_large_invalid_document_is_explained_in_bounded_time(tmp_path: Path) -> None:
    # A megabyte of invalid VoiceXML: the readable pass used to grow quadratically (about a
    # minute for this file); bounded, it finishes well inside the timeout, naming the problem.
    import subprocess
    import sys

    path = tmp_path / "large.vxml"
    path.write_text(_large_invalid_document(7000), encoding="utf-8")
    assert path.stat().st_size > 1_000_000
    done = subprocess.run(
        [sys.executable, "-c", "from vxmlkit.cli import main; main()", "validate", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(f"{path}: invalid: 4: ")
    assert "bogus" in done.stdout and "more)" in done.stdout


def test_past_the_size_limit_problems_come_in_lxml_words_with_their_lines() -> None:
    from vxmlkit.validation import READABLE_MAX_ELEMENTS, explain

    problems = explain(_large_invalid_document(READABLE_MAX_ELEMENTS // 5))
    lines = sorted(problem.line for problem in problems)
    # One unknown element and one target-less goto per pair of blocks, each on its own line.
    assert len(problems) == 2 * (READABLE_MAX_ELEMENTS // 5)
    assert lines[:2] == [4, 5]
    assert any("bogus" in problem.reason and problem.rule is None for problem in problems)
    assert any(problem.rule == "goto-target" and problem.path == "/vxml/form[1]/block[2]/goto[1]"
               for problem in problems)


def test_validate_loads_neither_flask_nor_an_app(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "ok.vxml"
    path.write_text(VALID_21, encoding="utf-8")
    code = (
        "import sys\n"
        "from vxmlkit.cli import cli\n"
        f"cli.main(['validate', {str(path)!r}], standalone_mode=False)\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('flask', 'werkzeug', 'apps')"
        " or name in ('vxmlkit.app', 'vxmlkit.extension', 'vxmlkit.blueprints')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{path}: valid", "[]"]
