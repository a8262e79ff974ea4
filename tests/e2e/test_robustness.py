"""Every held-out question, and odd input a citizen may send, goes through the whole bot without an error."""

from __future__ import annotations

from bot.training_data import load_nlu
from tests.conftest import PROJECT_DIR

ODD = [
    "/",
    "/nlu_fallback",
    '/garbage_sort_item{"garbage_item": ""}',
    '/general_inform{"date": "2026-13-45"}',
    '/certificates_residence_record{"faq_id": 42}',
    "/unknown_intent",
    '/general_greet{"x": [1, 2]}',
    "{}",
    "null",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "ｱｲｳｴｵ" * 50,
    "\u200b\u200b",
    "🗑️は何ごみ？",
    "SD-AAAA-BBBB",
    "090-1234-5678",
    "〒999-0001",
    "令和99年99月99日",
    "2月30日",
    "やめる",
    "戻る",
    "はい",
    "いいえ",
]


def test_no_message_makes_the_bot_fail(demo_data, engine):
    texts = [e.text for e in load_nlu([PROJECT_DIR / "tests" / "nlu_test.yml"]).examples] + ODD
    apology = engine.agent.responder.render("utter_error", {}, "rest")["text"][:20]
    for i, text in enumerate(texts):
        replies = engine.handle_message(f"r{i % 40}", text)
        assert replies and all(r.get("text") or r.get("buttons") for r in replies), text
        assert not any(apology in (r.get("text") or "") for r in replies), text
    failed = [t for i in range(40) for t in engine.store.turns(f"r{i}") if t["status"] != "answered"]
    assert failed == []
