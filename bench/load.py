"""Full calls over real HTTP against gunicorn, on SQLite and on PostgreSQL.

Each caller is vxmlkit's own VoiceXML interpreter fetching over HTTP, the way a voice browser
does: the signed start POST of the payment reminder, then every continuation URL the documents
name, with the caller's answers (press 1, enter a card number: five documents and one SMS),
then Plum's result POST. Callers run for a bounded time at each concurrency, in two load
processes, against gunicorn (sync workers) on 127.0.0.1; PostgreSQL is a throwaway cluster
started here (fsync on) unless ``--database-url`` names one.

    python bench/load.py [--stores sqlite,postgresql] [--concurrency 8,32,64] [--seconds 60]
    python bench/load.py --stores sqlite --soak 5            # RSS and WAL/db size every 10 s
    python bench/load.py --stores postgresql --fault restart [--down 8]  # PostgreSQL stopped mid-run
    python bench/load.py --stores sqlite --fault kill-worker # a worker SIGKILLed mid-run

Prints calls/s, requests/s, p50/p99 per route, non-200 answers, answers that are not
VoiceXML, how calls ended, and the store's size before and after. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hosts import Host  # noqa: E402
from tests.pgserver import PgServer, new_schema  # noqa: E402

SECRET = "bench-load-secret"
FLOW = "payment-reminder"
PARAMS = "amount=42.10&account=A-1001&due=2026-12-01"
VXML = b"http://www.w3.org/2001/vxml"
#: Processes the callers are spread over (each runs its share as threads).
LOAD_PROCESSES = 2


def route_of(url: str) -> str:
    path = urllib.parse.urlsplit(url).path
    for part in ("/start", "/step/", "/sms/", "/result"):
        if part in path:
            return part.strip("/")
    return "other"


class Measured:
    """Every answer a load process saw: (route, status, seconds, is VoiceXML)."""

    def __init__(self) -> None:
        self.samples: list[tuple[str, int, float, bool, float]] = []
        self.endings: Counter[str] = Counter()
        self.lock = threading.Lock()

    def add(self, route: str, status: int, seconds: float, voicexml: bool) -> None:
        with self.lock:
            self.samples.append((route, status, seconds, voicexml, time.time()))


def _fetcher(measured: Measured) -> Any:
    from vxmlkit.browser import FetchError, FetchResponse

    class MeasuringFetcher:
        """HTTP like the interpreter's own fetcher, timing and checking every answer."""

        def fetch(self, request: Any) -> Any:
            from vxmlkit.browser.fetching import encode_form

            body = None
            headers = {"User-Agent": "vxmlkit-load"}
            if request.method.upper() == "POST":
                body, headers["Content-Type"] = encode_form(request.data or {}, request.enctype)
            http_request = urllib.request.Request(request.url.split("#", 1)[0], data=body, headers=headers,
                                                  method=request.method.upper())
            route = route_of(request.url)
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(http_request, timeout=request.timeout or 15) as answer:
                    status, data, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "")
            except urllib.error.HTTPError as exc:
                status, data, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "")
            except OSError as exc:
                measured.add(route, 0, time.perf_counter() - began, False)
                raise FetchError(f"cannot fetch {request.url}: {exc}", url=request.url) from exc
            measured.add(route, status, time.perf_counter() - began, "voicexml" in kind and VXML in data[:300])
            if status >= 400:
                raise FetchError(f"HTTP {status}", url=request.url, status=status)
            return FetchResponse(url=request.url, status=status, content_type=kind, body=data)

    return MeasuringFetcher()


def _post_result(url: str, n: str, measured: Measured) -> None:
    form = urllib.parse.urlencode({"phone_number": "+16175551234", "message_reference": f"load-{n}",
                                   "call_id": f"call-{n}", "result": "completed", "callee_type": "voice",
                                   "attempts": "1", "duration": "35", "last_attempt_timestamp": str(int(time.time()))})
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=form.encode()), timeout=15) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    measured.add("result", status, time.perf_counter() - began, True)


def load_process(args: tuple[str, str, int, float, int]) -> tuple[list[Any], Counter[str]]:
    """One load process: ``threads`` callers making calls until ``deadline``."""
    start_url, result_url, threads, deadline, seed = args
    from vxmlkit.browser import Browser, Input

    measured = Measured()

    def caller(index: int) -> None:
        browser = Browser(_fetcher(measured))
        made = 0
        while time.time() < deadline:
            made += 1
            n = f"{seed}-{index}-{made}-{time.time_ns()}"
            try:
                session = browser.dial(start_url, method="POST", data={
                    "phone_number": "+16175551234", "message_reference": f"load-{n}", "call_id": f"call-{n}",
                    "call_parameters": PARAMS})
                for keys in ("1", "4111111111111111#"):
                    if session.ended is None and session.waiting is not None:
                        session.send(Input.dtmf(keys))
                if session.ended is None:
                    session.hang_up()
                ending = session.ended or "?"
                if session.error:
                    ending += f" ({session.error})"
                heard = " ".join(session.prompts)
                if ending == "disconnect" and "receipt" not in heard.lower():
                    ending = "disconnect early"
            except Exception as exc:  # noqa: BLE001 - a caller reports, never stops the run
                ending = f"caller error {type(exc).__name__}"
            with measured.lock:
                measured.endings[ending] += 1
            _post_result(result_url, n, measured)

    workers = [threading.Thread(target=caller, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return measured.samples, measured.endings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sizes(store: Any) -> str:
    total = store.size()
    text = f"{total / 1e6:.1f} MB"
    if store.backend == "sqlite":
        text += f" (WAL {store.wal_size() / 1e6:.1f} MB)"
    return text


def _ready_to_load() -> None:
    """Load processes import the interpreter before the clock starts."""
    import vxmlkit.browser  # noqa: F401


def run(label: str, host: Host, store: Any, start_url: str, result_url: str, *, concurrency: int, seconds: float,
        pool: Any, soak: bool = False, fault: str | None = None, pg: PgServer | None = None,
        down: float = 0.0) -> None:
    print(f"\n== {label}: concurrency {concurrency}, {seconds:g} s, gunicorn {host.workers} sync workers", flush=True)
    size_before = sizes(store)
    shares = [concurrency // LOAD_PROCESSES + (1 if i < concurrency % LOAD_PROCESSES else 0)
              for i in range(LOAD_PROCESSES)]
    began = time.time()
    deadline = began + seconds
    pending = pool.map_async(load_process, [(start_url, result_url, n, deadline, i) for i, n in enumerate(shares)])
    next_sample = began
    fault_at = began + seconds / 3
    fault_done = fault is None
    if soak:
        print("  t(s)  worker RSS (MiB each)                db+WAL   WAL", flush=True)
    while not pending.ready():
        now = time.time()
        if soak and now >= next_sample:
            rss = [rss_kib(pid) / 1024 for pid in host.worker_pids()]
            wal = store.wal_size() / 1e6 if store.backend == "sqlite" else 0.0
            print(f"  {now - began:4.0f}  {' '.join(f'{r:5.1f}' for r in rss):36s} {store.size() / 1e6:6.1f} MB "
                  f"{wal:6.1f} MB", flush=True)
            next_sample += 10
        if not fault_done and now >= fault_at:
            fault_done = True
            if fault == "restart" and pg is not None:
                t0 = time.time()
                pg.stop()
                time.sleep(down)
                pg.start()
                print(f"  fault: PostgreSQL stopped at t={t0 - began:.1f} s, serving again {time.time() - t0:.1f} s later",
                      flush=True)
            elif fault == "kill-worker":
                victim = host.worker_pids()[0]
                os.kill(victim, signal.SIGKILL)
                print(f"  fault: worker {victim} killed with SIGKILL at t={now - began:.1f} s", flush=True)
        pending.wait(0.2)
    parts = pending.get()
    elapsed = time.time() - began
    samples = [s for part, _ in parts for s in part]
    endings: Counter[str] = Counter()
    for _, part in parts:
        endings.update(part)
    calls = sum(endings.values())
    by_route: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[tuple[str, int]] = Counter()
    not_vxml: Counter[str] = Counter()
    for route, status, took, voicexml, _at in samples:
        by_route[route].append(took)
        if status != 200:
            statuses[(route, status)] += 1
        if not voicexml and route != "result" and status != 0:
            not_vxml[route] += 1
    print(f"  calls: {calls} in {elapsed:.1f} s = {calls / elapsed:.1f} calls/s; "
          f"requests: {len(samples)} = {len(samples) / elapsed:.1f} req/s")
    print(f"  {'route':8s} {'count':>7s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for route in ("start", "step", "sms", "result", "other"):
        if by_route.get(route):
            times = by_route[route]
            print(f"  {route:8s} {len(times):7d} {percentile(times, .5) * 1000:8.1f} {percentile(times, .99) * 1000:8.1f}")
    print(f"  non-200 answers: {dict(statuses) or 'none'} (status 0: no answer, connection failed)")
    print(f"  answers that are not VoiceXML: {dict(not_vxml) or 'none'}")
    print(f"  calls ended: {dict(endings.most_common())}")
    if fault:
        print("  around the fault (answers per 2 s window: 200 / other status / no answer):")
        windows: dict[int, Counter[str]] = defaultdict(Counter)
        for _route, status, _took, _v, at in samples:
            windows[int((at - began) // 2)]["ok" if status == 200 else ("none" if status == 0 else "other")] += 1
        for window in sorted(windows):
            c = windows[window]
            print(f"    t={window * 2:3d}-{window * 2 + 2:<3d}s  {c['ok']:5d} / {c['other']:4d} / {c['none']:4d}")
    print(f"  store size: before {size_before}, after {sizes(store)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--concurrency", default="8,32,64")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--soak", type=float, default=0.0, metavar="MINUTES",
                        help="one run of this many minutes at the first concurrency, sampling every 10 s")
    parser.add_argument("--fault", choices=("restart", "kill-worker"), default=None)
    parser.add_argument("--down", type=float, default=0.0, metavar="SECONDS",
                        help="with --fault restart: how long PostgreSQL stays down")
    parser.add_argument("--wal-limit", type=int, default=None, metavar="BYTES",
                        help="VXMLKIT_SQLITE_WAL_LIMIT for the server (default: its own, 64 MiB)")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds of warm-up before measuring")
    parser.add_argument("--database-url", default=None, help="an existing PostgreSQL (default: a throwaway one)")
    args = parser.parse_args()
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]

    from vxmlkit.app import create_app
    from vxmlkit.store import open_store
    from vxmlkit.urls import flow_urls

    folder = Path(tempfile.mkdtemp(prefix="vxmlkit-load-"))
    pg: PgServer | None = None
    pool = multiprocessing.get_context("spawn").Pool(LOAD_PROCESSES, initializer=_ready_to_load)
    try:
        for kind in stores:
            if kind == "postgresql":
                if args.database_url:
                    url = new_schema(args.database_url)
                else:
                    pg = pg or PgServer.create(fast=False)
                    if not pg.running():
                        pg.start()
                    url = pg.new_schema_url()
            else:
                url = f"sqlite:///{folder / 'load.sqlite3'}"
            host = Host("vxmlkit.app:create_app()", {
                "VXMLKIT_SECRET_KEY": SECRET, "VXMLKIT_DATABASE_URL": url, "VXMLKIT_INSTANCE_PATH": str(folder),
                "VXMLKIT_DATABASE_POOL_SIZE": "2"}, workers=args.workers, threads=1, log=folder / f"{kind}.log")
            if args.wal_limit:
                host.env["VXMLKIT_SQLITE_WAL_LIMIT"] = str(args.wal_limit)
            host.env["VXMLKIT_PUBLIC_URL"] = host.base_url
            app = create_app({"VXMLKIT_SECRET_KEY": SECRET, "VXMLKIT_DATABASE_URL": url,
                              "VXMLKIT_PUBLIC_URL": host.base_url})
            urls = flow_urls(app, FLOW)
            store = open_store(url)
            store.ping()
            with host:
                # Warm every worker up (templates, the schema, connections) before measuring.
                run(f"{kind} warm-up (not counted)", host, store, urls.start_url, urls.result_url,
                    concurrency=args.workers * 2, seconds=args.warmup, pool=pool)
                if args.soak:
                    run(f"{kind} soak", host, store, urls.start_url, urls.result_url,
                        concurrency=concurrencies[0], seconds=args.soak * 60, soak=True, pool=pool)
                elif args.fault:
                    run(f"{kind} fault {args.fault}", host, store, urls.start_url, urls.result_url,
                        concurrency=concurrencies[0], seconds=args.seconds, fault=args.fault, pg=pg, pool=pool,
                        down=args.down)
                else:
                    for concurrency in concurrencies:
                        run(kind, host, store, urls.start_url, urls.result_url, concurrency=concurrency,
                            seconds=args.seconds, pool=pool)
            store.close()
            print(f"  (server log: {folder / f'{kind}.log'})")
    finally:
        pool.terminate()
        if pg is not None:
            pg.destroy()


if __name__ == "__main__":
    main()
