"""propose_recipe: needs -> ops (knowledge index + phrasing table), defaults from bundled recipes, thresholds from data."""

from __future__ import annotations

import math
import os
import sys

import pytest

from recipe_copilot.engine.ops.common.hashing import optimal_param
from recipe_copilot.engine.testing import run_rows, write_jsonl
from recipe_copilot.tools import ToolContext, dry_run, propose_recipe, validate_recipe

NEEDS = ["drop short docs", "remove emails", "dedup", "drop near-duplicates", "drop toxic content"]


def test_one_op_per_need_in_recipe_order(ctx):
    res = propose_recipe(ctx, {"needs": NEEDS})
    assert res.ok, res.error
    ops = [c.op for c in res.choices]
    assert ops == ["clean_email_mapper", "text_length_filter", "flagged_words_filter", "document_deduplicator",
                   "document_minhash_deduplicator"]
    assert [next(iter(i)) for i in res.recipe["process"]] == ops
    assert res.recipe["export_path"] == "outputs/proposed/proposed.jsonl" and "dataset_path" not in res.recipe
    for choice in res.choices:
        assert choice.needs and choice.why and choice.description
    email = res.choices[0]
    assert email.needs == ["remove emails"] and "clean_email_mapper" in email.why
    assert res.unmatched == [] and res.yaml.startswith("project_name: proposed")


@pytest.mark.parametrize(("need", "op", "params"), [
    ("drop docs under 50 words", "words_num_filter", {"min_num": 50}),
    ("drop documents with more than 2,000 words", "words_num_filter", {"max_num": 2000}),
    ("drop documents longer than 10000 characters", "text_length_filter", {"max_len": 10000}),
    ("drop texts shorter than 200 characters", "text_length_filter", {"min_len": 200}),
    ("drop documents where more than 30% of the characters are special characters", "special_characters_filter",
     {"max_ratio": 0.3}),
])
def test_numbers_the_need_states_become_the_bounds(ctx, need, op, params):
    res = propose_recipe(ctx, {"needs": [need], "dataset": "data/web.jsonl"})
    assert res.ok, res.error
    choice = res.choices[0]
    assert choice.op == op
    for name, value in params.items():
        assert choice.params[name] == value and name in choice.stated
        assert any(why.startswith(f"{name} = {value}: stated") for why in choice.params_why)


@pytest.mark.parametrize(("need", "op", "params"), [
    ("keep only English documents", "language_id_score_filter", {"lang": "en"}),
    ("keep German and French texts", "language_id_score_filter", {"lang": ["fr", "de"]}),
    ("remove the boilerplate lines that repeat across many pages", "document_line_deduplicator", {}),
    ("drop spam", "word_repetition_filter", {}),
])
def test_common_phrasings_pick_their_op(ctx, need, op, params):
    res = propose_recipe(ctx, {"needs": [need]})
    assert res.ok, res.error
    assert res.choices[0].op == op
    assert {k: res.choices[0].params[k] for k in params} == params


def test_it_is_deterministic(ctx):
    first = propose_recipe(ctx, {"needs": NEEDS})
    assert propose_recipe(ctx, {"needs": NEEDS}).recipe == first.recipe


def test_needs_served_by_the_same_op_are_merged(ctx):
    res = propose_recipe(ctx, {"needs": ["dedup", "remove duplicate documents"]})
    assert [c.op for c in res.choices] == ["document_deduplicator"]
    assert res.choices[0].needs == ["dedup", "remove duplicate documents"]


def test_without_a_hint_the_best_search_hit_of_the_asked_kind_wins(ctx):
    res = propose_recipe(ctx, {"needs": ["normalize punctuation"]})
    (choice,) = res.choices
    assert choice.kind == "mapper" and "search hit" in choice.why


def test_params_are_borrowed_from_a_cited_bundled_recipe(ctx):
    import yaml

    from recipe_copilot.knowledge.recipedocs import RECIPES_DIR

    res = propose_recipe(ctx, {"needs": ["drop near-duplicates"]})
    (choice,) = res.choices
    (name,) = res.cited_recipes  # no dataset: nothing replaces the borrowed values
    recipe = yaml.safe_load((RECIPES_DIR / f"{name}.yaml").read_text())
    item = next(i for i in recipe["process"] if isinstance(i, dict) and choice.op in i)
    assert choice.params == item[choice.op] and f"from the bundled recipe {name!r}" in choice.params_why[0]


def test_thresholds_come_from_the_data_and_match_a_dry_run(ctx, workspace):
    write_jsonl(workspace / "len.jsonl", [{"text": "x" * n} for n in [10] * 10 + [100] * 80 + [1000] * 10])
    res = propose_recipe(ctx, {"needs": ["drop very long docs"], "dataset": "len.jsonl", "k": 1})
    (choice,) = res.choices
    assert choice.op == "text_length_filter" and choice.params["max_len"] == 456
    assert choice.predicted_drop_rate == 0.1 and "1·std" in choice.params_why[-1]
    dry = dry_run(ctx, {"source": {"recipe": res.recipe}, "n": 100})
    assert dry.ops[0].kept_ratio == pytest.approx(1 - choice.predicted_drop_rate)


def test_no_outliers_keeps_the_default_and_says_so(ctx, workspace):
    write_jsonl(workspace / "even.jsonl", [{"text": "x" * (1100 + 7 * (i % 50))} for i in range(300)])
    res = propose_recipe(ctx, {"needs": ["drop short docs"], "dataset": "even.jsonl"})
    (choice,) = res.choices
    assert "no outliers" in choice.params_why[-1] and choice.predicted_drop_rate == 0.0
    assert "max_len" not in choice.params  # only the side the need asks for


def test_tiny_junk_documents_of_the_sample_are_what_short_docs_drops(ctx, workspace):
    res = propose_recipe(ctx, {"needs": ["drop short docs"], "dataset": "data/web.jsonl", "n": 500})
    (choice,) = res.choices
    assert "log text_len" in choice.params_why[-1]
    assert res.cited_recipes == []  # a bound borrowed from a bundled recipe was replaced by the data's: not cited
    dry = dry_run(ctx, {"source": {"recipe": res.recipe}, "n": 500, "examples": 20})
    assert dry.ok, dry.error
    dropped = [e["text"] for e in dry.ops[0].dropped]
    assert dropped and all(len(t) < choice.params["min_len"] for t in dropped)
    assert {"test", "lol"} <= set(dropped)  # the planted junk ('test', 'lol', 'N/A'...)


def test_a_proposal_can_become_a_draft_that_runs(ctx):
    res = propose_recipe(ctx, {"needs": ["remove emails", "drop short docs"], "dataset": "data/web.jsonl",
                               "draft_id": "main", "project_name": "web"})
    assert res.draft_id == "main" and res.version == 0
    assert validate_recipe(ctx, {"source": {"draft_id": "main"}}).ok
    again = propose_recipe(ctx, {"needs": ["dedup"], "draft_id": "main"})
    assert again.version == 1


class _NoIndex:
    def ensure_synced(self, kinds):
        from recipe_copilot.knowledge import IndexUnavailableError

        msg = "no index here"
        raise IndexUnavailableError(msg)


def test_without_the_index_only_the_phrasing_table_answers(workspace):
    ctx = ToolContext.open(workspace, knowledge=_NoIndex())
    res = propose_recipe(ctx, {"needs": ["remove emails", "make it sparkle"]})
    assert res.ok and [c.op for c in res.choices] == ["clean_email_mapper"]
    assert res.unmatched == ["make it sparkle"] and "unavailable" in res.notes[0]


@pytest.mark.parametrize(("args", "code"), [
    ({"needs": []}, "bad_request"),
    ({"needs": ["dedup"], "dataset": "../x.jsonl"}, "path_outside_workspace"),
    ({"needs": ["drop short docs"], "dataset": "missing.jsonl"}, "not_found"),
])
def test_errors_are_typed(ctx, args, code):
    res = propose_recipe(ctx, args)
    assert not res.ok and res.error.code == code, res.error


REAL_OPS = ["punctuation_normalization_mapper", "remove_table_text_mapper", "remove_header_mapper",
            "clean_links_mapper", "whitespace_normalization_mapper", "sentence_split_mapper",
            "remove_long_words_mapper", "clean_html_mapper", "words_num_filter", "special_characters_filter",
            "text_length_filter", "document_simhash_deduplicator"]


def _model_is_loaded() -> bool:
    embedding = sys.modules.get("recipe_copilot.engine.ops.common.embedding")
    return embedding is not None and bool(embedding._LOADED)


def test_with_the_real_embedder_needs_without_a_phrasing_find_their_op(workspace, tmp_path, monkeypatch):
    """The one test on the packaged MiniLM model (a dozen op documents, to stay quick).

    Loading the model takes ~10 s, so the test runs when the knowledge tests (which run first
    in the full suite) have loaded it, or with ``RC_REAL_EMBEDDER=1``.
    """
    if not (os.environ.get("RC_REAL_EMBEDDER") or _model_is_loaded()):
        pytest.skip("MiniLM is not loaded yet in this process; set RC_REAL_EMBEDDER=1 to load it here")
    import recipe_copilot.knowledge.opdocs as opdocs
    from recipe_copilot.engine.ops import registry
    from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings

    monkeypatch.setattr(opdocs, "op_documents", lambda: [opdocs.op_to_document(registry()[n]) for n in REAL_OPS])
    index = KnowledgeIndex(KnowledgeSettings(data_dir=tmp_path / "real", chroma_url=None))
    ctx = ToolContext.open(workspace, knowledge=index)
    needs = ["normalize punctuation", "remove tables", "split into sentences", "strip very long words"]
    res = propose_recipe(ctx, {"needs": needs})
    chosen = {c.needs[0]: c.op for c in res.choices}
    assert chosen == {"normalize punctuation": "punctuation_normalization_mapper",
                      "remove tables": "remove_table_text_mapper", "split into sentences": "sentence_split_mapper",
                      "strip very long words": "remove_long_words_mapper"}
    assert all("search hit" in c.why for c in res.choices if c.op != "remove_long_words_mapper")


def test_near_duplicates_said_to_differ_by_two_words_get_a_threshold_that_catches_them(ctx, workspace):
    import random

    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(3000)]
    originals = [" ".join(rng.choice(vocab) for _ in range(40)) for _ in range(200)]
    rows = [{"text": t} for t in originals]
    for t in originals[:20]:  # 20 near-duplicates, two words replaced in each
        words = t.split()
        for j in rng.sample(range(len(words)), 2):
            words[j] = rng.choice(vocab)
        rows.append({"text": " ".join(words)})
    write_jsonl(workspace / "near.jsonl", rows)
    res = propose_recipe(ctx, {"needs": ["remove near-duplicate documents that differ in only a word or two"],
                               "dataset": "near.jsonl"})
    (choice,) = res.choices
    shingles = 40 - 5 + 1
    assert choice.op == "document_minhash_deduplicator"
    bound = math.floor((shingles - 10) / (shingles + 10) * 100) / 100  # the worst case of two changed words
    assert f"Jaccard >= {bound}" in choice.params_why[-1] and "2 changed word(s)" in choice.params_why[-1]
    threshold = choice.params["jaccard_threshold"]
    bands, rows = optimal_param(threshold, 256)
    assert threshold < bound and 1 - (1 - bound**rows) ** bands >= 0.9
    dry = dry_run(ctx, {"source": {"recipe": res.recipe}, "n": 220})
    assert 200 <= dry.ops[0].rows_out <= 202  # (nearly) every planted near-duplicate found, no original lost


def test_a_stated_edit_count_never_raises_the_threshold(ctx, workspace):
    write_jsonl(workspace / "long.jsonl", [{"text": " ".join(f"w{i}x{j}" for j in range(400))} for i in range(50)])
    res = propose_recipe(ctx, {"needs": ["drop near duplicates that differ by one word"], "dataset": "long.jsonl"})
    (choice,) = res.choices
    kept = choice.params.get("jaccard_threshold", 0.7)  # the borrowed or default value, lower than 0.97
    assert choice.params_why[-1].startswith(f"jaccard_threshold = {kept}: 1 changed word(s)")
    assert "Jaccard >= 0.97" in choice.params_why[-1]


def _pages(n: int, boilerplate: int) -> list[dict]:
    footers = ["Subscribe | Cookie settings | Terms", "Share this page: Facebook Twitter", "All rights reserved."]
    rows = [{"text": f"Page {i} talks about topic {i * 7919 % 10007}.\nIts second line, number {i}."}
            for i in range(n)]
    for i in range(boilerplate):
        rows[i * 7 % n]["text"] += "\n" + footers[i % 3]
    return rows


def test_a_line_threshold_borrowed_for_big_crawls_is_sized_to_a_small_dataset(ctx, workspace):
    write_jsonl(workspace / "pages.jsonl", _pages(300, 36))  # each footer line in 12 of 300 pages
    res = propose_recipe(ctx, {"needs": ["remove the boilerplate lines that repeat across many pages"],
                               "dataset": "pages.jsonl"})
    (choice,) = res.choices
    assert choice.op == "document_line_deduplicator" and choice.params["frequency_threshold"] == 3
    assert "3 distinct line(s)" in choice.params_why[-1]
    out = run_rows(_pages(300, 36), res.recipe["process"])
    texts = [r["text"] for r in out.rows]
    assert len(texts) == 300 and not any("Cookie settings" in t or "rights reserved" in t for t in texts)
    assert texts[0] == "Page 0 talks about topic 0.\nIts second line, number 0."  # the page's own lines stay


def test_a_line_threshold_is_left_alone_on_a_large_dataset(ctx, workspace):
    write_jsonl(workspace / "many.jsonl", _pages(4000, 120))
    res = propose_recipe(ctx, {"needs": ["remove the boilerplate lines that repeat across many pages"],
                               "dataset": "many.jsonl", "n": 500})
    (choice,) = res.choices
    assert choice.params.get("frequency_threshold", 6) <= 40  # 1% of 4,000 is 40: nothing lowered
    assert not any("suits a larger crawl" in why for why in choice.params_why)
