"""The `yaml` format: the items and synonyms city staff add by hand (data/garbage_local.yml)."""

from __future__ import annotations

from bot.training_data import read_yaml

from ..config import SourceConfig
from .common import CategoryResolver, Parsed, Progress, add_item, clean, kana_reading


def parse_yaml(src: SourceConfig, resolve: CategoryResolver, progress: Progress | None = None) -> Parsed:
    """data/garbage_local.yml: `items:` (name, category, reading, notes, remarks, bulky_fee, synonyms, area)
    and `synonyms:` (item name → other names) for items of any source."""
    parsed = Parsed()
    allowed = {"name", "category", "reading", "notes", "remarks", "bulky_fee", "synonyms", "area", "__line__"}
    for path in src.paths:
        doc = read_yaml(path, with_lines=True) or {}
        items = doc.get("items") or []
        for i, spec in enumerate(items, 1):
            if progress:
                progress(src.name, i, len(items))
            line = spec.get("__line__", 0) if isinstance(spec, dict) else 0
            if not isinstance(spec, dict) or set(spec) - allowed:
                parsed.problem(line, f"an item is a mapping with keys {sorted(allowed - {'__line__'})}")
                continue
            synonyms = spec.get("synonyms") or []
            add_item(
                parsed,
                resolve,
                line,
                key="",
                name=spec.get("name", ""),
                label=str(spec.get("category", "")),
                reading_=kana_reading(clean(spec.get("reading"))),
                notes=spec.get("notes", ""),
                remarks=spec.get("remarks", ""),
                bulky_fee=spec.get("bulky_fee", ""),
                synonyms=[clean(s) for s in (synonyms if isinstance(synonyms, list) else [synonyms])],
                area=spec.get("area", ""),
            )
        synonyms = doc.get("synonyms") or {}
        line = synonyms.get("__line__", 0) if isinstance(synonyms, dict) else 0
        if not isinstance(synonyms, dict):
            parsed.problem(line, "`synonyms:` maps an item name to a list of other names")
            continue
        for item, names in synonyms.items():
            if item == "__line__":
                continue
            for name in names if isinstance(names, list) else [names]:
                rec = {"item_name": clean(item), "synonym": clean(name)}
                if rec["synonym"]:
                    parsed.add("synonyms", (rec["item_name"], rec["synonym"]), rec, line, f"synonym {name}")
    return parsed
