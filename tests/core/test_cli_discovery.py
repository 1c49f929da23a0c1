"""The commands find the app as Flask does, from the project's folder, and leave nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from vxmlkit.cli import cli

VXMLKIT = Path(sys.executable).with_name("vxmlkit")

PROJECT_APP = '''
from flask import Flask
from vxmlkit import CallParams, Flow, VxmlKit, ask, boolean, hangup, say, spell, step


class Window(Flow):
    """Books a delivery window."""

    name = "window"

    class Params(CallParams):
        order: str

    @step(start=True)
    def start(self, call):
        return ask("ok", boolean(), "Is tomorrow fine?", then=self.booked)

    @step
    def booked(self, call, ok=False):
        if call.state.get("boom"):
            raise RuntimeError("the depot is closed")
        return [say("Booked." if ok else "Not booked.", "Order", spell(call.params.order), call.state.get("note", "-")),
                hangup()]


def create_app():
    app = Flask(__name__)
    app.config["VXMLKIT_SECRET_KEY"] = "project-secret"
    VxmlKit(app, flows=[Window])
    return app
'''


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("VXMLKIT_") and k not in ("FLASK_APP", "PYTHONPATH")}
    clean["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([str(VXMLKIT), *args], cwd=cwd, env={**clean, **env}, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "myivr.py").write_text(PROJECT_APP)
    return tmp_path


def test_app_is_found_in_the_current_folder(project: Path) -> None:
    given = run(project, "flows", "--app", "myivr:create_app")
    assert given.returncode == 0, given.stderr
    assert given.stdout.startswith("window\t/vxml/window/start\tBooks a delivery window.")
    assert "vxmlkit: using" not in given.stderr  # --app named it: nothing to say
    from_env = run(project, "flows", VXMLKIT_APP="myivr:create_app")
    assert from_env.stdout == given.stdout
    assert "vxmlkit: using app myivr:create_app (from VXMLKIT_APP)\n" in from_env.stderr
    flask_style = run(project, "flows", FLASK_APP="myivr")
    assert flask_style.stdout == given.stdout
    assert "(from FLASK_APP)" in flask_style.stderr
    by_path = run(project.parent, "flows", "--app", f"{project.name}/myivr.py")
    assert by_path.stdout == given.stdout


def test_without_an_app_the_command_says_which_it_used(tmp_path: Path) -> None:
    result = run(tmp_path, "flows")
    assert result.returncode == 0
    assert "payment-reminder" in result.stdout
    assert ("vxmlkit: using the example flows (vxmlkit.app:create_app): "
            "no --app, VXMLKIT_APP or FLASK_APP given\n") in result.stderr


def test_an_app_that_cannot_be_found_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, "flows", "--app", "nothere:create_app")
    assert result.returncode == 2
    assert "cannot import 'nothere'" in result.stderr


def test_every_command_that_reads_an_app_takes_app() -> None:
    context = click.Context(cli)
    names = ["flows", "render", "simulate", "explore", "diagram", "outbox", "results", "serve", "call", "campaign",
             "purge"]
    commands = {name: cli.get_command(context, name) for name in names}
    commands["sms send"] = cli.get_command(context, "sms").commands["send"]  # type: ignore[union-attr]
    for name in ("status", "upgrade"):
        commands[f"db {name}"] = cli.get_command(context, "db").commands[name]  # type: ignore[union-attr]
    for name, command in commands.items():
        assert any(isinstance(p, click.Option) and "--app" in p.opts for p in command.params), name


def test_flows_render_simulate_leave_nothing_behind(tmp_path: Path, project: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(empty, "flows").returncode == 0
    assert run(empty, "render", "payment-reminder", "--param", "amount=4", "--param", "account=A").returncode == 0
    simulated = run(empty, "simulate", "payment-reminder", "--param", "amount=4", "--param", "account=A",
                    "--input", "dtmf:1")
    assert simulated.returncode == 0, simulated.stderr
    assert sorted(os.listdir(empty)) == []
    for args in (["flows"], ["render", "window", "--param", "order=A7"],
                 ["simulate", "window", "--param", "order=A7", "--input", "dtmf:1"],
                 ["explore", "window", "--param", "order=A7"]):
        result = run(project, *args, "--app", "myivr:create_app")
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert sorted(os.listdir(project)) == ["empty", "myivr.py"]  # project is tmp_path


def test_outbox_and_results_do_not_create_a_store(tmp_path: Path, project: Path) -> None:
    for command in ("outbox", "results"):
        result = run(project, command, "--app", "myivr:create_app")
        assert result.returncode == 1
        assert f"no store at {project / 'instance' / 'vxmlkit.sqlite3'}" in result.stderr
    assert sorted(os.listdir(project)) == ["myivr.py"]


def test_simulate_stores_in_the_app_store_only_when_asked(project: Path) -> None:
    store = project / "kept.sqlite3"
    result = run(project, "simulate", "window", "--app", "myivr:create_app", "--param", "order=A7",
                 "--input", "dtmf:1", "--store", f"sqlite:///{store}")
    assert result.returncode == 0, result.stderr
    assert store.is_file()
    listed = run(project, "outbox", "--app", "myivr:create_app", VXMLKIT_DATABASE_URL=f"sqlite:///{store}")
    assert listed.returncode == 0 and listed.stdout == "no messages\n"


def test_render_state_and_exit_status(project: Path) -> None:
    app = ("--app", "myivr:create_app")
    result = run(project, "render", "window", *app, "--step", "booked", "--param", "order=A7",
                 "--input", "ok=true", "--state", "note=thanks")
    assert result.returncode == 0, result.stderr
    assert "Booked. Order" in result.stdout and "thanks" in result.stdout
    as_json = run(project, "render", "window", *app, "--step", "booked", "--param", "order=A7",
                  "--state", '{"note": "from json"}')
    assert "Not booked. Order" in as_json.stdout and "from json" in as_json.stdout
    raised = run(project, "render", "window", *app, "--step", "booked", "--param", "order=A7", "--state", "boom=true")
    assert raised.returncode == 1
    assert "step window.booked raised RuntimeError: the depot is closed" in raised.stderr
    refused = run(project, "render", "window", *app)
    assert refused.returncode == 1
    assert "the call was refused: call parameter 'order': is required and missing" in refused.stderr


def test_simulate_exit_status_and_refusal(project: Path) -> None:
    app = ("--app", "myivr:create_app")
    good = run(project, "simulate", "window", *app, "--param", "order=A7", "--input", "dtmf:1")
    assert good.returncode == 0 and "heard: Booked. Order A7" in good.stdout
    refused = run(project, "simulate", "window", *app)
    assert refused.returncode == 1
    assert "the call was refused: call parameter 'order': is required and missing" in refused.stderr
    assert "a step raised" not in refused.stderr
