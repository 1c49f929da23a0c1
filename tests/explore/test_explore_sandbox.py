"""Exploring a served app's flow leaves its store and its SMS gateway alone."""

from __future__ import annotations

from vxmlkit.app import create_app
from vxmlkit.explore import explore_flow
from vxmlkit.extension import get_kit
from vxmlkit.sms import list_messages


def test_exploring_writes_nothing_into_the_apps_store(tmp_path):
    app = create_app({"VXMLKIT_SECRET_KEY": "s", "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}"})
    kit = get_kit(app)
    gateway = kit.sms_gateway
    graph = explore_flow(app, "payment-reminder")
    assert graph.complete and graph.paths > 10
    # Dozens of calls, each sending a receipt on its SMS branch: none of it reached the app.
    assert kit.sessions.recent(limit=5) == []
    assert list_messages(kit.store) == []
    assert kit.sms_gateway is gateway
