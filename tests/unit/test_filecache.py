"""One reload-on-change mechanism for the files staff edit: re-read when a file changes, comes or goes."""

from __future__ import annotations

import shutil

import pytest

from bot.city import load_city
from bot.filecache import FileCache
from tests.conftest import FIXTURE_CITY


def counting_cache():
    reads = []

    def load(path):
        reads.append(path)
        return path.read_text(encoding="utf-8") if path.exists() else None

    return FileCache(load), reads


def test_a_value_is_read_once_and_again_when_its_file_changes(tmp_path):
    cache, reads = counting_cache()
    f = tmp_path / "a.yml"
    f.write_text("one", encoding="utf-8")
    assert cache.get([f], f) == "one" and cache.get([f], f) == "one"
    assert len(reads) == 1
    f.write_text("two!", encoding="utf-8")
    assert cache.get([f], f) == "two!" and len(reads) == 2


def test_a_file_that_comes_or_goes_is_a_change(tmp_path):
    cache, reads = counting_cache()
    f = tmp_path / "late.yml"
    assert cache.get([f], f) is None
    f.write_text("here", encoding="utf-8")
    assert cache.get([f], f) == "here"
    f.unlink()
    assert cache.get([f], f) is None and len(reads) == 3


def test_any_of_several_files_or_the_callers_version_triggers_a_rebuild(tmp_path):
    cache, reads = counting_cache()
    main, other = tmp_path / "main.yml", tmp_path / "other.yml"
    main.write_text("main", encoding="utf-8")
    other.write_text("x", encoding="utf-8")
    assert cache.get([main, other], main, version=1) == "main"
    other.write_text("xy", encoding="utf-8")
    cache.get([main, other], main, version=1)
    cache.get([main, other], main, version=2)  # e.g. the garbage dictionary's revision moved on
    cache.get([main, other], main, version=2)
    assert len(reads) == 3


def test_a_failed_read_is_not_kept(tmp_path):
    calls = []

    def load(path):
        calls.append(path)
        raise ValueError("broken")

    cache = FileCache(load)
    for _ in range(2):
        with pytest.raises(ValueError):
            cache.get([tmp_path], tmp_path)
    assert len(calls) == 2


def test_staff_edits_to_the_city_profile_apply_without_a_restart(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE_CITY / "city.yml", data / "city.yml")
    name = load_city(FIXTURE_CITY)["city"]["name"]
    assert load_city(data)["city"]["name"] == name
    text = (data / "city.yml").read_text(encoding="utf-8")
    (data / "city.yml").write_text(text.replace(name, "もみじ市"), encoding="utf-8")
    assert load_city(data)["city"]["name"] == "もみじ市"


def test_callers_that_find_the_same_change_wait_for_one_rebuild(tmp_path):
    """After a publish, every busy request thread finds the FAQ changed: one of them reads it, the others wait."""
    import threading
    import time

    reads = []

    def slow_load(path):
        reads.append(path)
        time.sleep(0.2)
        return path.read_text(encoding="utf-8")

    cache = FileCache(slow_load)
    f = tmp_path / "faq.yml"
    f.write_text("old", encoding="utf-8")
    assert cache.get([f], f) == "old"
    f.write_text("new answer", encoding="utf-8")
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(cache.get([f], f))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == ["new answer"] * 6 and len(reads) == 2


def test_a_rebuild_for_other_arguments_never_waits_behind_a_slow_one(tmp_path):
    """Another city's (or database's) value is built at once while one value's rebuild is stuck."""
    import threading
    import time

    release = threading.Event()

    def load(path):
        if path.name == "stuck.yml":
            release.wait(5)
        return path.name

    cache = FileCache(load)
    stuck, other = tmp_path / "stuck.yml", tmp_path / "other.yml"
    threading.Thread(target=cache.get, args=([stuck], stuck), daemon=True).start()
    time.sleep(0.1)
    started = time.monotonic()
    assert cache.get([other], other) == "other.yml"
    assert time.monotonic() - started < 0.5
    release.set()


def test_a_caller_waits_a_bounded_time_for_anothers_rebuild_then_builds_itself(tmp_path, monkeypatch):
    """A rebuild that needs what its waiter holds (a connection, a row lock) must not hang them both."""
    import threading
    import time

    from bot import filecache

    monkeypatch.setattr(filecache, "WAIT_S", 0.2)
    release = threading.Event()
    first = threading.Event()

    def load(path):
        if not first.is_set():
            first.set()
            release.wait(5)  # the first build waits for something the second caller would hold
        return "built"

    cache = FileCache(load)
    f = tmp_path / "faq.yml"
    threading.Thread(target=cache.get, args=([f], f), daemon=True).start()
    first.wait(1)
    started = time.monotonic()
    assert cache.get([f], f) == "built"
    assert 0.15 < time.monotonic() - started < 1.0
    release.set()
