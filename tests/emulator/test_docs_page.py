"""docs/emulator.md stays true: its rules file and numbers file are read as the page says."""

from __future__ import annotations

import re
from pathlib import Path

from vxmlkit.emulator import parse_rules
from vxmlkit.plum import parse_campaign_csv

PAGE = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def test_the_pages_rules_and_numbers_are_what_it_describes() -> None:
    blocks = FENCE.findall(PAGE.read_text())
    rules = parse_rules(next(body for lang, body in blocks if lang == "yaml"), kind="yaml", seed=1)
    assert rules.behaviour("16175550101", 1).callee_type == "voice"
    assert [rules.behaviour("16175550102", n).callee_type for n in (1, 2, 3)] == ["busy", "busy", "voice"]
    assert rules.behaviour("16175550103", 1).callee_type == "answeringmachine"
    assert rules.behaviour("16175550201", 1).callee_type in ("voice", "noanswer")
    assert rules.behaviour("16175559999", 1).callee_type == "noanswer"
    numbers = next(body for lang, body in blocks if lang == "" and body.startswith("1617"))
    parsed = parse_campaign_csv(numbers.splitlines())
    assert not parsed.bad_rows and len(parsed.calls) == 4
    assert "[docs/emulator.md](docs/emulator.md)" in (PAGE.parents[1] / "README.md").read_text()
