"""The analysts' pages: the unanswered queue (/admin/queue) and the dashboard (/admin/dashboard), for the analyst
role and admins. The pages only read the form, call queue, remedies and dashboard, and render; CSV files are the
same tables, every cell neutralised (bot.csvsafe)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from bot import csvsafe
from bot.clock import city_zone
from bot.store.db import session_factory
from connectors.security import csp_nonce
from services.console.auth import current_user, require_role
from services.console.faq.service import Curation
from services.console.faq.web import FILES
from services.console.nav import add_section

from . import answered, dashboard, queue, remedies
from .models import (
    DISMISSED,
    FAQ_ENTRY,
    GARBAGE_ITEM,
    GARBAGE_SYNONYM,
    OUT_OF_SCOPE,
    RESOLUTIONS,
    TRAINING_EXAMPLE,
)

ANALYST = "analyst"
DEFAULT_DAYS = 30  # the dashboard's range when none is chosen: the last 30 days
MAX_DAYS = 3 * 366  # a longer range is refused (the page would draw thousands of days)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # days a range may name (date arithmetic stays in range)
MAX_TEXTS = 500  # questions one action may take
MAX_TEXT = 1000  # characters of one question (the engine's own limit)

FIELDS = {"start": "開始日", "end": "終了日", "max_confidence": "確信度の上限", "max_margin": "差の上限"}
queue_bp = Blueprint("queue", __name__, url_prefix="/admin/queue", template_folder="templates", static_folder="static")
dashboard_bp = Blueprint("dashboard", __name__, url_prefix="/admin/dashboard", template_folder="templates")
REASONS = {  # why a question is queued, as the page and the CSV file say it
    queue.FALLBACK: "意図を判定できず",
    queue.OUT_OF_SCOPE: "対象外と回答",
    queue.RATED_NOT_HELPFUL: "「役に立たなかった」評価",
    queue.FAILED: "処理エラー",
    queue.NOT_ANSWERED: "回答できず",
    queue.MISSED_ITEM: "ごみ品目が見つからず",
}
DONE = {
    TRAINING_EXAMPLE: "例文として追加しました（下書き）。FAQ担当が「公開」するとボットに反映されます。",
    FAQ_ENTRY: "FAQ項目を作成しました（下書き）。FAQ担当が「公開」すると回答に反映されます。",
    GARBAGE_ITEM: "ごみの品目を追加しました。すぐに回答に使われます。",
    GARBAGE_SYNONYM: "ごみの品目に別名を追加しました。すぐに回答に使われます。",
    OUT_OF_SCOPE: "対象外の例文として追加しました（下書き）。FAQ担当が「公開」するとボットに反映されます。",
    DISMISSED: "キューから外しました。",
}


def refuse(message: str) -> NoReturn:
    """Stop the request with 400 and a page saying what to correct."""
    abort(make_response(render_template("insights/refused.html", message=message), 400))


def _settings() -> Any:
    return current_app.config["BOT_SETTINGS"]


def _session() -> Any:
    return session_factory(_settings().database_url)()


def _engine() -> Any:
    return current_app.extensions["bot_engine"]


def _curation() -> Curation:
    """FAQ curation, the files' own changes taken in first, as FAQ curation's pages do."""
    curation = Curation(_settings(), reload_model=_engine().reload_model)
    curation.sync(FILES)
    return curation


def _actor() -> str:
    user = current_user()
    assert user is not None  # require_role let the request in
    return str(user.name)


def _date(name: str, default: date) -> date:
    value = request.args.get(name, "").strip()
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        refuse(f"{FIELDS[name]}：日付は 2026-11-01 の形で入力してください。")
    if not FIRST_DAY <= day <= LAST_DAY:
        refuse(f"{FIELDS[name]}：{FIRST_DAY.year}年から{LAST_DAY.year}年までの日付を入力してください。")
    return day


def date_range() -> tuple[date, date]:
    """The chosen range (start and end days, inclusive), by default the last DEFAULT_DAYS days up to today."""
    today = _engine().now().date()
    end = _date("end", today)
    start = _date("start", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end or (end - start).days >= MAX_DAYS:
        refuse("期間が正しくありません。開始日は終了日より前に、期間は3年以内にしてください。")
    return start, end


def _bounds() -> tuple[datetime | None, datetime | None]:
    """The queue's optional range, as the city's midnights."""
    zone = city_zone(_settings().data_dir)
    start, end = (request.args.get(k, "").strip() for k in ("start", "end"))
    since = datetime.combine(_date("start", date.min), time(), zone) if start else None
    until = datetime.combine(_date("end", date.min) + timedelta(days=1), time(), zone) if end else None
    return since, until


def _csv(name: str, rows: Iterable[Iterable[object]]) -> Response:
    buffer = io.StringIO()
    csvsafe.write_rows(buffer, rows)
    return Response(
        "\ufeff" + buffer.getvalue(),  # the BOM makes spreadsheet software read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _page(template: str, **values: Any) -> str:
    """A page of the queue: with the intents to choose from and the range it shows."""
    intents = sorted(_engine().agent.intents)
    return render_template(
        template, intents=intents, start=request.args.get("start", ""), end=request.args.get("end", ""), **values
    )


# -- the queue ---------------------------------------------------------------------------------------------------
def _groups() -> tuple[list[queue.Group], int, int]:
    since, until = _bounds()
    engine = _engine()
    with _session() as s:
        questions, distinct = queue.open_questions(s, city_zone(_settings().data_dir), since, until)
    return queue.group(questions, engine.agent.model.pipeline, engine.now), len(questions), distinct


@queue_bp.get("/")
@require_role(ANALYST)
def index() -> ResponseReturnValue:
    groups, shown, distinct = _groups()
    with _session() as s:
        progress = queue.progress(s)
    settings = _settings()
    return _page(
        "insights/queue.html",
        groups=groups,
        shown=shown,
        distinct=distinct,
        progress=progress,
        topics=Curation(settings).files().topics,
        categories=remedies.garbage_categories(settings),
        reason_labels=REASONS,
    )


@queue_bp.get("/queue.csv")
@require_role(ANALYST)
def queue_csv() -> ResponseReturnValue:
    groups, _, _ = _groups()
    rows: list[tuple[object, ...]] = [("グループ", "代表的な質問", "質問", "件数", "最初", "最後", "理由")]
    for n, g in enumerate(groups, 1):
        rows += [
            (
                n,
                g.label,
                q.text,
                q.count,
                q.first.isoformat(" ", "minutes"),
                q.last.isoformat(" ", "minutes"),
                "、".join(f"{REASONS[k]} {v}件" for k, v in q.reasons.items()),
            )
            for q in g.questions
        ]
    return _csv("unanswered_queue", rows)


def _kept(*names: str) -> dict[str, Any]:
    """The page's filters the form carried, to return to the same view."""
    return {k: v for k in names if (v := request.form.get(k, "").strip())}


def _texts() -> list[str]:
    texts = [t.strip()[:MAX_TEXT] for t in request.form.getlist("text") if t.strip()][:MAX_TEXTS]
    if not texts:
        refuse("質問を1つ以上選んでください。")
    return texts


def _remedy(action: str, texts: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Apply the remedy the button named; the problems that stopped it, and what to record with the resolution."""
    form, settings, actor = request.form, _settings(), _actor()
    curation = _curation()
    if action in (TRAINING_EXAMPLE, OUT_OF_SCOPE):  # out of scope is taught too: the next publish trains the bot
        intent = form.get("intent", "").strip() if action == TRAINING_EXAMPLE else queue.OUT_OF_SCOPE_INTENT
        return remedies.add_training_examples(curation, intent, texts, actor), {"intent": intent}
    if action == FAQ_ENTRY:
        values = {
            k: form.get(f"faq_{k}", "").strip()
            for k in ("id", "intent", "title", "answer", "source", "basis", "review_by")
        }
        return remedies.create_faq_entry(curation, values, texts, actor), {
            "entry": values["id"],
            "intent": values["intent"],
        }
    if action == GARBAGE_ITEM:
        name, category = form.get("item_name", "").strip(), form.get("category", "").strip()
        return remedies.add_garbage_item(settings, name, category), {"item": name, "category": category}
    if action == GARBAGE_SYNONYM:
        item, synonym = form.get("synonym_item", "").strip(), form.get("synonym", "").strip()
        return remedies.add_garbage_synonym(settings, item, synonym), {"item": item, "synonym": synonym}
    return [], {}


@queue_bp.post("/resolve")
@require_role(ANALYST)
def resolve() -> ResponseReturnValue:
    action = request.form.get("action", "")
    if action not in RESOLUTIONS:
        refuse("操作を選んでください。")
    texts = _texts()
    problems, detail = _remedy(action, texts)
    if problems:
        for problem in problems:
            flash(problem, "error")
    else:
        with _session() as s, s.begin():
            n = queue.resolve(s, _actor(), texts, action, detail, _engine().now())
        flash(f"{DONE[action]}（{n}件）")
    return redirect(url_for("queue.index", **_kept("start", "end")))


# -- answered turns the classifier barely chose -------------------------------------------------------------------
def _threshold(name: str, default: float) -> float:
    value = request.args.get(name, "").strip()
    try:
        number = float(value) if value else default
    except ValueError:
        refuse(f"{FIELDS[name]}：0 から 1 の数で入力してください。")
    if not 0 <= number <= 1:
        refuse(f"{FIELDS[name]}：0 から 1 の数で入力してください。")
    return number


def _answered() -> tuple[list[answered.Answer], float, float]:
    since, until = _bounds()
    max_confidence = _threshold("max_confidence", answered.MAX_CONFIDENCE)
    max_margin = _threshold("max_margin", answered.MAX_MARGIN)
    with _session() as s:
        rows = answered.doubtful(s, max_confidence, max_margin, since, until)
    return rows, max_confidence, max_margin


@queue_bp.get("/answered")
@require_role(ANALYST)
def answered_turns() -> ResponseReturnValue:
    rows, max_confidence, max_margin = _answered()
    return _page(
        "insights/answered.html", rows=rows, max_confidence=max_confidence, max_margin=max_margin, limit=answered.LIMIT
    )


@queue_bp.get("/answered.csv")
@require_role(ANALYST)
def answered_csv() -> ResponseReturnValue:
    rows, _, _ = _answered()
    return _csv(
        "doubtful_answers",
        [
            ("日時", "チャネル", "質問", "意図", "確信度", "差"),
            *(
                (r.received_at.isoformat(" ", "minutes"), r.channel, r.text, r.intent, r.confidence, r.margin)
                for r in rows
            ),
        ],
    )


@queue_bp.post("/answered/example")
@require_role(ANALYST)
def add_example() -> ResponseReturnValue:
    """One answered question as a training example of the intent it should have had."""
    intent = request.form.get("intent", "").strip()
    problems = remedies.add_training_examples(_curation(), intent, _texts(), _actor())
    for problem in problems:
        flash(problem, "error")
    if not problems:
        flash(DONE[TRAINING_EXAMPLE])
    return redirect(url_for("queue.answered_turns", **_kept("start", "end", "max_confidence", "max_margin")))


# -- the dashboard -----------------------------------------------------------------------------------------------
def _tables() -> tuple[list[dashboard.Table], date, date]:
    start, end = date_range()
    engine = _engine()
    with _session() as s:
        tables = dashboard.dashboard(
            s, start, end, city_zone(_settings().data_dir), engine.agent.model.pipeline, engine.now
        )
    return tables, start, end


@dashboard_bp.get("/")
@require_role(ANALYST)
def dashboard_page() -> ResponseReturnValue:
    from . import charts  # pygal on first use: a process that never draws the dashboard does without it

    tables, start, end = _tables()
    nonce = csp_nonce()
    return render_template(
        "insights/dashboard.html",
        tables=tables,
        charts={t.name: charts.svg(t, start, end, nonce) for t in tables},
        start=start,
        end=end,
    )


@dashboard_bp.get("/<name>.csv")
@require_role(ANALYST)
def dashboard_csv(name: str) -> ResponseReturnValue:
    tables, start, end = _tables()
    table = next((t for t in tables if t.name == name), None)
    if table is None:
        abort(404)
    return _csv(f"{name}_{start}_{end}", [table.headers, *table.rows])


def init_app(app: Flask) -> None:
    app.register_blueprint(queue_bp)
    app.register_blueprint(dashboard_bp)
    add_section(app, "queue.index", "未回答キュー", 30)
    add_section(app, "queue.answered_turns", "確信度の低い回答", 31)
    add_section(app, "dashboard.dashboard_page", "ダッシュボード", 32)
