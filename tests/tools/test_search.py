"""search_ops, get_op and search_recipes over the knowledge index (fake embedder: fast, deterministic)."""

from __future__ import annotations

import pytest

from recipe_copilot.tools import ToolContext, get_op, search_ops, search_recipes


def test_search_ops_returns_docs_of_the_requested_kind(ctx):
    res = search_ops(ctx, {"query": "deduplicate documents", "type": "deduplicator", "k": 3})
    assert res.ok, res.error
    assert len(res.ops) == 3 and all(o.type == "deduplicator" for o in res.ops)
    assert "document_deduplicator" in [o.name for o in res.ops]
    assert all(o.score is not None and o.description for o in res.ops)


def test_search_by_exact_name_ranks_it_first(ctx):
    res = search_ops(ctx, {"query": "clean_email_mapper"})
    assert res.ops[0].name == "clean_email_mapper"


def test_get_op_gives_params_with_defaults_and_bounds(ctx):
    op = get_op(ctx, {"name": "text_length_filter"}).op
    params = {p.name: p for p in op.params}
    assert op.type == "filter" and op.stat_key == "text_len"
    assert params["min_len"].default == 10 and params["max_len"].default == "unbounded"
    assert "min_len" in op.example or op.example


def test_get_op_unknown_name_lists_the_closest(ctx):
    res = get_op(ctx, {"name": "text_lenght_filter"})
    assert res.error.code == "unknown_op" and "text_length_filter" in res.error.details["suggestions"]
    assert "search_ops" in res.error.hint


def test_search_recipes_returns_ready_mappings(ctx):
    res = search_recipes(ctx, {"query": "arxiv latex papers", "k": 2})
    assert res.ok and len(res.recipes) == 2
    top = res.recipes[0]
    assert top.name == "arxiv_latex" and top.recipe["process"] and top.ops


def test_empty_queries_are_bad_requests(ctx):
    assert search_ops(ctx, {"query": ""}).error.code == "bad_request"
    assert search_recipes(ctx, {"query": "x", "k": 50}).error.code == "bad_request"


class _BrokenIndex:
    """An index whose store cannot be reached."""

    def ensure_synced(self, kinds):
        from recipe_copilot.knowledge import IndexUnavailableError

        msg = "Chroma server at http://127.0.0.1:9 does not answer"
        raise IndexUnavailableError(msg)


def test_an_unreachable_index_is_a_typed_error(workspace):
    ctx = ToolContext.open(workspace, knowledge=_BrokenIndex())
    res = search_ops(ctx, {"query": "remove emails"})
    assert res.error.code == "knowledge_unavailable" and "9" in res.error.message and res.error.hint


@pytest.mark.parametrize("tool", [search_ops, search_recipes])
def test_without_an_index_the_default_one_under_copilot_data_dir_is_used(workspace, monkeypatch, tool):
    import recipe_copilot.knowledge as knowledge
    from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings
    from recipe_copilot.knowledge.testing import HashingEmbedder

    used = []

    def fake_default():
        used.append(True)
        return KnowledgeIndex(KnowledgeSettings(), embedder=HashingEmbedder())

    monkeypatch.setattr(knowledge, "default_index", fake_default)
    res = tool(ToolContext.open(workspace), {"query": "remove emails"})
    assert res.ok and used
