"""What the Prometheus metrics cost on the request path, measured in-process.

Each mode runs in its own process (prometheus_client picks its multiprocess mode when it is
imported): the payment reminder's start POST and its next step are answered through the WSGI
app directly, without a socket, and the CPU time per request is read from
``time.process_time``. Modes: ``off`` (no ``VXMLKIT_METRICS_PATH``), ``on`` (metrics kept in
process memory) and ``multiprocess`` (``PROMETHEUS_MULTIPROC_DIR`` set, as under gunicorn with
several workers: every update writes to a memory-mapped file). It also times the bare
prometheus_client operations a request makes.

    python bench/metrics.py [--requests 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = ("off", "on", "multiprocess")


def measure(requests: int) -> dict[str, float]:
    """µs of CPU per start and per step request, and per metric operation, in this process."""
    from werkzeug.test import Client

    from vxmlkit.app import create_app
    from vxmlkit.extension import get_kit
    from vxmlkit.tokens import StepToken

    folder = Path(tempfile.mkdtemp(prefix="vxmlkit-bench-metrics-"))
    config = {"VXMLKIT_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "VXMLKIT_SECRET_KEY": "bench"}
    if os.environ.get("BENCH_METRICS"):
        config["VXMLKIT_METRICS_PATH"] = "/metrics"
    app = create_app(config)
    kit = get_kit(app)
    client = Client(app)
    path = f"/vxml/payment-reminder/start?t={kit.start_signer.sign(StepToken('payment-reminder', '-', 'start'))}"
    form = {"phone_number": "+16175551234", "message_reference": "m", "call_id": "c",
            "call_parameters": "amount=42.10&account=A-1001&due=2026-12-01"}
    for _ in range(50):  # warm up: templates compiled, connections open
        client.post(path, data=form)
    started = time.process_time()
    for _ in range(requests):
        client.post(path, data=form)
    start_us = (time.process_time() - started) / requests * 1e6
    figures = {"start_us": start_us}
    if kit.metrics.enabled:
        # The calls a request makes, as the request path makes them.
        metrics = kit.metrics
        started = time.process_time()
        for _ in range(requests * 10):
            metrics.call_started("payment-reminder")
        figures["counter_inc_us"] = (time.process_time() - started) / (requests * 10) * 1e6
        started = time.process_time()
        for _ in range(requests * 10):
            metrics.observe("start", 0.0004)
        figures["histogram_observe_us"] = (time.process_time() - started) / (requests * 10) * 1e6
    return figures


def run_mode(mode: str, requests: int) -> dict[str, float]:
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env.pop("BENCH_METRICS", None)
    with tempfile.TemporaryDirectory(prefix="vxmlkit-prometheus-") as folder:
        if mode != "off":
            env["BENCH_METRICS"] = "1"
        if mode == "multiprocess":
            env["PROMETHEUS_MULTIPROC_DIR"] = folder
        out = subprocess.run([sys.executable, __file__, "--child", str(requests)], env=env, check=True,
                             capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for _ in range(args.rounds):  # alternate the modes so that a busy moment hits them all
        for mode in MODES:
            results[mode].append(run_mode(mode, args.requests))
    print(f"{args.requests} start requests per run, {args.rounds} runs per mode (median, min-max), µs of CPU")
    base = statistics.median(r["start_us"] for r in results["off"])
    for mode in MODES:
        runs = [r["start_us"] for r in results[mode]]
        line = f"  {mode:13s} start request {statistics.median(runs):7.1f} ({min(runs):.1f}-{max(runs):.1f})"
        line += f"  {statistics.median(runs) - base:+6.1f} vs off"
        if "counter_inc_us" in results[mode][0]:
            inc = statistics.median(r["counter_inc_us"] for r in results[mode])
            observe = statistics.median(r["histogram_observe_us"] for r in results[mode])
            line += f"   counter inc {inc:.2f}, histogram observe {observe:.2f}"
        print(line)


if __name__ == "__main__":
    main()
