"""Throughput of a start_url: vxmlkit serving the payment reminder against bare Flask.

Starts gunicorn (2 sync workers) twice on loopback: (a) ``vxmlkit.app:create_app()`` answering
Plum's start POST for the payment reminder (session creation in SQLite, the flow's first step,
rendering and the schema check), and (b) a bare Flask app answering a constant VoiceXML string.
The same load hits both, in alternating rounds, in one run; it prints req/s and p99 latency of
each and the ratios. The load comes from wrk when it is installed, else from a Python load
generator (processes x threads, one connection per request, as gunicorn's sync workers close
them).

    python bench/start_url.py [--seconds 5] [--rounds 2] [--concurrency 16]

Goal: vxmlkit at >= 0.6 of bare Flask's throughput with p99 <= 2x.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

CONSTANT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">'
    "<form><block><prompt>Hello.</prompt><disconnect/></block></form></vxml>"
)
SECRET = "bench-secret"
FORM = urllib.parse.urlencode({
    "phone_number": "+16175551234",
    "message_reference": "bench-1",
    "call_id": "c1",
    "call_parameters": "amount=42.10&account=A-1001&due=2026-12-01",
})


def start_path() -> str:
    """The payment reminder's signed start path, as Plum would be given it."""
    from vxmlkit.tokens import StepToken, TokenSigner

    token = TokenSigner(SECRET, max_age=3600, salt="vxmlkit.start").sign(StepToken("payment-reminder", "-", "start"))
    return "/vxml/payment-reminder/start?" + urllib.parse.urlencode({"t": token})


PATH = start_path()


def bare_app():  # used by gunicorn as start_url:bare_app()
    """A Flask app that answers every start POST with one constant document."""
    from flask import Flask, Response

    app = Flask("bare")

    @app.route("/vxml/payment-reminder/start", methods=["GET", "POST"])
    def start() -> Response:
        return Response(CONSTANT, content_type="application/voicexml+xml; charset=utf-8")

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(app_spec: str, env: dict[str, str], chdir: str, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", chdir, "--log-level", "warning", app_spec],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=out,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/vxml/payment-reminder/start")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app_spec} did not start: {log.read_text()}")


def _worker(port: int, seconds: float, threads: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def loop() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop:
            began = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", PATH, body=FORM, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)
            errors += bad

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((latencies, errors))


def python_load(port: int, seconds: float, concurrency: int) -> tuple[float, float, int]:
    processes = 2
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [
        multiprocessing.Process(target=_worker, args=(port, seconds, max(1, concurrency // processes), queue))
        for _ in range(processes)
    ]
    began = time.perf_counter()
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    return len(latencies) / elapsed, p99, errors


def wrk_load(port: int, seconds: float, concurrency: int) -> tuple[float, float, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            'wrk.method = "POST"\n'
            f'wrk.body = "{FORM}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        )
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{int(seconds)}s", "--latency", "-s", script.name,
         f"http://127.0.0.1:{port}{PATH}"],
        capture_output=True, text=True, check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
    p99_text = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("99%"))
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
    unit = next(u for u in ("us", "ms", "s") if p99_text.endswith(u))
    errors = sum(int(x) for line in out.splitlines() if "Non-2xx" in line for x in line.split()[-1:])
    return rps, float(p99_text[: -len(unit)]) * scale[unit], errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measurement round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per server")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    load = wrk_load if shutil.which("wrk") else python_load
    instance = tempfile.mkdtemp(prefix="vxmlkit-bench-")
    # A load test posts the flow's own start URL for calls vxmlkit did not queue.
    env = {"VXMLKIT_INSTANCE_PATH": instance, "VXMLKIT_SECRET_KEY": SECRET, "VXMLKIT_ALLOW_UNQUEUED_CALLS": "*"}
    here = str(Path(__file__).resolve().parent)
    servers = {
        "vxmlkit": start_server("vxmlkit.app:create_app()", env, os.getcwd(), Path(instance) / "vxmlkit.log"),
        "bare flask": start_server("start_url:bare_app()", env, here, Path(instance) / "bare.log"),
    }
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in servers}
    try:
        for name, (_, port) in servers.items():  # warm-up
            load(port, 1.0, args.concurrency)
        for _ in range(args.rounds):
            for name, (_, port) in servers.items():
                results[name].append(load(port, args.seconds, args.concurrency))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        problems = (Path(instance) / "vxmlkit.log").read_text()
        shutil.rmtree(instance, ignore_errors=True)
    if problems.strip():
        print("vxmlkit's log during the run (should be empty):\n" + problems[-2000:])

    print(f"load: {'wrk' if load is wrk_load else 'python'}, concurrency {args.concurrency}, "
          f"{args.rounds} x {args.seconds:.0f}s rounds, gunicorn -w 2")
    summary = {}
    for name, rounds in results.items():
        rps = statistics.mean(r for r, _, _ in rounds)
        p99 = statistics.mean(p for _, p, _ in rounds)
        errors = sum(e for _, _, e in rounds)
        summary[name] = (rps, p99)
        print(f"{name:>10}: {rps:8.0f} req/s   p99 {p99 * 1000:7.2f} ms   errors {errors}")
    (v_rps, v_p99), (b_rps, b_p99) = summary["vxmlkit"], summary["bare flask"]
    print(f"ratio: throughput {v_rps / b_rps:.2f} (goal >= 0.6), p99 {v_p99 / b_p99:.2f}x (goal <= 2)")


if __name__ == "__main__":
    main()
