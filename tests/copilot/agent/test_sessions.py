"""The SQLite session store: sessions, messages, drafts with their versions, runs; resumable by id."""

from __future__ import annotations

import threading

import pytest

from recipe_copilot.copilot.sessions import SessionNotFoundError, SessionStore
from recipe_copilot.tools.drafts import RecipeDraft


def test_session_round_trip_survives_reopening(tmp_path):
    path = tmp_path / "s.sqlite3"
    store = SessionStore(path)
    info = store.create(dataset="data/web.jsonl", title="drop short docs")
    store.add_message(info.id, "user", "drop short docs")
    store.add_message(info.id, "assistant", "done", {"citations": ["op:text_length_filter"]})
    draft = RecipeDraft.new(info.id, {"process": [{"text_length_filter": {"min_len": 10}}]})
    draft.commit({"process": []}, "remove it")
    store.save_draft(info.id, draft)
    store.record_run(info.id, "r1", "running")
    store.record_run(info.id, "r1", "ok", "3001 in, 2800 out")
    store.update(info.id, state={"goals": {"needs": ["x"]}})
    store.close()

    again = SessionStore(path)
    got = again.get(info.id)
    assert got.dataset == "data/web.jsonl" and got.state == {"goals": {"needs": ["x"]}}
    assert [(m.role, m.content) for m in again.messages(info.id)] == [("user", "drop short docs"), ("assistant", "done")]
    assert again.messages(info.id)[1].meta == {"citations": ["op:text_length_filter"]}
    loaded = again.load_draft(info.id)
    assert loaded is not None and loaded.current == 1 and len(loaded.versions) == 2
    assert [(r.run_id, r.status) for r in again.runs(info.id)] == [("r1", "ok")]
    assert [s.id for s in again.list()] == [info.id]


def test_unknown_session_says_what_to_do(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    with pytest.raises(SessionNotFoundError, match="leave --session out"):
        store.get("s-nope")
    assert store.load_draft("s-nope") is None


def test_threads_can_share_the_store(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    sid = store.create().id

    def write(n: int) -> None:
        for i in range(20):
            store.add_message(sid, "user", f"{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.messages(sid)) == 80
