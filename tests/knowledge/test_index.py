"""The index on a real Chroma store with real embeddings: first build, incremental rebuild,
removal, runs, and the search API."""

from __future__ import annotations

import sys

import pytest

import recipe_copilot.knowledge.opdocs as opdocs
from recipe_copilot.engine.ops import op_names, registry
from recipe_copilot.engine.recipe import recipe_from_mapping
from recipe_copilot.engine.testing import write_jsonl
from recipe_copilot.knowledge import (
    InvalidQueryError,
    KnowledgeIndex,
    KnowledgeSettings,
    KnowledgeSourceError,
    search_ops,
    search_recipes,
    search_runs,
)
from recipe_copilot.knowledge.recipedocs import bundled_recipe_paths


def test_first_build_indexes_every_op_and_recipe_quickly(built, bundled):
    index, report, seconds = built
    assert sorted(i.split(":", 1)[1] for i in report.changes["op"].added) == bundled
    assert set(bundled) == {n for n in op_names() if n != "fake_failing_mapper"}
    assert len(report.changes["recipe"].added) == len(bundled_recipe_paths())
    assert report.embedded == len(bundled) + len(bundled_recipe_paths())
    assert index.count("op") == len(bundled)
    assert seconds < 60, f"first build took {seconds:.1f}s"


def test_second_sync_embeds_nothing(index, bundled):
    report = index.sync(kinds=("op", "recipe"))
    assert not report.changed and report.embedded == 0
    assert report.changes["op"].unchanged == len(bundled)


FEW = ("clean_email_mapper", "clean_ip_mapper", "text_length_filter", "document_deduplicator")


@pytest.fixture
def few_ops(monkeypatch) -> tuple[str, ...]:
    """Index only a few ops, still generated from their classes on every sync (keeps these tests fast)."""
    monkeypatch.setattr(opdocs, "op_documents", lambda: [opdocs.op_to_document(registry()[n]) for n in FEW])
    return FEW


def test_changing_one_op_doc_re_embeds_only_that_doc(fresh_index, few_ops, monkeypatch):
    fresh_index.sync(kinds=("op",))
    first = len(fresh_index.embedder.texts)
    assert first == 2 * len(few_ops)  # the full text and the summary of every op
    cls = registry()["clean_ip_mapper"]
    monkeypatch.setattr(cls, "__doc__", (cls.__doc__ or "") + "\n\nScrubs IP addresses out of server logs.")
    report = fresh_index.sync(kinds=("op",))
    assert report.changes["op"].updated == ["op:clean_ip_mapper"]
    assert report.changes["op"].unchanged == len(few_ops) - 1
    assert report.embedded == 1
    assert len(fresh_index.embedder.texts) - first == 2
    assert any("server logs" in t for t in fresh_index.embedder.texts[first:])


def test_an_op_that_disappears_is_removed_and_comes_back(fresh_index, few_ops, monkeypatch):
    fresh_index.sync(kinds=("op",))
    everything = opdocs.op_documents()
    monkeypatch.setattr(opdocs, "op_documents", lambda: [d for d in everything if d.name != "clean_ip_mapper"])
    report = fresh_index.sync(kinds=("op",))
    assert report.changes["op"].removed == ["op:clean_ip_mapper"] and report.embedded == 0
    assert fresh_index.count("op") == len(few_ops) - 1
    assert fresh_index.collection().get(ids=["op:clean_ip_mapper#summary"])["ids"] == []
    monkeypatch.setattr(opdocs, "op_documents", lambda: everything)
    report = fresh_index.sync(kinds=("op",))
    assert report.changes["op"].added == ["op:clean_ip_mapper"] and report.embedded == 1


def test_a_new_embedding_model_re_embeds_everything(fresh_index, few_ops):
    fresh_index.sync(kinds=("op",))
    fresh_index.embedder.model_id = "another-model"
    report = fresh_index.sync(kinds=("op",))
    assert sorted(report.changes["op"].updated) == sorted(f"op:{n}" for n in few_ops)


def test_rebuild_drops_and_embeds_all(fresh_index, few_ops):
    fresh_index.sync(kinds=("op",))
    report = fresh_index.sync(kinds=("op",), rebuild=True)
    assert len(report.changes["op"].added) == len(few_ops) and report.embedded == len(few_ops)


def test_index_persists_across_index_objects(fresh_index, few_ops, embedder):
    fresh_index.sync(kinds=("op",))
    again = KnowledgeIndex(fresh_index.settings, embedder=embedder)
    assert again.sync(kinds=("op",)).changes["op"].unchanged == len(few_ops)


def test_hybrid_search_finds_minhash_by_need_and_by_name(index):
    by_need = [h.name for h in search_ops("drop near-duplicate documents", k=3, index=index)]
    assert "document_minhash_deduplicator" in by_need
    by_name = search_ops("minhash", k=3, index=index)
    assert by_name[0].name == "document_minhash_deduplicator"
    assert by_name[0].keyword_score == 1.0 and by_name[0].score > by_name[1].score


def test_search_hit_carries_the_generated_doc(index):
    hit = search_ops("fuzzy dedup with a jaccard threshold", k=1, index=index)[0]
    assert hit.name == "document_minhash_deduplicator" and hit.type == "deduplicator" and hit.modality == "text"
    assert hit.description.startswith("Drop samples whose shingle sets are near-duplicates")
    params = {p["name"]: p for p in hit.params}
    assert params["jaccard_threshold"]["default"] == 0.7 and params["jaccard_threshold"]["le"] == 1
    assert hit.score == pytest.approx(hit.similarity + 0.1 * hit.keyword_score, abs=1e-3)


def test_search_filters_by_type_and_modality(index):
    hits = search_ops("remove lines that repeat", type="mapper", k=5, index=index)
    assert hits and all(h.type == "mapper" for h in hits)
    assert all(h.modality == "text" for h in search_ops("blur faces", modality="text", k=3, index=index))
    faces = search_ops("blur faces", modality="image", k=3, index=index)
    assert faces and all(h.modality == "image" for h in faces)
    assert "image_face_blur_mapper" in [h.name for h in faces]
    assert all(h.modality == "audio" for h in search_ops("short clips", modality="audio", k=3, index=index))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"query": "  "}, "non-empty"), ({"query": "x", "k": 0}, "k=0"), ({"query": "x", "type": "mappers"}, "mapper"),
])
def test_bad_search_arguments_say_what_to_do(index, kwargs, message):
    with pytest.raises(InvalidQueryError, match=message):
        search_ops(**kwargs, index=index)


@pytest.mark.parametrize(("query", "expected"), [
    ("clean arXiv LaTeX papers", "arxiv_latex"),
    ("instruction tuning chat conversations for SFT", "instruction_tuning"),
    ("image caption pairs like LAION", "image_text_pairs"),
    ("source code from GitHub", "code"),
    ("Chinese web pages", "chinese_text"),
    ("a quick first clean of any text dataset", "quick_clean"),
    ("Common Crawl web text for pretraining", "pretrain_web_text"),
    ("video clips with captions", "video"),
])
def test_search_recipes(index, query, expected):
    hits = search_recipes(query, k=3, index=index)
    assert hits[0].name == expected, [h.name for h in hits]
    assert hits[0].path.endswith(f"{expected}.yaml") and hits[0].ops
    recipe_from_mapping(hits[0].recipe)


def _run(tmp_path, name: str, rows: list[dict], process: list) -> None:
    from recipe_copilot.engine.executors import InProcessExecutor

    data = write_jsonl(tmp_path / f"{name}.jsonl", rows)
    recipe = recipe_from_mapping({"project_name": name, "dataset_path": str(data), "np": 1, "process": process,
                                  "export_path": str(tmp_path / "work" / name / "out.jsonl")})
    InProcessExecutor(recipe).run()


def test_runs_are_indexed_searched_and_removed(tmp_path, embedder):
    idx = KnowledgeIndex(KnowledgeSettings(data_dir=tmp_path / "idx"), embedder=embedder)
    prose = [{"text": f"A long enough English sentence about topic {i} for the run."} for i in range(30)]
    _run(tmp_path, "english-web-clean", [*prose, {"text": "tiny"}],
         [{"whitespace_normalization_mapper": None}, {"text_length_filter": {"min_len": 20}}])
    _run(tmp_path, "latex-papers", [{"text": "\\section{A} text " * 5}], [{"remove_comments_mapper": None}])
    report = idx.sync(kinds=("run",), runs_dirs=[tmp_path / "work"])
    assert len(report.changes["run"].added) == 2 and idx.count("run") == 2

    hits = search_runs({"format": "jsonl", "language": "English", "kind": "web text", "ops": "text_length_filter"},
                       k=2, index=idx)
    top = hits[0]
    assert top.project_name == "english-web-clean"
    assert top.rows_in == 31 and top.rows_out == 30 and top.kept_ratio == pytest.approx(30 / 31, abs=1e-3)
    assert [(o["name"], o["kept_ratio"]) for o in top.ops][-1] == ("text_length_filter", pytest.approx(30 / 31, abs=1e-3))
    assert top.input["formats"] == ["jsonl"] and top.recipe["project_name"] == "english-web-clean"
    assert search_runs("LaTeX papers, comments removed", k=1, index=idx)[0].project_name == "latex-papers"

    # a run folder that is deleted leaves the index; runs elsewhere are kept
    gone = next((tmp_path / "work" / "latex-papers" / "runs").iterdir())
    for f in gone.iterdir():
        f.unlink()
    gone.rmdir()
    report = idx.sync(kinds=("run",), runs_dirs=[tmp_path / "work"])
    assert len(report.changes["run"].removed) == 1 and report.changes["run"].unchanged == 1
    assert idx.sync(kinds=("run",), runs_dirs=[tmp_path / "elsewhere"]).changes["run"].unchanged == 1


def test_add_run_indexes_one_finished_run(tmp_path, embedder):
    idx = KnowledgeIndex(KnowledgeSettings(data_dir=tmp_path / "idx"), embedder=embedder)
    _run(tmp_path, "one", [{"text": "some text to keep around"}], [{"text_length_filter": {"min_len": 5}}])
    run_json = next((tmp_path / "work" / "one" / "runs").glob("*/run.json"))
    assert len(idx.add_run(run_json).added) == 1
    assert idx.add_run(run_json).unchanged == 1
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(KnowledgeSourceError, match="not a readable run record"):
        idx.add_run(tmp_path / "bad.json")


def test_importing_the_package_loads_no_heavy_module():
    import subprocess

    code = ("import sys, recipe_copilot.knowledge; "
            "print([m for m in ('torch', 'transformers', 'chromadb', 'sentence_transformers') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_fake_embedder_seam_builds_a_real_index_without_torch(tmp_path):
    import subprocess

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings, search_ops\n"
        "from recipe_copilot.knowledge.testing import HashingEmbedder\n"
        f"idx = KnowledgeIndex(KnowledgeSettings(data_dir=Path({str(tmp_path)!r})), embedder=HashingEmbedder())\n"
        "idx.sync(kinds=('op',))\n"
        "print(search_ops('minhash', k=1, index=idx)[0].name)\n"
        "print([m for m in ('torch', 'transformers') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["document_minhash_deduplicator", "[]"]


def test_unknown_kind_is_refused(fresh_index):
    with pytest.raises(InvalidQueryError, match="unknown document kind"):
        fresh_index.sync(kinds=("runs",))
