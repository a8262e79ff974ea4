"""FAQ publish under load (issue 13): the time from clicking 公開 in the console until the webhook serves the new
answer, and the requests that failed meanwhile (target: 0).

The real server (`bot run`, 4 threads) on a copy of the demo city's data and model in a temporary folder. Eight
clients keep asking the held-out questions while a staff user publishes an edited answer twice: the answer alone
(the FAQ files change, no training), then the answer with a new training example (the model retrains in the
server and is swapped in). While the click's request runs, a probe asks the edited entry's question until the new
answer comes back, then watches /version until the retrained model serves.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.bench_engine import free_port, start_server
from bench.corpus import NO_LIMITS, ROOT, percentile, questions
from bot.settings import Settings

CLIENTS = 8
QUESTION = "住民票を郵送で請求したい"
INTENT = "certificates_residence_record"
STAFF, PASSWORD = "bench-staff", "bench password for publishing 13"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
STATUS = re.compile(r'role="status"[^>]*>(.*?)</div>', re.DOTALL)  # the console's flash messages


def _token(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def _ask(base: str, sender: str, text: str) -> requests.Response:
    return requests.post(base + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)


def _sign_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/admin/login")
    session.post(base + "/admin/login", data={"name": STAFF, "password": PASSWORD, "csrf_token": _token(page.text)})
    return session


def _publish_once(base: str, staff: requests.Session, data_dir: Path, marker: str, new_example: str | None) -> dict:
    from services.console.faq import content
    from services.console.faq.web import FORM_NAMES
    from services.faq import index as faq_index

    entry = faq_index.load(data_dir).best(INTENT, QUESTION)
    assert entry is not None
    url = f"{base}/admin/faq/entry/{entry.id}"
    files = content.read(data_dir)
    values = files.entries[entry.id]
    examples = files.examples[INTENT] + ([new_example] if new_example else [])
    form = {FORM_NAMES.get(k, k): "\n".join(v) if isinstance(v, list) else v for k, v in values.items()}
    form.update(HIDDEN.findall(staff.get(url).text))  # the CSRF token and the versions the form was shown at
    form.update(answer=f"{values['answer']}{marker}", examples="\n".join(examples))
    if staff.post(url, data=form, allow_redirects=False).status_code != 302:
        raise RuntimeError("the edit was refused")

    statuses: list[int] = []
    latencies: list[float] = []
    stop = threading.Event()
    texts = questions()

    def client(i: int) -> None:
        n = i
        while not stop.is_set():
            started = time.perf_counter()
            try:
                statuses.append(_ask(base, f"bench{i}", texts[n % len(texts)]).status_code)
            except requests.RequestException:
                statuses.append(0)
            latencies.append(time.perf_counter() - started)
            n += CLIENTS

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(2)
    token = _token(staff.get(base + "/admin/faq/").text)
    model_before = requests.get(base + "/version", timeout=60).json()["model_trained_at"]
    responses: list[tuple[requests.Response, float]] = []

    def click() -> None:
        response = staff.post(base + "/admin/faq/publish", data={"csrf_token": token}, allow_redirects=False)
        responses.append((response, time.perf_counter() - clicked))

    clicked = time.perf_counter()
    publisher = threading.Thread(target=click)
    publisher.start()
    while marker not in _ask(base, "probe", QUESTION).json()[0]["text"]:
        if time.perf_counter() - clicked > 300:
            raise RuntimeError("the new answer was never served")
    served = time.perf_counter() - clicked
    swapped = None
    if new_example:
        while requests.get(base + "/version", timeout=60).json()["model_trained_at"] == model_before:
            if time.perf_counter() - clicked > 300:
                raise RuntimeError("the new model was never loaded")
            time.sleep(0.05)
        swapped = round(time.perf_counter() - clicked, 2)
    publisher.join()
    response, page_seconds = responses[0]
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join()
    failed = sum(s != 200 for s in statuses)
    notice = staff.get(base + response.headers["Location"]).text  # the page the click lands on says what it did
    return {
        "retrained": "再学習" in notice,
        "notice": " ".join(re.sub(r"<[^>]+>", "", STATUS.search(notice).group(1)).split()),  # type: ignore[union-attr]
        "publish_response_s": round(page_seconds, 2),
        "new_answer_served_s": round(served, 2),
        "new_model_serving_s": swapped,
        "requests": len(statuses),
        "failed": failed,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
    }


def main() -> dict:
    from bot import model as bot_model
    from services.console.users import UserStore

    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    source = Settings.from_env(env={})
    if bot_model.is_stale(source):
        bot_model.train(source)
    shutil.copytree(ROOT / "data", tmp / "data")
    current = bot_model.current_model_dir(source)
    shutil.copytree(current, tmp / "models" / current.name)
    (tmp / "models" / "current").write_text(current.name + "\n", encoding="utf-8")
    city = {"BOT_DATA_DIR": str(tmp / "data"), "BOT_MODEL_DIR": str(tmp / "models")}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        proc, _ = start_server(tmp, port, limits={**NO_LIMITS, **city})  # the server's environment, added to ours
        try:
            UserStore(f"sqlite:///{tmp}/bench.sqlite3").create(STAFF, "staff", PASSWORD, "bench")
            staff = _sign_in(base)
            figures = {
                "answer only": _publish_once(base, staff, tmp / "data", "（改訂1）", None),
                "answer and example": _publish_once(
                    base, staff, tmp / "data", "（改訂2）", "住民票を郵便で取り寄せる方法"
                ),
            }
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name, f in figures.items():
        print(
            f"publish, {name}: new answer served {f['new_answer_served_s']} s after the click"
            + (f", retrained model serving {f['new_model_serving_s']} s after it" if f["new_model_serving_s"] else "")
            + f" (publish page {f['publish_response_s']} s); {f['requests']} requests "
            f"from {CLIENTS} clients, {f['failed']} failed, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms; "
            f"the console said: {f['notice']}"
        )
    return figures


if __name__ == "__main__":
    main()
