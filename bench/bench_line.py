"""LINE webhook figures: acknowledgement latency under 50 concurrent signed deliveries, and every reply exactly once.

The bot runs as in production (`python -m bot run`, its own process) with LINE_API_BASE_URL pointing at the
stand-in of the Messaging API (tests/support/line_standin.py) in this process. wrk (C, its own process, so the load
generator does not compete with the stand-in for a Python interpreter) keeps 50 connections busy delivering
signed webhook bodies, one text event each, from a fixed Japanese corpus; a tenth of the events are delivered
a second time as LINE redelivers them (same webhookEventId, isRedelivery true), racing or following the first.
Counted: the time to the webhook's 200 (wrk's latency), replies lost (an event never answered) and duplicated
(a reply token used twice, or any push).

Options through the environment: BENCH_LINE_DELIVERIES (default 1000), BENCH_LINE_CONCURRENCY (50),
BENCH_LINE_USERS (200), BENCH_LINE_DATABASE_URL (a fresh SQLite file by default).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.bench_engine import free_port
from bench.corpus import ROOT, questions
from tests.support import line_standin as line

WEBHOOK = "/webhooks/line/webhook"
REDELIVERED_SHARE = 0.1
REPLY_WAIT_S = 600  # longest wait for the last reply after the last delivery


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def start_bot(tmp: Path, port: int, api_url: str, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_DATABASE_URL": database_url,
        "LINE_CHANNEL_SECRET": line.CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": line.ACCESS_TOKEN,
        "LINE_API_BASE_URL": api_url,
    }
    subprocess.run([sys.executable, "-m", "bot", "setup"], cwd=ROOT, env=env, check=True, capture_output=True)
    # the child keeps its own copy of the log's descriptor; the parent's is closed here
    with open(tmp / "bot.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    started = time.perf_counter()
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.05)
        if proc.poll() is not None or time.perf_counter() - started > 120:
            raise RuntimeError(f"the bot did not start; see {tmp / 'bot.log'}")


def plan(deliveries: int, users: int) -> list[dict]:
    """The events in sending order: originals, with each redelivered copy some way after its original."""
    texts = questions()
    user_ids = [line.user_id() for _ in range(users)]
    originals = [
        line.text_event(user_ids[i % users], texts[(i * 7) % len(texts)])
        for i in range(int(deliveries / (1 + REDELIVERED_SHARE)))
    ]
    events = list(originals)
    every = round(1 / REDELIVERED_SHARE)
    for n, event in enumerate(originals[::every]):
        events.insert(min(len(events), n * (every + 1) + 25), line.redelivered(event))
    return events


def deliver_all(port: int, events: list[dict], concurrency: int, tmp: Path) -> dict:
    """Deliver every event once through wrk; its acknowledgement latency figures and errors."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk).")
    path = tmp / "deliveries.tsv"
    with open(path, "w", encoding="utf-8") as fh:
        for event in events:
            body = line.body_of(event)
            fh.write(line.sign(body) + "\t" + body.decode("utf-8") + "\n")
    threads = 2
    # wrk runs for its whole duration even after every delivery is out; 15 s bounds a round.
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(concurrency),
            "-d",
            "15s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "line_load.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env={**os.environ, "DELIVERIES": str(path), "THREADS": str(threads)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    figures = {
        f"ack_p{p}_ms": round(ms(*re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()), 1)
        for p in ("50", "90", "99")
    }
    figures["ack_max_ms"] = round(ms(*re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", out).groups()), 1)
    figures["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["errors"] = (int(non_2xx.group(1)) if non_2xx else 0) + sum(
        int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)
    )
    return figures


def run_round(port: int, api: line.LineStandIn, deliveries: int, users: int, concurrency: int, tmp: Path) -> dict:
    """One load of deliveries, then wait for every reply and count."""
    api.calls.clear()
    events = plan(deliveries, users)
    originals = {e["replyToken"] for e in events}
    started = time.monotonic()
    acks = deliver_all(port, events, concurrency, tmp)
    with contextlib.suppress(AssertionError):  # a reply still missing is counted below as lost
        api.wait_for(lambda a: {c.body["replyToken"] for c in a.replies} >= originals, REPLY_WAIT_S)
    drained_s = time.monotonic() - started
    time.sleep(1.0)  # let any duplicate arrive before counting
    per_token = Counter(c.body["replyToken"] for c in api.replies)
    return {
        "deliveries": len(events),
        "redelivered": len(events) - len(originals),
        **acks,
        "all_replied_s": round(drained_s, 1),
        "loading": len(api.loadings),
        "lost": len(originals - set(per_token)),
        # a reply token used twice, a refused second reply, or any push at all
        "duplicated": (
            sum(n - 1 for n in per_token.values()) + len(api.recorded("/v2/bot/message/reply", 400)) + len(api.pushes)
        ),
    }


def main() -> dict:
    deliveries = env_int("BENCH_LINE_DELIVERIES", 1000)
    concurrency = env_int("BENCH_LINE_CONCURRENCY", 50)
    users = env_int("BENCH_LINE_USERS", 200)
    rounds = env_int("BENCH_LINE_ROUNDS", 3)
    tmp = Path(tempfile.mkdtemp(prefix="bench-line-"))
    database_url = os.environ.get("BENCH_LINE_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"database: {database_url.split(':', 1)[0]}; {concurrency} concurrent clients; "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )
    results = []
    try:
        with line.LineStandIn() as api:
            port = free_port()
            proc = start_bot(tmp, port, api.url, database_url)
            try:
                texts = questions()  # warm every lazy cache (NLU, FAQ and garbage indexes) before measuring
                warm = [line.text_event(line.user_id(), q) for q in texts[:: max(1, len(texts) // 60)]]
                deliver_all(port, warm, 4, tmp)
                api.wait_for(lambda a: len(a.replies) >= len(warm), timeout=120)
                for n in range(rounds):
                    results.append(run_round(port, api, deliveries, users, concurrency, tmp))
                    print(f"round {n + 1}: " + ", ".join(f"{k} {v}" for k, v in results[-1].items()))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    p99s = sorted(r["ack_p99_ms"] for r in results)
    figures = {
        "ack_p99_ms_median_round": p99s[len(p99s) // 2],
        "ack_p99_ms_worst_round": p99s[-1],
        "ack_p50_ms_median_round": sorted(r["ack_p50_ms"] for r in results)[len(results) // 2],
        "deliveries": sum(r["deliveries"] for r in results),
        "lost_replies": sum(r["lost"] for r in results),
        "duplicated_replies": sum(r["duplicated"] for r in results),
        "errors": sum(r["errors"] for r in results),
    }
    for key, value in figures.items():
        print(f"{key:26s} {value}")
    return figures


if __name__ == "__main__":
    main()
