"""The garbage rules, form and actions on the real engine, driven by button payloads (no NLU guesswork)."""

from __future__ import annotations

from services.garbage.importers import import_configured


def test_collection_days_ask_for_the_area_once_and_remember_it(bot_env, say):
    import_configured(bot_env)
    asked = say("/garbage_collection_day", sender="g")
    assert "お住まいの地区名を入力してください" in asked[-1]["text"]
    unknown = say("ほげほげ", sender="g")
    assert (
        "「ほげほげ」という地区が見つかりませんでした" in unknown[0]["text"]
        and "地区名を入力してください" in unknown[-1]["text"]
    )
    oos = say("パスポートを作りたい", sender="g")  # another service's question: declined, the area asked again
    assert "このチャットではそのご質問にはお答えできません" in oos[0]["text"] and "地区名を入力" in oos[-1]["text"]
    answer = say("あさのがわ", sender="g")
    assert answer[0]["text"].startswith("浅野川の収集日は次のとおりです。")
    assert "・燃やすごみ：毎週月曜日・木曜日（次回 11月23日(月)）" in answer[0]["text"]
    item = say('/garbage_sort_item{"garbage_item":"スプレー缶"}', sender="g")
    texts = [m["text"] for m in item]
    assert texts[0].startswith("「スプレー缶」は「資源ごみ」です。")
    assert any(t.startswith("浅野川の資源ごみの収集日は") for t in texts)
    other = say('/garbage_collection_day{"garbage_area":"浅野"}', sender="g")
    assert other[0]["text"].startswith("浅野の収集日は次のとおりです。")


def test_questions_in_words_through_nlu_rules_and_actions(bot_env, say):
    import_configured(bot_env)
    assert say("スプレー缶は何ごみ？", sender="w")[0]["text"].startswith("「スプレー缶」は「資源ごみ」です。")
    assert say("フライパン", sender="w")[0]["text"].startswith("「フライパン」は「燃やさないごみ」です。")
    assert "お住まいの地区名を入力してください" in say("次の燃やすごみの日は？", sender="w")[-1]["text"]
    answer = say("浅野", sender="w")
    assert answer[0]["text"] == "浅野の燃やすごみの収集日は毎週月曜日・木曜日です。次回は11月23日(月)です。"


def test_bare_item_names_are_answered_from_the_open_data_whatever_the_classifier_says(bot_env, say, engine):
    import_configured(bot_env)
    for i, text in enumerate(["傘", "電子レンジ", "自転車", "すぷれーかん", "ｽﾌﾟﾚｰ缶", "スプレイ缶", "ペットボトル"]):
        replies = say(text, sender=f"bare{i}")
        assert "」は「" in replies[0]["text"] or "当てはまる品目" in replies[0]["text"], (text, replies[0]["text"])
        assert engine.store.turns(f"bare{i}")[-1]["unanswered"] is False
    assert "お答えできません" in say("明日の天気を教えて", sender="bare-oos")[0]["text"]
    assert engine.store.turns("bare-oos")[-1]["unanswered"] is True


def last_actions(engine, sender):
    return engine.store.turns(sender)[-1]["actions"]


def test_throwing_an_item_away_is_a_sorting_question_and_a_booking_only_an_offer(bot_env, say, engine):
    import_configured(bot_env)
    asked = say("古い自転車は何ごみですか", sender="bike1")[0]["text"]
    wanted = say("古い自転車を捨てたい", sender="bike2")[0]["text"]
    assert asked == wanted and asked.startswith("「自転車」は「")  # the same item, the same category
    for sender in ("bike1", "bike2"):
        assert "action_garbage_lookup" in last_actions(engine, sender)
        assert "bulky_booking_form" not in last_actions(engine, sender)
    sofa = say("ソファを捨てたい", sender="sofa")
    assert "bulky_booking_form" not in last_actions(engine, "sofa")
    offer = [b for m in sofa for b in m.get("buttons") or [] if b["payload"] == "/garbage_bulky_booking"]
    assert len(offer) == 1 and "1,000円" in " ".join(m["text"] for m in sofa)  # the fee, then the offer
    say(offer[0]["payload"], sender="sofa")  # tapping the offer starts the booking
    assert "bulky_booking_form" in last_actions(engine, "sofa")
    say("粗大ごみの収集を予約したい", sender="book")  # so does asking to book
    assert "bulky_booking_form" in last_actions(engine, "book")


def test_a_question_naming_an_item_gets_its_row_not_a_general_answer(bot_env, say, engine):
    import_configured(bot_env)
    for i, (text, item) in enumerate(
        [
            ("乾電池の捨て方を教えて", "乾電池"),
            ("スマホを捨てたい", "携帯電話"),
            ("缶（２５㎝以上）", "缶（２５㎝以上）"),
        ]
    ):
        assert say(text, sender=f"row{i}")[0]["text"].startswith(f"「{item}」は「"), text
        assert "action_garbage_lookup" in last_actions(engine, f"row{i}")
    desk = say("パソコン机", sender="desk")
    assert "action_garbage_lookup" in last_actions(engine, "desk")
    assert all(b["title"].startswith("パソコン机") for b in desk[0]["buttons"])


def test_a_sentence_that_merely_begins_with_an_item_is_not_a_garbage_question(bot_env, say, engine):
    import_configured(bot_env)
    say("自転車が盗まれた", sender="stolen")
    assert "action_garbage_lookup" not in last_actions(engine, "stolen")


def test_a_dead_pet_is_no_pet_bottle(bot_env, say, engine):
    """ペット only begins ペットボトル (its other name in garbage_local.yml): the bottle when it is thrown away,
    the animal otherwise (outsider walk: the PET bottle's row came first)."""
    import_configured(bot_env)
    replies = say("ペットが死んだらどうすればいい", sender="pet-dead")
    assert last_actions(engine, "pet-dead") == ["action_answer_faq"]
    assert len(replies) == 1 and "ペットが亡くなった" in replies[0]["text"]
    assert say("ペットの出し方", sender="pet-bottle")[0]["text"].startswith("「ペットボトル」は「資源ごみ」です。")


def test_a_topic_question_naming_an_item_gets_the_row_then_the_topic_entry(bot_env, say, engine):
    import_configured(bot_env)
    replies = say("ボタン電池の捨て方を教えてください", sender="button-cell")
    texts = [m["text"] for m in replies]
    assert texts[0].startswith("「ボタン電池」は「")  # the city's own row first: its category
    assert "ボタン電池回収缶" in texts[-1]  # then the topic's entry, which says where it goes
    assert not any(t.startswith("ご不明な点は") for t in texts)  # the entry ends the reply, not the row's contact
    assert last_actions(engine, "button-cell") == ["action_answer_faq", "action_garbage_lookup", "action_answer_faq"]


def test_a_topic_question_that_merely_contains_an_item_name_gets_only_the_topic(bot_env, say, engine):
    import_configured(bot_env)
    replies = say("粗大ごみのシールってどこに貼ればいいの", sender="sticker")
    assert "action_garbage_lookup" not in last_actions(engine, "sticker")
    assert not any("「シール」は" in m["text"] for m in replies)
    assert "粗大ごみ処理券" in replies[0]["text"]


def test_another_service_naming_an_item_is_declined_not_sorted(bot_env, say, engine):
    import_configured(bot_env)
    replies = say("市民プールは何時から開いてる", sender="pool")
    assert "action_garbage_lookup" not in last_actions(engine, "pool")
    assert "お答えできません" in replies[0]["text"]


def test_a_forged_entry_in_an_item_button_does_not_add_an_answer(bot_env, say, engine):
    import_configured(bot_env)
    forged = '/garbage_sort_item{"garbage_item": "スプレー缶", "faq_id": "garbage_dry_batteries"}'
    replies = say(forged, sender="forged")
    assert last_actions(engine, "forged") == ["action_garbage_lookup"]  # the row only: no entry handed back
    assert replies[0]["text"].startswith("「スプレー缶」は「")
    assert not any("乾電池" in m["text"] for m in replies)
