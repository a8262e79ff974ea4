"""The console's dashboard and unanswered queue over 1 million stored turns on PostgreSQL (issue 13).

Seeds a database made for the run on BOT_TEST_PG_URL's server (127.0.0.1:5432, postgres/postgres; dropped
afterwards) with BENCH_DASHBOARD_TURNS turns (default 1,000,000) spread over a year with COPY: the held-out questions
answered with their intents, 12% fallbacks and 3% out-of-scope turns over 3,000 distinct unanswered texts, 5% rated,
three channels; plus 20,000 garbage-lookup misses and 10,000 bookings with payments. Then it times, each
BENCH_DASHBOARD_ROUNDS times (default 5): every dashboard query for 30 days and for the whole year, and the pages as
an analyst opens them (GET /admin/dashboard/ for both ranges, /admin/queue/, /admin/queue/answered), through the
real app.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import NO_LIMITS  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store.db import session_factory  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.tracker_store import ranking_margin  # noqa: E402
from bot.training_data import load_nlu  # noqa: E402
from connectors import create_app  # noqa: E402
from services.console.insights import dashboard  # noqa: E402
from tests.support.console_support import signed_in  # noqa: E402

TURNS = int(os.environ.get("BENCH_DASHBOARD_TURNS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_DASHBOARD_ROUNDS", "5"))
PG_ADMIN_URL = os.environ.get("BOT_TEST_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432/test")
TOKYO = ZoneInfo("Asia/Tokyo")
END = date(2026, 11, 19)  # the last day of the stored year (the fixed clock's day before)
DAYS = 365
CHANNELS = ("web", "line", "rest")
UNANSWERED_TEXTS = 3000
TURN_COLUMNS = (
    "sender_id, session_id, channel, status, received_at, answered_at, user_text, truncated, intent, confidence,"
    " ranking, margin, entities, actions, reply, unanswered, feedback, feedback_at"
)
TOPICS = (
    "駐車場",
    "図書館",
    "プール",
    "公民館",
    "バス",
    "選挙",
    "ワクチン",
    "犬の登録",
    "道路の穴",
    "街灯",
    "公園",
    "市営住宅",
)
ASKS = (
    "はどこですか",
    "の場所を教えて",
    "は何時まで",
    "の料金は？",
    "について知りたい",
    "を使いたい",
    "の予約方法",
    "はありますか",
)


def _unanswered_texts(rng: random.Random) -> list[str]:
    """Questions the bot was never taught, with variants, as citizens type them."""
    texts = {f"{t}{a}" for t in TOPICS for a in ASKS}
    while len(texts) < UNANSWERED_TEXTS:
        texts.add(
            f"{rng.choice(TOPICS)}{rng.choice(ASKS)}{rng.choice(('', '？', 'ね', 'ですか', '　お願いします'))}{len(texts)}"
        )
    return sorted(texts)


def turn_rows(n: int, seed: int = 13):
    """`n` turns over the year, in time order (what COPY writes, one tuple per row)."""
    rng = random.Random(seed)
    answered = [(e.text, e.intent) for e in load_nlu([ROOT / "tests" / "nlu_test.yml"]).examples]
    unanswered = _unanswered_texts(rng)
    start = datetime.combine(END - timedelta(days=DAYS - 1), datetime.min.time(), TOKYO)
    step = DAYS * 86400 / n
    for i in range(n):
        at = start + timedelta(seconds=i * step)
        roll = rng.random()
        if roll < 0.15:
            intent = "nlu_fallback" if roll < 0.12 else "general_out_of_scope"
            user_text, confidence, lost = rng.choice(unanswered), 0.3, True
        else:
            user_text, intent = rng.choice(answered)
            confidence, lost = round(rng.uniform(0.35, 0.99), 4), False
        second = round(confidence * rng.uniform(0.05, 0.99), 4)
        ranking = [{"name": intent, "confidence": confidence}, {"name": "general_capabilities", "confidence": second}]
        feedback = None if rng.random() > 0.05 else rng.choice(("helpful", "helpful", "not_helpful"))
        yield (
            f"s{i // 4}",
            1,
            CHANNELS[i % 3],
            "answered",
            at,
            at,
            user_text,
            False,
            intent,
            confidence,
            json.dumps(ranking),
            ranking_margin(ranking),
            "[]",
            "[]",
            "[]",
            lost,
            feedback,
            at if feedback else None,
        )


def seed(url: str) -> float:
    """Fill the database with COPY; returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(7)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY turns ({TURN_COLUMNS}) FROM STDIN") as copy:
            for row in turn_rows(TURNS):
                copy.write_row(row)
        items = ("電子レンジ", "こたつ", "スプレー缶", "電球", "消火器", "タイヤ", "ピアノ", "金庫")
        with cur.copy("COPY garbage_misses (query, suggestions, created_at) FROM STDIN") as copy:
            for i in range(20000):
                at = datetime.combine(END, datetime.min.time(), TOKYO) - timedelta(minutes=26 * i)
                copy.write_row((f"{rng.choice(items)}{i % 50}", "[]", at))
        for i in range(10000):
            at = datetime.combine(END, datetime.min.time(), TOKYO) - timedelta(minutes=52 * i)
            method = "online" if i % 2 else "sticker"
            cur.execute(
                "INSERT INTO bulky_bookings (number, status, area, address, name, phone, pickup_date, total_fee,"
                " payment_method, channel, sender_id, created_at, updated_at) VALUES"
                " (%s, 'booked', 'A', '[PERSONAL]', '[PERSONAL]', '0', %s, 500, %s, 'web', 's', %s, %s) RETURNING id",
                (f"SD-{i:04d}-{i:04d}"[:12], at.date(), method, at, at),
            )
            (booking_id,) = cur.fetchone() or (0,)
            if method == "online":
                cur.execute(
                    "INSERT INTO payments (id, booking_id, provider, amount, status, checkout_url, created_at,"
                    " updated_at) VALUES (%s, %s, 'sandbox', 500, %s, '', %s, %s)",
                    (f"p{i}", booking_id, rng.choice(("paid", "paid", "pending", "refunded")), at, at),
                )
        cur.execute("ANALYZE")
    return time.perf_counter() - started


def timed(fn, rounds: int = ROUNDS) -> dict[str, float]:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return {"median_ms": round(statistics.median(seconds) * 1000), "max_ms": round(max(seconds) * 1000)}


def run(url: str) -> dict:
    env = {
        **NO_LIMITS,
        "BOT_DATABASE_URL": url,
        "BOT_FIXED_NOW": f"{END + timedelta(days=1)}T10:00:00+09:00",
    }
    os.environ.update(env)
    settings = Settings.from_env(env=env)
    upgrade(settings.database_url)
    seconds = seed(url)
    app = create_app(settings, watch_model=False)
    engine = app.extensions["bot_engine"]
    client = signed_in(app, settings.database_url, "analyst", "bench")
    session = session_factory(settings.database_url)
    figures: dict = {"turns": TURNS, "seed_s": round(seconds, 1)}
    year_start, month_start = END - timedelta(days=DAYS - 1), END - timedelta(days=29)
    for label, start in (("30 days", month_start), ("365 days", year_start)):
        with session() as s:
            intents = dashboard.by_intent(s, start, END, TOKYO)
            queries = {
                "traffic": lambda s=s, start=start: dashboard.traffic(s, start, END, TOKYO),
                "by_intent": lambda s=s, start=start: dashboard.by_intent(s, start, END, TOKYO),
                "feedback": lambda s=s, start=start: dashboard.feedback(s, start, END, TOKYO),
                "bookings": lambda s=s, start=start: dashboard.bookings(s, start, END, TOKYO),
                "top_unanswered": lambda s=s, start=start: dashboard.top_unanswered(
                    s, start, END, TOKYO, engine.agent.model.pipeline, engine.now
                ),
            }
            figures[f"queries, {label}"] = {name: timed(fn) for name, fn in queries.items()}
            figures[f"inquiry turns, {label}"] = sum(n for _, n, _ in intents)
        path = f"/admin/dashboard/?start={start}&end={END}"
        assert client.get(path).status_code == 200
        figures[f"GET /admin/dashboard/, {label}"] = timed(lambda path=path: client.get(path))
    assert client.get("/admin/queue/").status_code == 200
    figures["GET /admin/queue/ (all open)"] = timed(lambda: client.get("/admin/queue/"))
    assert client.get("/admin/queue/answered").status_code == 200
    figures["GET /admin/queue/answered (defaults)"] = timed(lambda: client.get("/admin/queue/answered"))
    engine.close()
    return figures


def main() -> None:
    name = f"bench_dashboard_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        figures = run(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    finally:
        from bot.store.db import _ENGINES

        for key in [k for k in _ENGINES if name in k]:
            _ENGINES.pop(key).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
