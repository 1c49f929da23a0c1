"""Simulated calls per second through the whole stack, on one core.

Each call dials the payment reminder with the simulator (the blueprint, the SQLite store,
rendering, the schema check of every document, and the VoiceXML interpreter), presses 1, enters
a card number and hears the SMS receipt step: five documents and one SMS per call.

    python bench/simulate.py [--calls 500]

Goal: >= 200 full calls per second on one core.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    from vxmlkit.app import create_app
    from vxmlkit.testing import Simulator

    folder = tempfile.mkdtemp(prefix="vxmlkit-bench-")
    app = create_app({"VXMLKIT_SECRET_KEY": "bench", "VXMLKIT_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                      "VXMLKIT_STRICT_DOCUMENTS": True})
    simulator = Simulator(app)

    def one_call() -> None:
        call = simulator.dial("payment-reminder", phone_number="+16175551234",
                              call_parameters="amount=42.10&account=A-1001&due=2026-12-01")
        call.press("1").press("4111111111111111#")
        if call.ended != "disconnect" or len(call.documents) != 5:
            raise SystemExit(f"the benchmark call went wrong:\n{call.transcript}")

    for _ in range(args.warmup):
        one_call()
    simulator.outbox.clear()
    durations = []
    began, cpu_began = time.perf_counter(), time.process_time()
    for _ in range(args.calls):
        start = time.perf_counter()
        one_call()
        durations.append(time.perf_counter() - start)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    print(f"{args.calls} full calls (5 documents, 1 SMS each) in {elapsed:.2f} s")
    print(f"calls per second: {args.calls / elapsed:.0f} (goal >= 200); per CPU second: {args.calls / cpu:.0f}"
          f" ({cpu / args.calls * 1000:.2f} ms of CPU per call: steadier on a shared machine)")
    print(f"median per call: {statistics.median(durations) * 1000:.2f} ms, "
          f"p95: {sorted(durations)[int(len(durations) * 0.95) - 1] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
