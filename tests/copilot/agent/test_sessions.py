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


def test_a_run_started_by_a_session_reaches_its_final_status_with_no_one_watching(make_service):
    from recipe_copilot.tools import call_tool
    from recipe_copilot.tools.runs import run_summary

    service = make_service(lambda: None, mode="agent")
    sid = service.store.create(dataset="data/web.jsonl").id
    recipe = {"dataset_path": "data/web.jsonl", "export_path": "outputs/w/w.jsonl",
              "process": [{"words_num_filter": {"min_num": 20}}]}
    started = call_tool(service.ctx, "run_recipe", {"source": {"recipe": recipe}, "max_samples": 100})
    assert started.ok, started.error
    service.store.track_run(sid, started.run, service.ctx.runs)
    final = service.ctx.runs.wait(started.run.run_id, timeout=120)
    (entry,) = service.store.runs(sid)
    assert final.status == "ok" and entry.status == "ok" and entry.summary == run_summary(final)
    assert "100 in" in entry.summary
