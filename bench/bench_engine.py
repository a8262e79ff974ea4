"""Core engine figures: training time, server start-up, memory, /model/parse latency, webhook throughput."""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from bench.corpus import NO_LIMITS, ROOT, percentile, questions
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


def start_server(tmp: Path, port: int, limits: Mapping[str, str] = NO_LIMITS) -> tuple[subprocess.Popen, float]:
    """The real server on `port`; `limits` are its rate-limit settings (none that trip, unless a benchmark says)."""
    env = {**os.environ, **limits, "PYTHONPATH": str(ROOT), "BOT_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--port", str(port), "--threads", "4"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def wait_until_idle(pid: int, quiet_s: float = 0.5, timeout_s: float = 60) -> float:
    """Wait until the server has used no CPU for `quiet_s` (its warm-up thread has built the actions' caches), so
    latencies are measured on a server at rest, not beside its start-up work. Returns the seconds waited."""
    started = last_change = time.perf_counter()
    used = cpu_seconds(pid)
    while time.perf_counter() - last_change < quiet_s and time.perf_counter() - started < timeout_s:
        time.sleep(0.05)
        now_used = cpu_seconds(pid)
        if now_used != used:
            used, last_change = now_used, time.perf_counter()
    return last_change - started


def rss_mb(pid: int) -> dict[str, float]:
    """RSS in all, and its anonymous and file-backed parts.

    The file-backed part is mostly the Sudachi dictionary's mapped pages: shared between processes, and larger when
    the dictionary is already in the page cache (the kernel maps cached neighbours of each page read), so the total
    varies with the machine's cache while the anonymous part does not.
    """
    fields = {"VmRSS": "rss", "RssAnon": "anon", "RssFile": "file"}
    figures = {key: float("nan") for key in fields.values()}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in fields:
            figures[fields[name]] = int(value.split()[0]) / 1024
    return figures


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
    from bot.clock import clock

    now = clock(settings)
    for text in texts[:50]:
        pipeline.parse(text, now)
    timings = []
    for text in texts:
        started = time.perf_counter()
        pipeline.parse(text, now)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench_webhook(port: int, texts: list[str], tmp: Path, connections: int = 8, seconds: int = 15) -> dict:
    """Bounded load from wrk (C, so the load generator leaves the server its core): a fixed number of
    connections for a fixed time, each request a held-out question from one of 200 senders."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk).")
    bodies = tmp / "bodies.jsonl"
    bodies.write_text(
        "\n".join(
            json.dumps({"sender": f"bench-{i % 200}", "message": t}, ensure_ascii=False) for i, t in enumerate(texts)
        )
        + "\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "webhook_load.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env={**os.environ, "BODIES": str(bodies)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non_2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0,
        "socket_errors": sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)),
    }
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        figures[f"p{pct}_ms"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return figures


def main() -> dict:
    texts = questions()
    tmp = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        train_s = bench_training(tmp)
        port = free_port()
        proc, ready_s = start_server(tmp, port)
        try:
            warm_up_s = wait_until_idle(proc.pid)
            parse_http = bench_parse(port, texts)
            webhook = bench_webhook(port, texts, tmp)
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
        "warm_up_after_ready_s": round(warm_up_s, 2),
        "rss_mb_after_load": round(rss["rss"], 1),
        "rss_anon_mb_after_load": round(rss["anon"], 1),
        "rss_file_mb_after_load": round(rss["file"], 1),
        "parse_in_process_p50_ms": round(percentile(parse_inproc, 50), 2),
        "parse_in_process_p99_ms": round(percentile(parse_inproc, 99), 2),
        "parse_http_p50_ms": round(percentile(parse_http, 50), 2),
        "parse_http_p99_ms": round(percentile(parse_http, 99), 2),
        "webhook_requests_per_s": round(webhook["requests_per_s"], 1),
        "webhook_requests": webhook["requests"],
        "webhook_p50_ms": round(webhook["p50_ms"], 2),
        "webhook_p99_ms": round(webhook["p99_ms"], 2),
        "webhook_errors": webhook["non_2xx"] + webhook["socket_errors"],
    }
    for key, value in figures.items():
        print(f"{key:28s} {value}")
    return figures


if __name__ == "__main__":
    main()
