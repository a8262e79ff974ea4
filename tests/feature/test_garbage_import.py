"""Importers on real SQLite and PostgreSQL: the demo sources, the three shapes, messy files, bad files, export."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.cli import main as bot_main
from bot.errors import BotError, ImportDataError
from bot.settings import Settings
from bot.store.db import session_factory
from services.garbage.config import load_config, source_config
from services.garbage.edit import add_item, add_synonym
from services.garbage.export import standard_csv
from services.garbage.importers import STANDARD_COLUMNS, import_configured, import_sources
from services.garbage.models import GarbageArea, GarbageCenter, GarbageItem, GarbageSynonym
from services.garbage.service import get_service
from tests.support.garbage_support import db_url, migrated

DATA = Settings.from_env(env={}).data_dir
CONFIG = load_config(DATA)
MAPPING = {
    "columns": {"key": "番号", "name": "品名", "category": "区分", "notes": "注意"},
    "categories": {"可燃": "burnable", "不燃": "non_burnable"},
}


def settings_for(url: str) -> Settings:
    return Settings.from_env(env={}, database_url=url)


def counts(url: str) -> dict[str, int]:
    with session_factory(url)() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (GarbageItem, GarbageSynonym, GarbageArea, GarbageCenter)
        }


def items(url: str, source: str) -> dict[str, tuple]:
    with session_factory(url)() as s:
        return {
            i.key: (i.name, i.category, i.notes)
            for i in s.scalars(select(GarbageItem).where(GarbageItem.source == source))
        }


def mapping_source(path: Path, name: str = "city", **extra):
    return source_config(
        {"name": name, "format": "mapping", "path": str(path), **MAPPING, **extra}, Path("/"), CONFIG.categories, "test"
    )


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_demo_sources_import_completely_and_idempotently(db_url):
    first = import_configured(settings_for(db_url))
    assert {k: (v["status"], v["items"]) for k, v in first.items()} == {
        "local": ("imported", len(yaml.safe_load((DATA / "garbage_local.yml").read_text(encoding="utf-8"))["items"])),
        "kanazawa": ("imported", 1037),
        "tsu": ("imported", 3984),
    }
    assert first["kanazawa"]["areas"] == 71 and first["kanazawa"]["centers"] == 2
    before = counts(db_url)
    local = yaml.safe_load((DATA / "garbage_local.yml").read_text(encoding="utf-8"))
    assert before == {
        "garbage_items": len(local["items"]) + 1037 + 3984,
        "garbage_synonyms": sum(len(names) for names in local["synonyms"].values()),
        "garbage_areas": 71,
        "garbage_centers": 2,
    }
    assert {v["status"] for v in import_configured(settings_for(db_url)).values()} == {"unchanged"}
    forced = import_configured(settings_for(db_url), force=True)
    assert {v["changed"] for v in forced.values()} == {0}
    assert counts(db_url) == before
    # Tsu's quoted line breaks stay inside their field
    stove = items(db_url, "tsu")["1708"]
    assert stove[0] == "ストーブ（石油・石炭・まきストーブ）" and "\n" in stove[2]


def test_rows_that_cannot_be_used_are_skipped_by_line_and_strict_refuses_them_all(db_url, tmp_path, caplog):
    good = write(tmp_path / "city.csv", "番号,品名,区分,注意\n1,やかん,不燃,\n2,紙くず,可燃,丸めて\n")
    import_sources(db_url, CONFIG, [mapping_source(good)])
    before = items(db_url, "city")
    bad = write(
        tmp_path / "city.csv",
        "番号,品名,区分,注意\n1,やかん,不燃,\n2,紙くず,ふしぎ,\n\n3,,可燃,\n4,傘,不燃,,余分\n1,やかん,可燃,\n5,皿,不燃,\n",
    )
    with pytest.raises(ImportDataError) as err:
        import_sources(db_url, CONFIG, [mapping_source(bad)], strict=True)
    problems = dict(err.value.problems)
    assert sorted(problems) == [3, 5, 6, 7]
    assert "ふしぎ" in problems[3] and "no item name" in problems[5] and "5 columns" in problems[6]
    assert "line 2" in problems[7]
    assert "line 3:" in str(err.value) and "nothing was changed" in str(err.value)
    assert items(db_url, "city") == before
    # without --strict the usable rows import, and every skipped row is named with its line
    summary = import_sources(db_url, CONFIG, [mapping_source(bad)])
    assert summary["city"]["skipped"] == 4 and summary["city"]["items"] == 2
    assert items(db_url, "city") == {"1": ("やかん", "non_burnable", ""), "5": ("皿", "non_burnable", "")}
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert [m.split(" line ")[1].split(" ")[0] for m in skipped] == ["3", "5", "6", "7"]


def test_a_file_that_is_not_a_table_is_refused_whole(db_url, tmp_path):
    good = write(tmp_path / "a.csv", "番号,品名,区分,注意\n1,やかん,不燃,\n")
    no_column = write(tmp_path / "b.csv", "番号,名前,区分\n1,やかん,不燃\n")
    with pytest.raises(ImportDataError) as err:
        import_sources(db_url, CONFIG, [mapping_source(good, "a"), mapping_source(no_column, "b")])
    assert "missing column(s) 品名" in str(err.value) and "b.csv" in str(err.value)
    assert counts(db_url)["garbage_items"] == 0


def test_reads_cp932_bom_tabs_quoted_newlines_blank_and_repeated_rows(tmp_path):
    url = migrated(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    text = (
        '番号,品名,区分,注意\r\n1,ｽﾌﾟﾚｰ缶,不燃,"穴をあける\r\n火気のない所で"\r\n\r\n,,,\r\n'
        "2,やかん,不燃,\r\n2,やかん,不燃,\r\n"
    )
    sources = [
        mapping_source(write(tmp_path / "sjis.csv", text, "cp932"), "sjis"),
        mapping_source(write(tmp_path / "euc.csv", text.replace("ｽﾌﾟﾚｰ", "スプレー"), "euc_jp"), "euc"),
        mapping_source(write(tmp_path / "utf16.csv", text, "utf-16"), "utf16"),
        mapping_source(write(tmp_path / "bom.csv", "\ufeff" + text, "utf-8"), "bom"),
        mapping_source(write(tmp_path / "tabs.tsv", text.replace(",", "\t")), "tabs"),
    ]
    summary = import_sources(url, CONFIG, sources)
    assert items(url, "euc")["1"][0] == "スプレー缶"
    for name in ("sjis", "utf16", "bom", "tabs"):
        assert summary[name]["items"] == 2 and summary[name]["duplicates"] == 1
        assert items(url, name)["1"] == ("ｽﾌﾟﾚｰ缶", "non_burnable", "穴をあける\n火気のない所で")
    # line numbers count the physical lines, quoted line breaks included
    bad = write(tmp_path / "bad.csv", text + "3,傘,ふしぎ,\r\n", "cp932")
    with pytest.raises(ImportDataError) as err:
        import_sources(url, CONFIG, [mapping_source(bad, "bad")], strict=True)
    assert [line for line, _ in err.value.problems] == [8]
    undecodable = tmp_path / "broken.csv"
    undecodable.write_bytes("番号,品名,区分,注意\n1,やかん,不燃,\n".encode() + b"2,\xff\xfe\xfa,x,\n")
    with pytest.raises(ImportDataError) as err:
        import_sources(url, CONFIG, [mapping_source(undecodable, "broken")])
    assert err.value.problems == [(3, "undecodable bytes")]


def test_standard_format_imports_and_exports_round_trip(db_url, tmp_path):
    rows = [
        ",".join(STANDARD_COLUMNS),
        "000000,1,さくら市,,ソファー,ソファー,sofa,粗大ごみ,事前申込制,,1000円",
        "000000,2,さくら市,,色紙,シキシ,,燃やすごみ,,,",
        "000000,3,さくら市,,色紙,イロガミ,,古紙・古布,,,",
    ]
    std = source_config(
        {"name": "std", "format": "standard", "path": str(write(tmp_path / "std.csv", "\n".join(rows) + "\n"))},
        Path("/"),
        CONFIG.categories,
        "test",
    )
    assert import_sources(db_url, CONFIG, [std])["std"]["items"] == 3
    index = get_service(db_url, DATA).snapshot().index
    assert [(e.category, e.bulky_fee) for e in index.lookup("そふぁー").items] == [("bulky", "1000円")]
    assert {e.category for e in index.lookup("しきし").items} == {"burnable"}  # the published reading decides
    data, count = standard_csv(db_url, CONFIG, "さくら市", "cp932")
    assert count == 3
    again = migrated(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    exported = source_config(
        {"name": "exported", "format": "standard", "path": str(write(tmp_path / "out.csv", data.decode("cp932")))},
        Path("/"),
        CONFIG.categories,
        "test",
    )
    import_sources(again, CONFIG, [exported])
    assert sorted(items(again, "exported").values()) == sorted(items(db_url, "std").values())


def test_a_wrong_5374_cell_is_reported_with_its_file_and_line(tmp_path):
    folder = shutil.copytree(DATA / "opendata" / "kanazawa-5374", tmp_path / "set")
    days = folder / "area_days.csv"
    lines = days.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace("火 金", "火 金曜")
    days.write_text("\n".join(lines), encoding="utf-8")
    src = source_config(
        {
            "name": "k",
            "format": "5374",
            "path": str(folder),
            "categories": {
                "燃やすごみ": "burnable",
                "燃やさないごみ": "non_burnable",
                "資源": "recyclable",
                "びん": "bottles",
            },
        },
        Path("/"),
        CONFIG.categories,
        "test",
    )
    url = migrated(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    with pytest.raises(ImportDataError) as err:
        import_sources(url, CONFIG, [src], strict=True)
    ((line, message),) = err.value.problems
    assert line == 4 and "area_days.csv" in message and "金曜" in message
    summary = import_sources(url, CONFIG, [src])  # the area with the wrong cell is left out, not half-imported
    assert summary["k"]["areas"] == 70 and summary["k"]["skipped"] == 1 and summary["k"]["items"] == 1037


def test_local_yaml_problems_have_lines(tmp_path):
    local = write(
        tmp_path / "local.yml",
        "items:\n  - name: やかん\n    category: burnable\n"
        "  - name: 何か\n    category: ふしぎ\n  - name: 傘\n    colour: red\n",
    )
    src = source_config({"name": "l", "format": "yaml", "path": str(local)}, Path("/"), CONFIG.categories, "t")
    with pytest.raises(ImportDataError) as err:
        import_sources(migrated(f"sqlite:///{tmp_path / 'g.sqlite3'}"), CONFIG, [src], strict=True)
    assert [line for line, _ in err.value.problems] == [4, 6]


def test_staff_edits_are_kept_across_imports_and_refresh_the_index(db_url):
    settings = settings_for(db_url)
    import_configured(settings)
    service = get_service(db_url, DATA)
    assert service.snapshot().index.lookup("エアゾール缶").best.name == "エアゾール缶"
    assert service.snapshot().index.lookup("しゅーしゅー缶").kind == "none"
    assert add_synonym(db_url, "スプレー缶", "しゅーしゅー缶") is True
    assert add_synonym(db_url, "スプレー缶", "しゅーしゅー缶") is False
    assert add_item(db_url, CONFIG, "謎の置物", "燃やすごみ", notes="小さく割って") == "added"
    with pytest.raises(BotError):
        add_synonym(db_url, "存在しない品目", "x")
    with pytest.raises(BotError):
        add_item(db_url, CONFIG, "傘", "ふしぎ")
    import_configured(settings, force=True)
    index = service.snapshot().index
    assert index.lookup("しゅーしゅー缶").best.name == "スプレー缶"
    assert index.lookup("なぞのおきもの").best.category == "burnable"


def test_cli_imports_a_city_spreadsheet_through_a_mapping_with_progress(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("BOT_DATABASE_URL", url)
    mapping = write(
        tmp_path / "tsu.yml",
        "columns: {key: ID, name: 品目, category: 分別区分, notes: 出し方のポイント}\n"
        "categories: {燃やせるゴミ: burnable, その他プラスチック: burnable, 燃やせないごみ: non_burnable,"
        " 金属: non_burnable, 金属（エコ）: non_burnable, 容器包装プラスチック: recyclable,"
        " ペット: recyclable, びん: bottles, 危険: hazardous, 雑誌・雑紙: paper, 新聞: paper,"
        " ダンボール: paper, 飲料用紙パック: paper, 衣類・布類: paper, エコ: small_appliances,"
        " 自己搬入: self_delivery, 家電4品目: appliance_recycling, 処理困難物: not_collected}\n",
    )
    tsu = str(DATA / "opendata" / "tsu" / "original.csv")
    assert bot_main(["import", "garbage", "--format", "mapping", "--mapping", str(mapping), tsu]) == 0
    out, err = capsys.readouterr()
    assert "original: imported" in out and "items 3984" in out
    assert "[original] 3984/3984 (100%)" in err
    assert bot_main(["import", "garbage", "--format", "mapping", "--mapping", str(mapping), tsu]) == 0
    assert "original: unchanged" in capsys.readouterr().out
    assert bot_main(["export", "garbage", "--out", str(tmp_path / "out.csv")]) == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").count("\n") > 3900
    assert bot_main(["import", "garbage", "--format", "standard", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err


def test_export_refuses_to_drop_characters_the_encoding_lacks(tmp_path):
    url = migrated(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    add_item(url, CONFIG, "絵文字🍎の箱", "burnable")
    with pytest.raises(BotError, match=r"Line 2 .*🍎.*cp932"):
        standard_csv(url, CONFIG, "さくら市", "cp932")
    data, count = standard_csv(url, CONFIG, "さくら市")
    assert count == 1 and "🍎" in data.decode("utf-8-sig")


KANAZAWA_LABELS = {"燃やすごみ": "burnable", "燃やさないごみ": "non_burnable", "資源": "recyclable", "びん": "bottles"}


@pytest.mark.parametrize(
    ("header", "encoding"), [("label", "utf-8"), ("type", "utf-8-sig"), ("type", "cp932"), ("label", "cp932")]
)
def test_5374_sets_as_cities_publish_them(tmp_path, header, encoding):
    """5374.jp sets copied by cities: `type` instead of `label`, Shift_JIS (cp932), with or without a BOM."""
    folder = tmp_path / "set"
    folder.mkdir()
    for name in ("target.csv", "area_days.csv", "center.csv", "description.csv"):
        text = (DATA / "opendata" / "kanazawa-5374" / name).read_text(encoding="utf-8-sig")
        if name == "target.csv":
            text = text.replace("label,", f"{header},", 1)
        (folder / name).write_bytes(text.encode(encoding))
    src = source_config(
        {"name": "k", "format": "5374", "path": str(folder), "categories": KANAZAWA_LABELS},
        Path("/"),
        CONFIG.categories,
        "test",
    )
    url = migrated(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    summary = import_sources(url, CONFIG, [src], strict=True)
    assert (summary["k"]["items"], summary["k"]["areas"], summary["k"]["skipped"]) == (1037, 71, 0)
    assert items(url, "k")["ＩＣレコーダー"][:2] == ("ＩＣレコーダー", "non_burnable")


def test_standard_set_keeps_the_english_names(tmp_path):
    rows = [
        ",".join(STANDARD_COLUMNS),
        "141305,1,川崎市,,アイロン,アイロン,iron,小物金属,,,",
        "141305,2,川崎市,,空き缶,アキカン,empty can,空き缶・ペットボトル,中を洗って,,",
        "141305,3,川崎市,,謎,ナゾ,,,,,",
    ]
    path = write(tmp_path / "std.csv", "\n".join(rows) + "\n", "cp932")
    std = source_config(
        {
            "name": "std",
            "format": "standard",
            "path": str(path),
            "categories": {"小物金属": "non_burnable", "空き缶・ペットボトル": "recyclable"},
        },
        Path("/"),
        CONFIG.categories,
        "test",
    )
    url = migrated(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    assert import_sources(url, CONFIG, [std])["std"]["skipped"] == 1  # 謎 has no category
    with session_factory(url)() as s:
        english = {i.name: i.english for i in s.scalars(select(GarbageItem))}
    assert english == {"アイロン": "iron", "空き缶": "empty can"}
    data, _ = standard_csv(url, CONFIG, "川崎市")  # and written back by the export
    assert {(row[4], row[6]) for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))} >= {
        ("アイロン", "iron"),
        ("空き缶", "empty can"),
    }


def test_dry_run_shows_the_mapping_and_writes_nothing(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("BOT_DATABASE_URL", url)
    csv_file = write(
        tmp_path / "city.csv", "番号,品名,区分,注意\n1,やかん,不燃,\n2,紙くず,可燃,\n3,皿,不燃,\n4,傘,ふしぎ,\n"
    )
    mapping = write(
        tmp_path / "m.yml",
        "columns: {key: 番号, name: 品名, category: 区分, notes: 注意}\n"
        "categories: {可燃: burnable, 不燃: non_burnable}\n",
    )
    args = ["import", "garbage", "--format", "mapping", "--mapping", str(mapping), str(csv_file)]
    assert bot_main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    names = load_config(DATA).categories
    assert f"不燃 → non_burnable ({names['non_burnable']}): 2" in out
    assert f"可燃 → burnable ({names['burnable']}): 1" in out
    assert "ふしぎ → NOT MAPPED" in out and "line 5 skipped" in out and "nothing was written" in out
    assert not (tmp_path / "cli.sqlite3").exists()
    assert bot_main([*args, "--strict"]) == 2
    assert "line 5" in capsys.readouterr().err
    assert bot_main(args) == 0
    out = capsys.readouterr().out
    assert "items 3" in out and "skipped 1" in out


def test_the_help_says_garbage_yml_is_read_from_the_data_folder(capsys):
    """An adopting city runs the import with BOT_DATA_DIR set: the help must not point it to the demo's data/."""
    with pytest.raises(SystemExit):
        bot_main(["import", "garbage", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "BOT_DATA_DIR" in out and "default: data/garbage.yml" not in out
