"""Write latency of SQLite under contention: vxmlkit's short retries against SQLite's busy handler.

Several processes update call sessions in one SQLite file at once (the write of a step), first
through vxmlkit's store (a writer that finds the lock taken retries after 20 us, growing to at
most 2 ms), then through plain sqlite3 connections with the same settings but SQLite's own busy
handler (``busy_timeout``, whose first wait is 1 ms). Prints writes/s and p50/p99/max latency
of each.

    python bench/sqlite_locks.py [--processes 4] [--writes 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import tempfile
import time
from pathlib import Path


def _writer(args: tuple[str, str, int, int, float]) -> list[float]:
    how, path, index, writes, start_at = args
    from vxmlkit.store import SessionStore, open_store

    if how == "vxmlkit":
        sessions = SessionStore(open_store(f"sqlite:///{path}"))
        session = sessions.get(f"s{index}")
        assert session is not None

        def write(n: int) -> None:
            session.state["n"] = n
            sessions.save(session)
    else:
        conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints in the background, as vxmlkit does

        def write(n: int) -> None:
            conn.execute("UPDATE call_sessions SET state = ?, updated_at = ? WHERE id = ?",
                         (f'{{"n": {n}}}', time.time(), f"s{index}"))

    while time.time() < start_at:
        time.sleep(0.001)
    took = []
    for n in range(writes):
        began = time.perf_counter()
        write(n)
        took.append(time.perf_counter() - began)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--writes", type=int, default=2000, help="writes per process")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from vxmlkit.store import SessionStore, open_store

    folder = Path(tempfile.mkdtemp(prefix="vxmlkit-locks-"))
    # Rounds alternate, so that a busy machine weighs on both alike.
    for round_ in range(args.rounds):
        for how in ("vxmlkit", "busy_timeout"):
            path = folder / f"{how}-{round_}.sqlite3"
            sessions = SessionStore(open_store(f"sqlite:///{path}"))
            for index in range(args.processes):
                session = sessions.new(flow="f", phone_number="+1", message_reference="m", call_id="c",
                                       call_parameters="")
                session.id = f"s{index}"
                sessions.insert(session)
            start_at = time.time() + 2.0
            with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
                parts = pool.map(_writer, [(how, str(path), i, args.writes, start_at) for i in range(args.processes)])
            elapsed = time.time() - start_at
            took = sorted(t for part in parts for t in part)
            p = lambda q: took[min(len(took) - 1, int(len(took) * q))] * 1e6  # noqa: E731
            print(f"round {round_ + 1} {how:13s} {len(took)} writes from {args.processes} processes: "
                  f"{len(took) / elapsed:6.0f} writes/s; p50 {p(.5):5.0f} us, p99 {p(.99):6.0f} us, "
                  f"max {took[-1] * 1e6:7.0f} us", flush=True)

if __name__ == "__main__":
    main()
