"""NLU components on their own: normalisation, entities, fallback semantics, persistence, determinism."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.errors import ConfigError, ModelFormatError
from bot.nlu.date_extractor import JapaneseDateExtractor
from bot.nlu.fallback import FALLBACK_INTENT, FallbackClassifier, should_fall_back
from bot.nlu.folding import fold
from bot.nlu.lookup_extractor import LookupEntityExtractor
from bot.nlu.message import Message, normalize_with_offsets
from bot.nlu.pipeline import Pipeline
from bot.nlu.registry import ARRAYS_FILE, STATE_FILE, Component, component_class, create
from bot.nlu.tokenizer import SudachiTokenizer
from bot.settings import PROJECT_DIR
from bot.training_data import Example, NluData, parse_annotated

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # a Friday


@pytest.fixture(scope="module")
def tokenizer():
    return SudachiTokenizer({"mode": "C", "dict": "core"}, {})


def norms(tokenizer, text):
    message = Message.build(text)
    return "".join(t.norm for t in tokenizer.tokenize(message.norm))


@pytest.mark.parametrize(
    "a,b",
    [
        ("粗大ゴミ", "粗大ごみ"),
        ("空缶", "空き缶"),
        ("ｺﾞﾐ", "ごみ"),
        ("ＡＢＣ１２３", "ABC123"),
        ("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ", "マイナンバーカード"),
        ("スプレイ缶", "スプレー缶"),
    ],
)
def test_spelling_variants_share_normalised_tokens(tokenizer, a, b):
    assert norms(tokenizer, a) == norms(tokenizer, b)


def test_offsets_survive_half_width_kana():
    norm, offsets = normalize_with_offsets("ｽﾌﾟﾚｰ缶")
    assert norm == "スプレー缶"
    message = Message(text="ｽﾌﾟﾚｰ缶", norm=norm, offsets=offsets)
    assert message.original_span(0, len(norm)) == (0, 6)  # ﾌﾟ is two characters that fold into プ
    assert message.original_span(1, 2) == (1, 3)
    assert message.original_span(4, 5) == (5, 6)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("今日", "2026-11-20"),
        ("明日", "2026-11-21"),
        ("あさって行きます", "2026-11-22"),
        ("来週の火曜日", "2026-11-24"),
        ("来週の水曜", "2026-11-25"),
        ("12月3日", "2026-12-03"),
        ("2026/12/3", "2026-12-03"),
        ("令和8年1月5日", "2026-01-05"),
        ("１２月３日に", "2026-12-03"),
        ("1月5日", "2027-01-05"),
        ("3日後", "2026-11-23"),
        ("2月30日", "2027-02-30"),
        ("昨日", "2026-11-19"),
        ("おととい", "2026-11-18"),
        ("先週の月曜", "2026-11-09"),
        ("先月10日", "2026-10-10"),
        ("3日", "2026-12-03"),  # a day of the month alone: the next such day, today included
        ("20日でお願いします", "2026-11-20"),
        ("31日", "2026-12-31"),  # November has no 31st
        ("10日がいい", "2026-12-10"),
        ("3日(木)", "2026-12-03"),
        ("1月の3日", "2027-01-03"),
    ],
)
def test_japanese_dates_resolve_against_the_fixed_clock(text, expected):
    extractor = JapaneseDateExtractor({"entity": "date"}, {})
    message = Message.build(text)
    extractor.process(message, {"now": lambda: NOW})
    assert [e["value"] for e in message.entities] == [expected]
    entity = message.entities[0]
    assert text[entity["start"] : entity["end"]] == entity["text"]


@pytest.mark.parametrize(
    "text",
    [
        "090-1111-2222",
        "0901112222",
        "03-1234-5678",
        "０９０－１１１１－２２２２",
        "03-12-3456",  # ja-timex alone reads 3月12日 in it
        "電話は076-12-3456です",
        "第3日曜",
        "2～3日かかります",
        "3日以内に",
        "1日中",
        "毎月3日",
    ],
)
def test_phone_numbers_and_counts_of_days_are_no_dates(text):
    extractor = JapaneseDateExtractor({"entity": "date"}, {})
    message = Message.build(text)
    extractor.process(message, {"now": lambda: NOW})
    assert message.entities == []


def test_no_date_in_plain_question():
    extractor = JapaneseDateExtractor({"entity": "date"}, {})
    message = Message.build("住民票の取り方を教えて")
    extractor.process(message, {"now": lambda: NOW})
    assert message.entities == []


def test_lookup_matches_longest_name_across_kana_and_width(tmp_path):
    table = tmp_path / "items.csv"
    table.write_text("name,reading\nスプレー缶,すぷれーかん\n傘（金属製）,かさ\n缶,かん\n", encoding="utf-8")
    extractor = LookupEntityExtractor(
        {
            "tables": [{"entity": "garbage_item", "file": "items.csv", "columns": ["name", "reading"]}],
            "min_length": 2,
            "min_kana_length": 3,
        },
        {"project_dir": str(tmp_path)},
    )
    extractor.train(NluData(), [])
    for text, found in [("ｽﾌﾟﾚｰ缶は何ごみ", "ｽﾌﾟﾚｰ缶"), ("すぷれーかんの捨て方", "すぷれーかん"), ("傘を捨てたい", None)]:
        message = Message.build(text)
        extractor.process(message, {})
        assert [e["text"] for e in message.entities] == ([found] if found else []), text
        assert [e["value"] for e in message.entities] == (["スプレー缶"] if found else []), text
    # "傘" alone is shorter than min_length and "かさ" than min_kana_length: no noisy one-letter matches
    message = Message.build("傘（金属製）")
    extractor.process(message, {})
    assert [e["value"] for e in message.entities] == ["傘（金属製）"]


def test_annotated_examples_become_entities():
    text, entities = parse_annotated("[スプレー缶](garbage_item)は[明日](date)出せる？")
    assert text == "スプレー缶は明日出せる？"
    assert [(e["entity"], text[e["start"] : e["end"]]) for e in entities] == [
        ("garbage_item", "スプレー缶"),
        ("date", "明日"),
    ]


@pytest.mark.parametrize(
    "ranking,expected",
    [
        ([{"name": "a", "confidence": 0.2}, {"name": "b", "confidence": 0.1}], True),  # below threshold
        ([{"name": "a", "confidence": 0.45}, {"name": "b", "confidence": 0.42}], True),  # ambiguous
        ([{"name": "a", "confidence": 0.8}, {"name": "b", "confidence": 0.1}], False),
        ([], True),
    ],
)
def test_fallback_semantics(ranking, expected):
    assert should_fall_back(ranking, threshold=0.3, ambiguity_threshold=0.05) is expected


def test_fallback_keeps_the_ranking_below_nlu_fallback():
    message = Message.build("x")
    message.intent_ranking = [{"name": "a", "confidence": 0.2}, {"name": "b", "confidence": 0.1}]
    message.intent = dict(message.intent_ranking[0])
    FallbackClassifier({"threshold": 0.3, "ambiguity_threshold": 0.05}, {}).process(message, {})
    assert message.intent["name"] == FALLBACK_INTENT
    assert [r["name"] for r in message.intent_ranking] == [FALLBACK_INTENT, "a", "b"]


def test_unknown_component_and_key_fail_at_load():
    with pytest.raises(ConfigError, match="unknown pipeline component"):
        create("NoSuchThing", {}, {})
    with pytest.raises(ConfigError, match="Allowed"):
        create("FallbackClassifier", {"treshold": 0.3}, {})
    with pytest.raises(ConfigError, match="language: ja"):
        Pipeline.from_config({"language": "en", "pipeline": []}, ".")


SMALL = {
    "language": "ja",
    "pipeline": [
        {"name": "SudachiTokenizer"},
        {"name": "JapaneseFeaturizer"},
        {"name": "LinearSVCIntentClassifier"},
        {"name": "FallbackClassifier", "threshold": 0.2},
    ],
}


def small_data():
    rows = {
        "certificates_residence_record": [
            "住民票がほしい",
            "住民票の写しを取りたい",
            "じゅうみんひょうください",
            "住民票はどこで",
            "住民票を請求したい",
        ],
        "garbage_sort_item": [
            "スプレー缶は何ごみ",
            "電池の捨て方",
            "フライパンは何ゴミ",
            "傘の出し方",
            "ペットボトルの分別",
        ],
        "general_greet": ["こんにちは", "おはようございます", "こんばんは", "やあ", "はじめまして"],
    }
    return NluData(examples=[Example(t, i) for i, ts in rows.items() for t in ts])


def test_training_is_deterministic_and_survives_save_and_load(tmp_path):
    first = Pipeline.from_config(SMALL, tmp_path)
    first.train(small_data())
    second = Pipeline.from_config(SMALL, tmp_path)
    second.train(small_data())
    entries = first.persist(tmp_path / "nlu")  # persisted as bot.model persists it: a folder per component
    loaded = Pipeline.load(entries, tmp_path / "nlu", tmp_path)
    for text in ["住民票ほしいです", "すぷれー缶のすてかた", "こんにちは！"]:
        a = first.parse(text, lambda: NOW).as_parse_data()
        b = second.parse(text, lambda: NOW).as_parse_data()
        c = loaded.parse(text, lambda: NOW).as_parse_data()
        assert a == b == c
    assert loaded.parse("住民票", lambda: NOW).intent["name"] == "certificates_residence_record"


# Every built-in component, with the options the project uses, on data that gives each of them state.
FULL = {
    "language": "ja",
    "pipeline": [
        {"name": "SudachiTokenizer", "mode": "C"},
        {"name": "JapaneseFeaturizer", "synonyms": "data/sudachi/synonyms.txt"},
        {"name": "LinearSVCIntentClassifier"},
        {"name": "RegexEntityExtractor"},
        {
            "name": "LookupEntityExtractor",
            "tables": [{"entity": "garbage_item", "file": "items.csv", "columns": ["name", "reading"]}],
        },
        {"name": "JapaneseDateExtractor"},
        {"name": "EntitySynonymMapper"},
        {"name": "FallbackClassifier", "threshold": 0.2},
    ],
}
PROBES = [
    "住民票ほしいです",
    "ｽﾌﾟﾚｰ缶を明日出したい",
    "すぷれーかんの捨て方",
    "国保に入りたい",
    "電話は090-1234-5678です",
    "来週の火曜日に傘を",
    "こんにちは！",
    "",
    "？？？",
]


@pytest.fixture(scope="module")
def full_pipeline(tmp_path_factory):
    project = tmp_path_factory.mktemp("project")
    (project / "items.csv").write_text("name,reading\nスプレー缶,すぷれーかん\n傘（金属製）,かさ\n", encoding="utf-8")
    (project / "data" / "sudachi").mkdir(parents=True)
    shutil.copyfile(PROJECT_DIR / "data/sudachi/synonyms.txt", project / "data" / "sudachi" / "synonyms.txt")
    data = small_data()
    text, entities = parse_annotated('[すぷれー缶]{"entity": "garbage_item", "value": "スプレー缶"}を捨てたい')
    data.examples += [Example(text, "garbage_sort_item", entities), Example("国民健康保険に入りたい", "general_greet")]
    data.regexes = {"phone_number": [r"0\d{1,4}-\d{1,4}-\d{4}"], "postal_code": [r"\d{3}-\d{4}"]}
    data.lookups = {"garbage_item": ["フライパン", "ペットボトル"]}
    data.synonyms = {"ぺっとぼとる": "ペットボトル"}
    pipeline = Pipeline.from_config(FULL, project)
    pipeline.train(data)
    return pipeline, project


def _state(component) -> dict:
    """A component's attributes as comparable plain values (arrays with their dtype, patterns as strings)."""
    out = {}
    for key, value in vars(component).items():
        if key.startswith("_"):
            continue
        if isinstance(value, np.ndarray):
            value = (str(value.dtype), value.shape, value.tobytes())
        elif isinstance(value, dict):
            value = {k: v.pattern if isinstance(v, re.Pattern) else v for k, v in value.items()}
        out[key] = value
    return out


@pytest.mark.parametrize("index", range(len(FULL["pipeline"])), ids=[c["name"] for c in FULL["pipeline"]])
def test_each_component_persists_and_loads_back_equal(full_pipeline, tmp_path, index):
    pipeline, project = full_pipeline
    original = pipeline.components[index]
    folder = tmp_path / original.component_name
    folder.mkdir()
    original.persist(folder)
    # plain data only: JSON state and arrays NumPy reads without pickle
    assert {f.name for f in folder.iterdir()} <= {STATE_FILE, ARRAYS_FILE}
    if (folder / ARRAYS_FILE).exists():
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as npz:
            assert all(npz[k].dtype != object for k in npz.files)
    loaded = type(original).load(dict(original.config), {"project_dir": str(project)}, folder)
    assert type(loaded) is type(original) and loaded.config == original.config
    assert _state(loaded) == _state(original)
    swapped = Pipeline([*pipeline.components[:index], loaded, *pipeline.components[index + 1 :]], "ja")
    for text in PROBES:
        assert swapped.parse(text, lambda: NOW).as_parse_data() == pipeline.parse(text, lambda: NOW).as_parse_data()


def test_the_full_pipeline_round_trip_finds_the_same_intents_and_entities(full_pipeline, tmp_path):
    pipeline, project = full_pipeline
    entries = pipeline.persist(tmp_path / "nlu")
    assert [e["name"] for e in entries] == [c["name"] for c in FULL["pipeline"]]
    loaded = Pipeline.load(entries, tmp_path / "nlu", project)
    results = [loaded.parse(text, lambda: NOW).as_parse_data() for text in PROBES]
    assert results == [pipeline.parse(text, lambda: NOW).as_parse_data() for text in PROBES]
    found = {(e["entity"], e["value"]) for r in results for e in r["entities"]}
    assert {("garbage_item", "スプレー缶"), ("phone_number", "090-1234-5678"), ("date", "2026-11-24")} <= found


def test_featurizer_keeps_the_synonym_groups_it_was_trained_with(full_pipeline, tmp_path):
    """A loaded model never reads the synonym dictionary again: the groups it learned are in the model."""
    featurizer = full_pipeline[0].components[1]
    assert featurizer.synonyms  # 国保 / 国民健康保険 share a group used in training
    featurizer.persist(tmp_path)
    loaded = type(featurizer).load(dict(featurizer.config), {"project_dir": str(tmp_path / "elsewhere")}, tmp_path)
    assert loaded.synonyms == featurizer.synonyms


def test_persist_and_load_mirror_each_other_in_every_component():
    from bot.nlu import components
    from bot.nlu.registry import _COMPONENTS

    for name, cls in _COMPONENTS.items():
        overrides_persist = cls.persist is not Component.persist
        overrides_load = cls.load.__func__ is not Component.load.__func__
        assert overrides_persist == overrides_load, name
    assert component_class("NoSuchThing") is None


def test_a_model_with_a_component_this_code_does_not_know_is_refused(tmp_path):
    with pytest.raises(ModelFormatError, match=r"RenamedTokenizer.*python -m bot train"):
        Pipeline.load([{"name": "RenamedTokenizer", "folder": "00_RenamedTokenizer", "config": {}}], tmp_path, tmp_path)
    with pytest.raises(ModelFormatError, match="treshold"):
        Pipeline.load(
            [{"name": "FallbackClassifier", "folder": "00_FallbackClassifier", "config": {"treshold": 0.3}}],
            tmp_path,
            tmp_path,
        )


def test_fold_is_width_case_and_kana_insensitive():
    assert fold("ｽﾌﾟﾚｰ缶") == fold("スプレー缶") == fold("すぷれー缶")
    assert fold("ＡＢＣ") == "abc"


def test_flattened_classifier_matches_scikit_learn(tmp_path):
    """The serving path (plain arrays) gives exactly CalibratedClassifierCV's probabilities."""
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    from bot.nlu.classifier import feature_matrix

    pipeline = Pipeline.from_config(SMALL, tmp_path)
    data = small_data()
    pipeline.train(data)
    featurizer, classifier = pipeline.components[1], pipeline.components[2]
    messages = [Message.build(e.text) for e in data.examples]
    for m in messages:
        pipeline.components[0].process(m, {})
        featurizer.process(m, {})
    reference = CalibratedClassifierCV(
        LinearSVC(C=0.5, class_weight="balanced", random_state=42), method="sigmoid", cv=3, ensemble=False
    ).fit(feature_matrix(messages, featurizer.width), [e.intent for e in data.examples])
    probe = Message.build("住民票を郵送で")
    pipeline.components[0].process(probe, {})
    featurizer.process(probe, {})
    expected = reference.predict_proba(feature_matrix([probe], featurizer.width))[0]
    assert list(reference.classes_) == classifier.classes
    assert np.allclose(classifier.probabilities(probe.features), expected)
