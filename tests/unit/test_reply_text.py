"""No reply text in Python: what citizens read lives in domain.yml or the city's data files.

Every string literal in bot/, services/ and connectors/ (docstrings and regular expressions aside) that holds
Japanese script must be listed below, by file and the definition it sits in, with the reason it is not a reply.
Dates and amounts are written with the city's patterns (data/city.yml `formats`, bot/formats.py).
"""

from __future__ import annotations

import ast
import re

from tests.conftest import PROJECT_DIR

PACKAGES = ("bot", "services", "connectors")
# Kanji, hiragana and katakana (as grep -P "[\p{Han}\p{Hiragana}\p{Katakana}]"); punctuation such as 、 is not.
JAPANESE = re.compile(
    r"[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fd-\u30ff\uff66-\uff6f\uff71-\uff9d"
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3007]"
)
# Words the bot matches in what people type or in the open data it reads: not replies.
MATCHING = {
    "bot/nlu/": "the NLU's word lists and character classes",
    "services/booking/conversation.py::_FIELD_WORDS": "words naming a question (「住所を変更」)",
    "services/booking/fees.py::_NUM": "numbers in an item list",
    "services/booking/fees.py::_COUNTER": "counters in an item list",
    "services/booking/fees.py::_KANA_NUMBERS": "numbers in an item list",
    "services/booking/fees.py::_KANJI_DIGITS": "numbers in an item list",
    "services/booking/fees.py::_FILLER": "words that are not items",
    "services/booking/fees.py::to_int": "kanji numbers",
    "services/garbage/citycheck.py::_NOUN_GOES_ON": "a pattern: a category name that only starts a longer noun",
    "services/general/actions.py::about_an_item": "the particle の between a qualifier and an item's name",
    "services/faq/selector.py::": "Sudachi part-of-speech names and negation words the FAQ selector matches",
    "services/garbage/importers/standard.py::STANDARD_COLUMNS": "the open-data format's column names",
    "services/garbage/importers/standard.py::parse_standard": "the open-data format's column names",
    "services/garbage/lookup.py::": "question endings, particles, part-of-speech names, words that are not items",
    "services/garbage/normalize.py::": "kana folding tables and Sudachi part-of-speech names",
    "services/garbage/schedule.py::WEEKDAYS": "weekdays in the open data's collection rules",
    "services/garbage/schedule.py::parse_rule": "an importer's error message quoting the open data's notation",
}
# Documentation showing a value the way people type it: not replies.
DOCUMENTATION = {
    "services/garbage/cli.py::add_commands": "a --help example: staff type a fee as citizens see it (1,000円)",
}
# The staff console's own interface (issue 13): its labels, table headings and form messages are the product's,
# in the one language the console is written in, the same for every city, beside its templates. Not replies.
INTERFACE = {
    "services/console/": "the console's interface: labels, headings, validation and status messages",
    "services/booking/web.py::init_app": "the console menu's label for the booking pages",
}


def _owners(tree: ast.Module) -> dict[int, str]:
    """Each node's enclosing function or class, or for module-level code the name it is assigned to."""
    owners: dict[int, str] = {}

    def visit(node: ast.AST, owner: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = owner
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = child.name
            elif not owner and isinstance(child, (ast.Assign, ast.AnnAssign)):
                target = child.targets[0] if isinstance(child, ast.Assign) else child.target
                name = getattr(target, "id", "")
            owners[id(child)] = name
            visit(child, name)

    visit(tree, "")
    return owners


def _not_text(tree: ast.Module) -> set[int]:
    """Docstrings and the arguments of re.compile/re.search/…: not text anybody reads."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            skip.add(id(body[0].value))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
        ):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def japanese_literals() -> dict[str, list[str]]:
    """`path::definition` → the Japanese string literals in it."""
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((PROJECT_DIR / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            owners, skip = _owners(tree), _not_text(tree)
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in skip
                    and JAPANESE.search(node.value)
                ):
                    key = f"{path.relative_to(PROJECT_DIR).as_posix()}::{owners.get(id(node), '')}"
                    found.setdefault(key, []).append(node.value)
    return found


def _listed(key: str) -> bool:
    return any(
        key.startswith(entry) if entry.endswith(("/", "::")) else key == entry
        for entry in (*MATCHING, *DOCUMENTATION, *INTERFACE)
    )


def test_no_python_file_holds_reply_text():
    unlisted = {key: values for key, values in japanese_literals().items() if not _listed(key)}
    assert not unlisted, f"Japanese text in Python; move it to domain.yml responses or the city's data: {unlisted}"


def test_the_scan_sees_text_in_calls_and_f_strings():
    tree = ast.parse('def f(x):\n    """説明"""\n    g(text=f"{x}円", pattern=re.compile("ごみ"))\n')
    skip = _not_text(tree)
    texts = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip and JAPANESE.search(n.value)
    ]
    assert texts == ["円"]
