"""The console's unanswered queue and dashboard (services/console/insights) on the real engine and database: the
clustering of seeded questions, the dashboard's figures against hand counts, every queue action through the pages
with its audit record, the low-margin list, and CSV files that a spreadsheet cannot run."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.store.db import session_factory
from bot.store.migrate import upgrade
from services.console.faq.models import EXAMPLES, FaqVersion
from services.console.insights import dashboard, queue
from services.console.models import AuditEntry
from services.garbage.models import GarbageItem, GarbageSynonym
from tests.conftest import FIXTURE_CITY
from tests.support.console_faq import copy_city
from tests.support.console_support import csrf_of, signed_in
from tests.support.insights_support import add_booking, add_misses, add_turns, at, fallback, turn

pytestmark = pytest.mark.fixture_city
TOKYO = ZoneInfo("Asia/Tokyo")

# The seeded unanswered questions, in the groups a person would make of them.
EXPECTED_GROUPS = [
    {"駐車場は何台とめられますか", "市役所に駐車場はありますか", "駐車場の料金は？", "市役所の駐車場は無料ですか"},
    {"図書館の開館時間を教えて", "図書館は何時まで開いていますか", "図書館の休館日はいつ"},
    {"電子レンジは何ごみ", "古い電子レンジを捨てたい", "電子レンジ"},
    {"天気はどう", "明日の天気を教えて"},
]


@pytest.fixture
def extra_env(tmp_path, fixture_city):
    return copy_city(FIXTURE_CITY, fixture_city.model_dir, tmp_path)


@pytest.fixture
def seeded(bot_env, engine):
    """The seeded questions: turns that fell back, one declined, one rated unhelpful, one garbage-lookup miss."""
    fell_back = {
        "駐車場は何台とめられますか": "2026-11-10",
        "市役所に駐車場はありますか": "2026-11-11",
        "駐車場の料金は？": "2026-11-12",
        "市役所の駐車場は無料ですか": "2026-11-12",
        "図書館の開館時間を教えて": "2026-11-10",
        "図書館は何時まで開いていますか": "2026-11-11",
        "図書館の休館日はいつ": "2026-11-12",
        "電子レンジは何ごみ": "2026-11-13",
        "古い電子レンジを捨てたい": "2026-11-13",
        "明日の天気を教えて": "2026-11-14",
    }
    rows = [fallback(text, at(day)) for text, day in fell_back.items()]
    rows.append(turn("天気はどう", at("2026-11-12"), "general_out_of_scope", unanswered=True))
    rows.append(turn("駐車場の料金は？", at("2026-11-13"), "certificates_office_hours", feedback="not_helpful"))
    rows.append(turn("住民票がほしい", at("2026-11-13"), "certificates_residence_record"))  # answered: not queued
    rows.append(turn("駐車場は何台とめられますか", at("2026-11-14"), "garbage_bulky_booking", unanswered=True))
    add_turns(bot_env.database_url, rows)
    add_misses(bot_env.database_url, [("電子レンジ", at("2026-11-14"))])
    return bot_env


def groups_of(settings, engine) -> list[queue.Group]:
    with session_factory(settings.database_url)() as s:
        questions, _ = queue.open_questions(s, TOKYO)
    return queue.group(questions, engine.agent.model.pipeline, engine.now)


def test_seeded_unanswered_questions_land_in_the_expected_groups(seeded, engine):
    groups = groups_of(seeded, engine)
    assert sorted(map(set, (g.texts for g in groups)), key=len, reverse=True) == EXPECTED_GROUPS
    parking = next(g for g in groups if "駐車場の料金は？" in g.texts)
    assert parking.count == 6  # four fallbacks, one 役に立たなかった, one that an action could not answer
    assert (parking.first.date(), parking.last.date()) == (date(2026, 11, 10), date(2026, 11, 14))
    assert parking.reasons == {"fallback": 4, "not_helpful": 1, "not_answered": 1}
    microwave = next(g for g in groups if "電子レンジ" in g.texts)
    assert microwave.reasons == {"fallback": 2, "garbage_miss": 1}
    assert microwave.last == at("2026-11-14").replace(tzinfo=None)  # the miss, logged in UTC, in the city's time


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_dashboard_figures_match_hand_counts(bot_env, engine, request, database):
    """The same hand-counted turns on both databases: the city's days are cut in SQL differently on each."""
    url = bot_env.database_url if database == "sqlite" else request.getfixturevalue("pg_url")
    upgrade(url)
    add_turns(
        url,
        [
            # 11-18: rest: 2 senders, 3 turns; web: 1 sender, 1 turn
            turn("住民票", at("2026-11-18"), "certificates_residence_record", sender="a", feedback="helpful"),
            turn("印鑑登録", at("2026-11-18", 11), "certificates_seal_registration", sender="a"),
            fallback("駐車場", at("2026-11-18", 12), sender="b"),
            turn("こんにちは", at("2026-11-18", 13), "general_greet", channel="web", sender="c"),
            # 11-19: rest: 1 sender, 2 turns
            turn("児童手当", at("2026-11-19"), "childcare_child_allowance", sender="d", feedback="not_helpful"),
            turn("天気", at("2026-11-19", 11), "general_out_of_scope", unanswered=True, sender="d"),
            # outside the range (the day before, in the city's time: 23:30 on 11-17)
            turn("住民票", at("2026-11-17", 23), "certificates_residence_record", sender="e"),
        ],
    )
    add_booking(url, "SD-0001-0001", at("2026-11-18"), "online", payments=("cancelled", "paid"))
    add_booking(url, "SD-0001-0002", at("2026-11-18", 12), "sticker")
    add_booking(url, "SD-0001-0003", at("2026-11-19"), "online", payments=("pending",))
    with session_factory(url)() as s:
        tables = {
            t.name: t
            for t in dashboard.dashboard(
                s, date(2026, 11, 18), date(2026, 11, 19), TOKYO, engine.agent.model.pipeline, engine.now
            )
        }
    assert tables["traffic"].rows == [
        (date(2026, 11, 18), "rest", 2, 3),
        (date(2026, 11, 18), "web", 1, 1),
        (date(2026, 11, 19), "rest", 1, 2),
    ]
    # inquiries: the greeting is small talk; 5 inquiries, 3 answered
    assert tables["answer_rate"].rows == [
        ("全体", 5, 3, 0.6),
        ("(未分類)", 1, 0, 0.0),
        ("certificates", 2, 2, 1.0),
        ("childcare", 1, 1, 1.0),
        ("general", 1, 0, 0.0),
    ]
    assert tables["top_intents"].rows[0] == ("certificates_residence_record", 1)
    assert len(tables["top_intents"].rows) == 4
    assert tables["feedback"].rows == [(1, 1, 0.5)]
    assert tables["bookings"].rows == [
        (date(2026, 11, 18), "paid", 1),
        (date(2026, 11, 18), "sticker", 1),
        (date(2026, 11, 19), "pending", 1),
    ]
    # the queue's view: what fell back, was declined or rated 役に立たなかった
    assert {r[0] for r in tables["top_unanswered"].rows} == {"駐車場", "天気", "児童手当"}


def queue_page(client) -> str:
    return client.get("/admin/queue/").get_data(as_text=True)


def resolve(client, **form):
    """Post one of the queue page's actions, as its form does (the page first, for the CSRF token)."""
    return client.post("/admin/queue/resolve", data={"csrf_token": csrf_of(queue_page(client)), **form})


def audit_actions(settings) -> list[str]:
    with session_factory(settings.database_url)() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def draft_examples(settings, intent: str) -> list[str]:
    """The examples of `intent` as its latest FAQ-curation version holds them (a draft until published)."""
    with session_factory(settings.database_url)() as s:
        return s.scalars(
            select(FaqVersion.content)
            .where(FaqVersion.kind == EXAMPLES, FaqVersion.key == intent)
            .order_by(FaqVersion.number.desc())
        ).first()


def test_queue_page_shows_groups_and_progress_and_each_action_resolves_with_an_audit_record(seeded, app):
    client = signed_in(app, seeded.database_url, "analyst")
    page = queue_page(client)
    assert "駐車場" in page and "図書館" in page
    assert 'value="0" max="14"' in page  # 13 turns and one miss queued, none resolved

    library = sorted(EXPECTED_GROUPS[1])
    response = resolve(client, action="dismissed", text=library)
    assert response.status_code == 302
    page = queue_page(client)
    assert "図書館" not in page and 'value="3" max="14"' in page

    weather = sorted(EXPECTED_GROUPS[3])
    resolve(client, action="out_of_scope", text=weather)
    # taught as drafts of general_out_of_scope (kept examples first), and still recorded in the audit log
    assert draft_examples(seeded, "general_out_of_scope")[-2:] == weather
    assert "今日の天気は" in draft_examples(seeded, "general_out_of_scope")
    with session_factory(seeded.database_url)() as s:
        after = s.scalars(select(AuditEntry.after).where(AuditEntry.action == "queue.out_of_scope")).one()
    assert after["intent"] == "general_out_of_scope" and after["resolved"] == 2
    resolve(client, action="garbage_item", text=["電子レンジ"], item_name="電子レンジ", category="small_appliances")
    resolve(
        client,
        action="training_example",
        text=["市役所に駐車場はありますか"],
        intent="certificates_office_hours",
    )
    assert draft_examples(seeded, "certificates_office_hours")[-1] == "市役所に駐車場はありますか"
    with session_factory(seeded.database_url)() as s:
        assert s.scalar(select(GarbageItem.category).where(GarbageItem.name == "電子レンジ")) == "small_appliances"
        assert queue.progress(s).open == 14 - 3 - 2 - 1 - 1  # library, weather, the miss, one parking question

    # a synonym needs an item that exists: refused with a message, and the question stays queued
    resolve(
        client,
        action="garbage_synonym",
        text=["古い電子レンジを捨てたい"],
        synonym_item="存在しない品目",
        synonym="レンジ",
    )
    assert "品目「存在しない品目」はありません" in queue_page(client)
    resolve(client, action="garbage_item", text=["電子レンジ"], item_name="あ" * 101)
    assert "100文字以内" in queue_page(client)
    resolve(
        client, action="garbage_synonym", text=["古い電子レンジを捨てたい"], synonym_item="電子レンジ", synonym="レンジ"
    )
    with session_factory(seeded.database_url)() as s:
        assert s.scalar(select(func.count()).select_from(GarbageSynonym).where(GarbageSynonym.synonym == "レンジ"))
    actions = audit_actions(seeded)
    for action in (
        "queue.dismissed",
        "queue.out_of_scope",
        "queue.garbage_item",
        "queue.training_example",
        "queue.garbage_synonym",
        "faq.save",
    ):
        assert action in actions


def test_a_faq_entry_is_created_from_a_group_as_a_checked_draft(seeded, app):
    client = signed_in(app, seeded.database_url, "analyst")
    form = {
        "action": "faq_entry",
        "text": sorted(EXPECTED_GROUPS[0]),
        "faq_intent": "certificates_office_hours",
        "faq_id": "certificates_parking",
        "faq_title": "市役所の駐車場",
        "faq_answer": "",
        "faq_source": "https://example.jp/parking",
        "faq_basis": "市の庁舎管理規則",
        "faq_review_by": "2027-11-01",
    }
    resolve(client, **form)
    page = queue_page(client)
    assert "回答が空です" in page and "駐車場は何台" in page  # refused by FAQ curation's check: still queued
    resolve(client, **{**form, "faq_answer": "市役所の駐車場は無料です。"})
    page = queue_page(client)
    assert "駐車場は何台" not in page
    assert "queue.faq_entry" in audit_actions(seeded)


def test_low_confidence_and_low_margin_answers_are_listed_least_certain_first(bot_env, app):
    ranking = lambda a, b: [  # noqa: E731
        {"name": "certificates_residence_record", "confidence": a},
        {"name": "certificates_moving", "confidence": b},
    ]
    add_turns(
        bot_env.database_url,
        [
            turn(
                "引っ越しの住民票", at("2026-11-18"), "certificates_residence_record", 0.46, ranking=ranking(0.46, 0.44)
            ),
            turn("住民票の写し", at("2026-11-18"), "certificates_residence_record", 0.9, ranking=ranking(0.9, 0.05)),
            turn("住民票を郵送で", at("2026-11-18"), "certificates_residence_record", 0.62, ranking=ranking(0.62, 0.3)),
            turn("転居届と住民票", at("2026-11-18"), "certificates_residence_record", 0.7, ranking=ranking(0.7, 0.65)),
        ],
    )
    client = signed_in(app, bot_env.database_url, "analyst")
    page = client.get("/admin/queue/answered?max_confidence=0.5&max_margin=0.1").get_data(as_text=True)
    assert page.index("引っ越しの住民票") < page.index("転居届と住民票")  # margins 0.02, then 0.05
    assert "住民票の写し" not in page and "住民票を郵送で" not in page
    page = client.get("/admin/queue/answered?max_confidence=0.65&max_margin=0").get_data(as_text=True)
    assert "住民票を郵送で" in page and "転居届と住民票" not in page
    assert client.get("/admin/queue/answered?max_margin=2").status_code == 400


def test_csv_files_neutralise_formulas(bot_env, app):
    add_turns(
        bot_env.database_url,
        [fallback('=HYPERLINK("http://x","y")', at("2026-11-19")), fallback("＋1", at("2026-11-19"))],
    )
    client = signed_in(app, bot_env.database_url, "analyst")
    queue_csv = client.get("/admin/queue/queue.csv").get_data(as_text=True)
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in queue_csv and '"\'＋1"' in queue_csv
    assert "意図を判定できず 1件" in queue_csv
    top = client.get("/admin/dashboard/top_unanswered.csv?start=2026-11-19&end=2026-11-19").get_data(as_text=True)
    assert "'=HYPERLINK" in top and ',"=' not in top
    for name in ("traffic", "answer_rate", "top_intents", "feedback", "bookings"):
        response = client.get(f"/admin/dashboard/{name}.csv?start=2026-11-19&end=2026-11-19")
        assert response.status_code == 200 and response.mimetype == "text/csv"
    assert client.get("/admin/dashboard/nothing.csv").status_code == 404


@pytest.mark.parametrize(
    "role,status", [(None, 302), ("staff", 403), ("bookings", 403), ("analyst", 200), ("admin", 200)]
)
def test_every_page_is_for_analysts_and_admins(bot_env, app, role, status):
    client = signed_in(app, bot_env.database_url, role) if role else app.test_client()
    for path in (
        "/admin/queue/",
        "/admin/queue/queue.csv",
        "/admin/queue/answered",
        "/admin/queue/answered.csv",
        "/admin/dashboard/",
        "/admin/dashboard/traffic.csv",
    ):
        assert client.get(path).status_code == status, path
    assert client.post("/admin/queue/resolve", data={"action": "dismissed", "text": "x"}).status_code in (400, status)


def test_the_dashboard_page_draws_a_chart_and_a_table_for_each_figure(bot_env, app):
    add_turns(bot_env.database_url, [turn("住民票", at("2026-11-19"), "certificates_residence_record")])
    client = signed_in(app, bot_env.database_url, "analyst")
    response = client.get("/admin/dashboard/?start=2026-11-01&end=2026-11-20")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('<svg role="img"') == 6 and page.count("<table>") == 6
    nonce = response.headers["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert page.count(f'<style nonce="{nonce}">') == 6
    assert client.get("/admin/dashboard/?start=2026-11-20&end=2026-11-01").status_code == 400
    for bad in ("start=yesterday", "end=9999-12-31", "start=0001-01-01", "end=0001-01-02"):
        assert client.get(f"/admin/dashboard/?{bad}").status_code == 400, bad
        assert client.get(f"/admin/queue/?{bad}").status_code == 400, bad
