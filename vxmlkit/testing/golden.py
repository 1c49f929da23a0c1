"""Golden transcripts: a call's transcript kept in a file and compared on every run.

``assert_transcript(call, "tests/golden/pay.txt")`` fails with a readable diff when the call
went differently from the file; run pytest with ``--vxml-update-golden`` (or set
``VXMLKIT_UPDATE_GOLDEN=1``) to write the files instead.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from .simulator import Call

__all__ = ["assert_transcript", "update_golden"]

#: Set by the pytest plugin's ``--vxml-update-golden`` option.
update_golden = False
#: Relative golden paths are resolved against this folder (the pytest rootdir), else the cwd.
base_folder: Path | None = None


def _updating() -> bool:
    from ..settings import Settings

    return update_golden or bool(Settings()["VXMLKIT_UPDATE_GOLDEN"])


def assert_transcript(call: Call, path: str | os.PathLike[str]) -> None:
    """Compare ``call.transcript`` with the file at ``path`` (or write it when updating)."""
    __tracebackhide__ = True
    target = Path(path)
    if not target.is_absolute():
        target = (base_folder or Path.cwd()) / target
    actual = str(call.transcript)
    if _updating():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(actual, encoding="utf-8")
        return
    if not target.exists():
        raise AssertionError(
            f"no golden transcript at {target}; run pytest with --vxml-update-golden to write it:\n{actual}"
        )
    expected = target.read_text(encoding="utf-8")
    if expected != actual:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=f"{target} (golden)", tofile="this call",
        ))
        raise AssertionError(
            f"the call differs from the golden transcript {target}\n{diff}"
            "(run pytest with --vxml-update-golden if the new transcript is right)"
        )
