"""FAQ curation over real HTTP (a live waitress server): roles, forms, validation messages, try it, and publishing
under load: the new answer is served seconds after the click, and no request fails meanwhile."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from services.console.faq import content
from services.console.faq.web import FORM_NAMES
from services.faq import index as faq_index
from tests.conftest import FIXTURE_CITY
from tests.support.console_faq import copy_city, hidden_fields, signed_in
from tests.support.console_support import add_user, csrf_of

pytestmark = pytest.mark.fixture_city
QUESTION = "戸籍謄本を一通取りたい"


@pytest.fixture
def extra_env(tmp_path, fixture_city):
    return copy_city(FIXTURE_CITY, fixture_city.model_dir, tmp_path)


@pytest.fixture
def users(bot_env, engine):
    for role in ("staff", "analyst", "bookings"):
        add_user(bot_env.database_url, role, role)


def ask(base_url: str, sender: str, text: str = QUESTION) -> requests.Response:
    return requests.post(base_url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)


def form_of(values: dict, examples: list[str], page: str) -> dict:
    """The edit form of `page` filled with `values` and `examples`, its hidden fields kept."""
    data = {FORM_NAMES.get(k, k): "\n".join(v) if isinstance(v, list) else v for k, v in values.items()}
    return {**hidden_fields(page), **data, "examples": "\n".join(examples)}


def test_only_staff_and_admins_open_the_faq_pages(live_server, users, bot_env):
    anonymous = requests.get(live_server + "/admin/faq/", allow_redirects=False)
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]
    for role in ("analyst", "bookings"):
        assert signed_in(live_server, role).get(live_server + "/admin/faq/").status_code == 403
    staff = signed_in(live_server, "staff")
    for path in (
        "/admin/faq/",
        "/admin/faq/due",
        "/admin/faq/try",
        "/admin/faq/new",
        "/admin/faq/entry/fx_cert_koseki",
    ):
        assert staff.get(live_server + path).status_code == 200, path
    assert staff.get(live_server + "/admin/faq/entry/fx_no_such").status_code == 404
    page = staff.get(live_server + "/admin/faq/", params={"q": "戸籍", "domain": "certificates"}).text
    assert "fx_cert_koseki" in page and "fx_cert_inkan" not in page
    exported = staff.get(live_server + "/admin/faq/export/faq/certificates.yml")
    assert (
        exported.status_code == 200 and exported.content == (bot_env.data_dir / "faq" / "certificates.yml").read_bytes()
    )
    for wrong in ("faq/..%2Fcity.yml", "rules/general.yml", "faq/missing.yml"):
        assert staff.get(live_server + "/admin/faq/export/" + wrong).status_code == 404
    wide = staff.get(live_server + "/admin/faq/", params={"q": "ＫＯＳＥＫＩ"}).text  # full-width, as typed by an IME
    assert "fx_cert_koseki" in wide and "fx_cert_inkan" not in wide
    assert "見直し期限切れ 0 件" in staff.get(live_server + "/admin/faq/due").text
    # every form needs the session's CSRF token
    assert staff.post(live_server + "/admin/faq/publish", data={}).status_code == 400


def test_a_refused_save_shows_why_and_try_it_shows_the_parse(live_server, users, bot_env):
    staff = signed_in(live_server, "staff")
    url = live_server + "/admin/faq/entry/fx_cert_koseki"
    page = staff.get(url).text
    values = content.read(bot_env.data_dir).entries["fx_cert_koseki"]
    examples = content.read(bot_env.data_dir).examples[values["intent"]]
    refused = staff.post(url, data=form_of({**values, "answer": ""}, examples, page))
    assert refused.status_code == 400 and "回答が空です" in refused.text and 'role="alert"' in refused.text
    # two people edit at once: the second save would undo the first, so it is refused and the form kept
    assert staff.post(url, data=form_of({**values, "answer": "一人目の改訂。"}, examples, page)).status_code == 200
    second = staff.post(url, data=form_of({**values, "answer": "二人目の改訂。"}, examples, page))
    assert (
        second.status_code == 400 and "他の方が保存しました（第2版）" in second.text and "二人目の改訂。" in second.text
    )
    assert content.read(bot_env.data_dir).entries["fx_cert_koseki"] == values  # saved is not published
    tried = staff.get(live_server + "/admin/faq/try", params={"text": QUESTION}).text
    entry = faq_index.load(bot_env.data_dir).best("certificates_family_register", QUESTION)
    assert "certificates_family_register" in tried and entry is not None and entry.id in tried


def test_publish_serves_the_new_answer_in_seconds_without_a_failed_request(live_server, users, bot_env):
    """Four clients keep asking while staff edit an answer, add examples (so the model retrains) and publish; then
    the entry is rolled back and published again."""
    entry = faq_index.load(bot_env.data_dir).best("certificates_family_register", QUESTION)
    assert entry is not None
    old_answer = ask(live_server, "probe").json()[0]["text"]
    staff = signed_in(live_server, "staff")
    url = live_server + f"/admin/faq/entry/{entry.id}"
    values = content.read(bot_env.data_dir).entries[entry.id]
    examples = content.read(bot_env.data_dir).examples[entry.intent]
    new_answer = "戸籍の証明書は新しい窓口で受け付けています（改訂テスト）。"
    saved = staff.post(
        url,
        data=form_of(
            {**values, "answer": new_answer},
            [*examples, "戸籍の証明を新しい窓口でもらう"],
            staff.get(url).text,
        ),
        allow_redirects=False,
    )
    assert saved.status_code == 302
    assert ask(live_server, "probe").json()[0]["text"] == old_answer  # saved is not published

    statuses: list[int] = []
    stop = threading.Event()

    def hammer(i: int) -> None:
        while not stop.is_set():
            statuses.append(ask(live_server, f"load{i}").status_code)

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    token = csrf_of(staff.get(live_server + "/admin/faq/").text)
    clicked = time.perf_counter()
    published = staff.post(live_server + "/admin/faq/publish", data={"csrf_token": token})
    while new_answer not in ask(live_server, "probe").json()[0]["text"] and time.perf_counter() - clicked < 120:
        pass
    served_after = time.perf_counter() - clicked
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert published.status_code == 200 and "再学習" in published.text
    assert served_after < 120, "the new answer was never served"
    assert statuses and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}

    history = staff.get(url + "/history").text
    assert "改訂テスト" in history and "第1版に戻す" in history
    token = csrf_of(history)
    assert staff.post(url + "/rollback", data={"kind": "entry", "number": "1", "csrf_token": token}).status_code == 200
    staff.post(live_server + "/admin/faq/publish", data={"csrf_token": token})
    assert ask(live_server, "probe").json()[0]["text"] == old_answer


def test_a_new_entry_adds_its_examples_to_the_chosen_topic(live_server, users, bot_env, engine):
    """The new-entry page shows no examples until a topic is chosen: what is typed there joins the topic's examples,
    never replaces them."""
    from services.console.faq.service import Curation

    staff = signed_in(live_server, "staff")
    page = staff.get(live_server + "/admin/faq/new").text
    values = {**content.read(bot_env.data_dir).entries["fx_cert_koseki"], "id": "fx_cert_koseki_abroad"}
    values.update(title="海外から戸籍を請求する", related=[])
    before = Curation(bot_env).examples(values["intent"])
    form = form_of(values, ["海外から戸籍謄本を取り寄せたい"], page)
    saved = staff.post(live_server + "/admin/faq/new", data=form, allow_redirects=False)
    assert saved.status_code == 302, saved.text[:2000]
    assert Curation(bot_env).examples(values["intent"]) == [*before, "海外から戸籍謄本を取り寄せたい"]
