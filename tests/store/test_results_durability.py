"""A result is answered 200 only once stored; its ``on_result`` runs at least once even when
the process dies inside it (run again by the next result request or ``vxmlkit results
--retry-hooks``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

from click.testing import CliRunner

from tests.hosts import ROOT
from vxmlkit.app import create_app
from vxmlkit.cli import cli
from vxmlkit.extension import get_kit
from vxmlkit.results import ResultStore, run_pending_hooks
from vxmlkit.store import open_store
from tests.store.hosts_app import Texting

RESULT = {"phone_number": "+12223459789", "message_reference": "ref-1", "call_id": "call-1", "result": "completed",
          "callee_type": "voice", "attempts": "1", "duration": "30"}

DYING = """
import os, sys
from vxmlkit.results import CallResult, ResultStore, record_result
from vxmlkit.store import open_store
from tests.store.hosts_app import Texting

class Dying(Texting):
    name = "texting"

    def on_result(self, result):
        os._exit(9)  # the process dies inside the hook

form = {"message_reference": "ref-1", "call_id": "call-1", "result": "completed", "callee_type": "voice"}
record_result(ResultStore(open_store(sys.argv[1])), Dying, CallResult.from_form("texting", form))
"""


def _die_inside_the_hook(store_url: str) -> None:
    done = subprocess.run([sys.executable, "-c", DYING, store_url], cwd=ROOT, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 9


def _age_the_hooks(store_url: str, seconds: float = 3600) -> None:
    open_store(store_url).write("UPDATE call_results SET hook_started_at = hook_started_at - ?", (seconds,))


def test_a_hook_the_process_died_in_runs_again_once(store_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOSTS_HOOK_LOG", str(tmp_path / "hooks.log"))
    _die_inside_the_hook(store_url)
    results = ResultStore(open_store(store_url))
    assert results.hook_status("ref-1", "call-1") == ("pending", None)
    flows = {"texting": Texting}
    assert run_pending_hooks(results, flows) == 0  # too recent: it may still be running
    _age_the_hooks(store_url)
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def retry() -> None:
        barrier.wait()
        counts.append(run_pending_hooks(ResultStore(open_store(store_url)), flows))

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 0, 0, 1]
    assert results.hook_status("ref-1", "call-1") == ("done", None)
    assert len((tmp_path / "hooks.log").read_text().splitlines()) == 1


def _app(store_url: str, tmp_path, **config):
    return create_app({"TESTING": True, "VXMLKIT_SECRET_KEY": "s", "VXMLKIT_DATABASE_URL": store_url,
                       "VXMLKIT_INSTANCE_PATH": str(tmp_path), **config}, flows=[Texting])


def test_the_next_result_request_runs_an_unfinished_hook(store_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOSTS_HOOK_LOG", str(tmp_path / "hooks.log"))
    _die_inside_the_hook(store_url)
    _age_the_hooks(store_url)
    client = _app(store_url, tmp_path).test_client()
    response = client.post("/vxml/texting/result", data={**RESULT, "call_id": "call-2"})
    assert response.status_code == 200
    lines = sorted(line.split()[1] for line in (tmp_path / "hooks.log").read_text().splitlines())
    assert lines == ["call-1", "call-2"]


def test_results_retry_hooks_runs_unfinished_and_failed_hooks(store_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOSTS_HOOK_LOG", str(tmp_path / "hooks.log"))
    _die_inside_the_hook(store_url)
    results = ResultStore(open_store(store_url))
    _age_the_hooks(store_url)
    results.store.write("UPDATE call_results SET hook_status = 'error', hook_error = 'boom'")
    monkeypatch.setenv("VXMLKIT_DATABASE_URL", store_url)
    monkeypatch.setenv("VXMLKIT_SECRET_KEY", "s")
    monkeypatch.setenv("VXMLKIT_INSTANCE_PATH", str(tmp_path))
    outcome = CliRunner().invoke(cli, ["results", "--retry-hooks", "--app", "tests.store.hosts_app:create_app"])
    assert outcome.exit_code == 0, outcome.output
    assert "1 on_result hook(s) run again" in outcome.output
    assert results.hook_status("ref-1", "call-1") == ("done", None)
    again = CliRunner().invoke(cli, ["results", "--retry-hooks", "--app", "tests.store.hosts_app:create_app"])
    assert "0 on_result hook(s) run again" in again.output


def test_a_result_that_cannot_be_stored_is_answered_503_and_stored_when_sent_again(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOSTS_HOOK_LOG", str(tmp_path / "hooks.log"))
    path = tmp_path / "results.sqlite3"
    app = _app(f"sqlite:///{path}", tmp_path, VXMLKIT_DATABASE_TIMEOUT=0.2)
    client = app.test_client()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock past the wait
    response = client.post("/vxml/texting/result", data=RESULT)
    assert response.status_code == 503
    holder.execute("ROLLBACK")
    holder.close()
    assert get_kit(app).results.list() == []
    assert not (tmp_path / "hooks.log").exists()
    response = client.post("/vxml/texting/result", data=RESULT)  # Plum sends it again
    assert response.status_code == 200
    assert [r.call_id for r in get_kit(app).results.list()] == ["call-1"]
    assert len((tmp_path / "hooks.log").read_text().splitlines()) == 1


def test_a_result_is_answered_503_while_postgresql_is_down(pg_server, postgres, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOSTS_HOOK_LOG", str(tmp_path / "hooks.log"))
    url = postgres.new_store_url()
    app = _app(url, tmp_path, VXMLKIT_DATABASE_TIMEOUT=1)
    client = app.test_client()
    pg_server.stop()
    try:
        assert client.post("/vxml/texting/result", data=RESULT).status_code == 503
    finally:
        pg_server.start()
    for _ in range(50):
        response = client.post("/vxml/texting/result", data=RESULT)
        if response.status_code == 200:
            break
    assert response.status_code == 200
    assert [r.call_id for r in get_kit(app).results.list()] == ["call-1"]
    assert len((tmp_path / "hooks.log").read_text().splitlines()) == 1
    postgres.drop(url)
