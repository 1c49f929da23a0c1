"""The README's command examples run as written, from a folder holding the README's own app.

Each ``vxmlkit`` line of the README's command blocks runs in order in a fresh folder whose
``myapp.py`` is made of the README's "Write a flow" and "Mount it in an app" snippets, the way a
newcomer would follow the tour. Lines that need a network, a running server or Plum are listed
in NEEDS_MORE, so that a new example is run unless it is added there on purpose.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.docs.test_docs_snippets import snippets

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent

#: Examples that need more than a folder: a long-running server, Plum, the network, the W3C suite.
NEEDS_MORE = (
    "vxmlkit serve ",
    "vxmlkit call ",
    "vxmlkit campaign ",
    "vxmlkit run https://",
    'vxmlkit run "https://',
    "vxmlkit explore https://",
    "vxmlkit conformance ",
    "vxmlkit emulate ",
)


def _commands() -> list[str]:
    lines = []
    for lang, body in snippets(README):
        if lang:
            continue
        for line in body.replace("\\\n", " ").splitlines():  # a line continued with a backslash is one command
            command = re.sub(r"\s+#\s.*$", "", line).strip()
            if re.match(r"^(\w+=\S+ )*vxmlkit ", command):
                lines.append(command)
    return lines


def _project(folder: Path) -> None:
    python = [body for lang, body in snippets(README) if lang == "python"]
    flow = next(body for body in python if "class PaymentReminder(Flow)" in body)
    mount = next(body for body in python if "def create_app" in body)
    (folder / "myapp.py").write_text(flow + "\n\n" + mount)


def test_every_command_example_runs(tmp_path: Path) -> None:
    _project(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VXMLKIT_") and k != "FLASK_APP"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    commands = _commands()
    ran = [command for command in commands if not any(skip in command + " " for skip in NEEDS_MORE)]
    assert all(any(skip in command + " " for command in commands) for skip in NEEDS_MORE)  # no stale entry
    assert len(ran) >= 10
    for command in ran:
        result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=120)
        assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"


def test_every_setting_is_in_the_readme_or_the_docs() -> None:
    package = README.parent / "vxmlkit"
    used = {name for path in package.rglob("*.py")
            for name in re.findall(r"\bVXMLKIT_[A-Z0-9]+(?:_[A-Z0-9]+)*\b", path.read_text())}
    documented = README.read_text() + "".join(path.read_text() for path in (README.parent / "docs").glob("*.md"))
    missing = sorted(name for name in used if not name.endswith("_") and name not in documented)
    assert missing == []
