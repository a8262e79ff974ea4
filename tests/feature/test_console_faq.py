"""FAQ curation without HTTP (services/console/faq): the files' round trip, validation, versions and rollback,
publishing with retraining. On a copy of a city's data folder: the repository's files are never written."""

from __future__ import annotations

import difflib
import shutil

import pytest
from sqlalchemy import select

from bot.store.db import session_factory
from services.console.faq import content
from services.console.faq.models import ENTRY, EXAMPLES
from services.console.faq.service import DRAFT, PUBLISHED, Curation
from services.console.models import AuditEntry
from tests.conftest import FIXTURE_CITY, PROJECT_DIR
from tests.support.console_faq import copy_city

pytestmark = pytest.mark.fixture_city


@pytest.fixture
def extra_env(tmp_path, fixture_city):
    return copy_city(FIXTURE_CITY, fixture_city.model_dir, tmp_path)


@pytest.fixture
def curation(bot_env, engine):
    return Curation(bot_env)


def snapshot(data_dir) -> dict[str, bytes]:
    return {
        f"{p.parent.name}/{p.name}": p.read_bytes()
        for p in [*content.faq_files(data_dir), *content.nlu_files(data_dir)]
    }


def test_demo_content_file_console_file_round_trip_is_lossless(bot_env, engine, tmp_path):
    """The demo city's files (comments, quotes, folded answers) go into the console and come out byte for byte;
    an edit changes exactly its own lines, and rolling it back restores the files."""
    data = tmp_path / "demo"
    for part in ("faq", "nlu"):
        shutil.copytree(PROJECT_DIR / "data" / part, data / part)
    shutil.copy(PROJECT_DIR / "data" / "city.yml", data / "city.yml")
    curation = Curation(bot_env.with_(data_dir=data))
    before = snapshot(data)
    assert curation.sync("tester") > 250
    entries = {k: s.values for k, s in curation.entries().items()}
    examples = {k: v.content for k, v in curation.versions.latest(EXAMPLES).items()}
    assert content.write(data, entries, examples) == []
    assert snapshot(data) == before

    entry = entries["cert_juminhyo_mail"]
    edited = {**entry, "answer": entry["answer"] + "（テスト追記）", "effective": "2026-04-01"}
    assert curation.save(edited, examples[entry["intent"]], "tester", new=False) == []
    published = curation.publish("tester")
    assert published.entries == ["cert_juminhyo_mail"] and published.files == ["certificates.yml"]
    assert not published.trained
    old, new = (
        before["faq/certificates.yml"].decode().splitlines(),
        (data / "faq" / "certificates.yml").read_text().splitlines(),
    )
    changed = [line for line in new if line not in old]
    assert len(new) == len(old) + 1 and len(changed) == 2, changed
    assert changed[0].strip() == edited["answer"] and changed[1].strip() == "effective: 2026-04-01"
    assert curation.sync("tester") == 0  # what publish wrote reads back as what was saved

    assert curation.rollback(ENTRY, "cert_juminhyo_mail", 1, "tester") == []
    curation.publish("tester")
    assert snapshot(data) == before

    # a new entry goes after its topic's last one, before the next group's heading comment; retiring it restores
    # the file byte for byte, heading included
    new = {**entry, "id": "cert_juminhyo_new", "title": "住民票の新しい取り方", "related": []}
    assert curation.save(new, examples[entry["intent"]], "tester", new=True) == []
    curation.publish("tester")
    lines = (data / "faq" / "certificates.yml").read_text(encoding="utf-8").splitlines()
    heading = next(i for i, line in enumerate(lines) if "印鑑登録・印鑑証明 ---" in line)
    assert lines[heading + 1].strip() == "- id: cert_inkan_register"
    assert lines.index("    - id: cert_juminhyo_new") < heading
    assert curation.retire("cert_juminhyo_new", "tester") == []
    curation.publish("tester")
    assert snapshot(data) == before

    # a demo entry rewritten by the city is no longer a sample: its `sample: true` line goes, nothing else
    sample = entries["garbage_sorting_overview"]
    assert sample["sample"] is True
    assert curation.save({**sample, "sample": False}, examples[sample["intent"]], "tester", new=False) == []
    curation.publish("tester")
    old, new_lines = (
        before["faq/garbage.yml"].decode().splitlines(),
        (data / "faq" / "garbage.yml").read_text().splitlines(),
    )
    changed = [line for line in difflib.unified_diff(old, new_lines, lineterm="", n=0) if line[:1] in "+-"][2:]
    assert changed == ["-      sample: true  # states the demo city's own local rules"]


def test_a_new_entry_is_written_after_its_topic_and_reads_back(curation, bot_env):
    curation.sync("tester")
    source = curation.entries()["fx_cert_inkan"].values
    new = {**source, "id": "fx_cert_inkan_lost", "title": "印鑑登録証をなくしたとき", "related": ["fx_cert_inkan"]}
    assert curation.save(new, curation.examples(new["intent"]), "tester", new=True) == []
    assert curation.entries()["fx_cert_inkan_lost"].status == DRAFT
    curation.publish("tester")
    files = content.read(bot_env.data_dir)
    ids = list(files.entries)
    assert ids.index("fx_cert_inkan_lost") == ids.index("fx_cert_inkan") + 1
    assert files.entries["fx_cert_inkan_lost"] == new
    assert curation.entries()["fx_cert_inkan_lost"].status == PUBLISHED


def test_each_problem_is_refused_with_a_clear_japanese_message(curation):
    curation.sync("tester")
    entry = curation.entries()["fx_cert_juminhyo"].values
    ours = curation.examples(entry["intent"])
    theirs = curation.examples("certificates_seal_registration")[0]
    cases = {
        "回答が空です": ({**entry, "answer": "  "}, ours),
        "「{offices.nowhere.phone}」は市のプロフィール（city.yml）にありません": (
            {**entry, "answer": "お問い合わせ：{offices.nowhere.phone}"},
            ours,
        ),
        f"例文「{theirs}」は別の意図「certificates_seal_registration」の例文と同じです": (entry, [*ours, theirs]),
        "関連リンク「fx_no_such_entry」の先の項目がありません": ({**entry, "related": ["fx_no_such_entry"]}, ours),
        "見直し期限「2027-13-01」は日付": ({**entry, "review_by": "2027-13-01"}, ours),
        "例文が1つもありません": (entry, []),
    }
    for expected, (values, examples) in cases.items():
        problems = curation.save(values, examples, "tester", new=False)
        assert len(problems) == 1 and expected in problems[0], (expected, problems)
    assert len(curation.versions.history(ENTRY, "fx_cert_juminhyo")) == 1  # nothing was saved
    assert "ID「fx_cert_juminhyo」はすでに使われています" in curation.save(entry, ours, "tester", new=True)[0]
    # an entry others link to cannot be retired: their buttons would point nowhere
    assert "fx_cert_inkan" in curation.retire("fx_cert_juminhyo", "tester")[0]


def test_every_version_is_kept_with_its_audit_record_and_can_be_rolled_back(curation, bot_env):
    curation.sync("tester")
    first = curation.entries()["fx_cert_koseki"].values
    examples = curation.examples(first["intent"])
    for answer in ("一つ目の改訂です。", "二つ目の改訂です。"):
        assert curation.save({**first, "answer": answer}, examples, "staff1", new=False) == []
    assert curation.save({**first, "answer": "二つ目の改訂です。"}, examples, "staff1", new=False) == []
    history = curation.versions.history(ENTRY, "fx_cert_koseki")
    assert [(v.number, v.action) for v in history] == [(3, "save"), (2, "save"), (1, "import")]  # no empty version
    assert curation.rollback(ENTRY, "fx_cert_koseki", 1, "staff2") == []
    latest = curation.entries()["fx_cert_koseki"]
    assert latest.version.number == 4 and latest.version.action == "rollback" and latest.values == first
    assert latest.status == DRAFT
    with session_factory(bot_env.database_url)() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.target == "entry:fx_cert_koseki")).all()
    assert [(r.actor, r.action) for r in rows][1:] == [
        ("staff1", "faq.save"),
        ("staff1", "faq.save"),
        ("staff2", "faq.rollback"),
    ]
    assert rows[-1].before["content"]["answer"] == "二つ目の改訂です。" and rows[-1].after["content"] == first
    curation.publish("staff2")
    with session_factory(bot_env.database_url)() as s:
        publish = s.scalars(select(AuditEntry).where(AuditEntry.action == "faq.publish")).one()
    assert publish.actor == "staff2" and publish.after["entries"] == ["fx_cert_koseki"]


def test_publishing_new_examples_retrains_and_swaps_the_model_at_once(curation, engine, bot_env):
    curation = Curation(bot_env, reload_model=engine.reload_model)
    curation.sync("tester")
    entry = curation.entries()["fx_cert_juminhyo"].values
    sentence = "ぴよぴよ証明をもらう手続き"
    assert engine.parse(sentence)["intent"]["name"] != entry["intent"]
    before = engine.agent.model.trained_at
    examples = [*curation.examples(entry["intent"]), sentence, "ぴよぴよ証明がほしい", "ぴよぴよ証明の請求"]
    assert curation.save(entry, examples, "tester", new=False) == []
    result = curation.publish("tester")
    assert result.trained and result.intents == [entry["intent"]]
    assert engine.agent.model.trained_at > before  # swapped by the publish itself, not the watcher's next tick
    assert engine.parse(sentence)["intent"]["name"] == entry["intent"]
    assert content.read(bot_env.data_dir).examples[entry["intent"]] == examples


def test_entries_past_their_review_date_are_due(curation):
    """The fixed clock says 2026-11-20: an entry to be reviewed by the 19th is due, one by the 20th is not yet."""
    curation.sync("tester")
    assert not any(s.due for s in curation.entries().values())
    for entry_id, review_by in (("fx_cert_koseki", "2026-11-19"), ("fx_cert_inkan", "2026-11-20")):
        values = curation.entries()[entry_id].values
        assert curation.save({**values, "review_by": review_by}, curation.examples(values["intent"]), "t", False) == []
    assert sorted(k for k, s in curation.entries().items() if s.due) == ["fx_cert_koseki"]
    assert curation.retire("fx_cert_koseki", "t") == []
    assert not any(s.due for s in curation.entries().values())  # a retired entry needs no review
    # bringing the retired version back is refused while another entry links to it
    values = curation.entries()["fx_cert_koseki"].values
    assert curation.rollback(ENTRY, "fx_cert_koseki", 2, "t") == []  # alive again
    linking = {**curation.entries()["fx_cert_inkan"].values, "related": ["fx_cert_koseki"]}
    assert curation.save(linking, curation.examples(linking["intent"]), "t", False) == []
    assert "fx_cert_inkan" in curation.rollback(ENTRY, "fx_cert_koseki", 3, "t")[0]
    assert curation.entries()["fx_cert_koseki"].values == values


def test_versions_on_postgresql(bot_env, pg_url):
    """The same history on PostgreSQL: import, saves, the newest per key, rollback, publish."""
    from bot.store.migrate import upgrade

    upgrade(pg_url)
    curation = Curation(bot_env.with_(database_url=pg_url))
    assert curation.sync("tester") == len(content.read(bot_env.data_dir).entries) + len(
        content.read(bot_env.data_dir).examples
    )
    first = curation.entries()["fx_cert_koseki"].values
    examples = curation.examples(first["intent"])
    assert curation.save({**first, "answer": "改訂しました。"}, examples, "staff1", new=False) == []
    assert [v.number for v in curation.versions.pending()] == [2]
    assert curation.rollback(ENTRY, "fx_cert_koseki", 1, "staff1") == []
    assert curation.entries()["fx_cert_koseki"].values == first
    assert curation.publish("staff1").entries == ["fx_cert_koseki"]
    assert curation.versions.pending() == [] and curation.sync("tester") == 0


def test_the_questions_an_entry_answers_also_teach_its_intent(curation, bot_env):
    curation.sync("tester")
    entry = curation.entries()["fx_cert_koseki"].values
    examples = curation.examples(entry["intent"])
    questions = ["戸籍を海外から取り寄せたい", examples[0] + "　"]  # the second is one the intent has, spaced
    assert curation.save({**entry, "examples": questions}, examples, "tester", new=False) == []
    assert curation.examples(entry["intent"]) == [*examples, questions[0]]
    curation.publish("tester")
    files = content.read(bot_env.data_dir)
    assert files.entries["fx_cert_koseki"]["examples"] == questions
    assert files.examples[entry["intent"]] == [*examples, questions[0]]
