"""LINE webhook figures: acknowledgement latency under 50 concurrent signed deliveries, and every reply exactly once.

The bot runs as in production (`python -m bot run`, its own process) with LINE_API_BASE_URL pointing at the
stand-in of the Messaging API (tests/line_standin.py) in this process. Fifty client threads deliver signed
webhook bodies, one text event each, from a fixed Japanese corpus; a tenth of the events are delivered a
second time as LINE redelivers them (same webhookEventId, isRedelivery true), racing or following the first.
Counted: the time to the webhook's 200, the time to the reply at the stand-in, replies lost (an event never
answered) and duplicated (a reply token used twice, or any push).

Options through the environment: BENCH_LINE_DELIVERIES (default 1000), BENCH_LINE_CONCURRENCY (50),
BENCH_LINE_USERS (200), BENCH_LINE_DATABASE_URL (a fresh SQLite file by default).
"""
from __future__ import annotations

import http.client
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.corpus import ROOT, percentile, questions
from bench.bench_engine import free_port
from tests import line_standin as line

WEBHOOK = "/webhooks/line/webhook"
REDELIVERED_SHARE = 0.1
REPLY_WAIT_S = 600  # longest wait for the last reply after the last delivery


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def start_bot(tmp: Path, port: int, api_url: str, database_url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_DATABASE_URL": database_url,
           "LINE_CHANNEL_SECRET": line.CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": line.ACCESS_TOKEN,
           "LINE_API_BASE_URL": api_url}
    subprocess.run([sys.executable, "-m", "bot", "setup"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(tmp / "bot.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--port", str(port), "--threads", "8"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
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
    originals = [line.text_event(user_ids[i % users], texts[(i * 7) % len(texts)])
                 for i in range(int(deliveries / (1 + REDELIVERED_SHARE)))]
    events = list(originals)
    every = round(1 / REDELIVERED_SHARE)
    for n, event in enumerate(originals[::every]):
        events.insert(min(len(events), n * (every + 1) + 25), line.redelivered(event))
    return events


def deliver_all(port: int, events: list[dict], concurrency: int) -> tuple[list[float], dict[str, float], list]:
    """Send every event from `concurrency` threads; ack latencies (ms), send time per reply token, errors."""
    latencies: list[float] = []
    sent_at: dict[str, float] = {}
    errors: list = []
    lock = threading.Lock()
    queue = iter(events)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                event = next(queue, None)
            if event is None:
                return
            body = line.body_of(event)
            headers = {"Content-Type": "application/json; charset=utf-8", "X-Line-Signature": line.sign(body)}
            started = time.monotonic()
            try:
                conn.request("POST", WEBHOOK, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except OSError as exc:
                errors.append(repr(exc))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            elapsed = time.monotonic() - started
            with lock:
                latencies.append(elapsed * 1000)
                sent_at.setdefault(event["replyToken"], started)
            if response.status != 200:
                errors.append(response.status)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, sent_at, errors


def run_round(port: int, api: line.LineStandIn, deliveries: int, users: int, concurrency: int) -> dict:
    """One load of deliveries, then wait for every reply and count."""
    api.calls.clear()
    events = plan(deliveries, users)
    originals = {e["replyToken"] for e in events}
    started = time.monotonic()
    latencies, sent_at, errors = deliver_all(port, events, concurrency)
    sending_s = time.monotonic() - started
    try:
        api.wait_for(lambda a: {c.body["replyToken"] for c in a.replies} >= originals, REPLY_WAIT_S)
    except AssertionError:
        pass  # counted below as lost
    drained_s = time.monotonic() - started
    time.sleep(1.0)  # let any duplicate arrive before counting
    replies = api.replies
    per_token = Counter(c.body["replyToken"] for c in replies)
    to_reply = [(c.at - sent_at[c.body["replyToken"]]) * 1000 for c in replies if c.body["replyToken"] in sent_at]
    return {
        "deliveries": len(events),
        "redelivered": len(events) - len(originals),
        "ack_p50_ms": round(percentile(latencies, 50), 1),
        "ack_p95_ms": round(percentile(latencies, 95), 1),
        "ack_p99_ms": round(percentile(latencies, 99), 1),
        "ack_max_ms": round(max(latencies), 1),
        "acks_per_s": round(len(latencies) / sending_s, 1),
        "reply_p50_ms": round(percentile(to_reply, 50), 1) if to_reply else None,
        "reply_p99_ms": round(percentile(to_reply, 99), 1) if to_reply else None,
        "all_replied_s": round(drained_s, 1),
        "loading": len(api.loadings),
        "lost": len(originals - set(per_token)),
        # a reply token used twice, a refused second reply, or any push at all
        "duplicated": (sum(n - 1 for n in per_token.values()) + len(api.recorded("/v2/bot/message/reply", 400))
                       + len(api.pushes)),
        "errors": len(errors),
    }


def main() -> dict:
    deliveries = env_int("BENCH_LINE_DELIVERIES", 1000)
    concurrency = env_int("BENCH_LINE_CONCURRENCY", 50)
    users = env_int("BENCH_LINE_USERS", 200)
    rounds = env_int("BENCH_LINE_ROUNDS", 3)
    tmp = Path(tempfile.mkdtemp(prefix="bench-line-"))
    database_url = os.environ.get("BENCH_LINE_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"database: {database_url.split(':', 1)[0]}; {concurrency} concurrent clients; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    results = []
    try:
        with line.LineStandIn() as api:
            port = free_port()
            proc = start_bot(tmp, port, api.url, database_url)
            try:
                texts = questions()  # warm every lazy cache (NLU, FAQ and garbage indexes) before measuring
                warm = [line.text_event(line.user_id(), q) for q in texts[::max(1, len(texts) // 60)]]
                deliver_all(port, warm, 4)
                api.wait_for(lambda a: len(a.replies) >= len(warm), timeout=120)
                for n in range(rounds):
                    results.append(run_round(port, api, deliveries, users, concurrency))
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
