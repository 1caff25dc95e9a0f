"""The guided workflow end to end on the bundled sample, with a scripted model on the fake OpenAI server."""

from __future__ import annotations

from recipe_copilot.copilot.events import DryRunDone, ErrorEvent, FinalAnswer, RecipeUpdated, StepStarted
from recipe_copilot.copilot.llm import FakeOpenAIServer, FakeReply
from recipe_copilot.tools import call_tool
from recipe_copilot.tools.drafts import op_items

REQUEST = "remove very short documents and exact duplicates"


def ops_of(recipe: dict) -> list[str]:
    return [name for name, _ in op_items(recipe)]


def test_request_to_validated_dry_run_recipe(make_service):
    script = [
        FakeReply.json({"needs": ["remove very short documents", "remove exact duplicates"], "dedup": True}),
        "The recipe drops short documents and exact copies.",
    ]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        events = list(service.ask(None, REQUEST, data="data/web.jsonl"))
        requests = server.chat_requests
    steps = [e.step for e in events if isinstance(e, StepStarted)]
    assert steps == ["understand", "inspect", "propose", "validate", "dry_run", "explain"]
    assert requests[0].body["response_format"]["type"] == "json_schema"
    assert "Facts:" in requests[1].messages[-1]["content"] and requests[1].stream
    recipe = [e for e in events if isinstance(e, RecipeUpdated)][-1].recipe
    assert ops_of(recipe) == ["text_length_filter", "document_deduplicator"]
    assert recipe["process"][0]["text_length_filter"]["min_len"] > 0  # a threshold from the data
    dry = next(e for e in events if isinstance(e, DryRunDone))
    assert [o.name for o in dry.ops] == ops_of(recipe) and dry.rows_in == 500 and 0 < dry.rows_out < 500
    final = events[-1]
    assert isinstance(final, FinalAnswer) and final.needs_confirmation
    assert final.text.startswith("The recipe drops short documents and exact copies.")
    assert "document_deduplicator: kept" in final.text
    assert "op:text_length_filter" in final.citations
    sid = final.session_id
    assert call_tool(service.ctx, "validate_recipe", {"source": {"recipe": recipe}}).ok
    assert [m.role for m in service.store.messages(sid)] == ["user", "assistant"]
    assert service.draft(sid).recipe == recipe


def test_follow_ups_edit_the_same_draft(make_service):
    script = [
        FakeReply.json({"needs": ["drop short documents"]}),
        "First.",
        "Stricter.",
        FakeReply.json({"needs": ["remove exact duplicates"], "dedup": True}),
        "Deduplicated.",
        "Undone.",
    ]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        first = list(service.ask(None, "drop short documents", data="data/web.jsonl"))
        sid = first[-1].session_id
        v0 = service.draft(sid).recipe
        list(service.ask(sid, "make it stricter on length"))
        v1 = service.draft(sid).recipe
        list(service.ask(sid, "also remove exact duplicates"))
        v2 = service.draft(sid).recipe
        last = list(service.ask(sid, "undo"))
    length = lambda r: r["process"][0]["text_length_filter"]["min_len"]  # noqa: E731
    assert ops_of(v0) == ["text_length_filter"] and length(v1) > length(v0)
    assert ops_of(v2) == ["text_length_filter", "document_deduplicator"]
    assert service.draft(sid).recipe == v1 and isinstance(last[-1], FinalAnswer)
    assert len(service.draft(sid).versions) == 3


def test_bad_model_output_falls_back_to_rules_and_template(make_service):
    script = ["not json at all", "{\"needs\": 3}", ""]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        events = list(service.ask(None, REQUEST, data="data/web.jsonl"))
    final = events[-1]
    assert isinstance(final, FinalAnswer), events[-1]
    assert ops_of(service.draft(final.session_id).recipe) == ["text_length_filter", "document_deduplicator"]
    assert final.text.startswith("The recipe runs text_length_filter, document_deduplicator.")


def test_full_run_only_with_consent(make_service, workspace):
    script = [FakeReply.json({"needs": ["drop short documents"]}), "Ok."]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        first = list(service.ask(None, "drop short documents", data="data/web.jsonl"))
        sid = first[-1].session_id
        refused = list(service.ask(sid, "run it"))
        assert refused[-1].needs_confirmation and not service.store.runs(sid)
        ran = list(service.ask(sid, "run it", confirm=True))
    finished = [e for e in ran if e.type == "run_finished"]
    assert finished and finished[0].status == "ok"
    assert [r.status for r in service.store.runs(sid)] == ["ok"]
    assert list((workspace / "outputs").rglob("*.jsonl"))


def test_a_provider_failure_ends_the_turn_with_an_error(make_service):
    from recipe_copilot.copilot.llm import FakeError

    with FakeOpenAIServer([FakeError(401, "bad key", "invalid_request_error")]) as server:
        service = make_service(server.chat_model())
        events = list(service.ask(None, REQUEST, data="data/web.jsonl"))
    assert isinstance(events[-1], ErrorEvent) and events[-1].message


def test_start_from_a_recipe_file_then_stricter(make_service, workspace):
    (workspace / "r.yaml").write_text("dataset_path: data/web.jsonl\nprocess:\n"
                                      "- words_num_filter: {min_num: 10}\n- document_deduplicator: {}\n")
    with FakeOpenAIServer(["Stricter now."]) as server:
        service = make_service(server.chat_model())
        events = list(service.ask(None, "make it stricter", recipe="r.yaml"))
    final = events[-1]
    assert isinstance(final, FinalAnswer), final
    assert service.store.get(final.session_id).dataset == "data/web.jsonl"
    recipe = service.draft(final.session_id).recipe
    assert recipe["process"][0] == {"words_num_filter": {"min_num": 15}}
    assert any(isinstance(e, DryRunDone) for e in events)


def test_without_data_the_recipe_is_proposed_and_validated_but_not_dry_run(make_service):
    script = [FakeReply.json({"needs": ["drop short documents"]}), "A length filter."]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        events = list(service.ask(None, "drop short documents"))
    final = events[-1]
    assert isinstance(final, FinalAnswer), final
    assert not final.needs_confirmation and not any(isinstance(e, DryRunDone) for e in events)
    assert ops_of(service.draft(final.session_id).recipe) == ["text_length_filter"]


def test_the_model_picks_among_search_hits_for_a_need_the_phrasing_table_lacks(make_service):
    need = "drop documents that are mostly digits"
    with FakeOpenAIServer([]) as server:
        service = make_service(server.chat_model())
        hits = [o.name for o in call_tool(service.ctx, "search_ops", {"query": need, "type": "filter", "k": 3}).ops]
    assert len(hits) == 3
    picked = hits[1]  # not the search's first choice: the model's pick must win
    script = [FakeReply.json({"needs": [need]}), FakeReply.json({"op": picked}), "Done."]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        events = list(service.ask(None, need, data="data/web.jsonl"))
        requests = server.chat_requests
    schema = requests[1].body["response_format"]["json_schema"]["schema"]
    assert sorted(schema["properties"]["op"]["enum"]) == sorted(hits)
    assert all(h in requests[1].messages[-1]["content"] for h in hits)
    assert isinstance(events[-1], FinalAnswer)
    assert ops_of(service.draft(events[-1].session_id).recipe) == [picked]


def test_a_question_after_a_run_is_answered_from_its_record(make_service, workspace):
    import json

    script = [FakeReply.json({"needs": ["drop short documents", "remove exact duplicates"], "dedup": True}), "Ok."]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        first = list(service.ask(None, REQUEST, data="data/web.jsonl"))
        sid = first[-1].session_id
        list(service.ask(sid, "run it", confirm=True))
        asked = list(service.ask(sid, "how many were dropped by the duplicate filter?"))
        calls = len(server.chat_requests)
    assert calls == 2  # the answer comes from the records, not from the model
    record = json.loads(next((workspace / "outputs").rglob("run.json")).read_text())
    dedup = next(o for o in record["ops"] if o["name"] == "document_deduplicator")
    dropped = dedup["rows_in"] - dedup["rows_out"]
    assert dropped > 0
    final = asked[-1]
    assert isinstance(final, FinalAnswer)
    assert final.text.startswith(f"document_deduplicator dropped {dropped} samples")
    assert any(c.startswith("run:") for c in final.citations)


def test_a_number_the_model_drops_from_the_needs_is_kept_from_the_request(make_service):
    script = [FakeReply.json({"needs": ["drop long documents"]}), "Done."]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        events = list(service.ask(None, "drop documents longer than 10000 characters", data="data/web.jsonl"))
    recipe = service.draft(events[-1].session_id).recipe
    assert recipe["process"] == [{"text_length_filter": {"max_len": 10000}}] or \
        recipe["process"][0]["text_length_filter"]["max_len"] == 10000


def test_a_need_the_model_leaves_out_is_taken_from_the_request(make_service):
    script = [FakeReply.json({"needs": ["drop very short docs"]}), "Done."]
    with FakeOpenAIServer(script) as server:
        service = make_service(server.chat_model())
        events = list(service.ask(None, "drop very short docs and spam", data="data/web.jsonl"))
    assert ops_of(service.draft(events[-1].session_id).recipe) == ["text_length_filter", "word_repetition_filter"]
