"""``vxmlkit serve``, ``flows`` and ``render`` on the example flows."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from vxmlkit.cli import cli
from vxmlkit.validation import check_document


def invoke(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_flows_lists_start_paths(tmp_path):
    result = invoke("flows", env={"VXMLKIT_INSTANCE_PATH": str(tmp_path)})
    assert result.exit_code == 0
    assert re.search(r"^payment-reminder\t/vxml/payment-reminder/start\t", result.output, re.M)


def test_render_start_and_a_step(tmp_path):
    env = {"VXMLKIT_INSTANCE_PATH": str(tmp_path)}
    first = invoke("render", "payment-reminder", "--param", "amount=42.10", "--param", "account=A-1", env=env)
    assert first.exit_code == 0
    check_document(first.stdout.encode())
    step = invoke("render", "payment-reminder", "--step", "greet", "--param", "amount=42.10",
                  "--param", "account=A-1", env=env)
    root = etree.fromstring(step.stdout.encode())
    assert "$42.10" in etree.tostring(root, encoding="unicode")
    charge = invoke("render", "payment-reminder", "--step", "charge", "--param", "amount=1", "--param", "account=A",
                    "--input", "card=4111111111111111", env=env)
    assert "submit" in charge.stdout and "/sms/charge" in charge.stdout


def test_render_usage_errors(tmp_path):
    env = {"VXMLKIT_INSTANCE_PATH": str(tmp_path)}
    assert invoke("render", "nope", env=env).exit_code == 2
    assert invoke("render", "payment-reminder", "--step", "nope", env=env).exit_code == 2
    assert invoke("render", "payment-reminder", "--param", "x", env=env).exit_code == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_the_preflight_and_a_signed_start(tmp_path):
    port = _free_port()
    env = {**os.environ, "VXMLKIT_INSTANCE_PATH": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-c", "from vxmlkit.cli import main; main()", "serve",
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                               cwd=tmp_path, text=True)
    try:
        before = [process.stdout.readline() for _ in range(2)]  # which app, and that no message leaves the machine
        banner = before[-1] if "Serving" in before[-1] else process.stdout.readline()
        assert any(line.startswith("vxmlkit: using the example flows") for line in before)
        assert f"at http://127.0.0.1:{port}" in banner
        match = None
        for _ in range(20):
            match = re.search(r"payment-reminder: (http://\S+)", process.stdout.readline())
            if match:
                break
        assert match is not None
        start_url = match.group(1)
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/vxml/payment-reminder/start")
                response = conn.getresponse()
                break
            except OSError:
                assert time.monotonic() < deadline, "vxmlkit serve did not start"
                time.sleep(0.2)
        assert response.status == 200 and response.getheader("Content-Type").startswith("application/voicexml+xml")
        response.read()
        path = start_url.split(f":{port}", 1)[1]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", path, body="phone_number=%2B16175551234&call_parameters=amount%3D5%26account%3DA",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        answer = conn.getresponse()
        body = answer.read()
        assert answer.status == 200 and b"Acme Utilities" in body
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", "/vxml/payment-reminder/start", body="phone_number=1",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert conn.getresponse().status == 403  # serve is production-like: start URLs are signed
        assert Path(tmp_path / "secret_key").is_file()
    finally:
        process.terminate()
        process.wait(10)
