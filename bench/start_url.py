"""Throughput of a start_url: vxmlkit beside bare Flask and beside the same work written by hand.

Starts gunicorn (2 sync workers) three times on loopback and sends each the payment reminder's
start POST, in alternating rounds, in one run:

- ``bare flask``: a Flask app answering a constant VoiceXML string (the ceiling);
- ``hand-written``: ``bench/handwritten.py``, the same work written by hand in Flask (read the
  form, one INSERT into SQLite, one Jinja template, lxml parse and schema check, verify one
  token and sign two URLs): what a competent user writes instead of using vxmlkit;
- ``vxmlkit``: ``vxmlkit.app:create_app()`` serving the example flows.

For each it prints requests/s, p99 latency and the CPU microseconds per request of the gunicorn
workers, read from /proc (steadier than requests/s on a shared machine, where the load
generator competes for the same cores), then the ratios to bare Flask and to the hand-written
app. The load comes from wrk when it is installed, else from a Python load generator
(processes x threads, one connection per request, as gunicorn's sync workers close them).

    python bench/start_url.py [--seconds 5] [--rounds 2] [--concurrency 16]

Goals: vxmlkit >= 0.6x bare Flask's throughput and >= 1.0x the hand-written app's, p99 <= 2x
bare Flask's.
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


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn workers of ``master``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == master:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


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


def python_load(port: int, seconds: float, concurrency: int) -> tuple[float, float, int, int]:
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
    return len(latencies) / elapsed, p99, errors, len(latencies)


def wrk_load(port: int, seconds: float, concurrency: int) -> tuple[float, float, int, int]:
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
    count = int(next(line.split()[0] for line in out.splitlines() if "requests in" in line))
    return rps, float(p99_text[: -len(unit)]) * scale[unit], errors, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measurement round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per server")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    load = wrk_load if shutil.which("wrk") else python_load
    instance = tempfile.mkdtemp(prefix="vxmlkit-bench-")
    # The bench POSTs start requests that no queued call announced.
    env = {"VXMLKIT_INSTANCE_PATH": instance, "VXMLKIT_SECRET_KEY": SECRET, "VXMLKIT_ALLOW_UNQUEUED_CALLS": "*"}
    here = str(Path(__file__).resolve().parent)
    servers = {
        "bare flask": start_server("start_url:bare_app()", env, here, Path(instance) / "bare.log"),
        "hand-written": start_server("handwritten:create_app()", env, here, Path(instance) / "handwritten.log"),
        "vxmlkit": start_server("vxmlkit.app:create_app()", env, os.getcwd(), Path(instance) / "vxmlkit.log"),
    }
    # Per round: requests/s, p99 seconds, errors, CPU microseconds per request.
    results: dict[str, list[tuple[float, float, int, float]]] = {name: [] for name in servers}
    try:
        for name, (_, port) in servers.items():  # warm-up
            load(port, 1.0, args.concurrency)
        for _ in range(args.rounds):
            for name, (proc, port) in servers.items():
                before = workers_cpu(proc.pid)
                rps, p99, errors, count = load(port, args.seconds, args.concurrency)
                cpu = (workers_cpu(proc.pid) - before) / max(count, 1) * 1e6
                results[name].append((rps, p99, errors, cpu))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        logs = {name: (Path(instance) / f"{name}.log").read_text()
                for name in ("vxmlkit", "handwritten") if (Path(instance) / f"{name}.log").exists()}
        shutil.rmtree(instance, ignore_errors=True)
    for name, text in logs.items():
        if text.strip():
            print(f"{name}'s log during the run (should be empty):\n" + text[-2000:])

    print(f"load: {'wrk' if load is wrk_load else 'python'}, concurrency {args.concurrency}, "
          f"{args.rounds} x {args.seconds:.0f}s rounds, gunicorn -w 2; min-max over the rounds")
    summary = {}
    for name, rounds in results.items():
        rps = [r[0] for r in rounds]
        p99 = [r[1] * 1000 for r in rounds]
        cpu = [r[3] for r in rounds]
        errors = sum(r[2] for r in rounds)
        summary[name] = (statistics.mean(rps), statistics.mean(p99), statistics.mean(cpu))
        print(f"{name:>12}: {min(rps):6.0f}-{max(rps):<6.0f} req/s   p99 {min(p99):6.2f}-{max(p99):<6.2f} ms   "
              f"CPU {min(cpu):5.0f}-{max(cpu):<5.0f} us/request   errors {errors}")
    bare, hand, ours = summary["bare flask"], summary["hand-written"], summary["vxmlkit"]
    print(f"vxmlkit / bare flask:   throughput {ours[0] / bare[0]:.2f}x (goal >= 0.6), p99 {ours[1] / bare[1]:.2f}x "
          f"(goal <= 2), CPU per request {ours[2] / bare[2]:.2f}x")
    print(f"vxmlkit / hand-written: throughput {ours[0] / hand[0]:.2f}x (goal >= 1.0), p99 {ours[1] / hand[1]:.2f}x, "
          f"CPU per request {ours[2] / hand[2]:.2f}x")


if __name__ == "__main__":
    main()
