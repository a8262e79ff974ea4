"""FAQ curation pages under /admin/faq, for staff (and admins): list, edit, retire, versions, try it, publish."""

from __future__ import annotations

import difflib
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from bot.nlu.folding import fold
from services.console.auth import current_user, require_role
from services.console.nav import add_section

from . import content
from .models import ENTRY, EXAMPLES
from .service import DRAFT, PUBLISHED, RETIRED, Curation, EntryState, TrainingFailed, try_it

bp = Blueprint("faq", __name__, url_prefix="/admin/faq", template_folder="templates")
STAFF = "staff"
STATUSES = {"": "すべて", DRAFT: "未公開の変更あり", PUBLISHED: "公開中", RETIRED: "削除済み", "due": "見直し期限切れ"}
MAX_QUERY = 100
# An entry's own `examples` (the questions it answers) are `questions` in the form, whose `examples` are its intent's.
FORM_NAMES = {"examples": "questions"}


FILES = "data files"  # the actor of versions taken in from the files (an edit made in git, or the first import)


def _curation() -> Curation:
    """The curation service, the files' own changes taken in first (a page never shows content older than them)."""
    engine = current_app.extensions["bot_engine"]
    curation = Curation(current_app.config["BOT_SETTINGS"], reload_model=engine.reload_model)
    curation.sync(FILES)
    return curation


def _actor() -> str:
    user = current_user()
    assert user is not None  # require_role let the request in
    return user.name


def _matches(state: EntryState, query: str, domain: str, intent: str, status: str) -> bool:
    values = state.values
    if (domain and values.get("domain") != domain) or (intent and values.get("intent") != intent):
        return False
    if (status == "due" and not state.due) or (status not in ("", "due") and state.status != status):
        return False
    if not status and state.status == RETIRED:
        return False
    text = fold(" ".join(" ".join(v) if isinstance(v, list) else v for v in values.values() if v and v is not True))
    return all(fold(word) in text for word in query.split())  # folded as the NLU reads: width, case


@bp.get("/")
@require_role(STAFF)
def entries() -> ResponseReturnValue:
    curation = _curation()
    args = request.args
    query, domain, intent = (args.get(k, "")[:MAX_QUERY].strip() for k in ("q", "domain", "intent"))
    status = args.get("status", "") if args.get("status", "") in STATUSES else ""
    states = curation.entries()
    shown = [s for s in states.values() if _matches(s, query, domain, intent, status)]
    shown.sort(key=lambda s: (s.values["domain"], s.values["intent"], s.values["id"]))
    files = curation.files()
    return render_template(
        "console/faq/list.html",
        shown=shown,
        total=sum(s.status != RETIRED for s in states.values()),
        pending=len(curation.versions.pending()),
        due=sum(s.due for s in states.values()),
        files=files,
        statuses=STATUSES,
        filters={"q": query, "domain": domain, "intent": intent, "status": status},
        exports=[
            (folder, path.name)
            for folder, paths in (
                ("faq", content.faq_files(curation.data_dir)),
                ("nlu", content.nlu_files(curation.data_dir)),
            )
            for path in paths
        ],
    )


@bp.get("/due")
@require_role(STAFF)
def due() -> ResponseReturnValue:
    return redirect(url_for("faq.entries", status="due"))


def _form_values() -> tuple[dict[str, Any], list[str]]:
    form = request.form
    values: dict[str, Any] = {key: form.get(key, "").strip() for key in content.FIELDS}
    for key in content.BOOL_FIELDS:
        values[key] = form.get(key) == "1"
    values["answer"] = form.get("answer", "").strip().replace("\r\n", "\n")
    for key in content.LIST_FIELDS:
        values[key] = _lines(form.get(FORM_NAMES.get(key, key), ""))
    return values, _lines(form.get("examples", ""))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _numbers(curation: Curation, entry_id: str, intent: str) -> dict[str, int]:
    """The newest version numbers of the entry and of its intent's examples (0: none yet)."""
    entry, examples = curation.versions.latest(ENTRY).get(entry_id), curation.versions.latest(EXAMPLES).get(intent)
    return {ENTRY: entry.number if entry else 0, EXAMPLES: examples.number if examples else 0}


def _saved_meanwhile(curation: Curation, entry_id: str, intent: str) -> list[str]:
    """Someone saved the entry or its intent's examples after this form was shown: saving would undo their change."""
    labels = {ENTRY: "この項目", EXAMPLES: "この話題の例文"}
    return [
        f"{labels[kind]}は、この画面を開いた後に他の方が保存しました（第{number}版）。"
        "版の履歴で変更を確かめてから、もう一度保存してください。"
        for kind, number in _numbers(curation, entry_id, intent).items()
        if request.form.get(f"base_{kind}") != str(number)
    ]


def _form(curation: Curation, values: dict[str, Any], examples: list[str], new: bool, problems=(), status=200):
    return (
        render_template(
            "console/faq/edit.html",
            values=values,
            examples=examples,
            new=new,
            problems=list(problems),
            bases=_numbers(curation, values["id"], values["intent"]),
            files=curation.files(),
            siblings=[
                s.values["id"]
                for s in curation.entries().values()
                if s.status != RETIRED and s.values["intent"] == values.get("intent") and s.values["id"] != values["id"]
            ],
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@require_role(STAFF)
def create() -> ResponseReturnValue:
    curation = _curation()
    if request.method == "GET":
        intent = request.args.get("intent", "")
        empty: dict[str, Any] = {k: content.blank(k) for k in content.FIELDS}
        empty.update(domain=intent.split("_", 1)[0], intent=intent)
        return _form(curation, empty, curation.examples(intent), new=True)
    values, examples = _form_values()
    values["domain"] = values["intent"].split("_", 1)[0]
    if request.form.get("examples_of") != values["intent"]:  # the box showed no examples of the chosen intent
        examples = list(dict.fromkeys([*curation.examples(values["intent"]), *examples]))
    problems = curation.save(values, examples, _actor(), new=True)
    if problems:
        return _form(curation, values, examples, True, problems, 400)
    flash(f"「{values['title']}」を保存しました（未公開）。公開すると市民への回答に反映されます。")
    return redirect(url_for("faq.edit", entry_id=values["id"]))


@bp.route("/entry/<entry_id>", methods=["GET", "POST"])
@require_role(STAFF)
def edit(entry_id: str) -> ResponseReturnValue:
    curation = _curation()
    state = curation.entries().get(entry_id)
    if state is None:
        abort(404)
    if request.method == "GET":
        return _form(curation, state.values, curation.examples(state.values["intent"]), new=False)
    values, examples = _form_values()
    values.update(id=entry_id, domain=state.values["domain"])
    problems = _saved_meanwhile(curation, entry_id, values["intent"]) or curation.save(
        values, examples, _actor(), new=False
    )
    if problems:
        return _form(curation, values, examples, False, problems, 400)
    flash(f"「{values['title']}」を保存しました（未公開）。公開すると市民への回答に反映されます。")
    return redirect(url_for("faq.edit", entry_id=entry_id))


@bp.post("/entry/<entry_id>/retire")
@require_role(STAFF)
def retire(entry_id: str) -> ResponseReturnValue:
    problems = _curation().retire(entry_id, _actor())
    for problem in problems:
        flash(problem)
    if not problems:
        flash("削除しました（未公開）。公開するとファイルからも除かれます。")
    return redirect(url_for("faq.history", entry_id=entry_id))


def _diff(old: Any, new: Any) -> list[str]:
    return list(difflib.unified_diff(_as_lines(old), _as_lines(new), "前の版", "この版", lineterm="", n=1))[2:]


def _as_lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [f"- {v}" for v in value]
    return [f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in value.items() if v not in ("", [], False)]


def _with_diffs(history: list) -> list[dict[str, Any]]:
    rows = []
    for i, v in enumerate(history):  # newest first
        previous = history[i + 1] if i + 1 < len(history) else None
        rows.append({"v": v, "diff": _diff(None if previous is None else _marked(previous), _marked(v))})
    return rows


def _marked(v) -> Any:
    if isinstance(v.content, list):
        return v.content
    return {**v.content, "状態": "削除" if v.retired else "有効"}


@bp.get("/entry/<entry_id>/history")
@require_role(STAFF)
def history(entry_id: str) -> ResponseReturnValue:
    curation = _curation()
    versions = curation.versions.history(ENTRY, entry_id)
    if not versions:
        abort(404)
    intent = versions[0].content["intent"]
    return render_template(
        "console/faq/history.html",
        entry_id=entry_id,
        title=versions[0].content.get("title", entry_id),
        intent=intent,
        entry_rows=_with_diffs(versions),
        example_rows=_with_diffs(curation.versions.history(EXAMPLES, intent)),
    )


@bp.post("/entry/<entry_id>/rollback")
@require_role(STAFF)
def rollback(entry_id: str) -> ResponseReturnValue:
    kind = request.form.get("kind", ENTRY)
    number = request.form.get("number", "")
    if kind not in (ENTRY, EXAMPLES) or not (number.isascii() and number.isdigit() and len(number) < 9):
        abort(400)
    curation = _curation()
    key = entry_id
    if kind == EXAMPLES:
        latest = curation.versions.history(ENTRY, entry_id)
        if not latest:
            abort(404)
        key = latest[0].content["intent"]
    problems = curation.rollback(kind, key, int(number), _actor())
    for problem in problems:
        flash(problem)
    if not problems:
        flash(f"第{number}版の内容に戻しました（未公開）。公開すると市民への回答に反映されます。")
    return redirect(url_for("faq.history", entry_id=entry_id))


@bp.post("/publish")
@require_role(STAFF)
def publish() -> ResponseReturnValue:
    try:
        result = _curation().publish(_actor())
    except TrainingFailed as exc:
        flash(
            "ファイルには公開しましたが、モデルの再学習に失敗しました。これまでのモデルで回答を続けています。"
            f"管理者に連絡してください（{exc}）。"
        )
        return redirect(url_for("faq.entries"))
    if not result.entries and not result.intents:
        flash("公開する変更はありません。")
    else:
        retrained = f"例文が変わったためモデルを再学習し（{result.training_seconds:.1f}秒）、" if result.trained else ""
        flash(f"{len(result.entries)}件の項目を公開しました。{retrained}{result.seconds:.1f}秒で反映されました。")
    back = request.form.get("back") or ""
    return redirect(back if _is_local(back) else url_for("faq.entries"))


def _is_local(path: str) -> bool:
    return path.startswith("/admin/faq/") and "//" not in path and "\\" not in path


@bp.post("/import")
@require_role(STAFF)
def import_files() -> ResponseReturnValue:
    curation = Curation(current_app.config["BOT_SETTINGS"])
    added = curation.sync(_actor())
    flash(f"ファイルから{added}件の変更を取り込みました。" if added else "ファイルとの差はありません。")
    return redirect(url_for("faq.entries"))


@bp.get("/export/<folder>/<name>")
@require_role(STAFF)
def export_file(folder: str, name: str) -> ResponseReturnValue:
    """A published YAML file as it is in the data folder, to download (to commit it where the data folder is not a
    git checkout). Only the files the console writes, by name."""
    data_dir = current_app.config["BOT_SETTINGS"].data_dir
    listed = {"faq": content.faq_files(data_dir), "nlu": content.nlu_files(data_dir)}.get(folder, [])
    path = next((f for f in listed if f.name == name), None)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/yaml", as_attachment=True, download_name=f"{folder}-{name}")


@bp.get("/try")
@require_role(STAFF)
def try_sentence() -> ResponseReturnValue:
    text = request.args.get("text", "").strip()[:200]
    settings = current_app.config["BOT_SETTINGS"]
    result = try_it(current_app.extensions["bot_engine"].parse, settings.data_dir, text) if text else None
    return render_template("console/faq/try.html", text=text, result=result, files=_curation().files())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "faq.entries", "FAQ", 10)
    add_section(app, "faq.due", "見直し期限切れ", 11)
    add_section(app, "faq.try_sentence", "試す", 12)
