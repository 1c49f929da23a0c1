"""A campaign through the emulator at full speed against the example app under gunicorn.

Starts ``gunicorn 'vxmlkit.app:create_app()'`` (SQLite store in a temporary folder, SMS through
the ``plum`` gateway pointed at the emulator, access log kept) and ``vxmlkit emulate`` with a
very fast clock, queues a payment-reminder campaign of N numbers with ``vxmlkit campaign``
(one retry after 60 s), and waits until every result is stored in the app's store. Callees:
70% pay by phone (and get an SMS receipt), 10% answering machines, 10% busy, 10% no answer
(seeded). Prints calls completed per second, start_url requests per second and the time to
drain the campaign.

    python bench/campaign.py [--numbers 1000] [--lines 16] [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from vxmlkit.emulator import Settings, client_settings

RULES = """
default:
  answer: {voice: 70, answeringmachine: 10, busy: 10, noanswer: 10}
  inputs: ["dtmf:1", "dtmf:4111111111111111#"]
"""
LOGIN, PIN = "bench", "24682468"
_START_POST = re.compile(r'"POST /vxml/payment-reminder/start\?')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {seconds:g} s")


def _count(database: Path, sql: str) -> int:
    try:
        with sqlite3.connect(database, timeout=5) as db:
            return int(db.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=16, help="calls the emulator places at once")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    args = parser.parse_args()

    vxmlkit = str(Path(sys.executable).parent / "vxmlkit")
    folder = Path(tempfile.mkdtemp(prefix="vxmlkit-bench-campaign-"))
    emulator_port, app_port = _free_port(), _free_port()
    emulator_url, app_url = f"http://127.0.0.1:{emulator_port}", f"http://127.0.0.1:{app_port}"
    database = folder / "app.sqlite3"
    (folder / "callees.yaml").write_text(RULES)
    numbers = folder / "numbers.csv"
    numbers.write_text("".join(f"1617{index:07d},b-{index},amount=42.10&account=A-{index}\n"
                               for index in range(args.numbers)))
    env = {
        **os.environ,
        "VXMLKIT_SECRET_KEY": "bench-campaign-secret",
        "VXMLKIT_DATABASE_URL": f"sqlite:///{database}",
        "VXMLKIT_PUBLIC_URL": app_url,
        "VXMLKIT_INSTANCE_PATH": str(folder / "instance"),
        **client_settings(emulator_url, Settings(login=LOGIN, pin=PIN)),
        "VXMLKIT_SMS_SENDER": "+16175550000",
        "VXMLKIT_EMULATOR_LOG": "WARNING",
    }
    access_log = folder / "access.log"
    processes = [
        subprocess.Popen([vxmlkit, "emulate", "--port", str(emulator_port), "--speed", "1000000", "--lines",
                          str(args.lines), "--callees", str(folder / "callees.yaml"), "--seed", "1",
                          "--login", LOGIN, "--pin", PIN], env=env, stdout=subprocess.DEVNULL,
                         stderr=open(folder / "emulator.log", "w")),
        subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads",
                          str(args.threads), "--bind", f"127.0.0.1:{app_port}", "--access-logfile", str(access_log),
                          "vxmlkit.app:create_app()"], env=env, cwd=Path(__file__).parents[1],
                         stdout=subprocess.DEVNULL, stderr=open(folder / "gunicorn.log", "w")),
    ]
    try:
        _wait_for(emulator_url + "/?batch=0")
        _wait_for(app_url + "/vxml/payment-reminder/start")
        started = time.monotonic()
        subprocess.run([vxmlkit, "campaign", "payment-reminder", str(numbers), "--name", "bench", "--retries", "1",
                        "--retry-interval", "60"], env=env, check=True, stdout=subprocess.DEVNULL)
        queued = time.monotonic()
        stored = 0
        while time.monotonic() - started < args.timeout:
            stored = _count(database, "SELECT count(*) FROM call_results")
            if stored >= args.numbers:
                break
            time.sleep(0.2)
        drained = time.monotonic()
        with urllib.request.urlopen(emulator_url + "/?format=json", timeout=30) as answer:
            data = json.load(answer)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    calls = data["calls"]
    answered = sum(1 for call in calls if call["result"] == "completed")
    attempts = sum(call["attempts"] for call in calls)
    start_posts = sum(1 for line in access_log.read_text().splitlines() if _START_POST.search(line))
    seconds = drained - queued
    texted = _count(database, "SELECT count(*) FROM sms_messages")
    print(f"campaign of {args.numbers} numbers, emulator lines {args.lines}, gunicorn {args.workers} worker(s) "
          f"x {args.threads} thread(s), files in {folder}")
    print(f"  queued with `vxmlkit campaign` in {queued - started:.2f} s")
    print(f"  results stored: {stored}/{args.numbers} ({answered} completed, {len(calls) - answered} failed), "
          f"{attempts} attempts, {texted} SMS receipts")
    print(f"  time to drain:            {seconds:.1f} s after queueing ({drained - started:.1f} s in all)")
    print(f"  calls completed per s:    {answered / seconds:.1f} (answered calls played to the end)")
    print(f"  settled calls per s:      {len(calls) / seconds:.1f}")
    print(f"  start_url requests per s: {start_posts / seconds:.1f} ({start_posts} start POSTs)")


if __name__ == "__main__":
    main()
