"""A citizen who blocks the LINE account (unfollow) leaves nothing of theirs in the conversation log: the attack is
finding, after they left, what they wrote under their LINE user id. Signed deliveries over real HTTP, the real
line-bot-sdk against the stand-in, the real engine and SQLite."""

from __future__ import annotations

from sqlalchemy import select

from bot.store.db import session_factory
from bot.store.models import Turn
from tests.support import line_standin as line
from tests.support.garbage_support import demo_settings
from tests.support.line_support import bot, line_env, test_env


def turns_by_id(settings, ids: list[int]) -> list[Turn]:
    with session_factory(settings.database_url)() as s:
        return list(s.scalars(select(Turn).where(Turn.id.in_(ids)).order_by(Turn.id)))


def test_unfollow_blanks_what_the_citizen_wrote_and_keeps_the_counts(bot, settings):
    leaving, staying = line.user_id(), line.user_id()
    bot.answer(line.text_event(leaving, "ペットボトルは何ごみ？ 山田です"))
    bot.answer(line.text_event(leaving, "住民票がほしい"))
    bot.answer(line.text_event(staying, "電池は何ごみ？"))
    before = bot.engine.store.turns(leaving)
    assert len(before) == 2 and before[0]["user_text"].endswith("山田です")

    bot.send(line.unfollow_event(leaving))
    bot.settle()

    assert bot.engine.store.load(leaving, "line")[0] is None
    assert bot.engine.store.turns(leaving) == []  # no turn names the user id any more
    after = turns_by_id(settings, [t["id"] for t in before])
    assert [(t.sender_id, t.user_text, t.entities, t.reply) for t in after] == [("", "", None, None)] * 2
    kept = [(t["intent"], t["confidence"], t["channel"], t["unanswered"], t["received_at"]) for t in before]
    assert [(t.intent, t.confidence, t.channel, t.unanswered, t.received_at) for t in after] == kept
    assert [t["user_text"] for t in bot.engine.store.turns(staying)] == ["電池は何ごみ？"]
    assert bot.engine.store.load(staying, "line")[0] is not None
