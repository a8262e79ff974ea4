"""The rate limits measured on the real server (issue 11): how many requests a flood gets through and how many are
refused per second, and the webhook under load with the limits switched on, counting in memory and in Redis.

- flood: one sender on one connection pool (8 connections, 10 s) at the default limits: allowed vs refused per second.
- load: `wrk -c16 -d60s`, the held-out questions from 200 senders, per-sender limit at its default (30/minute) and the
  per-address limit raised (the load comes from one address, standing in for many citizens): throughput, p99, and
  how much of it was refused.
- overhead: the same load with both limits too high to trip, so every request is a full turn that is also counted,
  in memory and in the machine's Redis (BENCH_LIMITS_REDIS_URL, default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.bench_engine import bench_webhook, free_port, questions, start_server
from bench.corpus import UNLIMITED

REDIS_URL = os.environ.get("BENCH_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/0")
WARM_UP = 5  # seconds for the server's background warm-up (action caches) before the load starts


def run(name: str, env: dict[str, str], texts: list[str], connections: int, seconds: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-limits-"))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # start_server passes the environment on to the server
    try:
        port = free_port()
        proc, _ = start_server(tmp, port, limits={})  # the limits come from `env`
        time.sleep(WARM_UP)
        try:
            figures = bench_webhook(port, texts, tmp, connections=connections, seconds=seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(tmp, ignore_errors=True)
    refused = figures["non_2xx"]
    figures["allowed_per_s"] = round((figures["requests"] - refused) / seconds, 1)
    figures["refused_per_s"] = round(refused / seconds, 1)
    print(
        f"{name}: {figures['requests_per_s']:.1f} req/s ({figures['allowed_per_s']} allowed/s, "
        f"{figures['refused_per_s']} refused/s), p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
        f"{figures['socket_errors']} socket errors"
    )
    return figures


def main() -> dict:
    texts = questions()
    return {
        "flood": run("flood (one sender, default limits)", {}, texts[:1], connections=8, seconds=10),
        "load": run("load (200 senders, 30/minute each)", {"BOT_RATE_LIMIT_PER_IP": UNLIMITED}, texts, 16, 60),
        "memory": run(
            "load, limits counted in memory",
            {"BOT_RATE_LIMIT_PER_IP": UNLIMITED, "BOT_RATE_LIMIT_PER_SENDER": UNLIMITED},
            texts,
            16,
            60,
        ),
        "redis": run(
            "load, limits counted in Redis",
            {
                "BOT_RATE_LIMIT_PER_IP": UNLIMITED,
                "BOT_RATE_LIMIT_PER_SENDER": UNLIMITED,
                "BOT_RATE_LIMIT_STORAGE_URL": REDIS_URL,
            },
            texts,
            16,
            60,
        ),
    }


if __name__ == "__main__":
    main()
