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
