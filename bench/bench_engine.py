"""Core engine figures: training time, server start-up, memory, /model/parse latency, webhook throughput."""
from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.corpus import ROOT, percentile, questions
from bot import model as bot_model
from bot.settings import Settings


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_training(tmp: Path) -> float:
    settings = Settings.from_env(env={}, model_dir=tmp / "models")
    bot_model.train(settings)  # warm caches (dictionary pages, imports) once
    started = time.perf_counter()
    bot_model.train(settings)
    return time.perf_counter() - started


def start_server(tmp: Path, port: int) -> tuple[subprocess.Popen, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--port", str(port), "--threads", "4"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc, time.perf_counter() - started
        except OSError:
            time.sleep(0.02)
        if proc.poll() is not None or time.perf_counter() - started > 60:
            raise RuntimeError("server did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post(conn, path: str, body: dict) -> int:
    conn.request("POST", path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    return response.status


def bench_parse(port: int, texts: list[str]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for text in texts[:50]:
        post(conn, "/model/parse", {"text": text})
    timings = []
    for text in texts:
        started = time.perf_counter()
        assert post(conn, "/model/parse", {"text": text}) == 200
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench_parse_in_process(texts: list[str]) -> list[float]:
    settings = Settings.from_env(env={})
    pipeline = bot_model.load(settings).pipeline
    from bot.clock import make_clock

    now = make_clock()
    for text in texts[:50]:
        pipeline.parse(text, now)
    timings = []
    for text in texts:
        started = time.perf_counter()
        pipeline.parse(text, now)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench_webhook(port: int, texts: list[str], clients: int = 8, per_client: int = 250) -> tuple[float, int, int]:
    errors = []
    done = []

    def worker(i: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = 0
        for n in range(per_client):
            try:
                status = post(conn, "/webhooks/rest/webhook", {"sender": f"bench-{i}-{n % 20}", "message": texts[(i * 31 + n) % len(texts)]})
            except OSError as exc:
                errors.append(repr(exc))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if status == 200:
                ok += 1
            else:
                errors.append(status)
        done.append(ok)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return sum(done) / elapsed, sum(done), len(errors)


def main() -> dict:
    texts = questions()
    tmp = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        train_s = bench_training(tmp)
        port = free_port()
        proc, ready_s = start_server(tmp, port)
        try:
            parse_http = bench_parse(port, texts)
            rps, ok, errors = bench_webhook(port, texts)
            rss = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        parse_inproc = bench_parse_in_process(texts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "training_s": round(train_s, 2),
        "server_ready_s": round(ready_s, 2),
        "rss_mb_after_load": round(rss, 1),
        "parse_in_process_p50_ms": round(percentile(parse_inproc, 50), 2),
        "parse_in_process_p99_ms": round(percentile(parse_inproc, 99), 2),
        "parse_http_p50_ms": round(percentile(parse_http, 50), 2),
        "parse_http_p99_ms": round(percentile(parse_http, 99), 2),
        "webhook_requests_per_s": round(rps, 1),
        "webhook_requests_ok": ok,
        "webhook_errors": errors,
    }
    for key, value in figures.items():
        print(f"{key:28s} {value}")
    return figures


if __name__ == "__main__":
    main()
