"""``vxmlkit flows --urls``: each flow's signed, absolute start and result URLs, ready for Plum."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from click.testing import CliRunner

from vxmlkit.app import create_app
from vxmlkit.cli import cli


def test_flows_urls_prints_signed_urls_the_app_accepts(tmp_path) -> None:
    env = {"VXMLKIT_SECRET_KEY": "production-secret", "VXMLKIT_PUBLIC_URL": "https://ivr.example.com/",
           "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"), "VXMLKIT_ALLOW_UNQUEUED_CALLS": "payment-reminder"}
    result = CliRunner().invoke(cli, ["flows", "--urls"], env=env)
    assert result.exit_code == 0, result.output
    starts = dict(re.findall(r"^(\S+)\n  start_url:  (\S+)$", result.stdout, re.M))
    results = re.findall(r"^  result_url: (\S+)$", result.stdout, re.M)
    assert "payment-reminder" in starts and len(results) == len(starts)
    start = starts["payment-reminder"]
    assert start.startswith("https://ivr.example.com/vxml/payment-reminder/start?t=")
    assert not (tmp_path / "instance").exists()
    # The server, with the same secret and the token required, accepts exactly these URLs.
    assert "survey starts only the calls vxmlkit queues" in result.stderr
    assert "payment-reminder starts only" not in result.stderr
    app = create_app({"VXMLKIT_SECRET_KEY": "production-secret", "VXMLKIT_REQUIRE_START_TOKEN": True,
                      "VXMLKIT_ALLOW_UNQUEUED_CALLS": "payment-reminder",
                      "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite3'}"})
    client = app.test_client()
    form = {"phone_number": "+16175551234", "call_parameters": "amount=1&account=A", "call_id": "c1"}
    parts = urlsplit(start)
    assert client.post(f"{parts.path}?{parts.query}", data=form).status_code == 200
    assert client.post(parts.path, data=form).status_code == 403
    result_parts = urlsplit(next(url for url in results if "/payment-reminder/" in url))
    assert client.post(f"{result_parts.path}?{result_parts.query}", data={"call_id": "c1"}).status_code == 200


def test_flows_urls_needs_the_public_url(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["flows", "--urls"], env={"VXMLKIT_PUBLIC_URL": None,
                                                               "VXMLKIT_INSTANCE_PATH": str(tmp_path)})
    assert result.exit_code == 2
    assert "--urls needs VXMLKIT_PUBLIC_URL" in result.output
