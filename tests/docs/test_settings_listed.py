"""The README lists every setting the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_in_the_code_is_in_the_readme():
    named = set()
    for source in (ROOT / "vxmlkit").rglob("*.py"):
        named.update(re.findall(r"\bVXMLKIT_[A-Z][A-Z0-9_]*[A-Z0-9]\b", source.read_text()))
    listed = set(re.findall(r"`(VXMLKIT_[A-Z0-9_]+)`", (ROOT / "README.md").read_text()))
    assert named, "no setting found in the code"
    assert sorted(named - listed) == []
