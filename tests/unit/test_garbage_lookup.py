"""Item and area lookup: the spellings citizens type, several matches, misses, near matches and typos.

On the fixture city's garbage data (whole records of Kanazawa's and Tsu's open data, ranked as in the demo city);
the speed is measured on the demo city's full data.
"""

from __future__ import annotations

import time

import pytest

from bot.settings import Settings
from services.garbage.importers import import_configured
from services.garbage.lookup import Entry, Index, head, item_phrase, listed, only_begins
from services.garbage.normalize import base_name
from services.garbage.service import get_service
from tests.conftest import FIXTURE_CITY
from tests.support.garbage_support import demo_settings, migrated


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    """The fixture city's garbage data, imported into a SQLite file once per module."""
    url = migrated(f"sqlite:///{tmp_path_factory.mktemp('garbage') / 'fixture.sqlite3'}")
    import_configured(Settings.from_env(env={"BOT_DATA_DIR": str(FIXTURE_CITY), "BOT_DATABASE_URL": url}))
    return get_service(url, FIXTURE_CITY).snapshot()


@pytest.mark.parametrize(
    "text",
    [
        "スプレー缶は何ごみ？",
        "すぷれーかん",
        "スプレー缶の捨て方",
        "ｽﾌﾟﾚｰ缶",
        "スプレイ缶",
        "スプレー缶",
        "スプレー缶ってなにゴミですか",
        "スプレー缶を捨てたいのですが",
    ],
)
def test_every_spelling_of_spray_can_finds_it(snap, text):
    match = snap.index.lookup(text)
    assert (match.kind, match.best.name, match.best.category, match.fuzzy) == (
        "item",
        "スプレー缶",
        "recyclable",
        False,
    )


@pytest.mark.parametrize(
    "text, name",
    [
        ("フライパン", "フライパン"),
        ("ふらいぱん", "フライパン"),
        ("昨日使ったフライパンを捨てたい", "フライパン"),
        ("ＩＨ調理器", "ＩＨ調理器"),
        ("ペット", "ペットボトル"),
        ("アイスクリームのカップ・ふた（紙製）は何ごみですか", "アイスクリームのカップ・ふた（紙製）"),
    ],
)
def test_names_without_question_words_readings_and_synonyms(snap, text, name):
    match = snap.index.lookup(text)
    assert match.kind == "item" and match.best.name == name


@pytest.mark.parametrize(
    "word, name, clipped",
    [
        ("ペット", "ペットボトル", True),  # the beginning of one word: the bottle, while ペット alone is an animal
        ("ぺっと", "ペットボトル", True),
        ("電子", "電子レンジ", True),  # a noun the compound goes on after
        ("ペットボトル", "ペットボトル", False),
        ("ソファ", "ソファー（７０㎝を超えるもの）", False),  # a long vowel is no word
        ("傘", "傘（金属製）", False),
        ("オイルライター", "オイルライター・ガスライター", False),
        ("USBメモリ", "USBメモリなどの記録媒体", False),  # a particle follows: the name has it whole
        ("電池", "乾電池", False),
    ],
)
def test_a_word_that_only_begins_a_name(word, name, clipped):
    assert only_begins(word, name) is clipped


def test_a_clipped_word_names_its_item_only_in_a_question_about_throwing_it_away(snap):
    for text in ("ペット", "ペットの火葬", "ペットが死んだので処分したい"):
        match = snap.index.lookup(text)
        assert match.best.name == "ペットボトル" and match.clipped and not match.named_in(text), text
    for text in ("ペットの出し方", "ペットは何ごみ？", "古いペットを捨てたい"):
        assert snap.index.lookup(text).named_in(text), text
    bottle = snap.index.lookup("ペットボトル")
    assert not bottle.clipped and bottle.named_in("ペットボトル")


def test_several_items_become_choices_ranked_by_closeness(snap):
    match = snap.index.lookup("傘立ては何ごみ？")
    assert match.kind == "choices" and match.query == "傘立て"
    assert {e.name for e in match.items} == {"傘立て（陶器製）", "傘立て（金属製）", "傘立て(プラスチック製）"}
    assert snap.index.lookup("スプレー").kind == "choices"  # a part of many names


def test_umbrella_variants_with_different_categories_are_choices():
    index = Index(
        [
            Entry("傘（金属製）", "かさきんぞくせい", "non_burnable"),
            Entry("傘（ビニール）", "かさびにーる", "burnable"),
            Entry("日傘", "ひがさ", "burnable"),
            Entry("空き缶", "あきかん", "recyclable"),
        ]
    )
    match = index.lookup("傘は何ごみ？")
    assert match.kind == "choices" and [e.name for e in match.items] == ["傘（金属製）", "傘（ビニール）"]
    assert index.lookup("かさ").kind == "choices"
    assert index.lookup("空缶").best.name == "空き缶"  # Sudachi's normalized form


def test_same_name_from_a_lower_priority_source_is_hidden(snap):
    assert [e.source for e in snap.index.named("スプレー缶")] == ["kanazawa"]  # Tsu's スプレー缶 is shadowed
    assert {e.category for e in snap.index.named("色紙")} == {"paper", "burnable"}  # いろがみ and しきし stay


def test_a_typo_is_answered_when_close_and_only_suggested_when_not(snap):
    close = snap.index.lookup("スプレ缶")
    assert close.kind == "item" and close.fuzzy and close.best.name == "スプレー缶"
    near = snap.index.lookup("フライパソは何ごみ")
    assert near.kind == "none" and near.query == "フライパソ" and near.items[0].name == "フライパン"
    unknown = snap.index.lookup("ぴかぴか星人")
    assert unknown.kind == "none" and unknown.items == []
    assert snap.index.lookup("？").kind == "none" and snap.index.lookup("？").query == ""


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("スプレー缶は何ごみですか？", "スプレー缶"),
        ("傘の捨て方を教えて", "傘"),
        ("乾電池はどうやって捨てるの？", "乾電池"),
        ("すみません、フライパンは燃えないごみですか", "フライパン"),
        ("ぶどうの皮", "ぶどうの皮"),
        ("せんぷうき捨てたい", "せんぷうき"),
        ("扇風機捨てたいです", "扇風機"),
        ("使い捨てカイロの捨て方", "使い捨てカイロ"),
    ],
)
def test_item_phrase(text, phrase):
    assert item_phrase(text) == phrase


@pytest.mark.parametrize(
    "phrase, first",
    [
        ("傘は材質によって", "傘"),
        ("扇風機が壊れている場合は", "扇風機"),
        ("ヤクルトの容器", "ヤクルトの容器"),
        ("空き缶とびん", "空き缶とびん"),
    ],
)
def test_the_head_of_a_phrase_ends_at_a_particle_other_than_no_to_and_ya(phrase, first):
    assert head(phrase) == first


def test_a_phrase_naming_several_items_is_listed():
    assert listed("空き缶とびん") == ["空き缶", "びん"]
    assert listed("スプレー缶や乾電池") == ["スプレー缶", "乾電池"]
    assert listed("ヤクルトの容器") == []


def test_a_reading_never_joins_two_kanji_spellings_but_a_typed_reading_does():
    index = Index([Entry("陶器", "とうき", "non_burnable"), Entry("ハサミ", "はさみ", "non_burnable")])
    assert index.lookup("投棄").kind == "none"
    assert index.lookup("とうき").best.name == "陶器"
    assert index.lookup("鋏").best.name == "ハサミ"  # a kanji spelling of a kana name still meets it


def test_an_exact_name_answers_and_brings_its_family_as_variants():
    index = Index([Entry("乾電池", "かんでんち", "recyclable"), Entry("乾電池（筒型）", "かんでんち", "hazardous")])
    match = index.lookup("乾電池は何ごみ")  # unlike 傘 above, one item is called just 乾電池: it answers
    assert match.kind == "item" and [e.name for e in match.items] == ["乾電池"] and match.whole
    assert [e.name for e in match.variants] == ["乾電池（筒型）"]


@pytest.mark.parametrize(
    "text, area",
    [
        ("浅野川", "浅野川"),
        ("あさのがわ", "浅野川"),
        ("浅野川地区です", "浅野川"),
        ("浅野", "浅野"),
        ("西", "西"),
        ("浅の川", "浅野川"),
        ("二塚", "緑（二塚）"),
        ("ひがしあさかわ", "東浅川"),
    ],
)
def test_areas_are_found_from_what_people_type(snap, text, area):
    assert snap.areas.match(text).area.name == area


def test_areas_in_a_sentence_count_only_when_written_out(snap):
    assert snap.areas.match("浅野川の燃やすごみの日は？", in_sentence=True).area.name == "浅野川"
    assert snap.areas.match("うちの地区のごみの日は？", in_sentence=True).area is None
    nothing = snap.areas.match("ほげほげ町")
    assert nothing.area is None


def test_lookup_is_fast(demo_settings):
    index = get_service(demo_settings.database_url, demo_settings.data_dir).snapshot().index  # thousands of items
    index.lookup("ウォームアップ")
    start = time.perf_counter()
    for _ in range(200):
        index.lookup("スプレー缶は何ごみですか")
    assert (time.perf_counter() - start) / 200 < 0.05  # generous: speed is measured in bench/bench_garbage.py


@pytest.fixture(scope="module")
def demo_index(demo_settings):
    """The demo city's whole lists: Kanazawa's 5374 set and Tsu's dictionary (issue 12's trial adoption of Tsu)."""
    return get_service(demo_settings.database_url, demo_settings.data_dir).snapshot().index


@pytest.mark.parametrize(
    "text, name",
    [
        ("金属入りのサポーターを捨てたい", "サポーター（金属入り）"),
        ("金属製の駐車場ポールの出し方", "駐車場ポール（金属製）"),
        ("金属のちりとりは何ごみ？", "ちりとり（金属製）"),
        ("金属以外のちりとり", "ちりとり（金属以外）"),  # the qualifier that excludes metal, asked for as such
        ("プラのちりとり", "ちりとり(プラスチック製)"),
        ("プラスチックの箸置きを捨てたいです", "箸置き（プラスチック製）"),
        ("木の箸置き", "箸置き（木製）"),
        ("プラスチック製の枕干しの出し方を教えて", "枕干し（プラスチック製）"),
        ("プラスチックの鍋立ては何ごみですか", "鍋立て（プラスチック製）"),
        ("電池式の灯油ポンプを捨てたい", "灯油ポンプ・石油ポンプ（電池式）"),
        ("水銀を含まない体温計", "体温計（水銀を含まない）"),
    ],
)
def test_the_variant_whose_qualifier_the_question_states_answers(demo_index, text, name):
    match = demo_index.lookup(text)
    assert (match.kind, match.best.name) == ("item", name), [e.name for e in match.items]
    assert len({e.name for e in match.items}) == 1
    family = {e.name for e in demo_index.lookup(base_name(name)).items}
    assert {e.name for e in match.variants} <= family - {name}  # the other kinds stay on offer


def test_only_a_real_ambiguity_offers_the_variants(demo_index):
    match = demo_index.lookup("灯油ポンプを処分したい")  # hand or battery: nothing in the question tells
    assert match.kind == "choices"
    assert {e.name for e in match.items} == {"灯油ポンプ・石油ポンプ（手動）", "灯油ポンプ・石油ポンプ（電池式）"}


@pytest.mark.parametrize(
    "text, name",
    [
        ("陶器のレンゲってどうやって捨てるの", "レンゲ（陶器製）"),  # the thing named last, not the material before it
        ("飲み薬のびんの出し方", "薬びん(飲み薬）"),  # a name inside the compound, 飲み薬 choosing its variant
        ("古い自転車", "自転車"),
        ("金属製の机の出し方", "机（金属製）"),  # a one-character name after の
        ("耐熱ガラス製の鍋の出し方", "鍋（耐熱ガラス製）"),
    ],
)
def test_the_longest_name_the_phrase_ends_with_wins(demo_index, text, name):
    match = demo_index.lookup(text)
    assert (match.kind, match.best.name) == ("item", name), [e.name for e in match.items]


def test_a_name_read_in_kana_keeps_its_real_ambiguity(demo_index):
    match = demo_index.lookup("くすりびんの捨て方")
    assert match.kind == "choices" and {e.name for e in match.items} == {"薬びん(飲み薬）", "薬びん(飲み薬以外）"}
