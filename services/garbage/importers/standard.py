"""The national 11-column 自治体標準オープンデータセット「ごみ分別」."""

from __future__ import annotations

from ..config import SourceConfig
from ..readers import require_columns
from .common import CategoryResolver, Parsed, Progress, add_item, csv_rows, kana_reading

STANDARD_COLUMNS = [
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "地区名",
    "ゴミの品目",
    "ゴミの品目_カナ",
    "ゴミの品目_英字",
    "分別区分",
    "注意点",
    "備考",
    "粗大ごみ回収料金",
]


def parse_standard(src: SourceConfig, resolve: CategoryResolver, progress: Progress | None = None) -> Parsed:
    parsed = Parsed()
    for path in src.paths:
        header, rows = csv_rows(parsed, path, src.encoding, src.name, progress)
        require_columns(path, header, ["ゴミの品目", "分別区分"])
        for row in rows:
            v = row.values
            add_item(
                parsed,
                resolve,
                row.line,
                key=v.get("ID", ""),
                name=v["ゴミの品目"],
                label=v["分別区分"],
                reading_=kana_reading(v.get("ゴミの品目_カナ", "")),
                notes=v.get("注意点", ""),
                remarks=v.get("備考", ""),
                bulky_fee=v.get("粗大ごみ回収料金", ""),
                area=v.get("地区名", ""),
                english=v.get("ゴミの品目_英字", ""),  # kept for answers in English
            )
    return parsed
